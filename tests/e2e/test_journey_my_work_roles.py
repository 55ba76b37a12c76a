"""Journey: each role's day starts on its own My work (issue 18) and finishes a task from it: the work
coach records a Freshstart attendance, the EBSA dismisses a scan row nobody matched, the manager
reviews an emergency access, and the commissioner lands on the reports."""

import pytest

from consent.models import EmergencyAccess
from custody.models import FreshstartAppointment, ScanRow

pytestmark = pytest.mark.e2e


def test_each_role_finishes_a_task_from_its_my_work(journey):
    coach = journey("workcoach.luton")
    assert coach.heading() == "My work"
    assert coach.page.locator("#freshstart ~ table a").count() >= 1  # work waiting
    coach.page.locator("#freshstart ~ table a").first.click()
    coach.page.wait_for_url("**/attendance/")
    coach.check()
    assert coach.heading() == "Record Freshstart attendance"
    coach.page.get_by_role("group", name="Did they attend?").get_by_label("Yes").check()
    coach.click_button("Save attendance")
    assert "Attendance recorded" in coach.success()
    assert FreshstartAppointment.objects.filter(attended=True).exists()

    ebsa = journey("ebsa.bedford")
    assert ebsa.heading() == "My work"
    ebsa.click_link("Scan rows that matched nobody", exact=False)
    assert ebsa.heading() == "Scan rows that matched nobody"
    ebsa.page.locator("#scan-items tbody a").first.click()
    ebsa.page.wait_for_url("**/scan-items/*/")
    ebsa.click_link("No claim closure is needed")
    ebsa.page.get_by_label("Not held at our establishments").check()
    ebsa.click_button("Dismiss the row")
    assert "dismissed" in ebsa.success()
    assert ScanRow.objects.filter(item_state="dismissed").count() == 1

    manager = journey("manager.luton")
    assert manager.heading() == "My work"
    manager.page.locator("#emergency-to-review ~ table a").first.click()
    manager.page.wait_for_url("**/emergency-access/*/**")
    manager.check()
    assert manager.heading() == "Review emergency access"
    manager.page.get_by_label("What did you find?").fill(
        "Checked with the duty officer: justified."
    )
    manager.click_button("Mark as reviewed")
    assert EmergencyAccess.objects.filter(reviewed_at__isnull=False).exists()

    commissioner = journey("manager.east")
    assert commissioner.heading() == "Outcome reports"
    links = commissioner.page.locator(".govuk-service-navigation__link").all_inner_texts()
    assert "Reports" in links and "Caseload" not in links and "My work" not in links
