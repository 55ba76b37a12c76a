"""Correcting the plan (issue 18): goals changed or cancelled, appointments moved or cancelled.
Who may is consent.policy.may_change_row (the agency that made the row, or the case owner), as for
actions; each change is audited by the service."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework import selectors, services
from casework.correction_forms import AppointmentEditForm, CancelForm, GoalEditForm
from casework.models import Goal
from casework.views import _case, _form_page
from consent import policy
from consent.sections import Section
from core.errors import NotFound
from core.views import save_with


def _goal(request, case, pk) -> Goal:
    goal = Goal.objects.for_user(request.user).filter(case=case, pk=pk).first()
    if goal is None:
        raise NotFound("Goal not found")
    return goal


def _may_change(request, case, row, what):
    if not policy.may_change_row(request.user, person=case.person, row_agency_id=row.agency_id):
        raise PermissionDenied(
            f"Only the agency that added this {what}, or the case owner, can change it."
        )
    if row.cancelled_at:
        raise PermissionDenied(f"This {what} was cancelled.")


def _plan(case):
    return reverse("casework:case_plan", args=[case.pk])


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk, goal_pk):
    case = _case(request, pk, Section.PLAN)
    goal = _goal(request, case, goal_pk)
    _may_change(request, case, goal, "goal")
    form = GoalEditForm(
        request.POST or None, initial={"description": goal.description, "version": goal.version}
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.goal_update,
            "Goal changed.",
            _plan(case),
            goal=goal,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Change the goal", button="Save goal", section="plan"
    )


def _cancel_page(request, case, row, *, what: str, service, intro: str):
    """Cancel a goal or an appointment: the reason, then back to the plan."""
    form = CancelForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            service,
            f"{what.capitalize()} cancelled.",
            _plan(case),
            **{what: row},
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title=f"Cancel the {what}",
        button=f"Cancel the {what}",
        section="plan",
        intro=intro,
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_cancel(request, pk, goal_pk):
    case = _case(request, pk, Section.PLAN)
    goal = _goal(request, case, goal_pk)
    _may_change(request, case, goal, "goal")
    return _cancel_page(
        request,
        case,
        goal,
        what="goal",
        service=services.goal_cancel,
        intro=f"“{goal.description}”. Actions towards it stay in the plan.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_edit(request, pk, appointment_pk):
    case = _case(request, pk, Section.PLAN)
    appointment = selectors.get_appointment(user=request.user, case=case, pk=appointment_pk)
    _may_change(request, case, appointment, "appointment")
    local = timezone.localtime(appointment.at)
    form = AppointmentEditForm(
        request.POST or None,
        initial={
            "kind": appointment.kind,
            "date": local.date(),
            "time": local.strftime("%H:%M"),
            "where": appointment.where,
            "version": appointment.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.appointment_update,
            "Appointment changed.",
            _plan(case),
            appointment=appointment,
            version=form.cleaned_data["version"],
            kind=form.cleaned_data["kind"],
            at=form.at(),
            where=form.cleaned_data["where"],
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Change the appointment",
        button="Save appointment",
        section="plan",
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request, pk, appointment_pk):
    case = _case(request, pk, Section.PLAN)
    appointment = selectors.get_appointment(user=request.user, case=case, pk=appointment_pk)
    _may_change(request, case, appointment, "appointment")
    return _cancel_page(
        request,
        case,
        appointment,
        what="appointment",
        service=services.appointment_cancel,
        intro=f"{appointment.get_kind_display()} appointment on "
        f"{timezone.localtime(appointment.at):%-d %B %Y at %H:%M}",
    )
