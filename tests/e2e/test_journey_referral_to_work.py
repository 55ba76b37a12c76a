"""Journey 2: probation refers a person to path2work; the provider accepts and starts the referral, matches a
vacancy, records an interview and a job start; the retention sweep opens the 4-week check and the adviser records it."""

import datetime
import re

import pytest
from django.core.management import call_command

from agencies.models import Agency, User
from casework.models import Case
from consent import services as consent_services
from consent.models import ConsentRecord
from employers.models import Application, EmploymentSpell, RetentionCheck
from referrals.models import Referral

pytestmark = pytest.mark.e2e


def person_to_refer():
    """A Luton person with an open case, no referral and no consent to path2work yet (consent recorded here)."""
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
    caseworker = User.objects.get(username="probation.luton")
    from agencies import acting

    acting.attach(caseworker)
    consent_services.consent_record(
        user=caseworker,
        person=case.person,
        recipient_agency=Agency.objects.get(name="path2work"),
        purposes=["employment_support"],
        data_categories=["identity", "employment"],
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today() - datetime.timedelta(days=40),
    )
    return case.person, case


def fill_date(scope, day: datetime.date):
    scope.get_by_label("Day").fill(str(day.day))
    scope.get_by_label("Month").fill(str(day.month))
    scope.get_by_label("Year").fill(str(day.year))


def test_referral_accepted_started_then_interview_job_start_and_four_week_check(journey):
    person, case = person_to_refer()
    name = f"{person.last_name.upper()}, {person.first_name}"

    # Probation makes the referral from the case page and sends it after checking the answers.
    cw = journey("probation.luton")
    cw.goto(f"/cases/{case.pk}/")
    cw.click_link("Make a referral")
    page = cw.page
    page.get_by_label("Provision").select_option(label="path2work – path2work (through the gate)")
    page.get_by_label("Which need does it address?").select_option(index=1)
    page.get_by_label("Reason for the referral").fill(
        "Ready for work; wants help with CV and disclosure."
    )
    cw.click_button("Continue")
    assert cw.heading() == "Check your answers before sending the referral"
    cw.click_button("Send referral")
    assert "Referral sent to path2work" in cw.success()
    referral = Referral.objects.get(person=person)

    # The provider's adviser sees it in the inbox, accepts it and marks it started.
    adviser = journey("adviser.path2work")
    adviser.click_link(re.compile(r"^Referrals"), exact=False)
    assert adviser.heading() == "Referrals"
    adviser.screenshot("referral-inbox", docs=True)
    adviser.click_link(name)
    assert adviser.page.url.endswith(f"/referrals/{referral.pk}/")
    adviser.click_button("Accept referral")
    assert "Referral accepted" in adviser.success()
    adviser.click_button("Mark as started")
    assert "Referral marked as started." in adviser.success()
    referral.refresh_from_db()
    assert referral.status == "started"

    # Matching: the person's vacancies that fit; interest recorded with an interview arranged.
    adviser.goto(f"/people/{person.pk}/")
    adviser.click_link(f"Work and jobs for {person.full_name}")
    assert adviser.heading() == "Work and jobs"
    adviser.screenshot("work-and-jobs")
    first_match = adviser.page.locator("#matches a.govuk-link", has_text="Record interest").first
    vacancy_title = (
        adviser.page.locator("#matches tbody tr")
        .first.locator("td")
        .first.locator("a")
        .inner_text()
    )
    with adviser.page.expect_navigation():
        first_match.click()
    adviser.check()
    interview_day = datetime.date.today() - datetime.timedelta(days=35)
    adviser.page.get_by_label("Interview arranged").check()
    fill_date(adviser.page.get_by_role("group", name="Interview date"), interview_day)
    adviser.page.get_by_label("Interview time").fill("10:30")
    adviser.click_button("Save")
    assert f"Application for {vacancy_title} recorded." in adviser.success()

    # After the interview: interviewed, then offered.
    for status, outcome in (
        ("Interviewed", "Good interview; the employer will decide this week."),
        ("Offered", "Offered the job, 30 hours a week."),
    ):
        with adviser.page.expect_navigation():
            adviser.page.locator("#applications a", has_text=vacancy_title).click()
        adviser.check()
        # the status list offers only the next steps (issue 18), as radios
        adviser.page.get_by_label(status, exact=True).check()
        adviser.page.get_by_label("Outcome").fill(outcome)
        adviser.click_button("Save")
        assert "Application updated." in adviser.success()
        assert status in adviser.page.locator("#applications").inner_text()

    # The job start, four weeks and a day ago, so the 4-week check is due today.
    adviser.page.get_by_role("button", name="Record a job start").click()
    adviser.page.wait_for_url(re.compile(r"/jobs/start/$"))
    adviser.check()
    start = datetime.date.today() - datetime.timedelta(days=29)
    adviser.page.get_by_label("New job").check()
    employer = Application.objects.get(person=person).vacancy.employer.name
    adviser.page.get_by_label("Employer").select_option(label=employer)
    adviser.page.get_by_label("Job title").fill(vacancy_title)
    fill_date(adviser.page.get_by_role("group", name="Start date"), start)
    adviser.page.get_by_label("Hours a week").fill("30")
    adviser.page.get_by_label("How was the start verified?").select_option(
        label="Confirmed by the employer"
    )
    adviser.click_button("Save job start")
    assert "Job start recorded" in adviser.success()
    spell = EmploymentSpell.objects.get(person=person)
    assert RetentionCheck.objects.filter(
        spell=spell, milestone_weeks=4, status="scheduled"
    ).exists()

    # The nightly retention sweep opens the check; it shows on the adviser's checks due list.
    call_command("runjob", "retention_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    adviser.goto("/employers/checks-due/")
    adviser.screenshot("checks-due")
    adviser.click_link(f"Record the 4-week check for {person.first_name} {person.last_name}")
    assert adviser.heading() == "Record the 4-week check"
    adviser.page.get_by_label("In work (same job)").check()
    adviser.page.get_by_label("Who confirmed it?").select_option(label="The employer")
    adviser.click_button("Record check")
    assert "4-week check recorded." in adviser.success()
    check = RetentionCheck.objects.get(spell=spell, milestone_weeks=4)
    assert check.status == "recorded" and check.outcome == "in_work"

    # Probation sees the outcome on the person's record.
    cw.goto(f"/people/{person.pk}/jobs/")
    assert vacancy_title in cw.page.locator("#spells").inner_text()
