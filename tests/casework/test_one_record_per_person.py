"""One record per person (issue 18): an identifier already on a record you can see stops you with a
link to it; the same name and date of birth asks first; an identifier on a record you cannot see
saves and leaves a possible duplicate for an administrator, telling you nothing."""

import datetime

import pytest
from django.urls import reverse

from casework import services
from casework.dedupe import DuplicatePerson, PossibleDuplicatePerson
from casework.models import Person, PossibleDuplicate

pytestmark = pytest.mark.django_db
BORN = datetime.date(1990, 3, 27)


def _answers(**fields):
    values = {
        "first_name": "Sam",
        "last_name": "Smith",
        "date_of_birth_day": BORN.day,
        "date_of_birth_month": BORN.month,
        "date_of_birth_year": BORN.year,
        "sex": "male",
        "home_area": "Luton",
        "accommodation_status": "unknown",
        "employment_status": "unknown",
        "benefit_status": "unknown",
    }
    return values | fields


def _person(user, **fields):
    values = {
        "first_name": "Sam",
        "last_name": "Smith",
        "date_of_birth": BORN,
        "sex": "male",
        "accommodation_status": "unknown",
        "employment_status": "unknown",
        "benefit_status": "unknown",
    } | fields
    return services.person_create(user=user, **values)


def test_a_visible_identifier_stops_the_new_record_and_links_to_the_old(client_for, caseworker_a):
    existing = _person(caseworker_a, national_insurance_number="JK123456C")
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:person_create"),
        _answers(first_name="Samuel", national_insurance_number="jk 12 34 56 c"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sam Smith already has this National Insurance number on Resettle" in html
    assert reverse("casework:person_detail", args=[existing.pk]) in html
    assert 'value="Samuel"' in html  # what was typed stays
    assert Person.objects.count() == 1
    api = client.post(
        "/api/v1/people/",
        {
            "first_name": "Samuel",
            "last_name": "Smith",
            "date_of_birth": "1990-03-27",
            "sex": "male",
            "national_insurance_number": "JK123456C",
            "accommodation_status": "unknown",
            "employment_status": "unknown",
            "benefit_status": "unknown",
        },
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["code"] == "duplicate_person"
    assert api.json()["duplicate_of"] == existing.pk
    # changing another record's identifier to it is refused the same way
    other = _person(caseworker_a, first_name="Alex", last_name="Jones", crn="X123456")
    with pytest.raises(DuplicatePerson):
        services.person_update(
            user=caseworker_a,
            person=other,
            version=other.version,
            national_insurance_number="JK123456C",
        )


def test_the_same_name_and_birth_date_asks_before_saving(client_for, caseworker_a):
    existing = _person(caseworker_a)
    client = client_for(caseworker_a)
    url = reverse("casework:person_create")
    first = client.post(url, _answers(first_name="sam", last_name="SMITH"))
    html = first.content.decode()
    assert "born 27 March 1990, is already on Resettle" in html
    assert reverse("casework:person_detail", args=[existing.pk]) in html
    assert "This is a different person" in html and Person.objects.count() == 1
    second = client.post(
        url, _answers(first_name="sam", last_name="SMITH", confirm_not_duplicate="on")
    )
    assert second.status_code == 302 and Person.objects.count() == 2
    assert "This is a different person" not in client.get(url).content.decode()
    with pytest.raises(PossibleDuplicatePerson):
        _person(caseworker_a)
    assert _person(caseworker_a, confirm_not_duplicate=True).pk


def test_an_identifier_on_a_record_you_cannot_see_saves_and_tells_you_nothing(
    client_for, caseworker_a, caseworker_b
):
    hidden = _person(caseworker_b, first_name="Hidden", prison_number="A1234BC")
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:person_create"),
        _answers(first_name="New", last_name="Arrival", prison_number="A1234BC"),
    )
    assert response.status_code == 302
    new = Person.objects.get(first_name="New")
    flagged = PossibleDuplicate.objects.get()
    assert (flagged.person, flagged.other, flagged.basis) == (new, hidden, "prison number")
    follow = client.get(response.url).content.decode()
    assert "Hidden" not in follow and "duplicate" not in follow.lower()
    # the same name and date of birth on a record you cannot see says nothing either
    _person(caseworker_b, first_name="Twin", last_name="Hidden")
    assert _person(caseworker_a, first_name="Twin", last_name="Hidden").pk
