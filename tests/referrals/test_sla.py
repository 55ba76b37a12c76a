import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from referrals import services
from referrals.models import Referral, ReferralEvent, Status

pytestmark = pytest.mark.django_db


def _make_late(referral, days=10):
    past = datetime.date.today() - datetime.timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(respond_by=past)


def test_sweep_flags_overdue_once_and_emails_managers_once(
    sent_a, provider_manager, adviser_a, person_a
):
    _make_late(sent_a)
    call_command("runjob", "referral_sla_sweep")
    sent_a.refresh_from_db()
    assert sent_a.overdue_flagged_at is not None and sent_a.is_overdue
    assert (
        ReferralEvent.objects.filter(
            referral=sent_a, system="referral_sla_sweep", reason_code="overdue"
        ).count()
        == 1
    )
    assert [m.to for m in mail.outbox] == [
        [provider_manager.email]
    ]  # managers only, not the adviser
    body = mail.outbox[0].subject + mail.outbox[0].body
    for personal in (person_a.first_name, person_a.last_name, person_a.crn, sent_a.reason):
        assert personal not in body
    assert "/referrals/?direction=in&status=overdue" in body
    flagged_at = sent_a.overdue_flagged_at
    call_command("runjob", "referral_sla_sweep")
    sent_a.refresh_from_db()
    assert sent_a.overdue_flagged_at == flagged_at
    assert len(mail.outbox) == 1
    assert ReferralEvent.objects.filter(referral=sent_a, system="referral_sla_sweep").count() == 1


def test_sweep_leaves_answered_and_not_yet_due_referrals_alone(
    sent_a, adviser_a, provider_manager, caseworker_a, case_a, provision_a
):
    from tests.referrals.conftest import make_referral

    on_time = make_referral(caseworker_a, case_a, provision_a)
    services.referral_accept(user=adviser_a, referral=sent_a)
    _make_late(sent_a)
    result = services.referral_sla_sweep()
    assert result == {"flagged": 0, "emails": 0}
    assert not Referral.objects.filter(
        pk__in=[sent_a.pk, on_time.pk], overdue_flagged_at__isnull=False
    ).exists()
    assert mail.outbox == []


def test_sweep_counts_working_days_from_the_respond_by_date(sent_a, provider_manager):
    assert services.referral_sla_sweep(on=sent_a.respond_by) == {"flagged": 0, "emails": 0}
    result = services.referral_sla_sweep(on=sent_a.respond_by + datetime.timedelta(days=1))
    assert result == {"flagged": 1, "emails": 1}
    assert (
        Referral.objects.get(pk=sent_a.pk).status == Status.SENT
    )  # flagged, still waiting for an answer
