"""Forms that know the workflow (issue 18), employment side: the status list offers only the
allowed next steps, and a job start is made from an offered application with its fields filled."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from employers import services
from employers.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    EmploymentSpell,
)
from tests.helpers_forms import date_post, input_value

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _status_options(html):
    return re.findall(
        r'<input class="govuk-radios__input" id="[^"]*" name="status" type="radio" value="([^"]*)"',
        html,
    )


def _application(adviser_a, person, vacancy, *, to):
    """An application walked along the workflow to status `to`."""
    app = services.application_create(
        user=adviser_a, person=person, vacancy=vacancy, status="applied"
    )
    path = {
        "applied": [],
        "interview_arranged": ["interview_arranged"],
        "interviewed": ["interview_arranged", "interviewed"],
        "offered": ["offered"],
        "withdrawn": ["withdrawn"],
    }[to]
    for step in path:
        at = timezone.now() - datetime.timedelta(hours=2) if step == "interview_arranged" else None
        app = services.application_update(
            user=adviser_a, application=app, status=step, interview_at=at
        )
    return app


@pytest.mark.parametrize(
    "status", ["applied", "interview_arranged", "interviewed", "offered", "withdrawn"]
)
def test_status_list_offers_only_the_allowed_next_steps(
    client_for, adviser_a, shared_person, vacancy, status
):
    app = _application(adviser_a, shared_person, vacancy, to=status)
    html = (
        client_for(adviser_a)
        .get(reverse("employers:application_edit", args=[app.pk]))
        .content.decode()
    )
    allowed = APPLICATION_TRANSITIONS[ApplicationStatus(status)]
    expected = [status] + [s.value for s in ApplicationStatus if s in allowed]
    assert _status_options(html) == expected
    assert f"{ApplicationStatus(status).label} (no change)" in html


def test_a_step_not_offered_is_refused_with_a_message_for_the_user(
    client_for, adviser_a, shared_person, vacancy
):
    app = _application(adviser_a, shared_person, vacancy, to="applied")
    response = client_for(adviser_a).post(
        reverse("employers:application_edit", args=[app.pk]),
        {"version": app.version, "status": "interested", "outcome": "Typed"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select one of the next steps shown" in html and "Typed" in html


def test_offered_application_links_to_a_job_start_with_its_fields_filled_in(
    client_for, adviser_a, shared_person, vacancy
):
    app = _application(adviser_a, shared_person, vacancy, to="offered")
    page = client_for(adviser_a)
    jobs = page.get(reverse("employers:person_jobs", args=[shared_person.pk])).content.decode()
    url = f"{reverse('employers:spell_create', args=[shared_person.pk])}?application={app.pk}"
    assert f'href="{url}"' in jobs and "Record the job start" in jobs
    edit = page.get(reverse("employers:application_edit", args=[app.pk])).content.decode()
    assert f'href="{url}"' in edit
    html = page.get(url).content.decode()
    assert "From the offer of Warehouse operative at Hatters Logistics" in html
    assert input_value(html, "job_title") == "Warehouse operative"
    assert input_value(html, "hours_per_week") == "37.5"
    assert f'<option value="{vacancy.employer_id}" selected>' in html
    response = page.post(
        url,
        {
            "kind": "job",
            "employer": vacancy.employer_id,
            "job_title": "Warehouse operative",
            **date_post("start_date", TODAY()),
            "hours_per_week": "37.5",
            "contract_type": vacancy.contract_type,
        },
    )
    assert response.status_code == 302
    spell = EmploymentSpell.objects.get()
    assert spell.application == app and spell.employer == vacancy.employer


def test_only_an_offered_application_makes_a_job_start(adviser_a, shared_person, vacancy):
    app = _application(adviser_a, shared_person, vacancy, to="applied")
    with pytest.raises(
        ApplicationError, match="offered application: this one is applied"
    ) as refused:
        services.employment_spell_create(
            user=adviser_a,
            person=shared_person,
            application=app,
            job_title="Picker",
            start_date=TODAY(),
        )
    assert refused.value.field == "application"


def test_job_start_from_an_offer_through_the_api_and_not_twice(
    api_for, adviser_a, shared_person, vacancy
):
    app = _application(adviser_a, shared_person, vacancy, to="offered")
    body = {
        "person": shared_person.pk,
        "application": app.pk,
        "employer": vacancy.employer_id,
        "job_title": "Warehouse operative",
        "start_date": TODAY().isoformat(),
        "contract_type": "permanent",
    }
    api = api_for(adviser_a)
    first = api.post("/api/v1/employment-spells/", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["application"] == app.pk
    again = api.post("/api/v1/employment-spells/", body, format="json")
    assert again.status_code == 400
    assert "already been recorded" in again.json()["application"][0]


# --- conditional questions ---------------------------------------------------------------------


def _block_for(html, field_id):
    from tests.core.test_forms_workflow import _conditional

    return _conditional(html, field_id)


def test_interview_date_is_revealed_only_for_an_arranged_interview(
    client_for, adviser_a, shared_person, vacancy
):
    page = client_for(adviser_a)
    html = page.get(
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk])
    ).content.decode()
    block_id, block = _block_for(html, "id_interview_time")
    assert block_id and 'id="id_interview_on-day"' in block
    assert f'value="interview_arranged" data-aria-controls="{block_id}"' in html
    assert 'value="applied" data-aria-controls' not in html
    app = _application(adviser_a, shared_person, vacancy, to="applied")
    html = page.get(reverse("employers:application_edit", args=[app.pk])).content.decode()
    block_id, _ = _block_for(html, "id_interview_time")
    assert f'value="interview_arranged" data-aria-controls="{block_id}"' in html


def test_arranged_interview_takes_a_time_typed_as_2_30pm(
    client_for, adviser_a, shared_person, vacancy
):
    day = TODAY() + datetime.timedelta(days=4)
    response = client_for(adviser_a).post(
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]),
        {
            "status": "interview_arranged",
            **date_post("interview_on", day),
            "interview_time": "2:30pm",
        },
    )
    assert response.status_code == 302
    at = timezone.localtime(Application.objects.get(person=shared_person).interview_at)
    assert (at.date(), at.hour, at.minute) == (day, 14, 30)


def test_date_left_is_revealed_only_for_left_the_job(
    client_for, adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    check = spell.checks.get(milestone_weeks=4)
    html = (
        client_for(adviser_a)
        .get(reverse("employers:check_record", args=[check.pk]))
        .content.decode()
    )
    block_id, block = _block_for(html, "id_left_on-day")
    assert block_id
    assert f'value="left_no_job" data-aria-controls="{block_id}"' in html
    assert html.count("data-aria-controls") == 1


def test_same_job_with_a_date_left_shows_the_message_outside_the_hidden_question(
    client_for, adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    check = spell.checks.get(milestone_weeks=4)
    html = (
        client_for(adviser_a)
        .post(
            reverse("employers:check_record", args=[check.pk]),
            {
                "outcome": "in_work",
                "evidence": "employer",
                **date_post("checked_on", TODAY()),
                **date_post("left_on", TODAY() - datetime.timedelta(days=1)),
            },
        )
        .content.decode()
    )
    assert _block_for(html, "id_left_on-day") == (None, "")  # not hidden under "left the job"
    assert 'id="id_left_on-error"' in html


def test_arranged_interview_without_a_date_is_asked_for_next_to_the_date(
    client_for, adviser_a, shared_person, vacancy
):
    from tests.helpers_forms import field_error

    html = (
        client_for(adviser_a)
        .post(
            reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]),
            {"status": "interview_arranged", "interview_time": "2pm"},
        )
        .content.decode()
    )
    assert field_error(html, "id_interview_on") == "Enter the interview date and time"
    assert input_value(html, "interview_time") == "2pm"
    block_id, block = _block_for(html, "id_interview_on-day")
    assert block_id and "govuk-radios__conditional--hidden" not in block


def test_an_interview_date_left_under_another_choice_is_not_kept(
    client_for, adviser_a, shared_person, vacancy
):
    response = client_for(adviser_a).post(
        reverse("employers:application_create", args=[shared_person.pk, vacancy.pk]),
        {"status": "applied", **date_post("interview_on", TODAY()), "interview_time": "2pm"},
    )
    assert response.status_code == 302
    assert Application.objects.get(person=shared_person).interview_at is None
