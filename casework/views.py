from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.selectors import access_log_for_person
from audit.services import access_event_record
from casework import selectors, services
from casework.forms import (
    CaseCloseForm,
    CaseEditForm,
    CaseForm,
    CaseloadFilterForm,
    PersonEditForm,
    PersonForm,
)
from consent import policy
from consent.selectors import sharing_summary
from core import panels
from core.errors import ApplicationError
from core.views import apply_error, querystring_without

PAGE_SIZE = 25


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
        return redirect("reporting:report_list") if _has_reports() else redirect("agencies:no_agency")
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.caseload_for_user(
        user=request.user, stage=filters.get("stage", ""), support_level=filters.get("support_level", ""),
        mine=filters.get("mine") == "1", q=filters.get("q", ""))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    access_event_record(user=request.user, action=Action.SEARCH if filters.get("q") else Action.VIEW,
                        detail={"page": "caseload", "filters": {k: v for k, v in filters.items() if v},
                                "shown": len(page.object_list)})
    return render(request, "casework/caseload.html", {
        "form": form, "page": page, "querystring": querystring_without(request, "page")})


@login_required
def person_search(request):
    _staff_only(request.user)
    q = request.GET.get("q", "")[:100]
    results = selectors.person_search(user=request.user, q=q)[:50] if q.strip() else []
    if q.strip():
        results = list(results)
        access_event_record(user=request.user, action=Action.SEARCH, detail={"q": q, "shown": len(results)})
    return render(request, "casework/person_search.html", {"q": q, "results": results})


@login_required
def person_detail(request, pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, pk)
    access_event_record(user=request.user, action=Action.VIEW, person=person)
    return render(request, "casework/person_detail.html", {
        "person": person,
        "cases": selectors.cases_for_person(user=request.user, person=person),
        "sharing": sharing_summary(user=request.user, person=person),
        "access_log": access_log_for_person(person=person, limit=20),
        "sees_sensitive": policy.sees_sensitive(request.user, person),
        "can_manage_restricted": policy.can(request.user, "restricted.grant"),
        "panels": panels.collect("person", user=request.user, person=person),
    })


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    if not policy.can(request.user, "person.create"):
        raise PermissionDenied
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{person.full_name} has been added. Now open a case for them.")
            return redirect("casework:case_create", person_pk=person.pk)
    return render(request, "casework/person_form.html", {"form": form, "title": "Add a person"})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, pk)
    initial = {name: getattr(person, name) for name in PersonForm.base_fields} | {"version": person.version}
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
    return render(request, "casework/person_form.html", {"form": form, "person": person, "title": f"Change details for {person.full_name}"})


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk)
    form = CaseForm(request.POST or None, agency=request.user.acting.agency, initial={"start_date": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(user=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Case opened for {person.full_name}.")
            return redirect("casework:case_detail", pk=case.pk)
    return render(request, "casework/case_form.html", {"form": form, "person": person, "title": f"Open a case for {person.full_name}"})


@login_required
def case_detail(request, pk):
    _staff_only(request.user)
    case = selectors.get_case(user=request.user, pk=pk)
    access_event_record(user=request.user, action=Action.VIEW, person=case.person, obj=case)
    return render(request, "casework/case_detail.html", {
        "case": case, "person": case.person,
        "is_owner": case.owning_agency_id == request.user.acting.agency_id,
        "lead_periods": case.lead_periods.select_related("agency"),
        "involvements": case.involvements.select_related("agency").order_by("started_on"),
        "panels": panels.collect("case", user=request.user, case=case),
    })


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    _staff_only(request.user)
    case = selectors.get_case(user=request.user, pk=pk)
    if case.owning_agency_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the agency that owns this case can change it.")
    initial = {name: getattr(case, name) for name in CaseForm.base_fields} | {"version": case.version}
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
    return render(request, "casework/case_form.html", {"form": form, "person": case.person, "case": case,
                                                       "title": "Change case details"})


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request, pk):
    _staff_only(request.user)
    case = selectors.get_case(user=request.user, pk=pk)
    if case.owning_agency_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the agency that owns this case can close it.")
    form = CaseCloseForm(request.POST or None, initial={"version": case.version, "end_date": policy.today()})
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
    return render(request, "casework/case_close.html", {"form": form, "case": case, "person": case.person})
