import datetime

import pytest

from employers import services
from employers.models import RetentionCheck

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
BASE = "/api/v1"


def test_employers_and_vacancies_list_and_create(api_for, adviser_a, caseworker_b, employer):
    api = api_for(adviser_a)
    response = api.post(
        f"{BASE}/employers/",
        {
            "name": "Southend Pier Cafe",
            "sector": "hospitality",
            "town": "Southend-on-Sea",
            "postcode": "SS1 1EE",
            "engagement_level": "aware",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    new_id = response.json()["id"]
    response = api.post(
        f"{BASE}/vacancies/",
        {
            "employer": new_id,
            "title": "Kitchen porter",
            "hours": "20",
            "disclosure_level": "none",
            "exclusions": ["arson"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["town"] == "Southend-on-Sea"
    names = [e["name"] for e in api_for(caseworker_b).get(f"{BASE}/employers/").json()["results"]]
    assert {"Hatters Logistics", "Southend Pier Cafe"} <= set(names)


def test_bad_postcode_is_a_400_not_a_500(api_for, adviser_a):
    response = api_for(adviser_a).post(
        f"{BASE}/employers/",
        {"name": "X", "sector": "retail", "town": "Luton", "postcode": "zzz"},
        format="json",
    )
    assert response.status_code == 400


def test_application_and_spell_endpoints(api_for, adviser_a, shared_person, vacancy, employer):
    api = api_for(adviser_a)
    response = api.post(
        f"{BASE}/applications/",
        {"person": shared_person.pk, "vacancy": vacancy.pk, "status": "applied"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    app_id = response.json()["id"]
    version = response.json()["version"]
    missing = api.patch(f"{BASE}/applications/{app_id}/", {"status": "offered"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()  # version is required
    response = api.patch(
        f"{BASE}/applications/{app_id}/", {"status": "offered", "version": version}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "offered"
    stale = api.patch(
        f"{BASE}/applications/{app_id}/", {"status": "withdrawn", "version": version}, format="json"
    )
    assert stale.status_code == 409
    response = api.patch(
        f"{BASE}/applications/{app_id}/",
        {"status": "interested", "version": version + 1},
        format="json",
    )
    assert response.status_code == 400
    start = TODAY() - datetime.timedelta(weeks=9)
    response = api.post(
        f"{BASE}/employment-spells/",
        {
            "person": shared_person.pk,
            "employer": employer.pk,
            "job_title": "Picker",
            "start_date": start.isoformat(),
            "contract_type": "permanent",
            "hours_per_week": "40",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    spell = response.json()
    assert spell["hours_band"] == "30_plus"
    response = api.patch(
        f"{BASE}/employment-spells/{spell['id']}/",
        {"version": 99, "job_title": "Late"},
        format="json",
    )
    assert response.status_code == 409
    response = api.patch(
        f"{BASE}/employment-spells/{spell['id']}/",
        {
            "version": spell["version"],
            "start_date": (start - datetime.timedelta(days=7)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200
    assert RetentionCheck.objects.get(
        spell_id=spell["id"], milestone_weeks=4
    ).due_on == start + datetime.timedelta(days=21)


def test_retention_checks_filter_by_status_and_record(
    api_for, adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    api = api_for(adviser_a)
    due = api.get(f"{BASE}/retention-checks/", {"status": "due"}).json()["results"]
    assert [c["milestone_weeks"] for c in due] == [4]
    assert api.get(f"{BASE}/retention-checks/", {"status": "nonsense"}).status_code == 400
    response = api.post(
        f"{BASE}/retention-checks/{due[0]['id']}/record/",
        {"outcome": "in_work", "evidence": "employer", "checked_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "recorded" and response.json()["recorded_by"] == "adviser_a"
    response = api.post(
        f"{BASE}/retention-checks/{due[0]['id']}/record/",
        {"outcome": "in_work", "evidence": "employer", "checked_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 409
    eight = spell.checks.get(milestone_weeks=8)
    response = api.post(
        f"{BASE}/retention-checks/{eight.pk}/record/",
        {"outcome": "in_work", "evidence": "employer", "checked_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 400


def test_other_agency_gets_404_on_personal_endpoints(
    api_for, adviser_a, caseworker_b, shared_person, vacancy, make_spell
):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    spell = make_spell(shared_person, weeks_ago=5)
    check = spell.checks.first()
    api = api_for(caseworker_b)
    for url in [
        f"{BASE}/applications/{app.pk}/",
        f"{BASE}/employment-spells/{spell.pk}/",
        f"{BASE}/retention-checks/{check.pk}/",
    ]:
        assert api.get(url).status_code == 404, url
    assert (
        api.post(
            f"{BASE}/retention-checks/{check.pk}/record/",
            {"outcome": "in_work", "evidence": "person", "checked_on": TODAY().isoformat()},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.patch(
            f"{BASE}/applications/{app.pk}/", {"status": "withdrawn"}, format="json"
        ).status_code
        == 404
    )
    for url in ["applications", "employment-spells", "retention-checks"]:
        assert api.get(f"{BASE}/{url}/").json()["results"] == [], url
    response = api.post(
        f"{BASE}/employment-spells/",
        {"person": shared_person.pk, "job_title": "X", "start_date": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 400  # the person is not offered to another agency


def test_commissioner_is_refused_by_the_api(api_for, commissioner_manager):
    assert api_for(commissioner_manager).get(f"{BASE}/retention-checks/").status_code == 403
