"""Journey: the working week (issue 18). Each login lands on its own My work; probation meets the
duplicate warning and goes to the existing record, makes a referral, takes the consent detour and
comes back to send it; the provider's adviser reads the notification, and sees retention checks
due on a fresh demo without any job having run."""

import datetime

import pytest

from agencies.models import User
from casework.models import Case
from consent.models import ConsentRecord
from core.models import Notification
from employers.models import RetentionCheck
from referrals.models import Referral

pytestmark = pytest.mark.e2e


def _fill_date(scope, day: datetime.date):
    scope.get_by_label("Day").fill(str(day.day))
    scope.get_by_label("Month").fill(str(day.month))
    scope.get_by_label("Year").fill(str(day.year))


def _person_without_consent():
    """A Luton probation person with an open case and no consent to, or referral with, path2work."""
    busy = set(Referral.objects.values_list("person_id", flat=True)) | set(
        ConsentRecord.objects.filter(recipient_agency__name="path2work").values_list(
            "person_id", flat=True
        )
    )
    case = (
        Case.objects.filter(
            owning_agency__name="Bedfordshire Probation",
            end_date__isnull=True,
            person__restricted=False,
        )
        .exclude(person_id__in=busy)
        .select_related("person")
        .order_by("person__crn")
        .first()
    )
    assert case is not None
    return case.person, case


def test_a_week_from_my_work_duplicate_consent_detour_notification_and_due_checks(journey):
    person, case = _person_without_consent()

    cw = journey("probation.luton")
    assert cw.heading() == "My work"  # the first page after sign-in

    # The same name and date of birth: warned, and taken to the record that exists.
    cw.click_link("Caseload")
    cw.page.get_by_role("button", name="Add a person").click()
    cw.page.get_by_label("First name").fill(person.first_name)
    cw.page.get_by_label("Last name").fill(person.last_name)
    _fill_date(cw.page.get_by_role("group", name="Date of birth"), person.date_of_birth)
    cw.page.get_by_label(person.get_sex_display(), exact=True).check()
    cw.click_button("Save")
    assert "is already on Resettle" in cw.page.locator(".govuk-error-summary").inner_text()
    assert cw.page.get_by_label("This is a different person").count() == 1
    cw.click_link("Open the existing record")
    assert cw.page.url.endswith(f"/people/{person.pk}/")

    # A referral to path2work without consent: the detour to record it and back to send.
    cw.goto(f"/cases/{case.pk}/")
    cw.click_link("Make a referral")
    cw.page.get_by_label("Provision").select_option(
        label="path2work – path2work (through the gate)"
    )
    cw.page.get_by_label("Which need does it address?").select_option(index=1)
    cw.page.get_by_label("Reason for the referral").fill("Ready for work; wants help with a CV.")
    cw.click_button("Continue")
    assert cw.heading() == "Check your answers before sending the referral"
    cw.page.locator("#consent-missing").get_by_role("link").click()
    assert cw.heading() == "Record data-sharing consent"
    assert "path2work" in cw.page.get_by_label("Who may receive the information?").inner_text()
    cw.page.get_by_label("Employment support (case management)").check()
    cw.page.get_by_label("Identity and contact").check()
    cw.page.get_by_label("Employment: applications, job starts, retention checks").check()
    cw.page.get_by_label("Signed form").check()
    cw.page.get_by_label("Consent form version").fill("v4")
    cw.click_button("Record consent")
    assert cw.heading() == "Check your answers before sending the referral"
    assert cw.page.locator("#consent-missing").count() == 0
    cw.click_button("Send referral")
    assert "Referral sent to path2work" in cw.success()
    referral = Referral.objects.get(person=person)

    # The provider's adviser: My work first, the notification read, the referral opened.
    adviser = journey("adviser.path2work")
    assert adviser.heading() == "My work"
    user = User.objects.get(username="adviser.path2work")
    assert Notification.objects.filter(user=user, read_at__isnull=True).exists()
    adviser.page.get_by_role("link", name="Notifications (").first.click()
    assert adviser.heading() == "Notifications"
    adviser.page.locator("#notifications tbody tr").first.get_by_role("button").click()
    assert adviser.page.url.endswith(f"/referrals/{referral.pk}/")
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()

    # Retention checks whose date has come show as due on a fresh demo, with no job run.
    assert not RetentionCheck.objects.filter(status__in=["due", "overdue"]).exists()
    adviser.click_link("My work")
    checks = adviser.page.locator("#checks-due")
    assert checks.count() == 1
    assert "(0)" not in checks.inner_text()
