from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action
from audit.services import access_event_record
from consent import policy
from core.errors import ApplicationError
from core.files import download_response
from core.views import apply_error
from reporting import selectors, services
from reporting.forms import (
    EmploymentCheckForm,
    ReoffenceForm,
    ReoffendingCheckForm,
    ReportRequestForm,
    TargetForm,
)
from reporting.models import (
    EnduringJobsTarget,
    PostExitEmploymentCheck,
    Reoffence,
    ReoffendingCheck,
    ReportStatus,
)
from reporting.periods import financial_year_start, last_month


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    reports = list(selectors.reports_for_user(user=request.user))  # 403 unless a manager
    form = ReportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report, queued = services.report_request(
                user=request.user,
                from_month=form.cleaned_data["from_month"],
                to_month=form.cleaned_data["to_month"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"{report.period_label} report {'requested' if queued else 'already requested'}. "
                "It appears below when it is ready.",
            )
            return redirect("reporting:report_list")
    previous = last_month(policy.today())
    latest = next((r for r in reports if r.month == previous == r.to_month), None)
    return render(
        request,
        "reporting/report_list.html",
        {
            "form": form,
            "latest": latest,
            "previous_month": previous,
            "archive": [r for r in reports if r is not latest],
            "scope": services.scope_for(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_list(request):
    agencies = list(services.target_agencies(request.user).order_by("name"))  # 403 unless a manager
    year = financial_year_start(policy.today()).year
    form = TargetForm(request.POST or None, agencies=agencies, initial={"financial_year": year})
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["agency"])
        try:
            services.enduring_jobs_target_set(
                user=request.user,
                agency=agency,
                financial_year=form.cleaned_data["financial_year"],
                annual_target=form.cleaned_data["annual_target"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Target for {agency.name} saved.")
            return redirect("reporting:target_list")
    targets = EnduringJobsTarget.objects.filter(agency__in=agencies).select_related("agency")
    return render(
        request,
        "reporting/target_list.html",
        {"form": form, "targets": targets, "default": settings.ENDURING_JOBS_ANNUAL_TARGET},
    )


@login_required
def report_status(request, pk):
    report = selectors.get_report(user=request.user, pk=pk)
    return render(request, "reporting/report_status.html", {"report": report})


@login_required
@require_POST
def report_retry(request, pk):
    report = selectors.get_report(user=request.user, pk=pk)
    if report.status == ReportStatus.READY or report.is_busy:  # busy: alive, not stalled
        return redirect("reporting:report_list")
    services.report_request(
        user=request.user, from_month=report.month, to_month=report.to_month, scope=report.scope
    )
    messages.success(request, f"{report.period_label} report requested again.")
    return redirect("reporting:report_list")


@login_required
@require_POST
def report_rebuild(request, pk):
    report = selectors.get_report(user=request.user, pk=pk)
    try:
        services.report_rebuild(user=request.user, report=report)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{report.period_label} report is being rebuilt with today's figures; "
            "the earlier version is kept.",
        )
    return redirect("reporting:report_list")


@login_required
def report_version_download(request, pk, number, file_format):
    report = selectors.get_report(user=request.user, pk=pk)
    stored = services.report_version_download(
        user=request.user, report=report, number=number, file_format=file_format
    )
    return download_response(
        stored,
        filename=report.filename(file_format).replace(
            f".{file_format}", f"-v{number}.{file_format}"
        ),
        content_type="application/pdf" if file_format == "pdf" else "text/csv; charset=utf-8",
    )


@login_required
def report_download(request, pk, file_format):
    report = selectors.get_report(user=request.user, pk=pk)
    if file_format not in ("pdf", "csv"):
        raise Http404
    stored = services.report_download(user=request.user, report=report, file_format=file_format)
    content_type = "application/pdf" if file_format == "pdf" else "text/csv; charset=utf-8"
    return download_response(
        stored, filename=report.filename(file_format), content_type=content_type
    )


@login_required
def check_list(request):
    policy.require(request.user, "case.change")
    checks = selectors.open_checks_for_user(user=request.user)
    reoffending, employment = list(checks["reoffending"][:200]), list(checks["employment"][:200])
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        detail={"page": "post_exit_checks", "shown": len(reoffending) + len(employment)},
    )
    return render(
        request, "reporting/check_list.html", {"reoffending": reoffending, "employment": employment}
    )


def _record(request, *, model, form_class, service, field, template):
    check = selectors.get_check(
        user=request.user, model=model, pk=request.resolver_match.kwargs["pk"]
    )
    policy.require(request.user, "case.change")
    policy.require_owner(request.user, check.case)
    form = form_class(request.POST or None)
    if request.method == "GET":
        access_event_record(
            user=request.user, action=Action.VIEW, person=check.case.person, obj=check
        )
    if request.method == "POST" and form.is_valid():
        try:
            service(user=request.user, check=check, **{field: form.cleaned_data[field]})
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Check recorded.")
            return redirect("reporting:check_list")
    return render(request, template, {"form": form, "check": check, "person": check.case.person})


@login_required
@require_http_methods(["GET", "POST"])
def reoffending_check_record(request, pk):
    return _record(
        request,
        model=ReoffendingCheck,
        form_class=ReoffendingCheckForm,
        field="reoffended",
        service=services.reoffending_check_record,
        template="reporting/check_record.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def employment_check_record(request, pk):
    return _record(
        request,
        model=PostExitEmploymentCheck,
        form_class=EmploymentCheckForm,
        field="in_work",
        service=services.employment_check_record,
        template="reporting/check_record.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def reoffence_list(request, case_pk):
    """A case's re-offences and recalls (offence data: consent.policy.may_see_reoffences), and the
    form the case owner records one with."""
    from casework.selectors import get_case

    case = get_case(user=request.user, pk=case_pk)
    if not policy.may_see_reoffences(request.user, case.person):
        raise Http404("Not found")
    can_record = policy.may_record_reoffence(request.user, case)
    form = ReoffenceForm(request.POST or None)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("Only the agency that owns this case can record re-offences.")
        if form.is_valid():
            try:
                services.reoffence_record(user=request.user, case=case, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "Recorded.")
                return redirect("reporting:reoffence_list", case_pk=case.pk)
    facts = list(
        Reoffence.objects.for_user(request.user).filter(case=case).select_related("recorded_by")
    )
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        person=case.person,
        obj=case,
        detail={"page": "reoffences", "reoffences": [f.pk for f in facts]},
    )
    return render(
        request,
        "reporting/reoffence_list.html",
        {
            "case": case,
            "person": case.person,
            "facts": facts,
            "form": form,
            "can_record": can_record,
        },
        status=400 if form.errors else 200,
    )
