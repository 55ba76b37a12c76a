from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.selectors import access_log_for_person
from audit.services import access_event_record, access_list_record
from casework import case_summary, dedupe, selectors, services
from casework.charts import distance_travelled_svg
from casework.forms import (
    ActionEditForm,
    ActionForm,
    AppointmentForm,
    AssessmentForm,
    AttendanceForm,
    CaseCloseForm,
    CaseEditForm,
    CaseForm,
    CaseloadFilterForm,
    GoalForm,
    HandoffForm,
    NoteForm,
    PersonCreateForm,
    PersonEditForm,
    PersonForm,
    ProgressForm,
    ReleasePlanForm,
    ReopenForm,
    SentenceEditForm,
    SentenceForm,
    TimelineFilterForm,
    TransferForm,
)
from casework.models import HandoffStatus, NeedArea, PlanAction
from consent import policy
from consent.sections import Section
from consent.selectors import sharing_summary
from core import panels
from core.errors import ApplicationError
from core.pagination import Segments, capped_count, capped_text, narrow_page, narrow_slice
from core.views import apply_error, querystring_without, save_with

PAGE_SIZE = 25
# Each part of the caseload (yours, your team's, shared) is counted up to this many: past it the page
# says "more than" and asks for a filter, so a request never counts an agency's thousands of cases.
CASELOAD_COUNT_CAP = 1000
# My work shows the most urgent rows of each list, with each list's count (up to the cap).
MY_WORK_ROWS = 25
MY_WORK_COUNT_CAP = 500


def _staff_only(user):
    if not policy.can(user, "person.view"):
        raise PermissionDenied("Your role does not give access to case records.")


def _has_reports():
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("reporting:report_list")
    except NoReverseMatch:
        return False
    return True


@login_required
def caseload(request):
    if request.user.acting is None:
        return redirect("agencies:no_agency")
    if not policy.can(request.user, "person.view"):
        return (
            redirect("reporting:report_list") if _has_reports() else redirect("agencies:no_agency")
        )
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = Segments(
        selectors.caseload_segments(
            user=request.user,
            stage=filters.get("stage", ""),
            support_level=filters.get("support_level", ""),
            mine=filters.get("mine") == "1",
            q=filters.get("q", ""),
        ),
        cap=CASELOAD_COUNT_CAP,
    )
    page = narrow_page(cases, request.GET.get("page"), PAGE_SIZE)
    rows = list(page.object_list)
    seen = policy.access_map(request.user, {case.person_id for case in rows})
    for case in rows:
        case.shows_identity = seen[case.person_id].sees(Section.IDENTITY)
    access_list_record(
        user=request.user,
        action=Action.SEARCH if filters.get("q") else Action.VIEW,
        page="caseload",
        people=[case.person_id for case in rows],
        detail={"filters": {k: v for k, v in filters.items() if v}},
    )
    return render(
        request,
        "casework/caseload.html",
        {
            "form": form,
            "page": page,
            "capped": cases.capped,
            "cap": CASELOAD_COUNT_CAP,
            "querystring": querystring_without(request, "page"),
        },
    )


@login_required
def person_search(request):
    _staff_only(request.user)
    q = request.GET.get("q", "")[:100]
    results = selectors.person_search(user=request.user, q=q)[:50] if q.strip() else []
    if q.strip():
        results = list(results)
        seen = policy.access_map(request.user, {person.pk for person in results})
        for person in results:
            person.shows_identity = seen[person.pk].sees(Section.IDENTITY)
        access_list_record(
            user=request.user,
            action=Action.SEARCH,
            page="person_search",
            people=[person.pk for person in results],
            detail={"q": q},
        )
    return render(
        request,
        "casework/person_search.html",
        {
            "q": q,
            "results": results,
            "can_emergency": policy.can(request.user, "emergency.request"),
        },
    )


@login_required
def person_detail(request, pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, pk)
    access = policy.access_for(request.user, person)
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        person=person,
        detail={"sections": access.sections, **({"emergency": True} if access.emergency else {})},
    )
    sees_case = access.sees(Section.CASE)
    return render(
        request,
        "casework/person_detail.html",
        {
            "person": person,
            "access": access,
            "cases": selectors.cases_for_person(user=request.user, person=person)
            if sees_case
            else [],
            "custody": selectors.person_custody(user=request.user, person=person, access=access),
            "sharing": sharing_summary(user=request.user, person=person, access=access),
            "owner_contacts": selectors.owner_contacts(person=person) if access.emergency else [],
            "access_log": access_log_for_person(person=person, limit=20) if sees_case else [],
            "can_change_person": policy.is_owner(request.user, person),
            "can_open_case": policy.may_open_case(request.user, person),
            "can_see_consents": access.emergency is None,
            "can_manage_restricted": policy.may_manage_restriction(request.user, person),
            "panels": panels.collect("person", user=request.user, person=person, access=access),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    if not policy.can(request.user, "person.create"):
        raise PermissionDenied
    form = PersonCreateForm(request.POST or None)
    context = {"form": form, "title": "Add a person"}
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
            context.update(dedupe.page_context(exc))  # one record per person
        else:
            messages.success(
                request, f"{person.full_name} has been added. Now open a case for them."
            )
            return redirect("casework:case_create", person_pk=person.pk)
    return render(request, "casework/person_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, pk)
    if not policy.is_owner(request.user, person):
        raise PermissionDenied(
            "Only the agency that owns this person's case can change their details."
        )
    initial = {name: getattr(person, name) for name in PersonForm.base_fields} | {
        "version": person.version
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.person_update(user=request.user, person=person, version=version, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Personal details saved.")
            return redirect("casework:person_detail", pk=person.pk)
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, detail={"page": "person_edit"}
    )
    return render(
        request,
        "casework/person_form.html",
        {"form": form, "person": person, "title": f"Change details for {person.full_name}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk)
    if not policy.may_open_case(request.user, person):
        raise PermissionDenied(
            "Only the agency that owns this person's record can open a case for them. Ask it to "
            "hand the case over to your agency or to refer the person to you."
        )
    form = CaseForm(
        request.POST or None,
        agency=request.user.acting.agency,
        initial={"start_date": policy.today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(user=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Case opened for {person.full_name}.")
            return redirect("casework:case_detail", pk=case.pk)
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, detail={"page": "case_create"}
    )
    return render(
        request,
        "casework/case_form.html",
        {"form": form, "person": person, "title": f"Open a case for {person.full_name}"},
    )


@login_required
def case_detail(request, pk):
    case = _case(request, pk)
    access_event_record(user=request.user, action=Action.VIEW, person=case.person, obj=case)
    today = policy.today()
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "section": "detail",
            "is_owner": policy.owns_case(request.user, case),
            "may_download_summary": policy.may_download_case_summary(request.user, case),
            "overdue_count": PlanAction.objects.for_user(request.user)
            .filter(case=case)
            .overdue(today)
            .count(),
            "pending_handoff": case.handoffs.filter(status=HandoffStatus.PENDING)
            .select_related("to_agency", "to_site")
            .first(),
            "lead_periods": case.lead_periods.select_related("agency"),
            "involvements": selectors.involvements_for_case(case=case),
            "panels": panels.collect(
                "case",
                user=request.user,
                case=case,
                access=policy.access_for(request.user, case.person),
            ),
        },
    )


@login_required
@require_http_methods(["GET"])
def case_summary_pdf(request, pk):
    """The owning agency downloads a PDF summary of the case: the sections its user may see."""
    case = _case(request, pk)
    if not policy.may_download_case_summary(request.user, case):
        raise PermissionDenied("Only the agency that owns this case can download its summary.")
    data = case_summary.collect(user=request.user, case=case)
    access_event_record(
        user=request.user,
        action=Action.DOWNLOAD,
        person=case.person,
        obj=case,
        detail={"page": "case_summary", "sections": data["sections"]},
    )
    response = HttpResponse(case_summary.as_pdf(data), content_type="application/pdf")
    filename = f"case-summary-{case.pk}-{policy.today():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    case = _case(request, pk)
    _owner_only(request, case, "change it")
    initial = {name: getattr(case, name) for name in CaseForm.base_fields} | {
        "version": case.version
    }
    form = CaseEditForm(request.POST or None, agency=request.user.acting.agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.case_update(user=request.user, case=case, version=version, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Case details saved.")
            return redirect("casework:case_detail", pk=case.pk)
    _viewed(request, case, "case_edit")
    return render(
        request,
        "casework/case_form.html",
        {"form": form, "person": case.person, "case": case, "title": "Change case details"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request, pk):
    case = _case(request, pk)
    _owner_only(request, case, "close it")
    form = CaseCloseForm(
        request.POST or None, initial={"version": case.version, "end_date": policy.today()}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.case_update(user=request.user, case=case, version=version, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Case closed.")
            return redirect("casework:case_detail", pk=case.pk)
    _viewed(request, case, "case_close")
    return render(
        request, "casework/case_close.html", {"form": form, "case": case, "person": case.person}
    )


# --- The casework journey: assessment, plan, notes, custody, hand-off, timeline, My work ---------


def _case(request, pk, section=None):
    """The case if the acting agency sees its summary (and `section`, when given), else 404."""
    _staff_only(request.user)
    case = selectors.get_case(user=request.user, pk=pk)
    if section is not None and not policy.sees(request.user, case.person, section):
        raise Http404("Not found")
    return case


def _owner_only(request, case, what="do this"):
    if not policy.owns_case(request.user, case):
        raise PermissionDenied(f"Only the agency that owns this case can {what}.")


def _viewed(request, case, page):
    access_event_record(
        user=request.user, action=Action.VIEW, person=case.person, obj=case, detail={"page": page}
    )


def _form_page(request, case, form, *, title, button, section, intro="", back=None, **extra):
    _viewed(request, case, f"{section} form: {title}")
    return render(
        request,
        "casework/case_form_page.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "title": title,
            "button": button,
            "section": section,
            "intro": intro,
            "back": back or reverse(f"casework:case_{section}", args=[case.pk]),
            **extra,
        },
    )


def _skills_screen(request, case, assessments):
    from casework.record_selectors import basic_skills_screen

    sentences = selectors.sentences_for_case(user=request.user, case=case)
    return basic_skills_screen(
        case=case, sentences=sentences, assessments=assessments, today=policy.today()
    )


@login_required
def case_assessment(request, pk):
    case = _case(request, pk, Section.ASSESSMENT)
    access = policy.access_for(request.user, case.person)
    assessments = selectors.assessments_for_case(user=request.user, case=case, access=access)
    rows = [
        row
        for row in services.distance_travelled(assessments)
        if policy.need_area_visible(access, row["area"])
    ]
    _viewed(request, case, "assessment")
    return render(
        request,
        "casework/assessment_list.html",
        {
            "case": case,
            "person": case.person,
            "section": "assessment",
            "assessments": list(reversed(assessments)),
            "distance": rows,
            "chart": distance_travelled_svg(rows) if assessments else "",
            "latest": assessments[-1] if assessments else None,
            "skills_screen": _skills_screen(request, case, assessments),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request, pk):
    case = _case(request, pk, Section.ASSESSMENT)
    access = policy.access_for(request.user, case.person)
    form = AssessmentForm(
        request.POST or None,
        initial={"assessed_on": policy.today()},
        areas=[a for a in NeedArea.values if policy.need_area_visible(access, a)],
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.assessment_record,
            "Assessment saved.",
            reverse("casework:case_assessment", args=[case.pk]),
            case=case,
            **form.service_kwargs(),
        )
        if done:
            return done
    _viewed(request, case, "assessment form")
    return render(
        request,
        "casework/assessment_form.html",
        {"case": case, "person": case.person, "form": form, "section": "assessment"},
    )


@login_required
def case_plan(request, pk):
    case = _case(request, pk, Section.PLAN)
    actions = selectors.actions_for_case(user=request.user, case=case)
    appointments = selectors.appointments_for_case(user=request.user, case=case)
    today = policy.today()
    for item in actions:
        item.overdue = item.is_overdue(today)
        item.can_change = policy.may_change_row(
            request.user, person=case.person, row_agency_id=item.owner_agency_id
        )
    goals = selectors.goals_for_case(user=request.user, case=case)
    for item in [*appointments, *goals]:
        item.can_change = (
            policy.may_change_row(request.user, person=case.person, row_agency_id=item.agency_id)
            and item.cancelled_at is None
        )
    _viewed(request, case, "plan")
    return render(
        request,
        "casework/plan_detail.html",
        {
            "case": case,
            "person": case.person,
            "section": "plan",
            "goals": goals,
            "actions": actions,
            "overdue_count": sum(1 for a in actions if a.overdue),
            "appointments": appointments,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request, pk):
    case = _case(request, pk, Section.PLAN)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.goal_add,
            "Goal added.",
            reverse("casework:case_plan", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(request, case, form, title="Add a goal", button="Add goal", section="plan")


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request, pk):
    case = _case(request, pk, Section.PLAN)
    form = ActionForm(
        request.POST or None,
        case=case,
        user=request.user,
        initial={"owner_agency": request.user.acting.agency_id, "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.action_add,
            "Action added to the plan.",
            reverse("casework:case_plan", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Add an action", button="Add action", section="plan"
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk, action_pk):
    case = _case(request, pk, Section.PLAN)
    item = selectors.get_action(user=request.user, case=case, pk=action_pk)
    if not policy.may_change_row(
        request.user, person=case.person, row_agency_id=item.owner_agency_id
    ):
        raise PermissionDenied(
            "Only the agency that owns this action, or the case owner, can change it."
        )
    initial = {
        name: getattr(item, name)
        for name in (
            "description",
            "goal",
            "owner_agency",
            "owner",
            "sequence",
            "due_date",
            "status",
        )
    } | {"version": item.version}
    form = ActionEditForm(request.POST or None, case=case, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if data.get("sequence") is None:
            data["sequence"] = item.sequence
        done = save_with(
            request,
            form,
            services.action_update,
            "Action updated.",
            reverse("casework:case_plan", args=[case.pk]),
            action=item,
            version=version,
            **data,
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Change an action", button="Save action", section="plan"
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_create(request, pk):
    case = _case(request, pk, Section.PLAN)
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.appointment_add,
            "Appointment added.",
            reverse("casework:case_plan", args=[case.pk]),
            case=case,
            kind=form.cleaned_data["kind"],
            at=form.at(),
            where=form.cleaned_data["where"],
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Add an appointment", button="Add appointment", section="plan"
    )


@login_required
@require_http_methods(["GET", "POST"])
def appointment_attendance(request, pk, appointment_pk):
    case = _case(request, pk, Section.PLAN)
    appointment = selectors.get_appointment(user=request.user, case=case, pk=appointment_pk)
    if not policy.may_change_row(
        request.user, person=case.person, row_agency_id=appointment.agency_id
    ):
        raise PermissionDenied(
            "Only the agency that booked this appointment, or the case owner, can record attendance."
        )
    form = AttendanceForm(
        request.POST or None,
        initial={"version": appointment.version, "attended": appointment.attended},
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.appointment_attendance_record,
            "Attendance recorded.",
            reverse("casework:case_plan", args=[case.pk]),
            appointment=appointment,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Record attendance",
        button="Save attendance",
        section="plan",
        intro=f"{appointment.get_kind_display()} appointment on {timezone.localtime(appointment.at):%-d %B %Y at %H:%M}",
    )


@login_required
def case_notes(request, pk):
    case = _case(request, pk, Section.NOTES)
    sees_sensitive = policy.sees_sensitive(request.user, case.person)
    page = Paginator(selectors.notes_for_case(user=request.user, case=case), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _viewed(request, case, "notes")
    return render(
        request,
        "casework/note_list.html",
        {
            "case": case,
            "person": case.person,
            "section": "notes",
            "page": page,
            "sees_sensitive": sees_sensitive,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_create(request, pk):
    case = _case(request, pk, Section.NOTES)
    form = NoteForm(
        request.POST or None,
        sensitive_parts=policy.access_for(request.user, case.person).parts,
        initial={"contact_on": policy.today()},
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.note_add,
            "Note added.",
            reverse("casework:case_notes", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Add a case note", button="Save note", section="notes"
    )


@login_required
def case_custody(request, pk):
    case = _case(request, pk, Section.CUSTODY)
    sentences = selectors.sentences_for_case(user=request.user, case=case)
    plan = selectors.release_plan_for_case(case=case)
    _viewed(request, case, "custody")
    return render(
        request,
        "casework/custody_detail.html",
        {
            "case": case,
            "person": case.person,
            "section": "custody",
            "sentences": sentences,
            "plan": plan,
            "is_owner": policy.owns_case(request.user, case),
            "sees_offence": policy.sees(request.user, case.person, "offence"),
            "screening": selectors.accommodation_screening(
                sentences=sentences, plan=plan, today=policy.today()
            ),
            "freshstart": services.freshstart_status(person=case.person),
            "handoffs": selectors.handoffs_for_case(user=request.user, case=case),
            "accommodation_outcomes": _accommodation_outcomes(request, case, sentences),
            "may_record_accommodation": case.is_open
            and policy.can(request.user, "accommodation.record"),
        },
    )


def _accommodation_outcomes(request, case, sentences):
    from casework.record_selectors import accommodation_outcomes

    return accommodation_outcomes(
        user=request.user, case=case, sentences=sentences, today=policy.today()
    )


@login_required
@require_http_methods(["GET", "POST"])
def sentence_create(request, pk):
    case = _case(request, pk, Section.CUSTODY)
    _owner_only(request, case, "record sentences")
    form = SentenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.sentence_record,
            "Sentence recorded.",
            reverse("casework:case_custody", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request, case, form, title="Record a sentence", button="Save sentence", section="custody"
    )


@login_required
@require_http_methods(["GET", "POST"])
def sentence_edit(request, pk, sentence_pk):
    case = _case(request, pk, Section.CUSTODY)
    sentence = selectors.get_sentence(user=request.user, case=case, pk=sentence_pk)
    _owner_only(request, case, "change sentences")
    initial = {name: getattr(sentence, name) for name in SentenceForm.base_fields} | {
        "version": sentence.version
    }
    form = SentenceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = save_with(
            request,
            form,
            services.sentence_update,
            "Sentence saved.",
            reverse("casework:case_custody", args=[case.pk]),
            sentence=sentence,
            version=version,
            **data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Change sentence or record release",
        button="Save sentence",
        section="custody",
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request, pk, sentence_pk):
    case = _case(request, pk, Section.CUSTODY)
    sentence = selectors.get_sentence(user=request.user, case=case, pk=sentence_pk)
    _owner_only(request, case, "record transfers")
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.sentence_transfer_record,
            "Transfer recorded.",
            reverse("casework:case_custody", args=[case.pk]),
            sentence=sentence,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Record a transfer",
        button="Save transfer",
        section="custody",
        intro=f"Currently at {sentence.establishment or 'no establishment recorded'}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def release_plan_edit(request, pk):
    case = _case(request, pk, Section.CUSTODY)
    _owner_only(request, case, "change the pre-release checklist")
    plan = selectors.release_plan_for_case(case=case)
    initial = {"version": plan.version if plan else 1}
    if plan:
        initial |= {name: getattr(plan, name) for name in services.RELEASE_PLAN_FIELDS}
    form = ReleasePlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = save_with(
            request,
            form,
            services.release_plan_update,
            "Pre-release checklist saved.",
            reverse("casework:case_custody", args=[case.pk]),
            case=case,
            version=version,
            **data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Pre-release checklist",
        button="Save checklist",
        section="custody",
    )


@login_required
@require_http_methods(["GET", "POST"])
def handoff_create(request, pk):
    case = _case(request, pk, Section.CUSTODY)
    _owner_only(request, case, "hand it off")
    form = HandoffForm(request.POST or None, exclude_agency=case.owning_agency)
    consent_missing = False
    if request.method == "POST" and form.is_valid():
        try:
            handoff = services.handoff_create(user=request.user, case=case, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
            consent_missing = exc.code == "consent_required"
        else:
            messages.success(
                request,
                f"Hand-off sent to {handoff.to_agency.name}. It stays open until someone there accepts it.",
            )
            return redirect("casework:case_custody", pk=case.pk)
    return _form_page(
        request,
        case,
        form,
        title="Hand off to the release area",
        button="Send hand-off",
        section="custody",
        intro="The receiving agency can see this person only if they have consented "
        "to share their record with it. It becomes the owner and lead agency when it accepts.",
        consent_missing=consent_missing,
    )


@login_required
@require_http_methods(["GET", "POST"])
def handoff_detail(request, handoff_pk):
    _staff_only(request.user)
    handoff = selectors.get_handoff(user=request.user, pk=handoff_pk)
    case = handoff.case
    acting_id = request.user.acting.agency_id
    decline_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decline":
                services.handoff_decline(
                    user=request.user,
                    handoff=handoff,
                    reason=request.POST.get("decline_reason", ""),
                )
                messages.success(
                    request,
                    f"Hand-off declined. {handoff.from_agency.name} keeps the case and can see why.",
                )
                return redirect("casework:my_work")
            if action == "accept":
                services.handoff_accept(user=request.user, handoff=handoff)
                messages.success(request, f"You now own {case.person.full_name}'s case.")
                return redirect("casework:case_detail", pk=case.pk)
            if action == "cancel":
                services.handoff_cancel(user=request.user, handoff=handoff)
                messages.success(request, "Hand-off cancelled.")
                return redirect("casework:case_custody", pk=case.pk)
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise Http404(exc.message) from exc
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from exc
            if exc.field != "decline_reason":
                messages.error(request, exc.message)
                return redirect("casework:handoff_detail", handoff_pk=handoff.pk)
            decline_error = exc.message  # shown on the form, with what was typed
        else:
            return HttpResponseBadRequest("Unknown action")
    access_event_record(user=request.user, action=Action.VIEW, person=case.person, obj=handoff)
    return render(
        request,
        "casework/handoff_detail.html",
        {
            "handoff": handoff,
            "case": case,
            "person": case.person,
            "can_accept": handoff.status == "pending" and handoff.to_agency_id == acting_id,
            "can_cancel": handoff.status == "pending" and case.owning_agency_id == acting_id,
            "decline_error": decline_error,
            "decline_reason": request.POST.get("decline_reason", ""),
        },
        status=400 if decline_error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_progress(request, pk):
    case = _case(request, pk)
    _owner_only(request, case, "change its stage")
    form = ProgressForm(
        request.POST or None,
        initial={"version": case.version, "stage": case.stage, "ladder_step": case.ladder_step},
    )
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.case_progress_update,
            "Stage and ladder step saved.",
            reverse("casework:case_detail", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Change stage or ladder step",
        button="Save",
        section="detail",
        back=reverse("casework:case_detail", args=[case.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_reopen(request, pk):
    case = _case(request, pk)
    _owner_only(request, case, "reopen it")
    form = ReopenForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.case_reopen,
            "Case reopened.",
            reverse("casework:case_detail", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Reopen this case",
        button="Reopen case",
        section="detail",
        back=reverse("casework:case_detail", args=[case.pk]),
    )


@login_required
def case_timeline(request, pk):
    from core.timeline import entries_for_case

    case = _case(request, pk)
    form = TimelineFilterForm(request.GET or None)
    kinds = (
        set(form.cleaned_data["kind"]) if form.is_valid() and form.cleaned_data["kind"] else None
    )
    entries = entries_for_case(user=request.user, case=case, kinds=kinds)
    _viewed(request, case, "timeline")
    return render(
        request,
        "casework/case_timeline.html",
        {
            "case": case,
            "person": case.person,
            "section": "timeline",
            "form": form,
            "entries": entries,
        },
    )


@login_required
def my_work(request):
    """The first page after sign-in for staff: each role's lists (consent.policy "my_work.*"), the
    casework ones here and other apps' through core.panels, each with a "See all" full list."""
    if request.user.acting is None:
        return redirect("agencies:no_agency")
    _staff_only(request.user)
    team = request.GET.get("whose") == "team"
    mine_only = not team
    casework_lists = policy.can(request.user, "my_work.casework")
    lists = {"handoffs": selectors.handoffs_waiting(user=request.user)}
    if casework_lists:
        lists["overdue"] = selectors.overdue_actions(user=request.user, mine_only=mine_only)
        lists["quiet"] = selectors.cases_without_contact(user=request.user, mine_only=mine_only)
    shown = {name: narrow_slice(qs, MY_WORK_ROWS) for name, qs in lists.items()}
    counts = {
        name: capped_text(capped_count(qs, MY_WORK_COUNT_CAP), MY_WORK_COUNT_CAP)
        for name, qs in lists.items()
    }
    # other apps' lists (referrals, retention checks, custody...): core.panels, each showing and
    # counting the same way
    work_panels = panels.work(
        user=request.user, mine_only=mine_only, rows=MY_WORK_ROWS, cap=MY_WORK_COUNT_CAP
    )
    # one event naming every person the page showed (so each one's access log lists it)
    people = [h.case.person_id for h in shown["handoffs"]]
    people += [a.case.person_id for a in shown.get("overdue", [])]
    people += [c.person_id for c in shown.get("quiet", [])]
    for panel in work_panels:
        people += panel.get("people", [])
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="my_work",
        people=people,
        detail={
            "rows": sum(len(rows) for rows in shown.values())
            + sum(panel["shown"] for panel in work_panels)
        },
    )
    return render(
        request,
        "casework/my_work.html",
        {
            **shown,
            "casework_lists": casework_lists,
            # "yours or the team's" only where some list on the page follows it
            "has_whose": casework_lists or any(panel.get("whose") for panel in work_panels),
            # hand-offs come to any agency: a role without the casework lists sees them when some wait
            "show_handoffs": casework_lists or bool(shown["handoffs"]),
            "counts": counts,
            "rows": MY_WORK_ROWS,
            "team": team,
            "today": policy.today(),
            "no_contact_days": selectors.NO_CONTACT_DAYS,
            "work_panels": work_panels,
        },
    )


@login_required
def home(request):
    """Where sign-in lands: My work for staff, the reports for a commissioner (consent.policy)."""
    if request.user.acting is None:
        return redirect("agencies:no_agency")
    if policy.can(request.user, "person.view"):
        return redirect("casework:my_work")
    if policy.can(request.user, "report.view") and _has_reports():
        return redirect("reporting:report_list")
    return redirect("agencies:no_agency")


WHOSE = [("", "The team's"), ("mine", "Only mine")]


def _work_list(
    request,
    *,
    action,
    page_name,
    title,
    noun,
    intro,
    empty,
    queryset,
    columns,
    row,
    filter_groups,
    people,
    detail=None,
):
    """A full list My work links to: Django pagination, filters, one audit event for the page.
    `queryset` is a callable, read once the role may open the list."""
    from core.worklist import LIST_TEMPLATE, full_list

    if request.user.acting is None:
        return redirect("agencies:no_agency")
    _staff_only(request.user)
    if not policy.can(request.user, action):
        raise PermissionDenied("Your role does not work from this list.")
    context = full_list(request, queryset=queryset(), columns=columns, row=row)
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page=page_name,
        people=[people(obj) for obj in context["objects"]],
        detail={"filters": detail or {}},
    )
    return render(
        request,
        LIST_TEMPLATE,
        {
            **context,
            "title": title,
            "noun": noun,
            "intro": intro,
            "empty": empty,
            "filter_groups": filter_groups,
        },
    )


@login_required
def overdue_actions(request):
    """Every overdue action of the agency (My work shows the first 25): the team's, yours and the
    unassigned, or one person's (?owner=<user id>, 0 for unassigned), oldest first."""
    from casework.panels import OVERDUE_COLUMNS, overdue_row
    from core.worklist import filters

    whose, links = filters(request, "whose", WHOSE)
    try:
        owner_id = int(request.GET["owner"]) if request.GET.get("owner") else None
    except ValueError:
        owner_id = None
    if owner_id is not None:
        whose = ""
    intro = "Open actions of your agency past their due date, oldest first."
    if owner_id == 0:
        intro = "Overdue actions nobody owns yet, oldest first."
    elif owner_id:
        intro = "Overdue actions of one member of the team, oldest first."
    return _work_list(
        request,
        action="my_work.casework",
        page_name="overdue_actions",
        title="Overdue actions",
        noun="overdue actions",
        intro=intro,
        empty="No overdue actions.",
        queryset=lambda: selectors.overdue_actions_list(
            user=request.user, whose=whose, owner_id=owner_id
        ),
        columns=OVERDUE_COLUMNS,
        row=overdue_row,
        filter_groups=[links],
        people=lambda action: action.case.person_id,
        detail={
            k: v for k, v in {"whose": whose, "owner": owner_id}.items() if v not in ("", None)
        },
    )


@login_required
def cases_without_contact(request):
    """Every open case without recent contact (My work shows the first 25): the team's or yours."""
    from casework.panels import QUIET_COLUMNS, quiet_row
    from core.worklist import filters

    whose, links = filters(request, "whose", WHOSE)
    days = selectors.NO_CONTACT_DAYS
    return _work_list(
        request,
        action="my_work.casework",
        page_name="cases_without_contact",
        title=f"No contact for {days} days",
        noun="open cases without recent contact",
        intro=f"Open cases with no case note and no attended appointment in the last {days} days, without contact longest first.",
        empty="Every case has had contact recently.",
        queryset=lambda: selectors.cases_without_contact(
            user=request.user, mine_only=whose == "mine"
        ),
        columns=QUIET_COLUMNS,
        row=quiet_row,
        filter_groups=[links],
        people=lambda case: case.person_id,
        detail={"whose": whose} if whose else {},
    )


@login_required
def handoffs(request):
    """Every hand-off waiting for the acting agency to accept it, waiting longest first."""
    from casework.panels import HANDOFF_COLUMNS, handoff_row

    return _work_list(
        request,
        action="person.view",
        page_name="handoffs_waiting",
        title="Hand-offs waiting for your agency",
        noun="hand-offs waiting",
        intro="Cases another agency has asked yours to take on, waiting longest first.",
        empty="No hand-offs are waiting.",
        queryset=lambda: selectors.handoffs_waiting(user=request.user),
        columns=HANDOFF_COLUMNS,
        row=handoff_row,
        filter_groups=[],
        people=lambda handoff: handoff.case.person_id,
    )


@login_required
def appointments_week(request):
    """Appointments in the next seven days on the agency's open cases: the team's or yours."""
    from casework.panels import APPOINTMENT_COLUMNS, appointment_row
    from core.worklist import filters

    whose, links = filters(request, "whose", WHOSE)
    return _work_list(
        request,
        action="my_work.appointments",
        page_name="appointments_week",
        title="Appointments this week",
        noun="appointments",
        intro="Appointments from today to the end of the seventh day, the soonest first.",
        empty="No appointments in the next seven days.",
        queryset=lambda: selectors.appointments_this_week(user=request.user, whose=whose),
        columns=APPOINTMENT_COLUMNS,
        row=appointment_row,
        filter_groups=[links],
        people=lambda appointment: appointment.case.person_id,
        detail={"whose": whose} if whose else {},
    )
