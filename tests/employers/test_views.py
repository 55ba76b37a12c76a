import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from employers import services
from employers.models import Application, EmploymentSpell, RetentionCheck
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _date(prefix, day):
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


def test_employer_pages_are_shared_with_every_agency(client_for, caseworker_b, employer, vacancy):
    client = client_for(caseworker_b)
    assert "Hatters Logistics" in client.get(reverse("employers:employer_list")).content.decode()
    assert client.get(reverse("employers:employer_detail", args=[employer.pk])).status_code == 200
    assert "Warehouse operative" in client.get(reverse("employers:vacancy_list")).content.decode()
    assert client.get(reverse("employers:vacancy_detail", args=[vacancy.pk])).status_code == 200


def test_commissioner_cannot_open_employer_pages(client_for, commissioner_manager):
    assert (
        client_for(commissioner_manager).get(reverse("employers:employer_list")).status_code == 403
    )


def test_add_employer_in_the_browser(client_for, adviser_a):
    response = client_for(adviser_a).post(
        reverse("employers:employer_create"),
        {
            "name": "Chiltern Bakery",
            "sector": "manufacturing",
            "town": "Luton",
            "postcode": "lu2 0aa",
            "engagement_level": "committed",
            "alliance_level": "2",
            "lep_member": "on",
        },
    )
    assert response.status_code == 302
    html = client_for(adviser_a).get(response["Location"]).content.decode()
    assert "Corporate Alliance level 2" in html and "LU2 0AA" in html


def test_invalid_employer_form_explains(client_for, adviser_a):
    html = (
        client_for(adviser_a)
        .post(
            reverse("employers:employer_create"),
            {
                "name": "",
                "sector": "retail",
                "town": "Luton",
                "postcode": "nope",
                "engagement_level": "aware",
            },
        )
        .content.decode()
    )
    assert (
        "There is a problem" in html
        and "Enter the employer&#39;s name" in html
        and "Enter a real postcode" in html
    )


def test_contact_form_warns_when_another_agency_called_recently(
    client_for, adviser_a, caseworker_b, employer
):
    services.employer_contact_record(
        user=caseworker_b, employer=employer, contacted_on=TODAY(), method="phone"
    )
    page = client_for(adviser_a)
    assert (
        "Another agency contacted this employer"
        in page.get(reverse("employers:contact_create", args=[employer.pk])).content.decode()
    )
    assert (
        "Probation B"
        in page.get(reverse("employers:employer_detail", args=[employer.pk])).content.decode()
    )
    response = page.post(
        reverse("employers:contact_create", args=[employer.pk]),
        {**_date("contacted_on", TODAY()), "method": "visit", "notes": "Met the site manager"},
    )
    assert response.status_code == 302
    assert (
        "Met the site manager"
        in client_for(caseworker_b)
        .get(reverse("employers:employer_detail", args=[employer.pk]))
        .content.decode()
    )


def test_other_agency_gets_404_for_personal_job_pages(
    client_for, caseworker_b, adviser_a, shared_person, vacancy, make_spell
):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    spell = make_spell(shared_person, weeks_ago=5)
    check = spell.checks.first()
    client = client_for(caseworker_b)
    for url in [
        reverse("employers:person_jobs", args=[shared_person.pk]),
        reverse("employers:preferences_edit", args=[shared_person.pk]),
        reverse("employers:disclosure_create", args=[shared_person.pk]),
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]),
        reverse("employers:spell_create", args=[shared_person.pk]),
        reverse("employers:feedback_create", args=[shared_person.pk]),
        reverse("employers:application_edit", args=[app.pk]),
        reverse("employers:spell_detail", args=[spell.pk]),
        reverse("employers:spell_edit", args=[spell.pk]),
        reverse("employers:check_record", args=[check.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert "Alpha" not in client.get(reverse("employers:checks_due")).content.decode()


def test_demo_journey_job_start_13_weeks_ago_sweep_record_and_person_page(
    client_for, adviser_a, shared_person, employer
):
    page = client_for(adviser_a)
    start = TODAY() - datetime.timedelta(weeks=13)
    response = page.post(
        reverse("employers:spell_create", args=[shared_person.pk]),
        {
            "kind": "job",
            "employer": employer.pk,
            "job_title": "Forklift driver",
            **_date("start_date", start),
            "hours_per_week": "37.5",
            "contract_type": "permanent",
            "verified_how": "employer",
        },
    )
    assert response.status_code == 302, response.content.decode()
    services.retention_sweep()
    html = page.get(reverse("employers:checks_due")).content.decode()
    assert html.count("Forklift driver") == 3 and "Overdue" in html
    for check in RetentionCheck.objects.order_by("milestone_weeks"):
        response = page.post(
            reverse("employers:check_record", args=[check.pk]),
            {"outcome": "in_work", "evidence": "payslip", **_date("checked_on", TODAY())},
        )
        assert response.status_code == 302
    assert "No checks are due" in page.get(reverse("employers:checks_due")).content.decode()
    html = page.get(reverse("casework:person_detail", args=[shared_person.pk])).content.decode()
    assert "In work 13 weeks continuously" in html
    assert "Milestones reached: 4 weeks" in html and "12 weeks on" in html


def test_record_check_form_shows_errors(client_for, adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    check = spell.checks.get(milestone_weeks=4)
    html = (
        client_for(adviser_a)
        .post(
            reverse("employers:check_record", args=[check.pk]),
            {"outcome": "in_work", **_date("checked_on", TODAY())},
        )
        .content.decode()
    )
    assert "There is a problem" in html and "Select who confirmed it" in html


def test_application_and_status_change_in_the_browser(
    client_for, adviser_a, shared_person, vacancy
):
    page = client_for(adviser_a)
    response = page.post(
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]),
        {"status": "applied"},
    )
    assert response.status_code == 302
    app = Application.objects.get()
    interview = TODAY() + datetime.timedelta(days=2)
    response = page.post(
        reverse("employers:application_edit", args=[app.pk]),
        {
            "version": app.version,
            "status": "interview_arranged",
            **_date("interview_on", interview),
            "interview_time": "14:30",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "interview_arranged" and app.interview_at.date() == interview


def test_disclosure_form_refuses_without_the_persons_own_choice(
    client_for, adviser_a, shared_person, employer
):
    html = (
        client_for(adviser_a)
        .post(
            reverse("employers:disclosure_create", args=[shared_person.pk]),
            {"employer": employer.pk, "disclosed": "yes", **_date("on", TODAY())},
        )
        .content.decode()
    )
    assert "Only the person can choose" in html


def test_spell_edit_records_the_end(client_for, adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=6)
    end = TODAY() - datetime.timedelta(days=2)
    response = client_for(adviser_a).post(
        reverse("employers:spell_edit", args=[spell.pk]),
        {
            "version": spell.version,
            "kind": "job",
            "employer": spell.employer_id,
            "job_title": spell.job_title,
            **_date("start_date", spell.start_date),
            "contract_type": "permanent",
            **_date("end_date", end),
            "end_reason": "resigned",
        },
    )
    assert response.status_code == 302, response.content.decode()
    spell.refresh_from_db()
    assert spell.end_date == end
    assert spell.checks.get(milestone_weeks=8).status == "cancelled"


def _people_with_due_checks(caseworker_a, provider_a, adviser_a, employer, n, offset):
    for i in range(n):
        person, case = person_with_case(caseworker_a, last_name=f"Load{offset + i}")
        share_with(caseworker_a, case, provider_a)
        services.employment_spell_create(
            user=adviser_a,
            person=person,
            employer=employer,
            job_title="Picker",
            start_date=TODAY() - datetime.timedelta(weeks=13),
        )
    services.retention_sweep()


def test_checks_due_worklist_runs_a_fixed_number_of_queries(
    client_for, caseworker_a, provider_a, adviser_a, employer, django_assert_max_num_queries
):
    page = client_for(adviser_a)
    _people_with_due_checks(caseworker_a, provider_a, adviser_a, employer, 2, 0)
    with django_assert_max_num_queries(15) as small:  # +1 notifications
        assert page.get(reverse("employers:checks_due")).status_code == 200
    _people_with_due_checks(caseworker_a, provider_a, adviser_a, employer, 6, 10)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = page.get(reverse("employers:checks_due")).content.decode()
    assert html.count("Picker") == 24
    assert len(large.captured_queries) == len(small.captured_queries)


def test_matching_pages_run_a_fixed_number_of_queries(
    client_for,
    caseworker_a,
    provider_a,
    adviser_a,
    employer,
    shared_person,
    django_assert_max_num_queries,
):
    page = client_for(adviser_a)
    for i in range(2):
        services.vacancy_create(user=adviser_a, employer=employer, title=f"Role {i}")
    vacancy = services.vacancy_create(user=adviser_a, employer=employer, title="Target role")
    with django_assert_max_num_queries(30) as small_person:
        page.get(reverse("employers:person_jobs", args=[shared_person.pk]))
    with django_assert_max_num_queries(30) as small_vacancy:
        page.get(reverse("employers:vacancy_detail", args=[vacancy.pk]))
    for i in range(8):
        services.vacancy_create(
            user=adviser_a, employer=employer, title=f"More {i}", town="Southend-on-Sea"
        )
        person, case = person_with_case(caseworker_a, last_name=f"Match{i}")
        share_with(caseworker_a, case, provider_a)
        services.application_create(user=adviser_a, person=person, vacancy=vacancy)
    with django_assert_max_num_queries(len(small_person.captured_queries)):
        html = page.get(reverse("employers:person_jobs", args=[shared_person.pk])).content.decode()
    assert "More 7" in html
    with django_assert_max_num_queries(len(small_vacancy.captured_queries)):
        html = page.get(reverse("employers:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert "MATCH7" in html


def test_person_job_page_explains_matches(
    client_for, adviser_a, caseworker_a, shared_person, employer
):
    services.job_preferences_set(
        user=caseworker_a,
        person=shared_person,
        sector_interests=["warehousing"],
        convictions_spent="spent",
        min_hours=30,
        max_hours=40,
    )
    from casework.services import person_update

    person_update(
        user=caseworker_a, person=shared_person, version=shared_person.version, release_area="Luton"
    )
    services.vacancy_create(
        user=adviser_a,
        employer=employer,
        title="Night picker",
        hours_per_week=37.5,
        disclosure_level="basic",
    )
    html = (
        client_for(adviser_a)
        .get(reverse("employers:person_jobs", args=[shared_person.pk]))
        .content.decode()
    )
    assert "Same area, sector matches, hours suit, basic disclosure (convictions spent)" in html


def test_spell_create_form_in_browser_schedules_checks(
    client_for, adviser_a, shared_person, employer
):
    response = client_for(adviser_a).post(
        reverse("employers:spell_create", args=[shared_person.pk]),
        {
            "kind": "self_employment",
            "job_title": "Gardener",
            **_date("start_date", TODAY()),
            "contract_type": "self_employed",
        },
    )
    assert response.status_code == 302
    assert EmploymentSpell.objects.get().checks.count() == 3


def test_checks_due_lists_yours_then_the_teams_and_counts_each_up_to_a_cap(
    client_for, caseworker_a, provider_a, adviser_a, employer, monkeypatch
):
    from employers import views as employer_views
    from tests.factories import staff

    colleague = staff("adviser_colleague", provider_a, "employment_adviser")
    _people_with_due_checks(
        caseworker_a, provider_a, colleague, employer, 2, 0
    )  # the team's: 6 checks
    _people_with_due_checks(caseworker_a, provider_a, adviser_a, employer, 1, 50)  # yours: 3 checks
    page = client_for(adviser_a)
    html = page.get(reverse("employers:checks_due")).content.decode()
    assert "9 checks due" in html and html.index("LOAD50") < min(
        html.index("LOAD0"), html.index("LOAD1")
    )
    monkeypatch.setattr(employer_views, "CHECKS_COUNT_CAP", 4)
    html = page.get(reverse("employers:checks_due")).content.decode()
    assert (
        "More than 7 checks due." in html and html.count("Picker") == 7
    )  # 3 yours + 4 of the team's
    assert (
        page.get(reverse("employers:checks_due"), {"mine": "1"}).content.decode().count("Picker")
        == 3
    )


def test_the_relationship_owner_changes_employer_details_and_a_stale_form_keeps_what_was_typed(
    client_for, adviser_a, caseworker_a, employer
):
    from employers.models import Employer

    url = reverse("employers:employer_edit", args=[employer.pk])
    owner = client_for(adviser_a)
    assert (
        "Change employer details"
        in owner.get(reverse("employers:employer_detail", args=[employer.pk])).content.decode()
    )
    form = {
        "name": "Hatters Logistics",
        "sector": "warehousing",
        "town": "Dunstable",
        "postcode": "lu6 1aa",
        "engagement_level": "engaged",
        "guaranteed_interviews": "on",
        "version": employer.version,
    }
    response = owner.post(url, {**form, "postcode": "not a postcode"})
    assert response.status_code == 200 and "Enter a real postcode" in response.content.decode()
    assert 'value="Dunstable"' in response.content.decode()  # what was typed stays
    assert owner.post(url, form).status_code == 302
    employer.refresh_from_db()
    assert employer.town == "Dunstable" and employer.postcode == "LU6 1AA" and employer.version == 2
    stale = owner.post(url, {**form, "town": "Luton"})  # version 1 again: someone else saved first
    assert (
        "Someone else changed this employer" in stale.content.decode()
        and 'value="Luton"' in stale.content.decode()
    )
    assert Employer.objects.get(pk=employer.pk).town == "Dunstable"
    assert (
        AccessEvent.objects.filter(action="change", object_type="employers.employer").count() == 1
    )
    # another agency can read the employer but not change it
    other = client_for(caseworker_a)
    assert (
        "Change employer details"
        not in other.get(reverse("employers:employer_detail", args=[employer.pk])).content.decode()
    )
    assert other.get(url).status_code == 403 and other.post(url, form).status_code == 403


def test_work_and_jobs_is_a_tab_of_the_case(client_for, caseworker_a, case_a, caseworker_b):
    client = client_for(caseworker_a)
    tab = reverse("employers:case_jobs", args=[case_a.pk])
    overview = client.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert f'href="{tab}"' in overview and ">Work and jobs<" in overview
    page = client.get(tab).content.decode()
    assert (
        'aria-current="page"><strong class="govuk-service-navigation__active-fallback">Work and jobs'
        in page
    )
    assert "Vacancies that fit" in page
    assert client_for(caseworker_b).get(tab).status_code == 404
