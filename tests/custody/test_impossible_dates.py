"""Freshstart before the person's release is refused (issue 18). The rule was already in
custody.services.freshstart_book: these tests pin it on the page and in the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from custody import services
from custody.models import FreshstartAppointment
from tests.custody.conftest import RELEASE_IN_DAYS
from tests.helpers_forms import date_post, field_error, input_value

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _release():
    return TODAY() + datetime.timedelta(days=RELEASE_IN_DAYS)


def test_service_refuses_freshstart_before_release(ebsa_a, prisoner, luton_office):
    with pytest.raises(ApplicationError, match="on or after the release date") as refused:
        services.freshstart_book(
            user=ebsa_a,
            person=prisoner,
            office=luton_office,
            appointment_at=timezone.now() + datetime.timedelta(days=RELEASE_IN_DAYS - 5),
        )
    assert refused.value.field == "appointment_at"
    assert not FreshstartAppointment.objects.exists()


def test_page_shows_the_message_by_the_date_and_keeps_what_was_typed(
    client_for, ebsa_a, prisoner, luton_office
):
    before = _release() - datetime.timedelta(days=2)
    response = client_for(ebsa_a).post(
        reverse("custody:freshstart_book", args=[prisoner.pk]),
        {
            "office": luton_office.pk,
            **date_post("appointment_date", before),
            "appointment_time": "2:30pm",
            "notes": "Bring ID",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_appointment_date") == (
        f"The appointment must be on or after the release date ({_release():%-d %B %Y})"
    )
    assert input_value(html, "appointment_date_day") == str(before.day)
    assert input_value(html, "appointment_time") == "2:30pm"
    assert "Bring ID" in html
    assert not FreshstartAppointment.objects.exists()


def test_page_books_with_a_time_typed_as_2pm(client_for, ebsa_a, prisoner, luton_office):
    day = _release() + datetime.timedelta(days=1)
    response = client_for(ebsa_a).post(
        reverse("custody:freshstart_book", args=[prisoner.pk]),
        {
            "office": luton_office.pk,
            **date_post("appointment_date", day),
            "appointment_time": "2pm",
        },
    )
    assert response.status_code == 302
    booked = timezone.localtime(FreshstartAppointment.objects.get().appointment_at)
    assert (booked.date(), booked.hour, booked.minute) == (day, 14, 0)


def test_api_answers_400_before_release(api_for, ebsa_a, prisoner, luton_office):
    when = (timezone.now() + datetime.timedelta(days=RELEASE_IN_DAYS - 3)).isoformat()
    response = api_for(ebsa_a).post(
        "/api/v1/freshstart-appointments/",
        {"person": prisoner.pk, "office": luton_office.pk, "appointment_at": when},
        format="json",
    )
    assert response.status_code == 400
    assert "on or after the release date" in response.json()["appointment_at"][0]
    assert not FreshstartAppointment.objects.exists()
