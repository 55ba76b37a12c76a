"""Journey 5: bad input. A form submitted with errors shows the GOV.UK error summary, focus moves to it, the typed
values are kept; the error links take the user to the field; once corrected, the person and a case are created.
Also: a wrong password on the sign-in page."""

import datetime

import pytest

from casework.models import Person

pytestmark = pytest.mark.e2e


def error_summary_state(page):
    return page.evaluate("""() => {
        const summary = document.querySelector('.govuk-error-summary');
        return {focused: !!summary && document.activeElement === summary,
                items: [...document.querySelectorAll('.govuk-error-summary__list a')].map(a => [a.innerText.trim(), a.getAttribute('href')])};
    }""")


def test_form_errors_show_the_summary_focus_it_and_keep_what_was_typed(journey):
    j = journey("probation.luton")
    j.click_link("Caseload")  # sign-in lands on My work
    j.page.get_by_role("button", name="Add a person").click()
    j.page.wait_for_url("**/people/new/")
    j.check()
    assert j.heading() == "Add a person"

    page = j.page
    page.get_by_label("First name").fill("Robin")
    # Last name left blank; an impossible date of birth; a badly formed National Insurance number.
    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_label("Year").first.fill("1990")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("National Insurance number").fill("NOT-A-NINO")
    page.get_by_label("Home area").fill("Luton")
    j.click_button("Save")

    assert page.title().startswith("Error: ")
    state = error_summary_state(page)
    assert state["focused"], "focus did not move to the error summary"
    texts = [text for text, _href in state["items"]]
    assert "Enter a last name" in texts
    assert "Date of birth must be a real date" in texts
    assert any("National Insurance" in text for text in texts), texts
    # The fields are marked and what was typed is still there.
    assert page.locator(".govuk-form-group--error").count() >= 3
    assert page.get_by_label("First name").input_value() == "Robin"
    assert page.get_by_label("Day").first.input_value() == "31"
    assert page.get_by_label("Year").first.input_value() == "1990"
    assert page.get_by_label("National Insurance number").input_value() == "NOT-A-NINO"
    assert page.get_by_label("Home area").input_value() == "Luton"
    assert page.get_by_label("Male", exact=True).is_checked()
    j.screenshot("error-summary", docs=True)

    # The error link moves focus to the field it names.
    page.locator(".govuk-error-summary__list a", has_text="Enter a last name").click()
    assert page.evaluate("() => document.activeElement.name") == "last_name"

    # Corrected, the person is added and the case form opens; a case is opened.
    page.get_by_label("Last name").fill("Quayle")
    page.get_by_label("Day").first.fill("28")
    page.get_by_label("National Insurance number").fill("")
    j.click_button("Save")
    assert "Robin Quayle has been added" in j.success()
    assert j.heading() == "Open a case for Robin Quayle"
    person = Person.objects.get(first_name="Robin", last_name="Quayle")
    assert person.date_of_birth == datetime.date(1990, 2, 28)

    # The case form: planned end before the start is refused, values kept.
    page.get_by_label("Community order or suspended sentence").check()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Stage").select_option(label="In the community")
    start = datetime.date.today()
    planned = page.get_by_role("group", name="Planned end date")
    planned.get_by_label("Day").fill(str(start.day))
    planned.get_by_label("Month").fill(str(start.month))
    planned.get_by_label("Year").fill(str(start.year - 1))
    j.click_button("Save case")
    state = error_summary_state(page)
    assert state["focused"]
    assert [text for text, _ in state["items"]] == ["Planned end date must be after the start date"]
    assert page.get_by_label("High", exact=True).is_checked()
    planned.get_by_label("Year").fill(str(start.year + 1))
    j.click_button("Save case")
    assert "Case opened for Robin Quayle." in j.success()
    assert person.cases.filter(end_date__isnull=True).count() == 1

    # A 100-character unbroken name wraps: no page widens past the window.
    Person.objects.filter(pk=person.pk).update(last_name="Q" * 100)
    for path in ("/", f"/people/{person.pk}/", f"/cases/{person.cases.get().pk}/"):
        j.goto(path, check=False)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)


def test_wrong_password_shows_the_error_summary_and_keeps_the_username(journey):
    j = journey()
    j.goto("/sign-in/")
    j.page.get_by_label("Username", exact=True).fill("probation.luton")
    j.page.get_by_label("Password", exact=True).fill("not-the-password")
    j.click_button("Sign in")
    state = error_summary_state(j.page)
    assert state["focused"]
    assert state["items"], "no error listed"
    assert j.page.get_by_label("Username", exact=True).input_value() == "probation.luton"
    assert j.page.get_by_label("Password", exact=True).input_value() == ""
