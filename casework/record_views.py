"""Pages for the offender manager, risk and licence, qualifications and courses (issue 19)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from casework import record_selectors, records
from casework.record_forms import (
    AccommodationOutcomeEditForm,
    AccommodationOutcomeForm,
    CourseEditForm,
    CourseForm,
    OffenderManagerForm,
    QualificationEditForm,
    QualificationForm,
    RiskLicenceForm,
)
from casework.views import _case, _form_page, _viewed
from consent import policy
from consent.sections import RISK_PART, Section
from core.views import save_with


def _may_record_offender_management(request, case, what):
    if not policy.may_record_offender_management(request.user, case):
        raise PermissionDenied(f"Only the case owner's caseworkers and managers can {what}.")


@login_required
@require_http_methods(["GET", "POST"])
def offender_manager_edit(request, pk):
    case = _case(request, pk)
    _may_record_offender_management(request, case, "record the offender manager")
    initial = {name: getattr(case, name) for name in records.OFFENDER_MANAGER_FIELDS}
    form = OffenderManagerForm(request.POST or None, initial=initial | {"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            records.offender_manager_set,
            "Offender manager saved.",
            reverse("casework:case_detail", args=[case.pk]) + "#offender-manager",
            case=case,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Offender manager",
        button="Save offender manager",
        section="detail",
        intro=record_selectors.offender_manager_text(case),
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_licence_edit(request, pk):
    case = _case(request, pk, RISK_PART)
    _may_record_offender_management(request, case, "record risk and licence")
    row = record_selectors.risk_licence_for_case(user=request.user, case=case)
    initial = {"version": row.version if row else 1}
    if row:
        initial |= {name: getattr(row, name) for name in records.RISK_FIELDS}
        initial["exclusion_zones"] = ", ".join(row.exclusion_zones)
    form = RiskLicenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            records.risk_licence_update,
            "Risk and licence saved.",
            reverse("casework:case_detail", args=[case.pk]) + "#risk-licence",
            case=case,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Risk and licence",
        button="Save risk and licence",
        section="detail",
        intro="Sensitive: shown only to agencies that may see offence details.",
    )


@login_required
def case_learning(request, pk):
    case = _case(request, pk, Section.PLAN)
    qualifications = record_selectors.qualifications_for_case(user=request.user, case=case)
    courses = record_selectors.courses_for_case(user=request.user, case=case)
    may_record = policy.may_record_learning(request.user, case.person) and case.is_open
    for row in [*qualifications, *courses]:
        row.may_change = may_record and record_selectors.may_change(request.user, case, row)
    _viewed(request, case, "learning")
    return render(
        request,
        "casework/learning_detail.html",
        {
            "case": case,
            "person": case.person,
            "section": "learning",
            "held": [q for q in qualifications if q.status == "held"],
            "gained": [q for q in qualifications if q.status == "gained"],
            "courses": courses,
            "may_record": may_record,
        },
    )


def _learning_case(request, pk):
    case = _case(request, pk, Section.PLAN)
    if not policy.can(request.user, "learning.record"):
        raise PermissionDenied("Your role does not record qualifications or courses.")
    return case


def _learning_form_page(request, case, form, title, button):
    return _form_page(request, case, form, title=title, button=button, section="learning")


@login_required
@require_http_methods(["GET", "POST"])
def qualification_create(request, pk):
    case = _learning_case(request, pk)
    form = QualificationForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            records.qualification_add,
            "Qualification recorded.",
            reverse("casework:case_learning", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _learning_form_page(request, case, form, "Record a qualification", "Save qualification")


@login_required
@require_http_methods(["GET", "POST"])
def qualification_edit(request, pk, qualification_pk):
    case = _learning_case(request, pk)
    row = record_selectors.get_qualification(user=request.user, case=case, pk=qualification_pk)
    if not record_selectors.may_change(request.user, case, row):
        raise PermissionDenied(
            "Only the agency that recorded it, or the case owner, can change it."
        )
    initial = {name: getattr(row, name) for name in records.QUALIFICATION_FIELDS}
    form = QualificationEditForm(
        request.POST or None, case=case, initial=initial | {"version": row.version}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            records.qualification_update,
            "Qualification saved.",
            reverse("casework:case_learning", args=[case.pk]),
            qualification=row,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _learning_form_page(request, case, form, "Change a qualification", "Save qualification")


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request, pk):
    case = _learning_case(request, pk)
    form = CourseForm(request.POST or None, case=case, initial={"outcome": "in_progress"})
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            records.course_add,
            "Course recorded.",
            reverse("casework:case_learning", args=[case.pk]),
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _learning_form_page(request, case, form, "Record a course", "Save course")


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk, course_pk):
    case = _learning_case(request, pk)
    row = record_selectors.get_course(user=request.user, case=case, pk=course_pk)
    if not record_selectors.may_change(request.user, case, row):
        raise PermissionDenied(
            "Only the agency that recorded it, or the case owner, can change it."
        )
    initial = {name: getattr(row, name) for name in records.COURSE_FIELDS}
    form = CourseEditForm(
        request.POST or None, case=case, initial=initial | {"version": row.version}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            records.course_update,
            "Course saved.",
            reverse("casework:case_learning", args=[case.pk]),
            course=row,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _learning_form_page(
        request, case, form, "Change a course or record its end", "Save course"
    )


def _accommodation_case(request, pk):
    case = _case(request, pk, Section.CUSTODY)
    if not policy.can(request.user, "accommodation.record"):
        raise PermissionDenied("Your role does not record accommodation outcomes.")
    return case


@login_required
@require_http_methods(["GET", "POST"])
def accommodation_outcome_create(request, pk):
    case = _accommodation_case(request, pk)
    form = AccommodationOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            records.accommodation_outcome_record,
            "Accommodation outcome recorded.",
            reverse("casework:case_custody", args=[case.pk]) + "#accommodation-outcomes",
            case=case,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title="Record an accommodation outcome",
        button="Save outcome",
        section="custody",
    )


@login_required
@require_http_methods(["GET", "POST"])
def accommodation_outcome_edit(request, pk, accommodationoutcome_pk):
    case = _accommodation_case(request, pk)
    row = record_selectors.get_accommodation_outcome(
        user=request.user, case=case, pk=accommodationoutcome_pk
    )
    if not record_selectors.may_change(request.user, case, row):
        raise PermissionDenied(
            "Only the agency that recorded it, or the case owner, can change it."
        )
    form = AccommodationOutcomeEditForm(
        request.POST or None,
        initial={"status": row.status, "note": row.note, "version": row.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            records.accommodation_outcome_update,
            "Accommodation outcome saved.",
            reverse("casework:case_custody", args=[case.pk]) + "#accommodation-outcomes",
            outcome=row,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _form_page(
        request,
        case,
        form,
        title=f"Change the accommodation outcome: {row.get_point_display().lower()}",
        button="Save outcome",
        section="custody",
    )
