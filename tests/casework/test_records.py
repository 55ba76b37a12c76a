"""Issue 19: who manages the person, risk and licence, qualifications and courses."""

import datetime

import pytest
from django.urls import reverse

from agencies import acting
from audit.models import AccessEvent
from casework import records
from casework.models import CaseEvent, Course, Qualification, RiskLicence
from core.errors import ApplicationError, Forbidden, NotFound
from core.timeline import entries_for_case
from employers import matching
from employers import services as employer_services
from tests.factories import EVERYTHING_BUT_SENSITIVE, SENSITIVE, person_with_case, share_with

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date.today()


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _risk(user, case, **fields):
    base = {"rosh_level": "high", "mappa_category": "2", "mappa_level": "1"}
    return records.risk_licence_update(user=user, case=case, version=1, **(base | fields))


# --- 1. Who manages the person -------------------------------------------------------------------


def test_owner_records_offender_manager_on_the_case_page_with_audit_and_timeline(
    client_for, caseworker_a, case_a
):
    page = client_for(caseworker_a)
    url = reverse("casework:offender_manager_edit", args=[case_a.pk])
    assert page.get(url).status_code == 200
    response = page.post(
        url,
        {
            "version": case_a.version,
            "offender_manager_name": "Priya Shah",
            "offender_manager_agency": "Bedfordshire Probation",
            "offender_manager_contact": "01582 000000",
        },
    )
    assert response.status_code == 302
    html = page.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert "Priya Shah, Bedfordshire Probation, 01582 000000" in html
    assert AccessEvent.objects.filter(
        action="change", object_type="casework.case", object_id=str(case_a.pk), user=caseworker_a
    ).exists()
    event = CaseEvent.objects.get(case=case_a, kind="offender_manager")
    assert event.to_value == "Priya Shah"
    acting.attach(caseworker_a)
    titles = [e.title for e in entries_for_case(user=caseworker_a, case=case_a)]
    assert "Offender manager changed" in titles


def test_offender_manager_agency_without_a_name_is_explained(client_for, caseworker_a, case_a):
    page = client_for(caseworker_a)
    response = page.post(
        reverse("casework:offender_manager_edit", args=[case_a.pk]),
        {"version": case_a.version, "offender_manager_agency": "Essex Probation"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Enter the offender manager" in html
    case_a.refresh_from_db()
    assert case_a.offender_manager_agency == ""


def test_no_offender_manager_shows_none_allocated_and_community_asks_for_one(
    client_for, caseworker_a, case_a
):
    html = client_for(caseworker_a).get(reverse("casework:case_detail", args=[case_a.pk]))
    html = html.content.decode()
    assert "None allocated" in html
    assert "An offender manager is expected for this group" in html


def test_remand_may_be_released_from_court_and_expects_no_offender_manager(
    client_for, caseworker_a
):
    _person, case = person_with_case(caseworker_a, last_name="Remand", offender_group="remand")
    html = client_for(caseworker_a).get(reverse("casework:case_detail", args=[case.pk]))
    html = html.content.decode()
    assert "May be released from court" in html
    assert "None expected (remand)" in html
    assert "An offender manager is expected" not in html


def test_short_custody_asks_for_the_pre_release_checklist_until_it_is_started(
    client_for, caseworker_a
):
    from casework import services

    _person, case = person_with_case(
        caseworker_a, last_name="Short", offender_group="short_custody"
    )
    page = client_for(caseworker_a)
    html = page.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Start the pre-release checklist at reception" in html
    assert "None allocated (usual for custody under 12 months)" in html
    services.release_plan_update(user=caseworker_a, case=case, version=1, notes="Started")
    html = page.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Start the pre-release checklist" not in html


def test_offender_manager_page_other_agency_404_involved_agency_403(
    client_for, caseworker_a, case_a, caseworker_b, agency_b
):
    url = reverse("casework:offender_manager_edit", args=[case_a.pk])
    assert client_for(caseworker_b).get(url).status_code == 404
    share_with(caseworker_a, case_a, agency_b)
    assert client_for(caseworker_b).get(url).status_code == 403
    with pytest.raises(Forbidden):
        records.offender_manager_set(
            user=caseworker_b, case=case_a, version=case_a.version, offender_manager_name="X"
        )


def test_offender_manager_api_reads_patches_and_refuses_stale_versions(
    api_for, caseworker_a, case_a, caseworker_b
):
    api = api_for(caseworker_a)
    url = f"/api/v1/cases/{case_a.pk}/offender-manager/"
    data = api.get(url).json()
    assert data["offender_manager"] == "None allocated"
    ok = api.patch(
        url,
        {
            "version": data["version"],
            "offender_manager_name": "Sam Lee",
            "offender_manager_agency": "Bedfordshire Probation",
        },
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["offender_manager"] == "Sam Lee, Bedfordshire Probation"
    stale = api.patch(url, {"version": data["version"], "offender_manager_name": "Other"})
    assert stale.status_code == 409
    assert api.patch(url, {"offender_manager_name": "No version"}).status_code == 400
    assert api_for(caseworker_b).get(url).status_code == 404
    assert AccessEvent.objects.filter(detail__page="api:offender_manager").exists()


# --- 2. Risk and licence -----------------------------------------------------------------------


def test_mappa_level_without_category_is_refused_on_the_form_and_the_api(
    client_for, api_for, caseworker_a, case_a
):
    response = client_for(caseworker_a).post(
        reverse("casework:risk_licence_edit", args=[case_a.pk]),
        {"version": 1, "rosh_level": "medium", "mappa_level": "2"},
    )
    assert response.status_code == 200
    assert "Select a MAPPA category before a MAPPA level" in response.content.decode()
    api = api_for(caseworker_a)
    bad = api.patch(
        f"/api/v1/cases/{case_a.pk}/risk/",
        {"version": 1, "rosh_level": "medium", "mappa_level": "2"},
        format="json",
    )
    assert bad.status_code == 400
    assert "MAPPA category" in bad.content.decode()
    assert not RiskLicence.objects.exists()


def test_owner_records_risk_and_licence_in_the_browser_and_corrects_it(
    client_for, caseworker_a, case_a
):
    page = client_for(caseworker_a)
    url = reverse("casework:risk_licence_edit", args=[case_a.pk])
    response = page.post(
        url,
        {
            "version": 1,
            "rosh_level": "high",
            "mappa_category": "2",
            "mappa_level": "1",
            "exclusion_zones": "Luton, Dunstable",
            "curfew_from": "19:00",
            "curfew_until": "07:00",
            "no_work_with_children": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = RiskLicence.objects.get(case=case_a)
    assert row.exclusion_zones == ["Luton", "Dunstable"] and row.curfew_text == "19:00 to 07:00"
    html = page.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert "Must not enter Luton, Dunstable" in html and "Category 2, level 1" in html
    response = page.post(url, {"version": 1, "rosh_level": "low"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.rosh_level == "low" and row.mappa_category == "" and row.version == 2
    response = page.post(url, {"version": 1, "rosh_level": "medium"})
    assert response.status_code == 200 and "Someone else changed" in response.content.decode()
    assert (
        AccessEvent.objects.filter(object_type="casework.risklicence", action="create").count() == 1
    )
    assert (
        AccessEvent.objects.filter(object_type="casework.risklicence", action="change").count() == 1
    )


def test_curfew_needs_both_times(caseworker_a, case_a):
    with pytest.raises(ApplicationError, match="both curfew times"):
        _risk(caseworker_a, case_a, curfew_from=datetime.time(19, 0))


def test_risk_is_hidden_without_the_offence_part_and_shown_with_it(
    client_for, api_for, caseworker_a, case_a, agency_b, caseworker_b
):
    _risk(caseworker_a, case_a, exclusion_zones=["Luton"])
    share_with(caseworker_a, case_a, agency_b)  # no sensitive parts
    page = client_for(caseworker_b)
    html = page.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert "Risk and licence" not in html and "Must not enter" not in html
    assert page.get(reverse("casework:risk_licence_edit", args=[case_a.pk])).status_code == 404
    assert api_for(caseworker_b).get(f"/api/v1/cases/{case_a.pk}/risk/").status_code == 404
    acting.attach(caseworker_b)
    kinds = {e.kind for e in entries_for_case(user=caseworker_b, case=case_a)}
    assert "risk" not in kinds
    share_with(
        caseworker_a,
        case_a,
        agency_b,
        purposes=("employment_support", "sensitive_categories"),
        categories=EVERYTHING_BUT_SENSITIVE + ["offence"],
    )
    html = page.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert "Must not enter Luton" in html
    assert "Record risk and licence" not in html and "Change risk and licence" not in html
    assert page.get(reverse("casework:risk_licence_edit", args=[case_a.pk])).status_code == 403
    data = api_for(caseworker_b).get(f"/api/v1/cases/{case_a.pk}/risk/").json()
    assert data["recorded"] is True and data["exclusion_zones"] == ["Luton"]


def test_risk_with_only_the_health_part_stays_hidden(caseworker_a, case_a, agency_b, caseworker_b):
    _risk(caseworker_a, case_a)
    share_with(
        caseworker_a,
        case_a,
        agency_b,
        purposes=("employment_support", "sensitive_categories"),
        categories=EVERYTHING_BUT_SENSITIVE + ["health"],
    )
    acting.attach(caseworker_b)
    assert not RiskLicence.objects.for_user(caseworker_b).exists()
    with pytest.raises(NotFound):
        records.risk_licence_update(user=caseworker_b, case=case_a, version=1, rosh_level="low")


def test_case_page_query_count_is_the_same_with_and_without_risk_and_manager(
    client_for, caseworker_a, case_a, django_assert_max_num_queries
):
    page = client_for(caseworker_a)
    url = reverse("casework:case_detail", args=[case_a.pk])
    page.get(url)
    with django_assert_max_num_queries(60) as before:
        page.get(url)
    _risk(caseworker_a, case_a, exclusion_zones=["Luton"])
    records.offender_manager_set(
        user=caseworker_a,
        case=case_a,
        version=case_a.version,
        offender_manager_name="Priya",
        offender_manager_agency="Beds",
    )
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert "Must not enter Luton" in page.get(url).content.decode()


# --- Matching takes the licence into account -------------------------------------------------


@pytest.fixture
def sensitive_share(caseworker_a, case_a, provider_a):
    share_with(
        caseworker_a,
        case_a,
        provider_a,
        purposes=("employment_support", "sensitive_categories"),
        categories=EVERYTHING_BUT_SENSITIVE + SENSITIVE,
    )
    return case_a


def _vacancies(adviser_a):
    employer = employer_services.employer_create(
        user=adviser_a, name="Care Co", sector="care", town="Bedford", engagement_level="engaged"
    )
    care = employer_services.vacancy_create(
        user=adviser_a, employer=employer, title="Care assistant", sector="care", town="Bedford"
    )
    luton = employer_services.vacancy_create(
        user=adviser_a, employer=employer, title="Porter", sector="warehousing", town="Luton"
    )
    fine = employer_services.vacancy_create(
        user=adviser_a, employer=employer, title="Picker", sector="warehousing", town="Bedford"
    )
    return care, luton, fine


def test_vacancies_excluded_by_licence_are_shown_with_the_reason(
    client_for, caseworker_a, case_a, adviser_a, sensitive_share
):
    _risk(
        caseworker_a,
        case_a,
        exclusion_zones=["Luton"],
        no_work_with_vulnerable_adults=True,
        curfew_from=datetime.time(19),
        curfew_until=datetime.time(7),
    )
    care, luton, fine = _vacancies(adviser_a)
    acting.attach(adviser_a)
    matches = {
        m.vacancy.pk: m for m in matching.vacancies_for_person(user=adviser_a, person=case_a.person)
    }
    assert matches[luton.pk].licence_excluded
    assert "licence exclusion zone covers Luton" in matches[luton.pk].explanation
    assert matches[care.pk].licence_excluded
    assert "bars work with vulnerable adults" in matches[care.pk].explanation
    assert not matches[fine.pk].licence_excluded
    assert "licence curfew 19:00 to 07:00" in matches[fine.pk].explanation
    ranked = matching.vacancies_for_person(user=adviser_a, person=case_a.person)
    assert ranked[0].vacancy == fine  # excluded ones last
    html = client_for(adviser_a).get(reverse("employers:person_jobs", args=[case_a.person.pk]))
    html = html.content.decode()
    assert "Excluded by licence" in html and "exclusion zone covers Luton" in html
    people = matching.people_for_vacancy(user=adviser_a, vacancy=luton)
    assert [m.licence_excluded for m in people if m.person.pk == case_a.person.pk] == [True]


def test_matching_without_the_offence_part_does_not_use_or_reveal_the_licence(
    caseworker_a, case_a, adviser_a, provider_a
):
    share_with(caseworker_a, case_a, provider_a)  # no sensitive parts
    _risk(caseworker_a, case_a, exclusion_zones=["Luton"])
    _care, luton, _fine = _vacancies(adviser_a)
    acting.attach(adviser_a)
    matches = {
        m.vacancy.pk: m for m in matching.vacancies_for_person(user=adviser_a, person=case_a.person)
    }
    assert not matches[luton.pk].licence_excluded
    assert "licence" not in matches[luton.pk].explanation


# --- 4. Qualifications and courses -----------------------------------------------------------


def test_qualification_gained_before_birth_is_refused_with_a_message(
    client_for, caseworker_a, case_a
):
    response = client_for(caseworker_a).post(
        reverse("casework:qualification_create", args=[case_a.pk]),
        {
            "status": "held",
            "subject": "Maths",
            "level": "1",
            **_date("achieved_on", datetime.date(1980, 1, 1)),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "after the person&#39;s date of birth" in html
    assert not Qualification.objects.exists()


def test_gained_qualification_needs_a_date_in_support(caseworker_a, case_a):
    with pytest.raises(ApplicationError, match="date the qualification was gained"):
        records.qualification_add(
            user=caseworker_a, case=case_a, status="gained", subject="CSCS", level="1"
        )
    with pytest.raises(ApplicationError, match="record an earlier one as held"):
        records.qualification_add(
            user=caseworker_a,
            case=case_a,
            status="gained",
            subject="CSCS",
            level="1",
            achieved_on=case_a.start_date - DAY,
        )


def test_learning_page_records_and_corrects_linked_to_a_goal_and_on_the_timeline(
    client_for, caseworker_a, case_a
):
    from casework import services

    goal = services.goal_add(user=caseworker_a, case=case_a, description="Into construction")
    page = client_for(caseworker_a)
    response = page.post(
        reverse("casework:qualification_create", args=[case_a.pk]),
        {
            "status": "gained",
            "subject": "Health and safety in construction",
            "level": "1",
            "awarding_body": "CITB",
            "accredited": "on",
            "goal": goal.pk,
            **_date("achieved_on", TODAY - DAY),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    q = Qualification.objects.get()
    assert q.goal == goal and q.accredited
    response = page.post(
        reverse("casework:course_create", args=[case_a.pk]),
        {
            "title": "CSCS card",
            "started_on_day": TODAY.day,
            "started_on_month": TODAY.month,
            "started_on_year": TODAY.year,
            "outcome": "in_progress",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    course = Course.objects.get()
    response = page.post(
        reverse("casework:course_edit", args=[case_a.pk, course.pk]),
        {
            "version": 1,
            "title": "CSCS card",
            **_date("started_on", TODAY),
            "outcome": "completed",
            **_date("ended_on", TODAY),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    html = page.get(reverse("casework:case_learning", args=[case_a.pk])).content.decode()
    assert "Health and safety in construction" in html and "CITB" in html
    assert "Completed" in html and "Into construction" in html
    acting.attach(caseworker_a)
    titles = [e.title for e in entries_for_case(user=caseworker_a, case=case_a)]
    assert "Qualification gained: Level 1 Health and safety in construction" in titles
    assert "Course completed: CSCS card" in titles
    assert AccessEvent.objects.filter(object_type="casework.course", action="change").count() == 1


def test_course_end_before_start_is_refused(caseworker_a, case_a):
    with pytest.raises(ApplicationError, match="on or after the start date"):
        records.course_add(
            user=caseworker_a,
            case=case_a,
            title="Forklift",
            started_on=TODAY,
            outcome="completed",
            ended_on=TODAY - DAY,
        )


def test_provider_records_its_own_course_but_cannot_change_the_owners(
    client_for, caseworker_a, case_a, provider_a, adviser_a, caseworker_b
):
    share_with(caseworker_a, case_a, provider_a)
    own = records.qualification_add(
        user=caseworker_a, case=case_a, status="held", subject="GCSE English", level="2"
    )
    acting.attach(adviser_a)
    course = records.course_add(user=adviser_a, case=case_a, title="Forklift", started_on=TODAY)
    page = client_for(adviser_a)
    assert page.get(reverse("casework:course_edit", args=[case_a.pk, course.pk])).status_code == 200
    edit_own = reverse("casework:qualification_edit", args=[case_a.pk, own.pk])
    assert page.get(edit_own).status_code == 403
    with pytest.raises(Forbidden):
        records.qualification_update(user=adviser_a, qualification=own, version=1, subject="X")
    other = client_for(caseworker_b)
    assert other.get(reverse("casework:case_learning", args=[case_a.pk])).status_code == 404
    assert other.get(edit_own).status_code == 404


def test_ebsa_role_may_not_record_learning(caseworker_a, case_a, ebsa_a):
    with pytest.raises(Forbidden):
        records.qualification_add(user=ebsa_a, case=case_a, status="held", subject="X", level="1")


def test_learning_api_lists_creates_corrects_and_refuses_bad_input(
    api_for, caseworker_a, case_a, caseworker_b
):
    api = api_for(caseworker_a)
    url = f"/api/v1/cases/{case_a.pk}/qualifications/"
    bad = api.post(
        url, {"status": "held", "subject": "Maths", "level": "1", "achieved_on": "1970-01-01"}
    )
    assert bad.status_code == 400 and "date of birth" in bad.content.decode()
    created = api.post(url, {"status": "held", "subject": "Maths", "level": "1"})
    assert created.status_code == 201, created.content
    qid = created.json()["id"]
    patched = api.patch(f"{url}{qid}/", {"version": 1, "level": "2"}, format="json")
    assert patched.status_code == 200 and patched.json()["level"] == "2"
    assert api.patch(f"{url}{qid}/", {"version": 1, "level": "3"}).status_code == 409
    assert api.get(url).json()["count"] == 1
    courses = f"/api/v1/cases/{case_a.pk}/courses/"
    assert (
        api.post(courses, {"title": "Forklift", "started_on": TODAY.isoformat()}).status_code == 201
    )
    bad = api.post(
        courses, {"title": "Forklift", "started_on": TODAY.isoformat(), "outcome": "completed"}
    )
    assert bad.status_code == 400 and "ended" in bad.content.decode()
    assert api_for(caseworker_b).get(url).status_code == 404
    assert api_for(caseworker_b).get(f"{url}{qid}/").status_code == 404


def test_learning_page_runs_a_fixed_number_of_queries(
    client_for, caseworker_a, case_a, django_assert_max_num_queries
):
    page = client_for(caseworker_a)
    url = reverse("casework:case_learning", args=[case_a.pk])
    records.qualification_add(user=caseworker_a, case=case_a, status="held", subject="A", level="1")
    page.get(url)
    with django_assert_max_num_queries(40) as small:
        page.get(url)
    for i in range(6):
        records.qualification_add(
            user=caseworker_a, case=case_a, status="held", subject=f"Q{i}", level="2"
        )
        records.course_add(user=caseworker_a, case=case_a, title=f"C{i}", started_on=TODAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = page.get(url).content.decode()
    assert "Q5" in html and "C5" in html


# --- 3. Needs as data ------------------------------------------------------------------------


def _assessment_post(day, **extra):
    return {
        **_date("assessed_on", day),
        "work_readiness": "support_needed",
        "rating_accommodation": "red",
        **extra,
    }


def test_self_reported_needs_are_a_coded_list_and_none_is_on_its_own(
    client_for, api_for, caseworker_a, case_a
):
    from casework.models import Assessment

    page = client_for(caseworker_a)
    url = reverse("casework:assessment_create", args=[case_a.pk])
    response = page.post(
        url, _assessment_post(TODAY, self_reported_need_codes=["none", "accommodation"])
    )
    assert response.status_code == 200
    assert "Select &#34;None&#34; on its own" in response.content.decode()
    response = page.post(
        url,
        _assessment_post(
            TODAY, self_reported_need_codes=["accommodation", "education_training_employment"]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    a = Assessment.objects.get(case=case_a)
    assert a.self_reported_need_codes == ["accommodation", "education_training_employment"]
    html = page.get(reverse("casework:case_assessment", args=[case_a.pk])).content.decode()
    assert "Accommodation, Education, training and employment" in html
    api = api_for(caseworker_a)
    body = {
        "assessed_on": TODAY.isoformat(),
        "ratings": {"accommodation": "amber"},
        "work_readiness": "ready_to_work",
        "self_reported_need_codes": ["none", "drugs"],
    }
    bad = api.post(f"/api/v1/cases/{case_a.pk}/assessments/", body, format="json")
    assert bad.status_code == 400 and "None" in bad.content.decode()
    body["self_reported_need_codes"] = ["flying"]
    assert (
        api.post(f"/api/v1/cases/{case_a.pk}/assessments/", body, format="json").status_code == 400
    )


def test_sensitive_self_reported_needs_stay_with_their_part(
    api_for, caseworker_a, case_a, agency_b, caseworker_b
):
    from casework import services

    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=TODAY,
        ratings={"accommodation": "red"},
        work_readiness="support_needed",
        self_reported_need_codes=["drugs", "accommodation"],
    )
    share_with(caseworker_a, case_a, agency_b)
    data = api_for(caseworker_b).get(f"/api/v1/cases/{case_a.pk}/assessments/").json()
    assert data["results"][0]["self_reported_need_codes"] == ["accommodation"]
    acting.attach(caseworker_b)
    with pytest.raises(ApplicationError, match="cannot record drugs"):
        services.assessment_record(
            user=caseworker_b,
            case=case_a,
            assessed_on=TODAY,
            ratings={"accommodation": "red"},
            work_readiness="support_needed",
            self_reported_need_codes=["drugs"],
        )


def test_basic_skills_screen_is_due_after_reception_and_shows_overdue(
    client_for, caseworker_a, case_a, settings
):
    from casework import services

    settings.BASIC_SKILLS_SCREEN_DAYS = 5
    services.sentence_record(
        user=caseworker_a, case=case_a, sentence_type="custodial", reception_date=TODAY - 10 * DAY
    )
    page = client_for(caseworker_a)
    url = reverse("casework:case_assessment", args=[case_a.pk])
    html = page.get(url).content.decode()
    due = TODAY - 5 * DAY
    assert f"Not screened: overdue since {due:%-d %B %Y}" in html and "app-overdue" in html
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=TODAY,
        ratings={"accommodation": "red"},
        work_readiness="support_needed",
        confident_writing_name="yes",
    )
    html = page.get(url).content.decode()
    assert f"Screened on {TODAY:%-d %B %Y}, late" in html
    settings.BASIC_SKILLS_SCREEN_DAYS = 30
    assert "Screened on" in page.get(url).content.decode()
    assert ", late" not in page.get(url).content.decode().split("basic-skills-screen")[1][:200]


# --- 6. Accommodation outcome ----------------------------------------------------------------


@pytest.fixture
def released_case(caseworker_a, case_a):
    from casework import services

    services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="custodial",
        reception_date=TODAY - 200 * DAY,
        actual_release_date=TODAY - 100 * DAY,
        release_type="licence",
    )
    return case_a


def test_accommodation_outcomes_are_recorded_once_per_point_and_corrected(
    client_for, caseworker_a, released_case, caseworker_b
):
    from casework.models import AccommodationOutcome

    page = client_for(caseworker_a)
    custody = reverse("casework:case_custody", args=[released_case.pk])
    html = page.get(custody).content.decode()
    assert "Not recorded: due since" in html
    url = reverse("casework:accommodation_outcome_create", args=[released_case.pk])
    assert page.post(url, {"point": "at_release", "status": "temporary"}).status_code == 302
    again = page.post(url, {"point": "at_release", "status": "settled"})
    assert "already recorded" in again.content.decode()
    assert page.post(url, {"point": "three_months", "status": "settled"}).status_code == 302
    row = AccommodationOutcome.objects.get(point="at_release")
    assert row.as_at == TODAY - 100 * DAY
    edit = reverse("casework:accommodation_outcome_edit", args=[released_case.pk, row.pk])
    assert page.post(edit, {"version": 1, "status": "rough_sleeping"}).status_code == 302
    html = page.get(custody).content.decode()
    assert "Rough sleeping (as at" in html
    assert client_for(caseworker_b).get(edit).status_code == 404
    acting.attach(caseworker_a)
    titles = [e.title for e in entries_for_case(user=caseworker_a, case=released_case)]
    assert "Accommodation on release: rough sleeping" in titles
    assert AccessEvent.objects.filter(object_type="casework.accommodationoutcome").count() == 3


def test_accommodation_outcome_needs_a_release_and_its_date(caseworker_a, case_a, api_for):
    with pytest.raises(ApplicationError, match="Record the release"):
        records.accommodation_outcome_record(
            user=caseworker_a, case=case_a, point="at_release", status="settled"
        )
    api = api_for(caseworker_a)
    bad = api.post(
        f"/api/v1/cases/{case_a.pk}/accommodation-outcomes/",
        {"point": "at_release", "status": "settled"},
    )
    assert bad.status_code == 400 and "release" in bad.content.decode()


def test_accommodation_outcome_api(api_for, caseworker_a, released_case, caseworker_b):
    api = api_for(caseworker_a)
    url = f"/api/v1/cases/{released_case.pk}/accommodation-outcomes/"
    created = api.post(url, {"point": "at_release", "status": "settled"})
    assert created.status_code == 201, created.content
    oid = created.json()["id"]
    ok = api.patch(f"{url}{oid}/", {"version": 1, "status": "temporary"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "temporary"
    assert api.patch(f"{url}{oid}/", {"version": 1, "status": "settled"}).status_code == 409
    assert api.post(url, {"point": "sometime", "status": "settled"}).status_code == 400
    assert api.get(url).json()["count"] == 1
    assert api_for(caseworker_b).get(url).status_code == 404
