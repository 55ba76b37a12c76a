"""Journey 7 (access by purpose, issue 15): with the demo data, each login sees the sections its basis
gives and no more, "Who can see this record" says so, a sensitive consent shows the sensitive section on
the next request and its withdrawal hides it, and an emergency access is requested, flagged and reviewed."""

import datetime
import re

import pytest

from consent.models import PersonAccess
from referrals.models import Referral, Status

pytestmark = pytest.mark.e2e


def _section_headings(j):
    return [h.strip() for h in j.page.locator("main h2").all_inner_texts()]


def test_each_login_sees_only_what_its_basis_gives(journey):
    # ebsa.bedford: a probation-owned person received at HMP Bedford, under the claim-closure gateway
    gateway = (
        PersonAccess.objects.filter(
            agency__name="Jobcentre Plus at HMP Bedford",
            bases__has_key="claim_closure",
            visible_until__gte=datetime.date.today(),
            restricted=False,
            person__cases__owning_agency__name="Bedfordshire Probation",
        )
        .exclude(bases__has_key="consent")
        .select_related("person")
        .order_by("person__last_name")
        .first()
    )
    person = gateway.person
    case = person.cases.get()
    ebsa = journey("ebsa.bedford")
    ebsa.goto(f"/people/{person.pk}/")
    headings = _section_headings(ebsa)
    assert "Identity and contact" in headings and "Custody and release" in headings
    assert "Benefits and claim closures" in headings and "Cases" not in headings
    main = ebsa.page.locator("main").inner_text()
    assert "Jobcentre Plus at HMP Bedford" in main and "claim-closure gateway" in main
    ebsa.tab_through()
    for path in ("", "notes/", "assessment/", "plan/"):
        ebsa.goto(f"/cases/{case.pk}/{path}", expect_status=404)

    # the owner sees the EBSA's line in "Who can see this record", with the same three sections
    owner = journey("probation.luton")
    owner.goto(f"/people/{person.pk}/")
    sharing = owner.page.locator("#sharing").inner_text()
    assert "Jobcentre Plus at HMP Bedford" in sharing
    line = next(li for li in sharing.splitlines() if "HMP Bedford" in li)
    for section in ("identity and contact", "custody and release", "benefits and claim closures"):
        assert section in line
    assert "case summary" not in line and "notes" not in line

    # adviser.path2work: exactly what the accepted referral shared (identity and employment)
    referral = (
        Referral.objects.filter(to_agency__name="path2work", status=Status.ACCEPTED)
        .select_related("person", "case")
        .first()
    )
    adviser = journey("adviser.path2work")
    adviser.goto(f"/people/{referral.person_id}/")
    headings = _section_headings(adviser)
    assert "Identity and contact" in headings and "Employment" in " ".join(headings)
    assert "Custody and release" not in headings and "Cases" not in headings
    for path in ("", "notes/", "assessment/", "plan/", "custody/"):
        adviser.goto(f"/cases/{referral.case_id}/{path}", expect_status=404)
    adviser.goto(f"/people/{referral.person_id}/jobs/")
    owner.goto(f"/people/{referral.person_id}/")
    line = next(
        li for li in owner.page.locator("#sharing").inner_text().splitlines() if "path2work" in li
    )
    assert "identity and contact" in line and "employment" in line and "assessment" not in line


def test_a_sensitive_consent_shows_its_part_and_withdrawal_hides_it(journey):
    access = (
        PersonAccess.objects.filter(
            agency__name="Jobcentre Plus Luton", bases__has_key="consent", case_until__isnull=False
        )
        .exclude(bases__has_key="freshstart")
        .select_related("person")
        .first()
    )
    person = access.person
    case = person.cases.filter(owning_agency__name="Bedfordshire Probation").first()
    coach = journey("workcoach.luton")
    coach.goto(f"/cases/{case.pk}/")
    assert "Assessment" not in coach.page.locator("nav[aria-label='Case sections']").inner_text()

    # the owner shares the assessment and health with the Jobcentre...
    owner = journey("probation.luton")
    owner.goto(f"/cases/{case.pk}/share/")
    owner.page.get_by_label("Which agency should work on this case?").select_option(
        label="Jobcentre Plus Luton"
    )
    for label in (
        "Needs assessment (not health, drugs or alcohol)",
        "Sensitive: health, including mental health",
    ):
        owner.page.get_by_label(label, exact=True).check()
    owner.click_button("Share case")
    assert "Not yet consented" in owner.success()  # the consent does not cover them yet
    coach.page.reload()
    assert "Assessment" not in coach.page.locator("nav[aria-label='Case sections']").inner_text()

    # ...then records the person's consent to both, health chosen on its own
    owner.goto(f"/people/{person.pk}/consent/new/")
    owner.page.get_by_label("Who may receive the information?").select_option(
        label="Jobcentre Plus Luton"
    )
    owner.page.get_by_label("Employment support (case management)").check()
    owner.page.get_by_label("Sensitive categories (offence, health, substance misuse)").check()
    owner.page.get_by_label("Needs assessment (not health, drugs or alcohol)", exact=True).check()
    owner.page.get_by_label("Health, including mental health", exact=True).check()
    owner.page.get_by_label("Signed form").check()
    owner.page.get_by_label("Consent form version").fill("v4")
    owner.click_button("Record consent")
    assert "Consent recorded for Jobcentre Plus Luton." in owner.success()

    # the very next request shows the assessment tab, with the health rating
    coach.page.reload()
    assert "Assessment" in coach.page.locator("nav[aria-label='Case sections']").inner_text()
    coach.goto(f"/cases/{case.pk}/assessment/")
    table = coach.page.locator("main").inner_text()
    assert "Health (including mental health)" in table and "Drugs" not in table
    coach.check()

    # withdrawal hides it on the next request
    owner.goto(f"/people/{person.pk}/consent/")
    links = owner.page.get_by_role(
        "link", name=re.compile("Withdraw consent for Jobcentre Plus Luton")
    )
    links.last.click()
    owner.page.wait_for_url(re.compile(r"/withdraw/$"))
    owner.page.get_by_label("Why is consent being withdrawn?").fill(
        "Changed their mind about health."
    )
    owner.click_button("Withdraw consent")
    assert "can no longer see this record" in owner.success()
    coach.goto(f"/cases/{case.pk}/assessment/", expect_status=404)


def test_emergency_access_is_requested_flagged_and_reviewed(journey):
    target = (
        PersonAccess.objects.filter(agency__name="Bedfordshire Probation", restricted=False)
        .exclude(person__crn="")
        .exclude(person__emergency_accesses__isnull=False)
        .exclude(person__access__agency__name="Suffolk Probation")
        .select_related("person")
        .order_by("person__crn")
        .first()
        .person
    )
    bury = journey("probation.bury")
    bury.goto("/people/?q=" + target.last_name)
    bury.click_link(
        "get emergency access with their CRN, prison number or National Insurance number"
    )
    assert bury.heading() == "Emergency access to a record"
    bury.page.get_by_label("CRN, prison number or National Insurance number").fill(target.last_name)
    bury.page.get_by_label("The person is with me and needs help now").check()
    bury.page.get_by_label("What is the emergency?").fill(
        "At the counter, distressed; Luton closed."
    )
    bury.click_button("Get emergency access")
    assert "cannot search by name" in bury.page.locator(".govuk-error-summary").inner_text()
    bury.page.get_by_label("CRN, prison number or National Insurance number").fill(target.crn)
    bury.click_button("Get emergency access")
    assert "Emergency access given until" in bury.success()
    assert bury.heading() == target.full_name
    assert "Who to contact about their case" in bury.page.locator("main").inner_text()
    assert "Bedfordshire Probation" in bury.page.locator("#owner-contacts").inner_text()
    bury.tab_through()

    manager = journey("manager.luton")
    manager.click_link("Emergency access")
    to_review = manager.page.locator("#to-review").inner_text()
    assert target.full_name in to_review and "Ellie Hart" in to_review
    with manager.page.expect_navigation():
        manager.page.locator("#to-review").get_by_role(
            "link", name=re.compile(re.escape(target.full_name))
        ).click()
    manager.page.get_by_label("What did you find?").fill(
        f"Phoned Suffolk on {datetime.date.today():%-d %B}: a genuine emergency."
    )
    manager.click_button("Mark as reviewed")
    assert "Emergency access reviewed." in manager.success()
    assert (
        target.full_name
        not in manager.page.locator("main").inner_text().split("Reviewed recently")[0]
    )
    manager.goto(f"/people/{target.pk}/access-log/")
    assert "Ellie Hart" in manager.page.locator("main").inner_text()
