"""Issue 18: a Jobcentre marker past its 12 months and a Freshstart appointment whose time has passed
show as such on the next request, from their dates, without offender_marker_expiry (which only
stamps the end and records it) or any other job having run."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from custody import services
from custody.models import FreshstartAppointment, Marker
from custody.selectors import freshstart_status
from tests.custody.test_freshstart_and_markers import _book, _consented

pytestmark = pytest.mark.django_db


def test_a_marker_past_its_expiry_is_ended_on_the_page_before_the_job_runs(
    client_for, caseworker_a, work_coach_a, person_a, case_a
):
    _consented(caseworker_a, work_coach_a, case_a)
    marker = services.marker_set(user=work_coach_a, person=person_a, kind="offender")
    page = client_for(work_coach_a)
    url = reverse("casework:person_detail", args=[person_a.pk])
    html = page.get(url).content.decode()
    assert "Live until" in html and reverse("custody:marker_end", args=[marker.pk]) in html

    Marker.objects.filter(pk=marker.pk).update(
        set_on=marker.set_on - datetime.timedelta(days=366),
        expires_on=marker.set_on - datetime.timedelta(days=1),
    )
    html = page.get(url).content.decode()
    assert "Offender marker" in html and "Ended after 12 months" in html
    assert "Live until" not in html
    assert reverse("custody:marker_end", args=[marker.pk]) not in html
    assert not Marker.objects.live().exists()
    marker.refresh_from_db()
    assert marker.ended_on is None  # nothing stamped it: the page read the date
    assert not AccessEvent.objects.filter(detail__system="offender_marker_expiry").exists()


def test_a_freshstart_appointment_past_its_time_asks_for_attendance_without_a_job(
    client_for, ebsa_a, work_coach_a, prisoner, luton_office
):
    appointment = _book(ebsa_a, prisoner, luton_office)
    page = client_for(work_coach_a)
    record = reverse("custody:freshstart_attendance", args=[appointment.pk])
    html = page.get(reverse("custody:freshstart_list")).content.decode()
    assert record not in html and "Upcoming" in html

    FreshstartAppointment.objects.filter(pk=appointment.pk).update(
        appointment_at=timezone.now() - datetime.timedelta(hours=2)
    )
    html = page.get(reverse("custody:freshstart_list")).content.decode()
    assert record in html and "Upcoming" not in html
    assert freshstart_status(person=prisoner).endswith("attendance not recorded yet")
