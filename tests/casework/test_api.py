import pytest

from audit.models import AccessEvent
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db


def test_people_api_create_validates_and_stores_nothing_on_error(api_for, caseworker_a):
    api = api_for(caseworker_a)
    bad = api.post(
        "/api/v1/people/",
        {
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "1990-02-31",
            "sex": "male",
            "national_insurance_number": "123",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert {"date_of_birth", "national_insurance_number"} <= set(bad.json())
    good = api.post(
        "/api/v1/people/",
        {
            "first_name": "Casey",
            "last_name": "Api",
            "date_of_birth": "1990-02-03",
            "sex": "female",
            "crn": "x654321",
        },
        format="json",
    )
    assert (
        good.status_code == 201 and good.json()["crn"] == "X654321" and good.json()["version"] == 1
    )


def test_people_api_patch_with_stale_version_is_409(api_for, caseworker_a, person_a):
    api = api_for(caseworker_a)
    ok = api.patch(
        f"/api/v1/people/{person_a.pk}/", {"home_area": "Luton", "version": 1}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(
        f"/api/v1/people/{person_a.pk}/", {"home_area": "Bedford", "version": 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    missing = api.patch(f"/api/v1/people/{person_a.pk}/", {"home_area": "Bedford"}, format="json")
    assert missing.status_code == 400


def test_people_and_cases_api_other_agency_is_404(api_for, caseworker_b, person_a, case_a):
    api = api_for(caseworker_b)
    assert api.get(f"/api/v1/people/{person_a.pk}/").status_code == 404
    assert (
        api.patch(f"/api/v1/people/{person_a.pk}/", {"version": 1}, format="json").status_code
        == 404
    )
    assert api.get(f"/api/v1/people/{person_a.pk}/access-log/").status_code == 404
    assert api.get(f"/api/v1/cases/{case_a.pk}/").status_code == 404
    assert (
        api.patch(f"/api/v1/cases/{case_a.pk}/", {"version": 1}, format="json").status_code == 404
    )
    assert api.get("/api/v1/people/", {"q": "Alpha"}).json()["count"] == 0
    assert (
        api.post(
            "/api/v1/cases/",
            {
                "person": person_a.pk,
                "offender_group": "community",
                "support_level": "low",
                "stage": "in_community",
                "start_date": "2026-01-01",
                "planned_end_date": "2026-12-01",
            },
            format="json",
        ).status_code
        == 400
    )


def test_cases_api_create_and_bad_dates(api_for, caseworker_a, person_a):
    api = api_for(caseworker_a)
    body = {
        "person": person_a.pk,
        "offender_group": "community",
        "support_level": "low",
        "stage": "in_community",
        "start_date": "2026-01-01",
        "planned_end_date": "2025-12-01",
    }
    bad = api.post("/api/v1/cases/", body, format="json")
    assert bad.status_code == 400 and "planned_end_date" in bad.json()
    body["planned_end_date"] = "2026-12-01"
    good = api.post("/api/v1/cases/", body, format="json")
    assert good.status_code == 201 and good.json()["owning_agency"]["name"] == "Probation A"


def test_access_log_api_lists_who_viewed(api_for, caseworker_a, person_a):
    api = api_for(caseworker_a)
    api.get(f"/api/v1/people/{person_a.pk}/")
    rows = api.get(f"/api/v1/people/{person_a.pk}/access-log/").json()["results"]
    assert {"at", "user", "agency", "action"} <= set(rows[0])
    assert any(r["action"] == "view" and r["user"] == "caseworker_a" for r in rows)
    said = (
        f"{caseworker_a.get_full_name()} viewed the record of {person_a.full_name} through the API"
    )
    assert said in [r["description"] for r in rows]


def test_reads_through_api_are_audited(api_for, caseworker_a, person_a):
    before = AccessEvent.objects.count()
    api_for(caseworker_a).get(f"/api/v1/people/{person_a.pk}/")
    assert AccessEvent.objects.count() == before + 1


@pytest.mark.parametrize("size", [10, 200])
def test_people_api_query_count_is_flat(api_for, caseworker_a, django_assert_max_num_queries, size):
    for i in range(size):
        person_with_case(caseworker_a, last_name=f"Bulk{i}")
    with django_assert_max_num_queries(8):
        response = api_for(caseworker_a).get("/api/v1/people/", {"page_size": 200})
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [10, 200])
def test_caseload_query_count_is_flat(
    client_for, caseworker_a, django_assert_max_num_queries, size
):
    for i in range(size):
        person_with_case(caseworker_a, last_name=f"Bulk{i}")
    client = client_for(caseworker_a)
    # + the page's access rows (identity shown per row) + the restricted people the user is named for
    with django_assert_max_num_queries(17):  # +1 the unread notifications in the header
        response = client.get("/")
    assert response.status_code == 200 and f"{size} cases" in response.content.decode()


def test_api_token_and_me(caseworker_a):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "caseworker_a", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert (
        me["username"] == "caseworker_a"
        and me["role"] == "caseworker"
        and me["acting_agency"]["kind"] == "probation"
    )


def test_schema_is_served_to_signed_in_users(client_for, caseworker_a):
    response = client_for(caseworker_a).get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/people/" in response.content


def test_people_api_count_comes_from_access_rows_and_matches_the_list(
    api_for, caseworker_a, manager_a
):
    from consent import services as consent_services

    people = [person_with_case(caseworker_a, last_name=f"Counted{i}")[0] for i in range(3)]
    consent_services.person_set_restricted(
        user=manager_a, person=people[0], restricted=True, reason="Staff member", confirmed=True
    )
    body = api_for(caseworker_a).get("/api/v1/people/", {"page_size": 2}).json()
    second = api_for(caseworker_a).get("/api/v1/people/", {"page_size": 2, "page": 2})
    assert (
        body["count"] == 2 and len(body["results"]) == 2 and second.status_code == 404
    )  # restricted one hidden
    assert [p["last_name"] for p in body["results"]] == ["Counted1", "Counted2"]
    assert (
        api_for(manager_a).get("/api/v1/people/").json()["count"] == 3
    )  # the manager who restricted keeps access
