"""Issue 18: a referral whose respond-by date has passed shows as overdue on the next request, from
its date, whether or not referral_sla_sweep has run (the sweep only tells the managers and records
the escalation in the referral's history)."""

import datetime

import pytest
from django.urls import reverse

from referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _respond_by(referral, day):
    Referral.objects.filter(pk=referral.pk).update(respond_by=day)


def test_a_referral_past_its_respond_by_date_is_overdue_without_the_sweep(
    client_for, api_for, adviser_a, sent_a
):
    _respond_by(sent_a, TODAY() - datetime.timedelta(days=1))
    page = client_for(adviser_a)
    html = page.get(reverse("referrals:inbox"), {"status": "overdue"}).content.decode()
    assert "1 referral" in html and "govuk-tag--red" in html and "Overdue" in html
    html = page.get(reverse("referrals:detail", args=[sent_a.pk])).content.decode()
    assert "This referral should have been answered by" in html
    assert "Your managers were told" not in html  # no sweep has run
    row = api_for(adviser_a).get(f"/api/v1/referrals/{sent_a.pk}/").json()
    assert row["overdue"] is True and row["overdue_flagged_at"] is None
    assert not ReferralEvent.objects.filter(referral=sent_a, system="referral_sla_sweep").exists()


def test_a_referral_due_today_is_not_yet_overdue(client_for, api_for, adviser_a, sent_a):
    _respond_by(sent_a, TODAY())
    html = (
        client_for(adviser_a)
        .get(reverse("referrals:inbox"), {"status": "overdue"})
        .content.decode()
    )
    assert "0 referrals" in html
    assert api_for(adviser_a).get(f"/api/v1/referrals/{sent_a.pk}/").json()["overdue"] is False
