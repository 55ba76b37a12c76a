import datetime

import pytest

from audit.models import AccessEvent
from casework import services
from casework.models import Assessment, PlanAction

pytestmark = pytest.mark.django_db


def _url(case, tail=""):
    return f"/api/v1/cases/{case.pk}/{tail}"


def test_assessments_post_and_list(api_for, caseworker_a, case_a, today):
    api = api_for(caseworker_a)
    response = api.post(
        _url(case_a, "assessments/"),
        {
            "assessed_on": today.isoformat(),
            "ratings": {"accommodation": "red", "drugs": "green"},
            "work_readiness": "support_needed",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ratings"] == {"accommodation": "red", "drugs": "green"}
    listing = api.get(_url(case_a, "assessments/")).json()
    assert listing["count"] == 1 and listing["results"][0]["work_readiness"] == "support_needed"
    assert AccessEvent.objects.filter(person=case_a.person, detail__page="api:assessments").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"ratings": {"accommodation": "purple"}},
        {"ratings": {"astrology": "red"}},
        {"ratings": "red"},
        {"work_readiness": "sometimes"},
        {"assessed_on": "2020-13-45"},
        {"assessed_on": (datetime.date.today() + datetime.timedelta(days=5)).isoformat()},
    ],
)
def test_assessment_bad_input_is_400(api_for, caseworker_a, case_a, today, body):
    data = {
        "assessed_on": today.isoformat(),
        "ratings": {"accommodation": "red"},
        "work_readiness": "ready_to_work",
    } | body
    response = api_for(caseworker_a).post(_url(case_a, "assessments/"), data, format="json")
    assert response.status_code == 400, response.content
    assert not Assessment.objects.exists()


def test_other_agency_gets_404_on_case_children(api_for, caseworker_a, caseworker_b, case_a, today):
    item = services.action_add(user=caseworker_a, case=case_a, description="CV", due_date=today)
    api = api_for(caseworker_b)
    assert api.get(_url(case_a, "assessments/")).status_code == 404
    assert api.post(_url(case_a, "assessments/"), {}, format="json").status_code == 404
    assert api.get(_url(case_a, "actions/")).status_code == 404
    assert api.post(_url(case_a, "actions/"), {}, format="json").status_code == 404
    assert api.get(_url(case_a, f"actions/{item.pk}/")).status_code == 404
    assert (
        api.patch(
            _url(case_a, f"actions/{item.pk}/"), {"status": "done"}, format="json"
        ).status_code
        == 404
    )
    assert api.get("/api/v1/cases/999999/actions/").status_code == 404


def test_wrong_role_gets_403(api_for, admin_a, case_a):
    assert api_for(admin_a).get(_url(case_a, "actions/")).status_code == 403


def test_actions_post_patch_and_version(api_for, caseworker_a, case_a, today):
    api = api_for(caseworker_a)
    response = api.post(
        _url(case_a, "actions/"),
        {"description": "Write CV", "due_date": today.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner_agency"] == caseworker_a.acting.agency_id and body["status"] == "not_started"
    url = _url(case_a, f"actions/{body['id']}/")
    response = api.patch(url, {"status": "in_progress", "version": body["version"]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    stale = api.patch(url, {"status": "done", "version": body["version"]}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    current = body["version"] + 1
    assert (
        api.patch(url, {"status": "finished", "version": current}, format="json").status_code == 400
    )
    assert (
        api.patch(
            url,
            {
                "due_date": (case_a.start_date - datetime.timedelta(days=1)).isoformat(),
                "version": current,
            },
            format="json",
        ).status_code
        == 400
    )
    # no version: refused, so two clients that leave it out cannot overwrite each other
    missing = api.patch(url, {"status": "done"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert api.get(url).json()["status"] == "in_progress"
    assert api.get(_url(case_a, "actions/")).json()["count"] == 1


def test_action_due_before_case_start_is_400(api_for, caseworker_a, case_a):
    response = api_for(caseworker_a).post(
        _url(case_a, "actions/"),
        {
            "description": "Early",
            "due_date": (case_a.start_date - datetime.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "due_date" in response.json()
    assert not PlanAction.objects.exists()


def test_involved_agency_adds_own_action_and_cannot_patch_owners(
    api_for, caseworker_a, caseworker_b, shared_case, agency_a, today
):
    item = services.action_add(
        user=caseworker_a, case=shared_case, description="CV", due_date=today
    )
    api = api_for(caseworker_b)
    assert (
        api.post(
            _url(shared_case, "actions/"),
            {"description": "Job club", "due_date": today.isoformat()},
            format="json",
        ).status_code
        == 201
    )
    assert (
        api.post(
            _url(shared_case, "actions/"),
            {"description": "X", "due_date": today.isoformat(), "owner_agency": agency_a.pk},
            format="json",
        ).status_code
        == 403
    )
    assert (
        api.patch(
            _url(shared_case, f"actions/{item.pk}/"),
            {"status": "done", "version": item.version},
            format="json",
        ).status_code
        == 403
    )
