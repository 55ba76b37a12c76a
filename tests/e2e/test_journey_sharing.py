"""Journey 1: a probation caseworker finds a person, assesses them, writes a plan, records consent for the
Jobcentre and shares the case; the work coach sees the person; consent is withdrawn and the work coach's next
request is "Page not found".

Every page is checked with axe-core, and every page is tabbed through with the keyboard: focus must reach every
visible link, button and form control (radio groups count once)."""

import datetime
import re

import pytest

from casework.models import Case
from consent.models import ConsentRecord

pytestmark = pytest.mark.e2e


def luton_person_without_jobcentre_consent():
    """A Bedfordshire Probation person with an open case who has not yet agreed to share with Jobcentre Plus Luton."""
    consented = ConsentRecord.objects.filter(recipient_agency__name="Jobcentre Plus Luton").values(
        "person_id"
    )
    case = (
        Case.objects.filter(
            owning_agency__name="Bedfordshire Probation",
            end_date__isnull=True,
            person__restricted=False,
        )
        .exclude(person_id__in=consented)
        .exclude(person__crn="")
        .select_related("person")
        .order_by("person__crn")
        .first()
    )
    assert case is not None, "the demo world has no unshared Luton case"
    return case.person, case


def test_caseworker_shares_with_jobcentre_and_withdrawal_cuts_access_at_once(journey):
    person, case = luton_person_without_jobcentre_consent()

    # The caseworker signs in through the sign-in page (checked and tabbed through before signing in).
    cw = journey(name="probation.luton")
    cw.goto("/sign-in/")
    cw.tab_through()
    cw.sign_in("probation.luton")
    assert cw.heading() == "My work"  # the first page after sign-in (issue 18)
    cw.click_link("Caseload")
    assert cw.heading() == "Caseload"
    cw.tab_through()
    cw.screenshot("caseload", docs=True)

    # Find the person by CRN with the caseload filter.
    cw.page.get_by_label("Search by name, CRN, prison number or NI number").fill(person.crn)
    cw.click_button("Apply filters")
    assert cw.page.locator("#caseload-count").inner_text() == "1 case"
    cw.tab_through()
    cw.click_link(f"{person.last_name.upper()}, {person.first_name}")
    assert cw.heading() == person.full_name
    cw.tab_through()
    cw.screenshot("person", docs=True)

    # The search page finds them too.
    cw.goto(f"/people/?q={person.crn}")
    assert (
        cw.page.get_by_role("link", name=f"{person.last_name.upper()}, {person.first_name}").count()
        == 1
    )
    cw.tab_through()

    # Assess: open the case, record an assessment (need areas rated red / amber / green).
    cw.goto(f"/cases/{case.pk}/")
    cw.tab_through()
    cw.click_link("Assessment")
    cw.tab_through()
    cw.page.get_by_role("button", name=re.compile(r"^(Record an assessment|Reassess)$")).click()
    cw.page.wait_for_url(re.compile(r"/assessment/new/$"))
    cw.check()
    cw.tab_through()
    cw.page.get_by_role("group", name="Accommodation").get_by_label("Amber").check()
    cw.page.get_by_role("group", name="Education, training and employment").get_by_label(
        "Red"
    ).check()
    cw.page.get_by_label("Support needed").check()
    cw.page.get_by_label("Needs the person reports themselves").fill(
        "Wants a CV and help to explain the gap in work."
    )
    cw.click_button("Save assessment")
    assert "Assessment saved." in cw.success()
    cw.tab_through()

    # Plan: a goal and an action towards it.
    cw.click_link("Action plan")
    cw.tab_through()
    cw.page.get_by_role("button", name="Add a goal").click()
    cw.page.wait_for_url(re.compile(r"/goals/new/$"))
    cw.check()
    cw.tab_through()
    cw.page.get_by_label("Goal", exact=True).fill("Into paid work within 6 months")
    cw.click_button("Add goal")
    assert "Goal added." in cw.success()
    cw.page.get_by_role("button", name="Add an action").click()
    cw.page.wait_for_url(re.compile(r"/actions/new/$"))
    cw.check()
    cw.tab_through()
    cw.page.get_by_label("Action", exact=True).fill("Write a CV with the ETE worker")
    cw.page.get_by_label("Goal it works towards").select_option(
        label="Into paid work within 6 months"
    )
    due = datetime.date.today() + datetime.timedelta(days=14)
    due_group = cw.page.get_by_role("group", name="Due date")
    due_group.get_by_label("Day").fill(str(due.day))
    due_group.get_by_label("Month").fill(str(due.month))
    due_group.get_by_label("Year").fill(str(due.year))
    cw.click_button("Add action")
    assert "Action added to the plan." in cw.success()
    assert "Write a CV with the ETE worker" in cw.page.locator("main").inner_text()
    cw.tab_through()

    # Record consent for Jobcentre Plus Luton.
    cw.goto(f"/people/{person.pk}/")
    cw.click_link("Consent and sharing")
    assert cw.heading() == "Consent and sharing"
    cw.tab_through()
    cw.page.get_by_role("button", name="Record consent").click()
    cw.page.wait_for_url(re.compile(r"/consent/new/$"))
    cw.check()
    cw.tab_through()
    cw.page.get_by_label("Who may receive the information?").select_option(
        label="Jobcentre Plus Luton"
    )
    # nothing is ticked for the person: each purpose and each kind of information is chosen
    assert not cw.page.locator("input[type=checkbox]:checked").count()
    cw.page.get_by_label("Employment support (case management)").check()
    for label in (
        "Identity and contact",
        "Case summary and case team",
        "Action plan and appointments",
    ):
        cw.page.get_by_label(label, exact=True).check()
    cw.page.get_by_label("Signed form").check()
    cw.page.get_by_label("Consent form version").fill("v3")
    cw.click_button("Record consent")
    assert "Consent recorded for Jobcentre Plus Luton." in cw.success()
    assert "Active" in cw.page.locator("table").inner_text()
    cw.tab_through()

    # Share the case with Jobcentre Plus Luton.
    cw.goto(f"/cases/{case.pk}/")
    cw.tab_through()
    cw.page.get_by_role("button", name="Share with another agency").click()
    cw.page.wait_for_url(re.compile(r"/share/$"))
    cw.check()
    cw.tab_through()
    cw.page.get_by_label("Which agency should work on this case?").select_option(
        label="Jobcentre Plus Luton"
    )
    for label in (
        "Identity and contact",
        "Case summary and case team",
        "Action plan and appointments",
    ):
        cw.page.get_by_label(label, exact=True).check()
    cw.click_button("Share case")
    assert "Jobcentre Plus Luton can now work on this case" in cw.success()
    cw.tab_through()
    assert "Jobcentre Plus Luton (shared by the case owner)" in cw.page.locator("main").inner_text()

    # The work coach signs in and sees the person on their caseload and can open the record.
    wc = journey("workcoach.luton")
    assert wc.heading() == "My work"
    wc.click_link("Caseload")
    assert wc.heading() == "Caseload"
    wc.tab_through()
    row = wc.page.get_by_role("link", name=f"{person.last_name.upper()}, {person.first_name}")
    assert row.count() == 1
    wc.click_link(f"{person.last_name.upper()}, {person.first_name}")
    assert wc.heading() == person.full_name
    assert "Owned by" not in wc.heading()
    wc.tab_through()

    # The caseworker withdraws consent.
    cw.goto(f"/people/{person.pk}/consent/")
    cw.click_link("Withdraw consent for Jobcentre Plus Luton")
    assert cw.heading() == "Withdraw consent for Jobcentre Plus Luton"
    cw.tab_through()
    cw.page.get_by_label("Why is consent being withdrawn?").fill(
        "Asked to stop sharing at today's appointment."
    )
    cw.click_button("Withdraw consent")
    assert "Jobcentre Plus Luton can no longer see this record" in cw.success()
    cw.tab_through()
    assert "Withdrawn" in cw.page.locator("table").inner_text()

    # The work coach's very next request for the record is "Page not found".
    response = wc.page.reload()
    assert response.status == 404
    assert wc.heading() == "Page not found"
    wc.check()
    wc.tab_through()
    wc.goto("/")
    assert (
        wc.page.get_by_role("link", name=f"{person.last_name.upper()}, {person.first_name}").count()
        == 0
    )
