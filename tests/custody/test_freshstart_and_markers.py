import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from consent.models import PersonAccess
from core import jobs
from core.errors import ApplicationError, ConsentRequired, Forbidden
from custody import services
from custody.models import FreshstartAppointment, Marker
from custody.selectors import freshstart_status
from tests.custody.conftest import RELEASE_IN_DAYS
from tests.factories import SiteFactory, share_with

pytestmark = pytest.mark.django_db


def _book(ebsa, person, office, days_ahead=RELEASE_IN_DAYS + 2):
    return services.freshstart_book(
        user=ebsa,
        person=person,
        office=office,
        appointment_at=timezone.now() + datetime.timedelta(days=days_ahead),
    )


def test_booking_opens_a_gateway_for_the_release_area_jobcentre(
    client_for, ebsa_a, work_coach_a, prisoner, luton_office
):
    assert (
        client_for(work_coach_a)
        .get(reverse("casework:person_detail", args=[prisoner.pk]))
        .status_code
        == 404
    )
    appointment = _book(ebsa_a, prisoner, luton_office)
    access = PersonAccess.objects.get(person=prisoner, agency=work_coach_a.acting.agency)
    until = timezone.localtime(appointment.appointment_at).date() + datetime.timedelta(days=14)
    assert access.visible_until == until
    # identity, custody and release, benefits: nothing else without consent
    assert access.identity_until == access.custody_until == access.benefits_until == until
    assert access.case_until is access.notes_until is access.plan_until is None
    assert access.assessment_until is access.sensitive_until is access.employment_until is None
    assert access.bases == {"freshstart": until.isoformat()}
    html = client_for(work_coach_a).get(reverse("custody:worklist")).content.decode()
    assert "INSIDE" in html and "Upcoming" in html
    assert (
        AccessEvent.objects.filter(
            object_type="custody.freshstartappointment", action="create"
        ).count()
        == 1
    )
    assert freshstart_status(person=prisoner).startswith(
        "Booked for "
    ) and "Luton Jobcentre" in freshstart_status(person=prisoner)


def test_booking_must_be_in_the_release_area_and_future(ebsa_a, prisoner, jobcentre_a):
    southend = SiteFactory(
        agency=jobcentre_a, name="Southend Jobcentre", kind="jobcentre", town="Southend-on-Sea"
    )
    with pytest.raises(ApplicationError, match="release area"):
        _book(ebsa_a, prisoner, southend)
    luton = SiteFactory(agency=jobcentre_a, name="Luton Jobcentre", kind="jobcentre", town="Luton")
    with pytest.raises(ApplicationError, match="future"):
        _book(ebsa_a, prisoner, luton, days_ahead=-1)
    assert not FreshstartAppointment.objects.exists()


def test_work_coach_records_attendance_after_the_appointment(
    client_for, api_for, ebsa_a, work_coach_a, prisoner, luton_office
):
    appointment = _book(ebsa_a, prisoner, luton_office)
    with pytest.raises(ApplicationError, match="once the appointment time has passed"):
        services.freshstart_attendance_record(
            user=work_coach_a, appointment=appointment, attended=True, version=1
        )
    FreshstartAppointment.objects.filter(pk=appointment.pk).update(
        appointment_at=timezone.now() - datetime.timedelta(hours=2)
    )
    with pytest.raises(Forbidden):
        services.freshstart_attendance_record(
            user=ebsa_a, appointment=appointment, attended=True, version=1
        )
    response = client_for(work_coach_a).post(
        reverse("custody:freshstart_attendance", args=[appointment.pk]),
        {"attended": "yes", "version": 1},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.attended is True and appointment.recorded_by == work_coach_a
    assert freshstart_status(person=prisoner) == "Attended"
    stale = api_for(work_coach_a).patch(
        f"/api/v1/freshstart-appointments/{appointment.pk}/",
        {"attended": False, "version": 1},
        format="json",
    )
    assert stale.status_code == 409


def test_freshstart_api_books_and_other_agency_gets_404(
    api_for, ebsa_a, caseworker_b, prisoner, luton_office
):
    when = (timezone.now() + datetime.timedelta(days=RELEASE_IN_DAYS + 1)).isoformat()
    response = api_for(ebsa_a).post(
        "/api/v1/freshstart-appointments/",
        {"person": prisoner.pk, "office": luton_office.pk, "appointment_at": when},
        format="json",
    )
    assert response.status_code == 201 and response.json()["jobcentre"] == luton_office.agency_id
    assert (
        api_for(caseworker_b)
        .get(f"/api/v1/freshstart-appointments/{response.json()['id']}/")
        .status_code
        == 404
    )
    assert freshstart_status(person=prisoner) is not None


def test_no_freshstart_status_without_a_booking(prisoner):
    assert freshstart_status(person=prisoner) is None


# --- Markers ---------------------------------------------------------------------------------


def test_marker_needs_offender_marker_consent(
    api_for, caseworker_a, work_coach_a, person_a, case_a
):
    share_with(caseworker_a, case_a, work_coach_a.acting.agency)  # employment support only
    with pytest.raises(ConsentRequired):
        services.marker_set(user=work_coach_a, person=person_a, kind="offender")
    response = api_for(work_coach_a).post(
        "/api/v1/markers/", {"person": person_a.pk, "kind": "offender"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "consent_required"
    assert not Marker.objects.exists()


def _consented(caseworker_a, work_coach_a, case_a, *, drugs_and_alcohol=False):
    share_with(
        caseworker_a,
        case_a,
        work_coach_a.acting.agency,
        purposes=("employment_support", "offender_marker")
        + (("sensitive_categories",) if drugs_and_alcohol else ()),
        categories=["identity", "benefits", "case"]
        + (["drugs", "alcohol"] if drugs_and_alcohol else []),
    )


def test_marker_set_with_consent_is_audited_and_lasts_12_months(
    api_for, caseworker_a, work_coach_a, person_a, case_a
):
    _consented(caseworker_a, work_coach_a, case_a)
    response = api_for(work_coach_a).post(
        "/api/v1/markers/", {"person": person_a.pk, "kind": "offender"}, format="json"
    )
    assert response.status_code == 201
    marker = Marker.objects.get()
    assert (marker.expires_on - marker.set_on).days in (365, 366)
    assert (
        AccessEvent.objects.filter(
            object_type="custody.marker", action="create", person=person_a
        ).count()
        == 1
    )
    with pytest.raises(ApplicationError, match="already set"):
        services.marker_set(user=work_coach_a, person=person_a, kind="offender")


def test_only_jobcentre_sets_markers(caseworker_a, person_a):
    with pytest.raises(Forbidden):
        services.marker_set(user=caseworker_a, person=person_a, kind="offender")


def test_drug_marker_needs_consent_to_that_sensitive_category(
    caseworker_a, work_coach_a, person_a, case_a
):
    _consented(caseworker_a, work_coach_a, case_a)  # offender marker, no sensitive categories
    services.marker_set(user=work_coach_a, person=person_a, kind="offender")
    for kind in ("drug", "alcohol"):
        with pytest.raises(ConsentRequired, match="sensitive category"):
            services.marker_set(user=work_coach_a, person=person_a, kind=kind)
    assert list(Marker.objects.values_list("kind", flat=True)) == ["offender"]


def test_withdrawing_the_consent_ends_its_markers_the_same_day(
    client_for, caseworker_a, work_coach_a, person_a, case_a
):
    from consent import services as consent_services
    from consent.models import ConsentRecord

    _consented(caseworker_a, work_coach_a, case_a, drugs_and_alcohol=True)
    services.marker_set(user=work_coach_a, person=person_a, kind="drug")
    consent = ConsentRecord.objects.get(person=person_a, offender_marker=True)
    consent_services.consent_withdraw(user=caseworker_a, consent=consent, reason="asked")
    marker = Marker.objects.get()
    assert marker.ended_on == datetime.date.today() and marker.end_reason == "consent_withdrawn"
    assert not Marker.objects.live().exists()


def test_a_marker_is_ended_by_hand_with_a_reason_by_its_jobcentre_only(
    client_for, caseworker_a, work_coach_a, person_a, case_a, jobcentre_a
):
    from tests.factories import staff

    _consented(caseworker_a, work_coach_a, case_a)
    marker = services.marker_set(user=work_coach_a, person=person_a, kind="offender")
    url = reverse("custody:marker_end", args=[marker.pk])
    coach = client_for(work_coach_a)
    assert coach.get(url).status_code == 200
    empty = coach.post(url, {"reason": ""})
    assert (
        empty.status_code == 400 and "Enter why the marker is being ended" in empty.content.decode()
    )
    assert client_for(caseworker_a).post(url, {"reason": "x"}).status_code in (403, 404)
    assert coach.post(url, {"reason": "Set on the wrong person"}).status_code == 302
    marker.refresh_from_db()
    assert marker.end_reason == "ended" and marker.end_note == "Set on the wrong person"
    html = coach.get(reverse("casework:person_detail", args=[person_a.pk])).content.decode()
    assert "Ended by the Jobcentre: Set on the wrong person" in html
    assert jobcentre_a and staff


def test_drug_and_alcohol_markers_stay_inside_the_jobcentre(
    client_for, caseworker_a, work_coach_a, person_a, case_a
):
    _consented(caseworker_a, work_coach_a, case_a, drugs_and_alcohol=True)
    for kind in ("offender", "drug", "alcohol"):
        services.marker_set(user=work_coach_a, person=person_a, kind=kind)
    assert set(Marker.objects.for_user(work_coach_a).values_list("kind", flat=True)) == {
        "offender",
        "drug",
        "alcohol",
    }
    assert set(Marker.objects.for_user(caseworker_a).values_list("kind", flat=True)) == {"offender"}
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:person_detail", args=[person_a.pk]))
        .content.decode()
    )
    assert "Offender marker" in html and "Drug marker" not in html and "Alcohol marker" not in html


def test_marker_expiry_job_runs_twice_safely(caseworker_a, work_coach_a, person_a, case_a):
    _consented(caseworker_a, work_coach_a, case_a)
    marker = services.marker_set(user=work_coach_a, person=person_a, kind="offender")
    Marker.objects.filter(pk=marker.pk).update(
        set_on=marker.set_on - datetime.timedelta(days=400),
        expires_on=marker.set_on - datetime.timedelta(days=35),
    )
    assert jobs.run("offender_marker_expiry") == {"markers_expired": 1}
    assert jobs.run("offender_marker_expiry") == {"markers_expired": 0}
    marker.refresh_from_db()
    assert marker.ended_on == marker.expires_on and marker.end_reason == "expired"
    assert not Marker.objects.live().exists()
    assert (
        AccessEvent.objects.filter(
            object_type="custody.marker", action="revoke", detail__system="offender_marker_expiry"
        ).count()
        == 1
    )
    services.marker_set(
        user=work_coach_a, person=person_a, kind="offender"
    )  # can be set again with consent


def test_marker_page_explains_missing_consent(
    client_for, work_coach_a, caseworker_a, person_a, case_a
):
    share_with(caseworker_a, case_a, work_coach_a.acting.agency)
    response = client_for(work_coach_a).post(
        reverse("custody:marker_set", args=[person_a.pk]), {"kind": "drug"}
    )
    assert response.status_code == 409 and "has not consented" in response.content.decode()


def test_declaring_offender_status_needs_consent(ebsa_a, prisoner, jobcentre_a):
    with pytest.raises(ConsentRequired):
        services.pre_release_advice_record(
            user=ebsa_a,
            person=prisoner,
            given_on=datetime.date.today(),
            discussed="Offer",
            offender_status_declared=True,
            declared_to=jobcentre_a,
        )
    advice = services.pre_release_advice_record(
        user=ebsa_a,
        person=prisoner,
        given_on=datetime.date.today(),
        discussed="Budgeting advance",
        topics=["budgeting_advance"],
        budgeting_advance_applied=True,
    )
    assert advice.topic_labels() == ["Budgeting advance or social fund"]
    assert (
        AccessEvent.objects.filter(object_type="custody.prereleaseadvice", action="create").count()
        == 1
    )
