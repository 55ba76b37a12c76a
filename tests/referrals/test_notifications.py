import pytest
from django.core import mail

from consent import services as consent_services
from referrals import services
from referrals.tasks import referral_notify_task
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def _personal(person, referral):
    return [
        person.first_name,
        person.last_name,
        person.crn,
        person.date_of_birth.isoformat(),
        person.date_of_birth.strftime("%d/%m/%Y"),
        referral.reason,
    ]


def test_arrival_email_has_only_agency_names_and_a_link(
    caseworker_a,
    case_a,
    provision_a,
    consent_a,
    adviser_a,
    person_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = make_referral(
            caseworker_a, case_a, provision_a, reason="Struggles with debts and housing"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = message.subject + message.body
    for personal in _personal(person_a, referral):
        assert personal not in text
    assert f"/referrals/{referral.pk}/" in message.body
    assert caseworker_a.acting.agency.name in text


def test_answer_email_to_sender_has_no_personal_data(
    sent_a, adviser_a, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            user=adviser_a,
            referral=sent_a,
            reason_code="other",
            reason=f"{person_a.first_name} is not eligible",
        )
    assert [m.to for m in mail.outbox] == [[caseworker_a.email]]
    text = mail.outbox[0].subject + mail.outbox[0].body
    for personal in _personal(person_a, sent_a):
        assert personal not in text
    assert "declined" in text


def test_notification_is_queued_after_commit_and_skipped_if_consent_withdrawn_meanwhile(
    caseworker_a, case_a, provision_a, consent_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_referral(caseworker_a, case_a, provision_a)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing sent before commit
    consent_services.consent_withdraw(
        user=caseworker_a, consent=consent_a, reason="Changed their mind"
    )
    callbacks[0]()
    assert mail.outbox == []


def test_task_treats_a_vanished_referral_as_done():
    assert referral_notify_task.apply(args=[999999, "sent"]).get() == {"sent": 0, "skipped": "gone"}
