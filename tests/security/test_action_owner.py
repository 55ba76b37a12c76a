"""The action API's owner field names only the agency's own staff (and, on its own case, the
partners' on the case): any other user id answers like one that does not exist."""

import datetime

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return datetime.date.today()


def _post(api, case, owner, today):
    return api.post(
        f"/api/v1/cases/{case.pk}/actions/",
        {"description": "Write CV", "due_date": today.isoformat(), "owner": owner},
        format="json",
    )


def test_another_agencys_user_is_refused_like_a_missing_one(
    api_for, caseworker_a, caseworker_b, case_a, today
):
    api = api_for(caseworker_a)
    other_agency = _post(api, case_a, caseworker_b.pk, today)
    missing = _post(api, case_a, 999999, today)
    assert other_agency.status_code == missing.status_code == 400
    assert list(other_agency.json()) == ["owner"]
    text = str(other_agency.json())
    assert str(caseworker_b) not in text and caseworker_b.acting.agency.name not in text
    assert text.replace(str(caseworker_b.pk), "N") == str(missing.json()).replace("999999", "N")


def test_a_colleague_can_own_the_action(api_for, caseworker_a, caseworker_a2, case_a, today):
    response = _post(api_for(caseworker_a), case_a, caseworker_a2.pk, today)
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == caseworker_a2.pk


def test_patch_cannot_name_another_agencys_user(api_for, caseworker_a, caseworker_b, case_a, today):
    api = api_for(caseworker_a)
    body = _post(api, case_a, None, today).json()
    response = api.patch(
        f"/api/v1/cases/{case_a.pk}/actions/{body['id']}/",
        {"owner": caseworker_b.pk, "version": body["version"]},
        format="json",
    )
    assert response.status_code == 400 and str(caseworker_b) not in str(response.json())
