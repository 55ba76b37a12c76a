"""Dates and records that cannot be true are refused (issue 18): retention checks, interviews and
an empty "record interest". Page: the message next to the field, typed values kept. API: 400."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from employers import services
from employers.models import Application, RetentionCheck
from tests.helpers_forms import date_post, field_error, input_value

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
SAME_JOB_MESSAGE = (
    "They are still in the same job, so leave the date they left blank (or choose another outcome)"
)


@pytest.fixture
def due_check(shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    return spell.checks.get(milestone_weeks=4)


def test_in_work_same_job_with_a_date_left_is_refused(adviser_a, due_check):
    with pytest.raises(ApplicationError, match="still in the same job") as refused:
        services.retention_check_record(
            user=adviser_a,
            check=due_check,
            outcome="in_work",
            evidence="employer",
            checked_on=TODAY(),
            left_on=TODAY() - datetime.timedelta(days=3),
        )
    assert refused.value.field == "left_on"
    due_check.refresh_from_db()
    assert due_check.status == "due"


def test_left_no_job_still_takes_a_date_left(adviser_a, due_check):
    left = TODAY() - datetime.timedelta(days=3)
    services.retention_check_record(
        user=adviser_a,
        check=due_check,
        outcome="left_no_job",
        evidence="person",
        checked_on=TODAY(),
        left_on=left,
    )
    due_check.spell.refresh_from_db()
    assert due_check.spell.end_date == left


def test_check_page_shows_the_message_by_date_left_and_keeps_what_was_typed(
    client_for, adviser_a, due_check
):
    left = TODAY() - datetime.timedelta(days=3)
    response = client_for(adviser_a).post(
        reverse("employers:check_record", args=[due_check.pk]),
        {
            "outcome": "in_work",
            "evidence": "employer",
            "notes": "Spoke to the supervisor",
            **date_post("checked_on", TODAY()),
            **date_post("left_on", left),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_left_on") == SAME_JOB_MESSAGE
    assert input_value(html, "left_on_day") == str(left.day)
    assert "Spoke to the supervisor" in html
    assert RetentionCheck.objects.get(pk=due_check.pk).status == "due"


def test_check_api_answers_400(api_for, adviser_a, due_check):
    response = api_for(adviser_a).post(
        f"/api/v1/retention-checks/{due_check.pk}/record/",
        {
            "outcome": "in_work",
            "evidence": "employer",
            "checked_on": TODAY().isoformat(),
            "left_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["left_on"] == [SAME_JOB_MESSAGE]


# --- an interview recorded as held before its date --------------------------------------------


@pytest.fixture
def arranged(adviser_a, shared_person, vacancy):
    return services.application_create(
        user=adviser_a,
        person=shared_person,
        vacancy=vacancy,
        status="interview_arranged",
        interview_at=timezone.now() + datetime.timedelta(days=3),
    )


def _interview_day(application):
    return timezone.localtime(application.interview_at).date()


def test_interview_cannot_be_held_before_its_date(adviser_a, arranged):
    day = _interview_day(arranged)
    with pytest.raises(ApplicationError, match=f"arranged for {day:%-d %B %Y}") as refused:
        services.application_update(
            user=adviser_a, application=arranged, version=arranged.version, status="interviewed"
        )
    assert refused.value.field == "status"
    arranged.refresh_from_db()
    assert arranged.status == "interview_arranged"


def test_interview_held_on_or_after_its_date_is_recorded(adviser_a, arranged):
    Application.objects.filter(pk=arranged.pk).update(
        interview_at=timezone.now() - datetime.timedelta(hours=1)
    )
    arranged.refresh_from_db()
    updated = services.application_update(
        user=adviser_a, application=arranged, version=arranged.version, status="interviewed"
    )
    assert updated.status == "interviewed"


def test_interview_page_shows_the_message_by_the_status_and_keeps_the_outcome(
    client_for, adviser_a, arranged
):
    day = _interview_day(arranged)
    response = client_for(adviser_a).post(
        reverse("employers:application_edit", args=[arranged.pk]),
        {
            "version": arranged.version,
            "status": "interviewed",
            **date_post("interview_on", day),
            "interview_time": "2pm",
            "outcome": "Went well",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_status").startswith(
        f"The interview is arranged for {day:%-d %B %Y}"
    )
    assert "Went well" in html and input_value(html, "interview_time") == "2pm"


def test_interview_api_answers_400(api_for, adviser_a, arranged):
    response = api_for(adviser_a).patch(
        f"/api/v1/applications/{arranged.pk}/",
        {"status": "interviewed", "version": arranged.version},
        format="json",
    )
    assert response.status_code == 400
    assert "arranged for" in response.json()["status"][0]


# --- an empty "record interest" ----------------------------------------------------------------


def test_empty_record_interest_is_refused_on_the_page(
    client_for, adviser_a, shared_person, vacancy
):
    response = client_for(adviser_a).post(
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]), {}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_status") == "Select where the application is up to"
    assert not Application.objects.exists()


def test_empty_record_interest_is_refused_by_the_service_and_api(
    api_for, adviser_a, shared_person, vacancy
):
    with pytest.raises(ApplicationError) as refused:
        services.application_create(
            user=adviser_a, person=shared_person, vacancy=vacancy, status=""
        )
    assert refused.value.field == "status"
    response = api_for(adviser_a).post(
        "/api/v1/applications/",
        {"person": shared_person.pk, "vacancy": vacancy.pk, "status": ""},
        format="json",
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert not Application.objects.exists()
