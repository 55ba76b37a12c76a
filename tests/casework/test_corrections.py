"""Corrections (issue 18): goals changed or cancelled, appointments moved or cancelled, attendance
corrected; each audited, refused to anyone but the agency that made the row or the case owner."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from casework import services
from casework.models import Appointment, Goal
from core.errors import ApplicationError, Conflict, Forbidden
from tests.factories import share_with

pytestmark = pytest.mark.django_db
NOW = timezone.now


def _events(obj, **detail):
    return AccessEvent.objects.filter(
        object_type=f"casework.{obj._meta.model_name}",
        object_id=str(obj.pk),
        action="change",
        **{f"detail__{k}": v for k, v in detail.items()},
    )


def test_a_goal_is_changed_then_cancelled_and_its_actions_stay(client_for, caseworker_a, case_a):
    goal = services.goal_add(user=caseworker_a, case=case_a, description="Into work")
    action = services.action_add(
        user=caseworker_a,
        case=case_a,
        description="CV workshop",
        due_date=datetime.date.today() + datetime.timedelta(days=7),
        goal=goal,
    )
    client = client_for(caseworker_a)
    plan = reverse("casework:case_plan", args=[case_a.pk])
    edit = reverse("casework:goal_edit", args=[case_a.pk, goal.pk])
    assert edit in client.get(plan).content.decode()
    blank = client.post(edit, {"description": "", "version": goal.version})
    assert "Describe the goal" in blank.content.decode()
    assert client.post(edit, {"description": "Into paid work", "version": 1}).url == plan
    goal.refresh_from_db()
    assert goal.description == "Into paid work" and goal.version == 2
    stale = client.post(edit, {"description": "Something else", "version": 1})
    assert "Someone else changed this goal" in stale.content.decode()

    cancel = reverse("casework:goal_cancel", args=[case_a.pk, goal.pk])
    no_reason = client.post(cancel, {"reason": "", "version": 2})
    assert "Enter why it is cancelled" in no_reason.content.decode()
    assert client.post(cancel, {"reason": "Set by mistake", "version": 2}).url == plan
    goal.refresh_from_db()
    action.refresh_from_db()
    assert goal.cancelled_at and goal.cancel_reason == "Set by mistake" and action.goal is None
    html = client.get(plan).content.decode()
    assert "<s>Into paid work</s>" in html and "Set by mistake" in html
    assert client.get(edit).status_code == 403
    with pytest.raises(ApplicationError, match="cancelled"):
        services.action_add(
            user=caseworker_a,
            case=case_a,
            description="Another",
            due_date=datetime.date.today(),
            goal=goal,
        )
    assert _events(goal).count() == 2 and _events(goal, cancelled=True).exists()


def test_an_appointment_is_moved_attendance_corrected_and_then_cancelled(
    client_for, caseworker_a, case_a
):
    past = NOW() - datetime.timedelta(days=2)
    appointment = services.appointment_add(
        user=caseworker_a, case=case_a, kind="probation", at=past, where="Office"
    )
    services.appointment_attendance_record(
        user=caseworker_a, appointment=appointment, attended="no", version=1
    )
    # attendance corrected: recorded as missed, they did come
    corrected = services.appointment_attendance_record(
        user=caseworker_a, appointment=appointment, attended="yes", version=2
    )
    assert corrected.attended == "yes"
    client = client_for(caseworker_a)
    plan = client.get(reverse("casework:case_plan", args=[case_a.pk])).content.decode()
    assert "Change attendance" in plan

    # moved to next week: the attendance no longer stands
    edit = reverse("casework:appointment_edit", args=[case_a.pk, appointment.pk])
    form = client.get(edit)
    assert form.context["form"].initial["where"] == "Office"
    soon = timezone.localtime(NOW() + datetime.timedelta(days=7))
    answers = {
        "kind": "probation",
        "date_day": soon.day,
        "date_month": soon.month,
        "date_year": soon.year,
        "time": "10:30",
        "where": "Town hall",
        "version": 3,
    }
    assert client.post(edit, answers).status_code == 302
    appointment.refresh_from_db()
    assert appointment.where == "Town hall" and appointment.attended == "unknown"
    assert timezone.localtime(appointment.at).strftime("%H:%M") == "10:30"
    assert _events(appointment, fields=["at", "attended", "where"]).exists()

    cancel = reverse("casework:appointment_cancel", args=[case_a.pk, appointment.pk])
    assert client.post(cancel, {"reason": "Person in hospital", "version": 4}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.cancelled_at and appointment.cancel_reason == "Person in hospital"
    with pytest.raises(ApplicationError, match="cancelled"):
        services.appointment_attendance_record(
            user=caseworker_a, appointment=appointment, attended="yes", version=5
        )
    with pytest.raises(Conflict):
        services.appointment_cancel(
            user=caseworker_a, appointment=appointment, version=5, reason="again"
        )
    assert (
        "Person in hospital"
        in client.get(reverse("casework:case_plan", args=[case_a.pk])).content.decode()
    )


def test_an_attended_appointment_is_not_cancelled(caseworker_a, case_a):
    appointment = services.appointment_add(
        user=caseworker_a, case=case_a, kind="probation", at=NOW() - datetime.timedelta(days=1)
    )
    services.appointment_attendance_record(
        user=caseworker_a, appointment=appointment, attended="yes", version=1
    )
    with pytest.raises(ApplicationError, match="correct the attendance"):
        services.appointment_cancel(
            user=caseworker_a, appointment=appointment, version=2, reason="Wrong"
        )


def test_a_partner_corrects_only_its_own_rows(
    client_for, caseworker_a, adviser_a, case_a, provider_a
):
    share_with(caseworker_a, case_a, provider_a)
    owners_goal = services.goal_add(user=caseworker_a, case=case_a, description="Owner's goal")
    owners_visit = services.appointment_add(
        user=caseworker_a, case=case_a, kind="probation", at=NOW() + datetime.timedelta(days=3)
    )
    partner = client_for(adviser_a)
    for url in (
        reverse("casework:goal_edit", args=[case_a.pk, owners_goal.pk]),
        reverse("casework:goal_cancel", args=[case_a.pk, owners_goal.pk]),
        reverse("casework:appointment_edit", args=[case_a.pk, owners_visit.pk]),
        reverse("casework:appointment_cancel", args=[case_a.pk, owners_visit.pk]),
    ):
        assert partner.get(url).status_code == 403, url
        assert (
            partner.post(url, {"reason": "x", "description": "x", "version": 1}).status_code == 403
        )
    with pytest.raises(Forbidden):
        services.goal_cancel(user=adviser_a, goal=owners_goal, version=1, reason="mine now")
    own = services.appointment_add(
        user=adviser_a, case=case_a, kind="provider", at=NOW() + datetime.timedelta(days=4)
    )
    services.appointment_cancel(user=adviser_a, appointment=own, version=1, reason="Rebooked")
    # the owner corrects any row on its case
    services.appointment_cancel(
        user=caseworker_a, appointment=owners_visit, version=1, reason="Moved"
    )
    assert Appointment.objects.filter(cancelled_at__isnull=False).count() == 2
    assert Goal.objects.get(pk=owners_goal.pk).cancelled_at is None
    # another agency's case is a 404
    other = client_for(adviser_a)
    assert other.get(reverse("casework:goal_edit", args=[case_a.pk, 999999])).status_code == 404


def test_a_cancelled_appointment_leaves_this_weeks_list(caseworker_a, case_a):
    from casework.selectors import appointments_this_week

    visit = services.appointment_add(
        user=caseworker_a, case=case_a, kind="probation", at=NOW() + datetime.timedelta(days=2)
    )
    assert list(appointments_this_week(user=caseworker_a, whose="team")) == [visit]
    services.appointment_cancel(user=caseworker_a, appointment=visit, version=1, reason="Moved")
    assert list(appointments_this_week(user=caseworker_a, whose="team")) == []
