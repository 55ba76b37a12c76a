import datetime

import pytest
from django.core import mail

from audit.models import AccessEvent
from casework.models import Person
from consent import services as consent_services
from consent.models import CaseInvolvement
from core.errors import ApplicationError, Conflict, ConsentRequired, Forbidden, NotFound
from referrals import services
from referrals.models import Referral, ReferralEvent, Status
from tests.factories import EVERYTHING_BUT_SENSITIVE
from tests.referrals.conftest import give_consent, make_referral

pytestmark = pytest.mark.django_db


def _events(referral):
    return list(
        ReferralEvent.objects.filter(referral=referral).values_list("from_status", "to_status")
    )


def _audit(referral):
    return list(
        AccessEvent.objects.filter(object_type="referrals.referral", object_id=str(referral.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- working days ---------------------------------------------------------------------------


def test_respond_by_skips_weekends():
    friday = datetime.date(2026, 11, 27)
    assert friday.weekday() == 4
    assert services.add_working_days(friday, 1) == datetime.date(2026, 11, 30)  # Monday
    assert services.add_working_days(friday, 5) == datetime.date(2026, 12, 4)
    assert services.add_working_days(datetime.date(2026, 11, 28), 1) == datetime.date(
        2026, 11, 30
    )  # Saturday -> Monday


def test_working_days_between_counts_weekdays_both_ways():
    monday = datetime.date(2026, 11, 23)
    assert services.working_days_between(monday, monday + datetime.timedelta(days=7)) == 5
    assert services.working_days_between(monday, monday + datetime.timedelta(days=4)) == 4
    assert services.working_days_between(monday + datetime.timedelta(days=7), monday) == -5
    assert services.working_days_between(monday, monday) == 0


# --- create and send ------------------------------------------------------------------------


def test_draft_is_created_with_history_and_audit_and_hidden_from_receiver(
    draft_a, caseworker_a, adviser_a, consent_a
):
    assert draft_a.status == Status.DRAFT and draft_a.to_agency == draft_a.provision.agency
    assert _events(draft_a) == [("", "draft")]
    assert _audit(draft_a) == ["create"]
    assert Referral.objects.for_user(caseworker_a).filter(pk=draft_a.pk).exists()
    assert not Referral.objects.for_user(adviser_a).filter(pk=draft_a.pk).exists()


def test_send_without_consent_is_refused_and_stays_draft(draft_a, caseworker_a):
    with pytest.raises(ConsentRequired, match="has not consented"):
        services.referral_send(user=caseworker_a, referral=draft_a)
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DRAFT and draft_a.sent_at is None


def test_send_with_consent_sets_deadline_consent_history_audit_and_emails_receiver(
    draft_a, caseworker_a, consent_a, adviser_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_send(user=caseworker_a, referral=draft_a)
    assert referral.status == Status.SENT and referral.consent == consent_a
    assert referral.respond_by == services.add_working_days(referral.sent_at.date(), 5)
    assert _events(referral) == [("", "draft"), ("draft", "sent")]
    assert _audit(referral) == ["create", "share"]
    assert [m.to for m in mail.outbox] == [[adviser_a.email]]
    assert Referral.objects.for_user(adviser_a).filter(pk=referral.pk).exists()


def test_send_uses_the_provision_response_days(draft_a, caseworker_a, consent_a, provision_a):
    provision_a.response_working_days = 10
    provision_a.save()
    referral = services.referral_send(user=caseworker_a, referral=draft_a)
    assert referral.respond_by == services.add_working_days(referral.sent_at.date(), 10)


def test_consent_must_cover_the_categories_shared(
    caseworker_a, case_a, provision_a, person_a, provider_a
):
    give_consent(caseworker_a, person_a, provider_a, data_categories=["identity"])
    referral = make_referral(
        caseworker_a, case_a, provision_a, send=False, share_categories=["identity", "benefits"]
    )
    with pytest.raises(ConsentRequired, match="does not cover sharing: benefits"):
        services.referral_send(user=caseworker_a, referral=referral)


def test_sensitive_categories_need_a_sensitive_consent(
    caseworker_a, case_a, provision_a, consent_a
):
    referral = make_referral(
        caseworker_a, case_a, provision_a, send=False, share_categories=["offence"]
    )
    with pytest.raises(ConsentRequired, match="sensitive categories"):
        services.referral_send(user=caseworker_a, referral=referral)


def test_cannot_refer_to_own_agency_or_without_a_target(caseworker_a, case_a, agency_a):
    with pytest.raises(ApplicationError, match="own agency"):
        services.referral_create(
            user=caseworker_a, case=case_a, to_agency=agency_a, need="drugs", reason="x"
        )
    with pytest.raises(ApplicationError, match="Select a provision or an agency"):
        services.referral_create(user=caseworker_a, case=case_a, need="drugs", reason="x")


def test_create_refuses_bad_need_empty_reason_inactive_provision_and_closed_case(
    caseworker_a, case_a, provision_a
):
    with pytest.raises(ApplicationError, match="need"):
        services.referral_create(
            user=caseworker_a, case=case_a, provision=provision_a, need="gardening", reason="x"
        )
    with pytest.raises(ApplicationError, match="reason"):
        services.referral_create(
            user=caseworker_a, case=case_a, provision=provision_a, need="drugs", reason="  "
        )
    provision_a.active = False
    provision_a.save()
    with pytest.raises(ApplicationError, match="no longer offered"):
        services.referral_create(
            user=caseworker_a, case=case_a, provision=provision_a, need="drugs", reason="x"
        )
    provision_a.active = True
    provision_a.save()
    case_a.end_date, case_a.end_reason = case_a.start_date, "completed"
    case_a.save()
    with pytest.raises(ApplicationError, match="closed"):
        services.referral_create(
            user=caseworker_a, case=case_a, provision=provision_a, need="drugs", reason="x"
        )


def test_other_agency_cannot_refer_from_a_case_it_cannot_see(caseworker_b, case_a, provision_a):
    with pytest.raises(NotFound):
        services.referral_create(
            user=caseworker_b, case=case_a, provision=provision_a, need="drugs", reason="x"
        )


def test_commissioner_cannot_make_referrals(commissioner_manager, case_a, provision_a):
    with pytest.raises(Forbidden):
        services.referral_create(
            user=commissioner_manager, case=case_a, provision=provision_a, need="drugs", reason="x"
        )


def test_draft_can_be_changed_only_by_sender_and_with_current_version(
    draft_a, caseworker_a, adviser_a
):
    updated = services.referral_update(
        user=caseworker_a,
        referral=draft_a,
        version=draft_a.version,
        provision=draft_a.provision,
        need="alcohol",
        reason="Changed",
    )
    assert updated.need == "alcohol" and updated.version == draft_a.version + 1
    with pytest.raises(Conflict):
        services.referral_update(
            user=caseworker_a,
            referral=draft_a,
            version=draft_a.version,
            provision=draft_a.provision,
            need="drugs",
            reason="Stale",
        )
    with pytest.raises(NotFound):
        services.referral_update(
            user=adviser_a,
            referral=draft_a,
            version=updated.version,
            provision=draft_a.provision,
            need="drugs",
            reason="Not mine",
        )


# --- answering ------------------------------------------------------------------------------


def test_accept_involves_receiver_who_then_sees_person_and_sender_is_emailed(
    sent_a, adviser_a, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    assert not Person.objects.for_user(adviser_a).filter(pk=person_a.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_accept(user=adviser_a, referral=sent_a)
    assert referral.status == Status.ACCEPTED and referral.answered_by == adviser_a
    assert CaseInvolvement.objects.filter(
        case=sent_a.case, agency=sent_a.to_agency, basis="referral"
    ).exists()
    assert Person.objects.for_user(adviser_a).filter(pk=person_a.pk).exists()
    assert _events(referral)[-1] == ("sent", "accepted")
    assert _audit(referral)[-1] == "change"
    assert AccessEvent.objects.filter(
        person=person_a, action="share", user=adviser_a
    ).exists()  # the involvement
    assert [m.to for m in mail.outbox] == [[caseworker_a.email]]


def test_accepting_twice_gives_a_clear_conflict(sent_a, adviser_a, adviser_a2):
    services.referral_accept(user=adviser_a, referral=sent_a)
    with pytest.raises(Conflict, match="already been accepted"):
        services.referral_accept(user=adviser_a2, referral=sent_a)
    with pytest.raises(Conflict, match="already been accepted"):
        services.referral_decline(user=adviser_a2, referral=sent_a, reason_code="no_capacity")


def test_stale_version_is_refused(sent_a, adviser_a):
    with pytest.raises(Conflict, match="changed since you opened it"):
        services.referral_accept(user=adviser_a, referral=sent_a, version=sent_a.version - 1)


def test_decline_needs_a_reason_code_and_text_for_other(sent_a, adviser_a):
    with pytest.raises(ApplicationError, match="Select why"):
        services.referral_decline(user=adviser_a, referral=sent_a, reason_code="")
    with pytest.raises(ApplicationError, match="Enter why"):
        services.referral_decline(user=adviser_a, referral=sent_a, reason_code="other", reason=" ")
    referral = services.referral_decline(
        user=adviser_a, referral=sent_a, reason_code="no_capacity", reason="Full until May"
    )
    assert referral.status == Status.DECLINED and referral.decline_reason == "no_capacity"
    assert ReferralEvent.objects.filter(
        referral=referral,
        to_status="declined",
        reason_code="no_capacity",
        reason="Full until May",
        user=adviser_a,
    ).exists()
    assert _audit(referral)[-1] == "change"


def test_start_needs_acceptance_and_complete_needs_start(sent_a, adviser_a):
    with pytest.raises(Conflict, match="waiting for an answer"):
        services.referral_start(user=adviser_a, referral=sent_a)
    with pytest.raises(Conflict):
        services.referral_complete(user=adviser_a, referral=sent_a)
    services.referral_accept(user=adviser_a, referral=sent_a)
    services.referral_start(user=adviser_a, referral=sent_a)
    referral = services.referral_complete(user=adviser_a, referral=sent_a)
    assert referral.status == Status.COMPLETED
    assert _events(referral) == [
        ("", "draft"),
        ("draft", "sent"),
        ("sent", "accepted"),
        ("accepted", "started"),
        ("started", "completed"),
    ]
    assert _audit(referral) == ["create", "share", "change", "change", "change"]


def test_sender_cannot_answer_and_receiver_cannot_withdraw(sent_a, caseworker_a, adviser_a):
    for func in (services.referral_accept, services.referral_start, services.referral_complete):
        with pytest.raises(Forbidden):
            func(user=caseworker_a, referral=sent_a)
    with pytest.raises(Forbidden):
        services.referral_decline(user=caseworker_a, referral=sent_a, reason_code="no_capacity")
    with pytest.raises(Forbidden):
        services.referral_withdraw(user=adviser_a, referral=sent_a, reason_code="sent_in_error")
    sent_a.refresh_from_db()
    assert sent_a.status == Status.SENT


def test_other_agency_gets_not_found_for_every_transition(sent_a, caseworker_b):
    for name, func in services.TRANSITIONS.items():
        kwargs = {"reason_code": "other", "reason": "x"} if name in ("decline", "withdraw") else {}
        with pytest.raises(NotFound):
            func(user=caseworker_b, referral=sent_a, **kwargs)
    with pytest.raises(NotFound):
        services.referral_send(user=caseworker_b, referral=sent_a)


def test_withdraw_by_sender_with_reason_and_receiver_is_told(
    sent_a, caseworker_a, adviser_a, django_capture_on_commit_callbacks
):
    with pytest.raises(ApplicationError, match="Select why"):
        services.referral_withdraw(user=caseworker_a, referral=sent_a, reason_code="bored")
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_withdraw(
            user=caseworker_a, referral=sent_a, reason_code="moved_away"
        )
    assert referral.status == Status.WITHDRAWN and referral.withdraw_reason == "moved_away"
    assert _events(referral)[-1] == ("sent", "withdrawn")
    assert [m.to for m in mail.outbox] == [[adviser_a.email]]
    with pytest.raises(Conflict, match="has been withdrawn"):
        services.referral_withdraw(user=caseworker_a, referral=sent_a, reason_code="moved_away")


def test_withdrawing_a_draft_tells_nobody(
    draft_a, caseworker_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_withdraw(user=caseworker_a, referral=draft_a, reason_code="sent_in_error")
    assert mail.outbox == []


def test_withdrawn_consent_hides_referral_from_receiver_but_not_sender(
    sent_a, consent_a, caseworker_a, adviser_a
):
    consent_services.consent_withdraw(
        user=caseworker_a, consent=consent_a, reason="Changed their mind"
    )
    assert not Referral.objects.for_user(adviser_a).filter(pk=sent_a.pk).exists()
    assert Referral.objects.for_user(caseworker_a).filter(pk=sent_a.pk).exists()
    with pytest.raises(NotFound):
        services.referral_accept(user=adviser_a, referral=sent_a)


def test_accept_refused_when_case_closed_in_the_meantime(sent_a, adviser_a):
    case = sent_a.case
    case.end_date, case.end_reason = case.start_date, "completed"
    case.save()
    with pytest.raises(ApplicationError, match="closed"):
        services.referral_accept(user=adviser_a, referral=sent_a)
    sent_a.refresh_from_db()
    assert sent_a.status == Status.SENT  # rolled back with the refused involvement


# --- duplicates -----------------------------------------------------------------------------


def test_same_provision_open_with_another_agency_is_a_possible_duplicate(
    sent_a, work_coach_a, caseworker_a, case_a, provision_a, person_a, jobcentre_a, adviser_a
):
    consent_services.consent_record(
        user=caseworker_a,
        person=person_a,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    consent_services.case_involve(
        user=caseworker_a, case=case_a, agency=jobcentre_a, categories=EVERYTHING_BUT_SENSITIVE
    )
    second = make_referral(work_coach_a, case_a, provision_a, send=False)
    duplicates = list(
        services.possible_duplicates(
            person=person_a,
            provision=provision_a,
            to_agency=provision_a.agency,
            exclude_pk=second.pk,
        )
    )
    assert duplicates == [sent_a]
    services.referral_decline(user=adviser_a, referral=sent_a, reason_code="no_capacity")
    assert not services.possible_duplicates(
        person=person_a, provision=provision_a, to_agency=provision_a.agency, exclude_pk=second.pk
    ).exists()


def test_referral_to_an_agency_without_provision_uses_the_default_deadline(
    caseworker_a, case_a, person_a, jobcentre_a, work_coach_a, settings
):
    settings.REFERRAL_RESPONSE_WORKING_DAYS = 7
    give_consent(caseworker_a, person_a, jobcentre_a)
    referral = services.referral_create(
        user=caseworker_a,
        case=case_a,
        to_agency=jobcentre_a,
        need="finance_benefit_debt",
        reason="Benefit check",
        share_categories=["identity", "benefits"],
    )
    referral = services.referral_send(user=caseworker_a, referral=referral)
    assert referral.provision is None and referral.to_agency == jobcentre_a
    assert referral.respond_by == services.add_working_days(referral.sent_at.date(), 7)
    assert list(
        services.possible_duplicates(person=person_a, provision=None, to_agency=jobcentre_a)
    ) == [referral]
    assert Referral.objects.for_user(work_coach_a).filter(pk=referral.pk).exists()


def test_provision_and_agency_must_match(caseworker_a, case_a, provision_a, jobcentre_a):
    with pytest.raises(ApplicationError, match="is delivered by Provider A"):
        services.referral_create(
            user=caseworker_a,
            case=case_a,
            provision=provision_a,
            to_agency=jobcentre_a,
            need="drugs",
            reason="x",
        )


def test_restricted_person_referral_is_hidden_from_receiver(sent_a, manager_a, adviser_a, person_a):
    consent_services.person_set_restricted(
        user=manager_a, person=person_a, restricted=True, reason="Staff member", confirmed=True
    )
    assert not Referral.objects.for_user(adviser_a).filter(pk=sent_a.pk).exists()
