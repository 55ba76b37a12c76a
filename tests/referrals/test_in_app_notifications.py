"""In-app notifications (issue 18): the events that send an email also leave a notice for each
recipient, with an unread count in the header; no personal data; only the user's own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import services as casework_services
from consent import services as consent_services
from core.models import Notification
from referrals import services
from tests.factories import staff
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db
EVERYTHING = ["identity", "custody", "case", "assessment", "plan", "employment", "benefits"]


def test_a_referral_sent_is_a_notice_for_the_receiving_staff_and_opening_it_reads_it(
    client_for,
    caseworker_a,
    case_a,
    provision_a,
    consent_a,
    adviser_a,
    person_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = make_referral(caseworker_a, case_a, provision_a, reason="Debts and housing")
    notice = Notification.objects.get(user=adviser_a)
    assert notice.kind == "referral_sent" and notice.read_at is None
    assert notice.url == reverse("referrals:detail", args=[referral.pk])
    for personal in (person_a.first_name, person_a.last_name, person_a.crn, "Debts"):
        assert personal not in notice.message
    assert not Notification.objects.filter(user=caseworker_a).exists()

    client = client_for(adviser_a)
    home = client.get(reverse("notifications")).content.decode()
    assert "Notifications (1)" in home and "1 unread." in home
    assert "Provider A" not in notice.message and caseworker_a.acting.agency.name in home
    opened = client.post(reverse("notification_open", args=[notice.pk]))
    assert opened.status_code == 302 and opened.url == notice.url
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "Notifications (" not in client.get(reverse("notifications")).content.decode()

    # the sender hears of the answer, in the app as by email
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            user=adviser_a, referral=referral, reason_code="other", reason="Not eligible"
        )
    answer = Notification.objects.get(user=caseworker_a)
    assert answer.kind == "referral_answered" and "declined" in answer.message


def test_only_the_users_own_notices_open_and_all_can_be_marked_read(
    client_for, caseworker_a, adviser_a
):
    from core import notifications

    notifications.notify(users=[adviser_a], kind="x", message="One", url="/referrals/")
    notifications.notify(users=[adviser_a], kind="x", message="Two", url="/referrals/")
    theirs = Notification.objects.filter(user=adviser_a).first()
    other = client_for(caseworker_a)
    assert other.post(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert other.get(reverse("notification_open", args=[theirs.pk])).status_code == 405
    assert "You have no notifications" in other.get(reverse("notifications")).content.decode()
    client = client_for(adviser_a)
    done = client.post(reverse("notifications_read"))
    assert done.status_code == 302
    assert not Notification.objects.filter(user=adviser_a, read_at__isnull=True).exists()
    with pytest.raises(ValueError):
        notifications.notify(users=[adviser_a], kind="x", message="Off site", url="https://x.test/")


def test_the_list_runs_a_fixed_number_of_queries(client_for, adviser_a):
    from core import notifications

    client = client_for(adviser_a)
    notifications.notify(users=[adviser_a], kind="x", message="First", url="/")
    client.get(reverse("notifications"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("notifications"))
    for n in range(30):
        notifications.notify(users=[adviser_a], kind="x", message=f"Notice {n}", url="/")
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("notifications")).content.decode()
    assert "Page 1 of 2" in html
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_hand_off_is_a_notice_for_the_receiving_caseworkers(
    caseworker_a, caseworker_b, case_a, agency_b, django_capture_on_commit_callbacks
):
    consent_services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    coach = staff("coach_b", agency_b, "work_coach")
    with django_capture_on_commit_callbacks(execute=True):
        handoff = casework_services.handoff_create(
            user=caseworker_a, case=case_a, to_agency=agency_b
        )
    notice = Notification.objects.get(user=caseworker_b)
    assert notice.kind == "handoff_waiting"
    assert notice.url == reverse("casework:handoff_detail", args=[handoff.pk])
    assert case_a.person.last_name not in notice.message
    assert not Notification.objects.filter(user=coach).exists()
