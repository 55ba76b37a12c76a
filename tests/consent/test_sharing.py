"""Consent-governed sharing: who sees a person, and when that stops."""

import datetime

import pytest
from django.urls import reverse

from agencies.models import Role, StaffMembership
from audit.models import AccessEvent
from casework.models import Person
from consent import policy, services
from consent.models import ConsentRecord, PersonAccess
from core.errors import ApplicationError, ConsentRequired, Forbidden
from tests.factories import person_with_case, share_with, staff

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def visible(user, person):
    return Person.objects.for_user(user).filter(pk=person.pk).exists()


def test_sharing_without_consent_is_refused_with_clear_message(caseworker_a, case_a, jobcentre_a):
    with pytest.raises(ConsentRequired, match="has not consented"):
        services.case_involve(user=caseworker_a, case=case_a, agency=jobcentre_a)
    assert not case_a.involvements.exists()


def test_share_page_shows_consent_message_and_link(client_for, caseworker_a, case_a, jobcentre_a):
    response = client_for(caseworker_a).post(
        reverse("consent:case_share", args=[case_a.pk]),
        {"agency": jobcentre_a.pk, "categories": ["identity", "employment"]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "has not consented to share their record with Jobcentre A" in html
    assert reverse("consent:consent_create", args=[case_a.person_id]) in html


def test_consent_then_share_makes_person_visible_to_work_coach(
    caseworker_a, case_a, work_coach_a, jobcentre_a
):
    assert not visible(work_coach_a, case_a.person)
    share_with(caseworker_a, case_a, jobcentre_a)
    assert visible(work_coach_a, case_a.person)
    actions = list(
        AccessEvent.objects.filter(person=case_a.person).values_list("action", flat=True)
    )
    assert "share" in actions and actions.count("create") == 3  # person, case, consent


def test_consent_alone_without_involvement_shows_nothing(
    caseworker_a, case_a, work_coach_a, jobcentre_a
):
    services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=["identity", "case"],
        method="signed_form",
        form_version="v3",
        given_on=TODAY(),
    )
    assert not visible(work_coach_a, case_a.person)


def test_withdrawal_hides_person_on_the_very_next_request(
    client_for, caseworker_a, case_a, work_coach_a, jobcentre_a
):
    consent = share_with(caseworker_a, case_a, jobcentre_a)
    coach = client_for(work_coach_a)
    url = reverse("casework:person_detail", args=[case_a.person_id])
    assert coach.get(url).status_code == 200
    client_for(caseworker_a).post(
        reverse("consent:consent_withdraw", args=[consent.pk]), {"reason": "Person asked"}
    )
    assert coach.get(url).status_code == 404
    assert coach.get(f"/api/v1/people/{case_a.person_id}/").status_code == 404


def test_expired_consent_stops_access_without_any_job(
    caseworker_a, case_a, work_coach_a, jobcentre_a, monkeypatch
):
    share_with(caseworker_a, case_a, jobcentre_a, expires_on=TODAY() + datetime.timedelta(days=10))
    assert visible(work_coach_a, case_a.person)
    monkeypatch.setattr(policy, "today", lambda: TODAY() + datetime.timedelta(days=11))
    assert not visible(work_coach_a, case_a.person)


def test_expiry_job_records_once_and_notifies(
    caseworker_a, case_a, jobcentre_a, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    share_with(caseworker_a, case_a, jobcentre_a, expires_on=TODAY() + datetime.timedelta(days=1))
    monkeypatch.setattr(policy, "today", lambda: TODAY() + datetime.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.consent_expiry_record() == {"expired_recorded": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.consent_expiry_record() == {"expired_recorded": 0}
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [caseworker_a.email]
    assert case_a.person.last_name not in mailoutbox[0].body


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"expires_on": TODAY() - datetime.timedelta(days=3)},
            "Expiry or review date must be after",
        ),
        ({"purposes": ["marketing"]}, "Unknown purpose"),
        ({"purposes": []}, "Select at least one purpose"),
        ({"data_categories": ["shoe_size"]}, "Unknown information category"),
        ({"data_categories": []}, "Select which information"),
        ({"data_categories": ["identity", "health"]}, "Sensitive information"),
        (
            {"purposes": ["employment_support", "sensitive_categories"]},
            "Select each sensitive category",
        ),
        ({"purposes": ["offender_marker"]}, "Information for case management"),
        ({"method": "verbal_witnessed", "witness_name": ""}, "Enter the name of the witness"),
        ({"given_on": TODAY() + datetime.timedelta(days=2)}, "today or in the past"),
    ],
)
def test_bad_consent_is_refused_and_nothing_stored(
    caseworker_a, case_a, jobcentre_a, kwargs, message
):
    data = {
        "purposes": ["employment_support"],
        "data_categories": ["identity", "employment"],
        "method": "signed_form",
        "form_version": "v3",
        "given_on": TODAY(),
    } | kwargs
    with pytest.raises(ApplicationError, match=message):
        services.consent_record(
            user=caseworker_a, person=case_a.person, recipient_agency=jobcentre_a, **data
        )
    assert not ConsentRecord.objects.exists()


def test_withdrawing_twice_is_refused(caseworker_a, case_a, jobcentre_a):
    consent = share_with(caseworker_a, case_a, jobcentre_a)
    services.consent_withdraw(user=caseworker_a, consent=consent, reason="asked")
    with pytest.raises(ApplicationError, match="already been withdrawn"):
        services.consent_withdraw(user=caseworker_a, consent=consent, reason="again")


def test_consent_api_unknown_agency_is_400(api_for, caseworker_a, case_a):
    response = api_for(caseworker_a).post(
        "/api/v1/consents/",
        {
            "person": case_a.person_id,
            "recipient_agency": 999999,
            "purposes": ["employment_support"],
            "given_on": str(TODAY()),
            "method": "signed_form",
            "form_version": "v1",
        },
        format="json",
    )
    assert response.status_code == 400 and "recipient_agency" in response.json()


def test_consent_api_records_and_withdraws(api_for, caseworker_a, case_a, jobcentre_a):
    api = api_for(caseworker_a)
    response = api.post(
        "/api/v1/consents/",
        {
            "person": case_a.person_id,
            "recipient_agency": jobcentre_a.pk,
            "purposes": ["employment_support", "sensitive_categories"],
            "data_categories": ["identity", "employment", "health"],
            "given_on": str(TODAY()),
            "method": "signed_form",
            "form_version": "v1",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert set(response.json()["purposes"]) == {"employment_support", "sensitive_categories"}
    consent_id = response.json()["id"]
    assert (
        api.post(f"/api/v1/consents/{consent_id}/withdraw/", {}, format="json").status_code == 400
    )
    response = api.post(
        f"/api/v1/consents/{consent_id}/withdraw/", {"reason": "asked"}, format="json"
    )
    assert response.status_code == 200 and response.json()["withdrawn_on"] == str(TODAY())
    assert (
        api.post(
            f"/api/v1/consents/{consent_id}/withdraw/", {"reason": "x"}, format="json"
        ).status_code
        == 400
    )


def test_share_api_answers_409_consent_required_then_201(
    api_for, caseworker_a, case_a, jobcentre_a, caseworker_b
):
    api = api_for(caseworker_a)
    share = {"agency": jobcentre_a.pk, "categories": ["identity", "employment"]}
    response = api.post(f"/api/v1/cases/{case_a.pk}/share/", share, format="json")
    assert response.status_code == 409 and response.json()["code"] == "consent_required"
    services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=["identity", "employment"],
        method="signed_form",
        form_version="v3",
        given_on=TODAY(),
    )
    response = api.post(f"/api/v1/cases/{case_a.pk}/share/", share, format="json")
    assert response.status_code == 201
    assert response.json()["categories"] == ["identity", "employment"]
    assert (
        api.post(
            f"/api/v1/cases/{case_a.pk}/share/", share | {"agency": 999999}, format="json"
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"/api/v1/cases/{case_a.pk}/share/", share | {"categories": ["bogus"]}, format="json"
        ).status_code
        == 400
    )
    other = api_for(caseworker_b).post(f"/api/v1/cases/{case_a.pk}/share/", share, format="json")
    assert other.status_code == 404


def test_sensitive_categories_only_with_consent_purpose(
    caseworker_a, case_a, work_coach_a, jobcentre_a
):
    consent = services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=["identity", "assessment"],
        method="signed_form",
        form_version="v3",
        given_on=TODAY(),
    )
    services.case_involve(
        user=caseworker_a,
        case=case_a,
        agency=jobcentre_a,
        categories=["identity", "assessment", "health", "drugs"],
    )
    assert policy.sees_sensitive(caseworker_a, case_a.person)
    assert not policy.sees_sensitive(work_coach_a, case_a.person)
    # a sensitive consent added later shows the parts it names on the next request...
    sensitive = services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support", "sensitive_categories"],
        data_categories=["identity", "health"],
        method="signed_form",
        form_version="v3",
        given_on=TODAY(),
    )
    assert policy.sees(work_coach_a, case_a.person, "health")
    assert not policy.sees(work_coach_a, case_a.person, "drugs")  # not consented
    assert not policy.sees(work_coach_a, case_a.person, "offence")  # neither consented nor shared
    # ...and its withdrawal hides them on the next
    services.consent_withdraw(user=caseworker_a, consent=sensitive, reason="changed mind")
    assert not policy.sees_sensitive(work_coach_a, case_a.person)
    assert policy.sees(work_coach_a, case_a.person, "assessment") and consent.pk


def test_restricted_person_only_named_users_see(caseworker_a, caseworker_a2, manager_a, case_a):
    person = case_a.person
    services.person_set_restricted(
        user=manager_a, person=person, restricted=True, reason="A victim's safety", confirmed=True
    )
    assert visible(manager_a, person)
    assert not visible(caseworker_a, person) and not visible(caseworker_a2, person)
    services.restricted_access_grant(user=manager_a, person=person, staff_user=caseworker_a)
    assert visible(caseworker_a, person) and not visible(caseworker_a2, person)
    services.restricted_access_revoke(user=manager_a, person=person, staff_user=caseworker_a)
    assert not visible(caseworker_a, person)
    assert list(
        AccessEvent.objects.filter(person=person, action__in=["grant", "revoke"])
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["grant", "revoke"]


def test_only_managers_grant_named_access(caseworker_a, caseworker_a2, case_a):
    with pytest.raises(Forbidden):
        services.restricted_access_grant(
            user=caseworker_a, person=case_a.person, staff_user=caseworker_a2
        )


def test_grant_to_staff_of_another_agency_is_refused(manager_a, caseworker_b, case_a):
    with pytest.raises(ApplicationError, match="does not work for"):
        services.restricted_access_grant(
            user=manager_a, person=case_a.person, staff_user=caseworker_b
        )


def test_person_page_lists_sharing_in_plain_words(client_for, caseworker_a, case_a, jobcentre_a):
    share_with(caseworker_a, case_a, jobcentre_a, expires_on=TODAY() + datetime.timedelta(days=365))
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:person_detail", args=[case_a.person_id]))
        .content.decode()
    )
    assert "<strong>Jobcentre A</strong>: consent until" in html
    assert "identity and contact until" in html


def test_acting_agency_switch_changes_what_is_visible(
    client_for, caseworker_a, person_a, agency_b, person_b
):
    StaffMembership.objects.create(user=caseworker_a, agency=agency_b, role=Role.CASEWORKER)
    client = client_for(caseworker_a)
    assert client.get(reverse("casework:person_detail", args=[person_b.pk])).status_code == 404
    response = client.post(reverse("agencies:choose"), {"agency": agency_b.pk})
    assert response.status_code == 302
    assert client.get(reverse("casework:person_detail", args=[person_b.pk])).status_code == 200
    assert client.get(reverse("casework:person_detail", args=[person_a.pk])).status_code == 404


def test_choosing_an_agency_you_do_not_belong_to_is_refused(client_for, caseworker_a, agency_b):
    response = client_for(caseworker_a).post(reverse("agencies:choose"), {"agency": agency_b.pk})
    assert response.status_code == 200 and "Select one of the options" in response.content.decode()


def test_api_acting_agency_header(caseworker_a, agency_b, person_b):
    from rest_framework.test import APIClient

    from agencies.tokens import api_token_issue

    StaffMembership.objects.create(user=caseworker_a, agency=agency_b, role=Role.CASEWORKER)
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/people/{person_b.pk}/").status_code == 404
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_ACTING_AGENCY=str(agency_b.pk))
    assert api.get(f"/api/v1/people/{person_b.pk}/").status_code == 200
    assert api.get("/api/v1/me/").json()["acting_agency"]["id"] == agency_b.pk
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_ACTING_AGENCY="999999")
    assert api.get("/api/v1/me/").status_code == 403


def test_commissioner_sees_no_person_records(api_for, commissioner_manager, person_a):
    assert api_for(commissioner_manager).get("/api/v1/people/").status_code == 403
    assert not Person.objects.for_user(commissioner_manager).exists()


def test_admin_without_membership_sees_no_case_data(client_for, person_a):
    from agencies.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "long-enough-password")
    client = client_for(admin)
    assert client.get(reverse("casework:person_detail", args=[person_a.pk])).status_code in (
        403,
        404,
    )
    assert client.get("/").status_code == 302


def test_closed_case_owner_keeps_access_for_post_exit_checks(caseworker_a, case_a, monkeypatch):
    from casework import services as case_services

    case_services.case_update(
        user=caseworker_a,
        case=case_a,
        version=case_a.version,
        end_date=TODAY(),
        end_reason="completed",
    )
    assert visible(caseworker_a, case_a.person)
    monkeypatch.setattr(
        policy, "today", lambda: TODAY() + datetime.timedelta(days=policy.OWNER_GRACE_DAYS + 1)
    )
    assert not visible(caseworker_a, case_a.person)


def test_person_access_always_equals_rule_from_scratch(
    caseworker_a, manager_a, case_a, jobcentre_a, provider_a, agency_b
):
    """Drive a sequence of changes; after each, the materialised table equals the rule recomputed."""
    from casework import services as case_services

    person = case_a.person
    other = staff("coach_rule", jobcentre_a)  # noqa: F841 - membership so the agency is real staff-wise

    def check():
        expected = {a: g.columns() for a, g in policy.expected_access(person.pk).items()}
        assert policy.stored_access(person.pk) == expected
        person.refresh_from_db()
        assert {a.restricted for a in PersonAccess.objects.filter(person=person)} <= {
            person.restricted
        }

    check()
    c1 = share_with(
        caseworker_a, case_a, jobcentre_a, expires_on=TODAY() + datetime.timedelta(days=30)
    )
    check()
    share_with(
        caseworker_a, case_a, provider_a, purposes=("employment_support", "sensitive_categories")
    )
    check()
    services.consent_withdraw(user=caseworker_a, consent=c1, reason="asked")
    check()
    services.statutory_gateway_open(
        person=person, agency=agency_b, reason="claim_closure", started_on=TODAY()
    )
    check()
    case_services.case_update(
        user=caseworker_a,
        case=case_a,
        version=case_a.version,
        end_date=TODAY(),
        end_reason="moved_away",
    )
    check()
    _, second = person_with_case(caseworker_a, last_name="Other")
    check()
    services.person_set_restricted(
        user=manager_a, person=person, restricted=True, reason="Staff member", confirmed=True
    )
    check()
    assert PersonAccess.objects.filter(person=person, restricted=True).exists()
    stale = Person.objects.get(pk=person.pk)
    stale.restricted = (
        False  # a caller's copy from before the restriction: the refresh reads the row
    )
    policy.refresh_person_access(stale)
    check()
    assert PersonAccess.objects.filter(person=person, restricted=True).exists()
    services.person_set_restricted(user=manager_a, person=person, restricted=False)
    check()
