import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from casework import services
from casework.models import Person
from core.errors import Conflict
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db


def test_caseworker_creates_person_and_case_in_browser_flow(client_for, caseworker_a):
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:person_create"),
        {
            "first_name": "Dana",
            "last_name": "Newperson",
            "date_of_birth_day": "3",
            "date_of_birth_month": "2",
            "date_of_birth_year": "1991",
            "sex": "female",
            "national_insurance_number": "ab 12 34 56 c",
            "accommodation_status": "unknown",
            "employment_status": "unknown",
            "benefit_status": "unknown",
        },
    )
    person = Person.objects.get(last_name="Newperson")
    assert response.status_code == 302
    assert person.national_insurance_number == "AB123456C"
    response = client.post(
        reverse("casework:case_create", args=[person.pk]),
        {
            "offender_group": "community",
            "support_level": "high",
            "stage": "in_community",
            "start_date_day": "1",
            "start_date_month": "11",
            "start_date_year": "2026",
            "planned_end_date_day": "1",
            "planned_end_date_month": "11",
            "planned_end_date_year": "2027",
        },
    )
    assert response.status_code == 302
    case = person.cases.get()
    assert case.owning_agency == caseworker_a.acting.agency
    assert list(
        AccessEvent.objects.filter(person=person).values_list("action", flat=True).order_by("id")
    ) == ["create", "create"]


def test_invalid_person_form_keeps_typed_values_and_explains(client_for, caseworker_a):
    response = client_for(caseworker_a).post(
        reverse("casework:person_create"),
        {
            "first_name": "Dana",
            "last_name": "",
            "date_of_birth_day": "31",
            "date_of_birth_month": "2",
            "date_of_birth_year": "1991",
            "sex": "female",
            "national_insurance_number": "12345",
            "accommodation_status": "unknown",
            "employment_status": "unknown",
            "benefit_status": "unknown",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a last name" in html
    assert "Date of birth must be a real date" in html
    assert "National Insurance number in the correct format" in html
    assert 'value="Dana"' in html and 'value="31"' in html and 'value="12345"' in html
    assert not Person.objects.filter(first_name="Dana").exists()


def test_other_agency_gets_404_for_person_and_case_pages(
    client_for, caseworker_b, person_a, case_a
):
    client = client_for(caseworker_b)
    for url in [
        reverse("casework:person_detail", args=[person_a.pk]),
        reverse("casework:person_edit", args=[person_a.pk]),
        reverse("casework:case_detail", args=[case_a.pk]),
        reverse("casework:case_edit", args=[case_a.pk]),
        reverse("casework:case_create", args=[person_a.pk]),
        reverse("casework:case_close", args=[case_a.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_other_agency_cannot_find_person_by_search(client_for, caseworker_b, person_a):
    response = client_for(caseworker_b).get(reverse("casework:person_search"), {"q": "Alpha"})
    assert "Jordan" not in response.content.decode()
    response = client_for(caseworker_b).get(reverse("casework:person_search"), {"q": "X100001"})
    assert "Alpha" not in response.content.decode()


def test_search_by_crn_prison_number_and_nino(client_for, caseworker_a):
    person, _ = person_with_case(
        caseworker_a,
        last_name="Findme",
        crn="X123456",
        prison_number="A1234BC",
        national_insurance_number="AB123456C",
    )
    client = client_for(caseworker_a)
    for q in ["findme", "x123456", "A1234BC", "ab 12 34 56 c"]:
        assert (
            "FINDME" in client.get(reverse("casework:person_search"), {"q": q}).content.decode()
        ), q
    assert AccessEvent.objects.filter(action="search", user=caseworker_a).count() == 4


def test_person_page_view_is_audited_and_listed(client_for, caseworker_a, person_a):
    response = client_for(caseworker_a).get(reverse("casework:person_detail", args=[person_a.pk]))
    assert response.status_code == 200
    event = AccessEvent.objects.filter(person=person_a, action="view").get()
    assert event.user == caseworker_a and event.agency == caseworker_a.acting.agency
    assert "Who has viewed this record" in response.content.decode()


def test_stale_version_is_refused_without_losing_the_newer_edit(
    caseworker_a, caseworker_a2, person_a
):
    version = person_a.version
    services.person_update(user=caseworker_a, person=person_a, version=version, home_area="Luton")
    with pytest.raises(Conflict):
        services.person_update(
            user=caseworker_a2, person=person_a, version=version, home_area="Dunstable"
        )
    person_a.refresh_from_db()
    assert person_a.home_area == "Luton" and person_a.version == version + 1


def test_stale_edit_in_browser_shows_conflict_and_keeps_typed_values(
    client_for, caseworker_a, person_a
):
    page = client_for(caseworker_a)
    form = {
        name: getattr(person_a, name) or ""
        for name in [
            "first_name",
            "last_name",
            "sex",
            "accommodation_status",
            "employment_status",
            "benefit_status",
        ]
    }
    form.update(
        {
            "date_of_birth_day": "17",
            "date_of_birth_month": "5",
            "date_of_birth_year": "1990",
            "version": person_a.version,
            "home_area": "Typed by me",
        }
    )
    services.person_update(
        user=caseworker_a, person=person_a, version=person_a.version, home_area="Someone else"
    )
    response = page.post(reverse("casework:person_edit", args=[person_a.pk]), form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html and 'value="Typed by me"' in html
    person_a.refresh_from_db()
    assert person_a.home_area == "Someone else"


def test_case_dates_validated(client_for, caseworker_a, person_a):
    response = client_for(caseworker_a).post(
        reverse("casework:case_create", args=[person_a.pk]),
        {
            "offender_group": "community",
            "support_level": "low",
            "stage": "in_community",
            "start_date_day": "1",
            "start_date_month": "11",
            "start_date_year": "2026",
            "planned_end_date_day": "1",
            "planned_end_date_month": "10",
            "planned_end_date_year": "2026",
        },
    )
    assert "Planned end date must be after the start date" in response.content.decode()
    assert person_a.cases.count() == 1


def test_caseload_lists_own_cases_first(client_for, caseworker_a, caseworker_a2):
    person_with_case(caseworker_a2, last_name="Aardvark")
    person_with_case(caseworker_a, last_name="Zebra")
    html = client_for(caseworker_a).get(reverse("casework:caseload")).content.decode()
    assert html.index("ZEBRA") < html.index("AARDVARK")


def _caseload_names(html):
    import re

    return re.findall(r'href="/people/\d+/">([A-Z0-9\' -]+),', html)


def test_caseload_is_yours_then_your_teams_then_shared_each_by_surname_across_pages(
    client_for, caseworker_a, caseworker_a2, caseworker_b, agency_a, monkeypatch
):
    from casework import views
    from tests.factories import share_with

    for name in ("Young", "adams"):
        person_with_case(caseworker_a2, last_name=name)
    for name in ("Moss", "brook"):
        person_with_case(caseworker_a, last_name=name)
    for name in ("Cole", "Abbot"):
        _, other = person_with_case(caseworker_b, last_name=name)
        share_with(caseworker_b, other, agency_a)
    person_with_case(caseworker_b, last_name="Hidden")  # another agency's, not shared
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = client_for(caseworker_a)
    first = client.get(reverse("casework:caseload")).content.decode()
    second = client.get(reverse("casework:caseload"), {"page": 2}).content.decode()
    assert _caseload_names(first) + _caseload_names(second) == [
        "BROOK",
        "MOSS",
        "ADAMS",
        "YOUNG",
        "ABBOT",
        "COLE",
    ]
    assert "6 cases" in first and "Page 1 of 2" in first and "HIDDEN" not in first + second
    assert "Owned by" in second and "Owned by" not in first
    mine = client.get(reverse("casework:caseload"), {"mine": "1"}).content.decode()
    assert _caseload_names(mine) == ["BROOK", "MOSS"] and "2 cases" in mine


def test_caseload_counts_each_part_up_to_a_cap_and_says_so(
    client_for, caseworker_a, caseworker_a2, monkeypatch, django_assert_max_num_queries
):
    from casework import views

    for i in range(5):
        person_with_case(caseworker_a2, last_name=f"Team{i}")
    person_with_case(caseworker_a, last_name="Mine")
    monkeypatch.setattr(views, "CASELOAD_COUNT_CAP", 3)
    client = client_for(caseworker_a)
    client.get(reverse("casework:caseload"))
    with django_assert_max_num_queries(18):  # 16 + named restricted people + notifications
        html = client.get(reverse("casework:caseload")).content.decode()
    assert "More than 4 cases. Use the filters or search" in html
    assert _caseload_names(html) == [
        "MINE",
        "TEAM0",
        "TEAM1",
        "TEAM2",
    ]  # what was counted is listed


def test_closing_case_requires_reason(client_for, caseworker_a, case_a):
    response = client_for(caseworker_a).post(
        reverse("casework:case_close", args=[case_a.pk]),
        {
            "version": case_a.version,
            "end_date_day": "1",
            "end_date_month": "1",
            "end_date_year": str(datetime.date.today().year + 1),
        },
    )
    assert "Select why the case ended" in response.content.decode()


def test_a_rename_moves_the_person_in_caseload_order(caseworker_a):
    from casework.models import Case

    person, case = person_with_case(caseworker_a, first_name="Ann", last_name="Zulu")
    assert Case.objects.get(pk=case.pk).sort_key == "zulu ann"
    person = Person.objects.get(pk=person.pk)
    services.person_update(
        user=caseworker_a, person=person, version=person.version, last_name="Able"
    )
    assert Case.objects.get(pk=case.pk).sort_key == "able ann"


def test_my_work_shows_the_most_urgent_rows_with_each_lists_count(
    client_for, caseworker_a, monkeypatch
):
    from casework import views

    for name in ("Quiet", "Quieter", "Quietest"):
        person_with_case(
            caseworker_a,
            last_name=name,
            start_date=datetime.date.today() - datetime.timedelta(days=60),
        )
    monkeypatch.setattr(views, "MY_WORK_ROWS", 2)
    html = client_for(caseworker_a).get(reverse("casework:my_work")).content.decode()
    assert "No contact for 28 days (3)" in html and "showing the 2 without contact longest" in html
    assert (
        sum(html.count(name) for name in ("Jordan Quiet<", "Jordan Quieter<", "Jordan Quietest<"))
        == 2
    )
    monkeypatch.setattr(views, "MY_WORK_COUNT_CAP", 2)
    assert (
        "No contact for 28 days (2+)"
        in client_for(caseworker_a).get(reverse("casework:my_work")).content.decode()
    )
