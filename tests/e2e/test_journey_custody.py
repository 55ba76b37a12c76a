"""Journey 3: the EBSA at HMP Bedford works the receptions worklist, records a claim closure, imports the weekly
matching scan (a bad row is shown and not imported) and books a Freshstart appointment at Luton Jobcentre; the
Luton work coach sees it and, once the appointment time has passed, records attendance."""

import datetime
import re
import time

import pytest
from django.utils import timezone

from casework.models import Person
from custody.demo import sample_csv
from custody.models import ClaimClosure, FreshstartAppointment

pytestmark = pytest.mark.e2e


def fill_date(scope, day: datetime.date):
    scope.get_by_label("Day").fill(str(day.day))
    scope.get_by_label("Month").fill(str(day.month))
    scope.get_by_label("Year").fill(str(day.year))


def scan_file() -> bytes:
    """The demo's sample matching scan, with the reception dates of the people in this database."""
    receptions = {
        p.prison_number: p.sentences.order_by("-reception_date").first().reception_date
        for p in Person.objects.filter(prison_number__startswith="A7").prefetch_related("sentences")
    }
    return sample_csv(lambda prison_number: receptions[prison_number]).encode("utf-8")


def test_ebsa_closes_a_claim_imports_a_scan_and_books_freshstart_then_work_coach_records_attendance(
    journey,
):
    ebsa = journey("ebsa.bedford")
    page = ebsa.page
    ebsa.click_link("Custody")
    assert ebsa.heading() == "Custody worklist"
    receptions = page.locator("#receptions").inner_text()
    assert "CARTER, Reece" in receptions
    ebsa.screenshot("ebsa-worklist", docs=True)

    # Claim closure for a new reception (the form starts from the reception on record).
    ebsa.click_link("Record claim closure for Reece Carter")
    page.get_by_label("Universal Credit").check()
    page.get_by_label("Identity checked").check()
    page.get_by_label("Benefit Delivery Centre", exact=True).select_option(
        label="Bedford Benefit Centre (East of England)"
    )
    page.get_by_label("How the Benefit Delivery Centre was contacted").select_option(
        label="Secure email"
    )
    fill_date(
        page.get_by_role("group", name="Date sent to the Benefit Delivery Centre"),
        datetime.date.today(),
    )
    ebsa.click_button("Save claim closure")
    assert "Claim closure recorded for Reece Carter." in ebsa.success()
    assert ClaimClosure.objects.filter(person__last_name="Carter").exists()
    assert ebsa.heading() == "Custody worklist"  # back where the task started
    assert "CARTER, Reece" not in page.locator("#receptions").inner_text()

    # The weekly matching scan: preview shows the bad row, then the import reconciles the rest.
    page.get_by_role("button", name="Import a scan or reception list").click()
    page.wait_for_url(re.compile(r"/custody/scans/$"))
    ebsa.check()
    page.get_by_label("Upload the matching scan (CSV)").set_input_files(
        files=[{"name": "matching_scan.csv", "mimeType": "text/csv", "buffer": scan_file()}]
    )
    ebsa.click_button("Upload and preview")
    assert ebsa.heading() == "Check the scan before importing"
    problems = page.locator("#scan-problems").inner_text()
    assert "Mensah" in problems, problems
    assert "Not imported" in page.locator("#scan-preview").inner_text()
    ebsa.screenshot("scan-preview")
    ebsa.click_button("Import the scan", check=False)
    for _ in range(40):  # the import runs as a task; the page polls for progress
        if ebsa.heading() == "Scan imported":
            break
        time.sleep(0.25)
        page.reload()
    assert ebsa.heading() == "Scan imported"
    ebsa.check()
    assert "Mensah" in page.locator("#scan-problems").inner_text()
    assert page.locator("#scan-rows tbody tr").count() >= 3

    # Rows that matched nobody wait to be worked: one dismissed, one added as a new person.
    ebsa.click_link("find or add each person")
    ebsa.check()
    assert "GHOST" in page.locator("#scan-items").inner_text()
    ebsa.click_link("GHOST")
    ebsa.check()
    ebsa.click_link("No claim closure is needed")
    page.get_by_label("Not held at our establishments").check()
    ebsa.click_button("Dismiss the row")
    assert "Work item for Ghost dismissed." in ebsa.success()
    ebsa.click_link("OKAFOR")
    page.get_by_role("button", name="Add them as a new person").click()
    assert page.get_by_label("Last name").input_value() == "Okafor"
    page.get_by_label("First name").fill("Tobi")
    ebsa.click_button("Save")
    assert "Tobi Okafor has been added. Now record their claim closure." in ebsa.success()
    assert "Filled in from line" in page.locator(".govuk-inset-text").first.inner_text()
    ebsa.check()
    ebsa.click_button("Save claim closure")
    assert "Claim closure recorded for Tobi Okafor." in ebsa.success()
    assert "OKAFOR" not in page.locator("main").inner_text()
    assert ClaimClosure.objects.get(person__last_name="Okafor").found_by == "matching_scan"

    # Freshstart booked for someone due out, at the Jobcentre in their release area.
    ebsa.click_link("Custody")
    ebsa.click_link("Book Freshstart for Nathan Pike")
    page.get_by_label("Jobcentre office").select_option(label="Luton Jobcentre")
    appointment_day = datetime.date.today() + datetime.timedelta(days=22)
    fill_date(page.get_by_role("group", name="Appointment date"), appointment_day)
    page.get_by_label("Appointment time").fill("10:00")
    ebsa.click_button("Book appointment")
    assert "Freshstart appointment booked at Luton Jobcentre" in ebsa.success()
    assert ebsa.heading() == "Custody worklist"
    appointment = FreshstartAppointment.objects.get(person__last_name="Pike")

    # The Luton work coach sees the upcoming appointment on their worklist.
    coach = journey("workcoach.luton")
    coach.click_link("Custody")
    row = coach.page.locator("#freshstart tr", has_text="PIKE, Nathan")
    assert "Upcoming" in row.inner_text()

    # The day comes: the appointment time passes (moved into the past here rather than waiting 22 days).
    FreshstartAppointment.objects.filter(pk=appointment.pk).update(
        appointment_at=timezone.now() - datetime.timedelta(hours=1)
    )
    coach.goto("/custody/")
    coach.click_link("Record attendance for Nathan Pike")
    coach.page.get_by_role("group", name="Did they attend?").get_by_label("Yes").check()
    coach.click_button("Save attendance")
    assert "Attendance recorded for Nathan Pike." in coach.success()
    assert "Attended" in coach.page.locator("#freshstart tr", has_text="PIKE, Nathan").inner_text()
    appointment.refresh_from_db()
    assert appointment.attended is True
