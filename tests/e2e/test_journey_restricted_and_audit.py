"""Journey 6 (pages on main from the start): a manager restricts a record so that only named staff see it, reviews
the record's access log and a caseworker's access; a member of two agencies chooses the agency at sign-in."""

import pytest

from casework.models import Case

pytestmark = pytest.mark.e2e


def test_manager_restricts_a_record_names_a_caseworker_and_reviews_the_access_logs(journey):
    case = (
        Case.objects.filter(
            owning_agency__name="Bedfordshire Probation",
            end_date__isnull=True,
            owner__username="probation.luton",
            person__restricted=False,
        )
        .select_related("person")
        .order_by("person__crn")
        .first()
    )
    person = case.person

    # The caseworker can open the record; so can the manager.
    cw = journey("probation.luton")
    cw.goto(f"/people/{person.pk}/")
    manager = journey("manager.luton")
    manager.goto(f"/people/{person.pk}/")
    manager.click_link("Restricted access")
    assert manager.heading() == "Restricted access"
    manager.click_button("Restrict this record")  # a reason and a confirmation are needed
    assert (
        "Enter why the record is being restricted"
        in manager.page.locator(".govuk-error-summary").inner_text()
    )
    manager.page.get_by_label("Why should this record be restricted?").fill(
        "A member of staff's relative"
    )
    manager.page.get_by_label("I understand that only the staff named").check()
    manager.click_button("Restrict this record")
    assert "Record restricted" in manager.success()
    assert "Helen Ward" in manager.page.locator("main ul.govuk-list").first.inner_text()

    # Not named: the caseworker's next request is "Page not found".
    response = cw.page.reload()
    assert response.status == 404
    assert cw.heading() == "Page not found"
    cw.check()

    # Named: the caseworker sees it again.
    manager.page.get_by_label("Member of staff").select_option(
        label="Priya Shah (Bedfordshire Probation)"
    )
    manager.click_button("Give named access")
    assert "Priya Shah can now see this record." in manager.success()
    response = cw.page.reload()
    assert response.status == 200
    assert cw.heading().startswith(person.full_name)

    # The record's access log shows who looked, and the staff access log shows what Priya opened.
    manager.goto(f"/people/{person.pk}/access-log/")
    log = manager.page.locator("main").inner_text()
    assert "Priya Shah" in log and "Helen Ward" in log
    manager.click_link("Access log")
    assert manager.heading() == "Staff access log"
    manager.page.get_by_label("Member of staff").select_option(label="Priya Shah (probation.luton)")
    manager.click_button("Show access")
    first_row = manager.page.locator("main table tbody tr").first.inner_text()
    assert "Priya Shah viewed" in first_row  # newest first, in words
    assert person.full_name in first_row  # the manager's agency owns the record: named


def test_member_of_two_agencies_chooses_the_agency_at_sign_in(journey):
    dual = journey(name="ete.dual")
    dual.sign_in("ete.dual")
    assert "/agency/" in dual.page.url
    assert dual.heading() == "Choose the agency you are working for"
    dual.check()
    dual.tab_through()
    dual.page.get_by_label("path2work").check()
    dual.click_button("Continue")
    assert "You are now working for path2work." in dual.success()
    assert "for path2work" in dual.page.locator("#acting-agency").inner_text()

    dual.click_link("Change agency")
    dual.page.get_by_label("Bedfordshire Probation").check()
    dual.click_button("Continue")
    assert "for Bedfordshire Probation" in dual.page.locator("#acting-agency").inner_text()
