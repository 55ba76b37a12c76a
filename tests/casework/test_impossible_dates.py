"""Dates that cannot be true are refused (issue 18): a person's birth and identity check.

The rule is in the service, so the page (next to the field, keeping what was typed) and the API
(400 naming the field) both refuse.
"""

import datetime

import pytest
from django.urls import reverse

from casework import services
from casework.models import Person
from core.errors import ApplicationError
from tests.helpers_forms import date_post, field_error, input_value

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _person_post(**overrides):
    data = {
        "first_name": "Dana",
        "last_name": "Newperson",
        "sex": "female",
        "accommodation_status": "unknown",
        "employment_status": "unknown",
        "benefit_status": "unknown",
        **date_post("date_of_birth", datetime.date(1991, 2, 3)),
    }
    return data | overrides


def _years_ago(years, days=0):
    today = TODAY()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("born", "message"),
    [
        (lambda: TODAY() + datetime.timedelta(days=1), "Date of birth must be in the past"),
        (
            lambda: _years_ago(9),
            "Date of birth must be at least 10 years ago: check the year",
        ),
        (
            lambda: _years_ago(10) + datetime.timedelta(days=1),
            "Date of birth must be at least 10 years ago: check the year",
        ),
    ],
)
def test_service_refuses_an_impossible_date_of_birth(caseworker_a, born, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        services.person_create(
            user=caseworker_a, first_name="A", last_name="B", sex="male", date_of_birth=born()
        )
    assert refused.value.field == "date_of_birth"
    assert not Person.objects.exists()


def test_a_person_exactly_ten_is_accepted(caseworker_a):
    person = services.person_create(
        user=caseworker_a, first_name="A", last_name="B", sex="male", date_of_birth=_years_ago(10)
    )
    assert person.pk


def test_identity_verified_in_the_future_is_refused(caseworker_a, person_a):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ApplicationError, match="must be today or in the past") as refused:
        services.person_update(
            user=caseworker_a,
            person=person_a,
            version=person_a.version,
            identity_verified_on=tomorrow,
        )
    assert refused.value.field == "identity_verified_on"
    with pytest.raises(ApplicationError, match="after the date of birth"):
        services.person_update(
            user=caseworker_a,
            person=person_a,
            version=person_a.version,
            identity_verified_on=person_a.date_of_birth - datetime.timedelta(days=1),
        )
    person_a.refresh_from_db()
    assert person_a.identity_verified_on is None
    updated = services.person_update(
        user=caseworker_a, person=person_a, version=person_a.version, identity_verified_on=TODAY()
    )
    assert updated.identity_verified_on == TODAY() and updated.identity_verified_by == caseworker_a


def test_page_shows_the_date_of_birth_message_and_keeps_what_was_typed(client_for, caseworker_a):
    born = _years_ago(3)
    response = client_for(caseworker_a).post(
        reverse("casework:person_create"),
        _person_post(first_name="Dana", **date_post("date_of_birth", born)),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        field_error(html, "id_date_of_birth")
        == "Date of birth must be at least 10 years ago: check the year"
    )
    assert input_value(html, "date_of_birth_year") == str(born.year)
    assert input_value(html, "first_name") == "Dana"
    assert not Person.objects.exists()


def test_page_shows_the_identity_message_next_to_the_field(client_for, caseworker_a):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    response = client_for(caseworker_a).post(
        reverse("casework:person_create"),
        _person_post(**date_post("identity_verified_on", tomorrow)),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        field_error(html, "id_identity_verified_on")
        == "Date identity was verified must be today or in the past"
    )
    assert input_value(html, "identity_verified_on_day") == str(tomorrow.day)


def test_edit_page_refuses_a_future_birth(client_for, caseworker_a, person_a):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    data = _person_post(
        first_name=person_a.first_name,
        last_name=person_a.last_name,
        version=person_a.version,
        **date_post("date_of_birth", tomorrow),
    )
    response = client_for(caseworker_a).post(
        reverse("casework:person_edit", args=[person_a.pk]), data
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_date_of_birth") == "Date of birth must be in the past"
    person_a.refresh_from_db()
    assert person_a.date_of_birth == datetime.date(1990, 5, 17)


def test_api_answers_400_for_impossible_dates(api_for, caseworker_a, person_a):
    api = api_for(caseworker_a)
    child = api.post(
        "/api/v1/people/",
        {
            "first_name": "A",
            "last_name": "B",
            "sex": "male",
            "date_of_birth": _years_ago(2).isoformat(),
        },
        format="json",
    )
    assert child.status_code == 400, child.json()
    assert "date_of_birth" in str(child.json())
    future_check = api.patch(
        f"/api/v1/people/{person_a.pk}/",
        {
            "identity_verified_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
            "version": person_a.version,
        },
        format="json",
    )
    assert future_check.status_code == 400, future_check.json()
    assert "identity_verified_on" in str(future_check.json())
    assert not Person.objects.filter(last_name="B").exists()


def test_ten_years_before_a_leap_day_is_the_28th():
    from casework.services import _years_before

    assert _years_before(datetime.date(2028, 2, 29), 10) == datetime.date(2018, 2, 28)
    assert _years_before(datetime.date(2026, 12, 4), 10) == datetime.date(2016, 12, 4)
