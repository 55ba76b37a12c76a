import pytest

from casework import services

pytestmark = pytest.mark.django_db


def test_action_with_another_agencys_goal_is_refused_as_not_existing(
    api_for, caseworker_a, caseworker_b, case_a, person_b
):
    foreign_goal = services.goal_add(
        user=caseworker_b, case=person_b.cases.get(), description="Their goal"
    )
    response = api_for(caseworker_a).post(
        f"/api/v1/cases/{case_a.pk}/actions/",
        {"description": "Apply for jobs", "due_date": "2030-01-01", "goal": foreign_goal.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json()["goal"])
    assert "this case's plan" not in str(response.json())
