from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import access_event_record
from casework.models import SentenceEpisode
from consent import policy
from consent.sections import Section
from core.errors import ApplicationError, Forbidden, NotFound
from core.uploads import limit_uploads, upload_refused
from core.views import apply_error, save_with
from custody import scan as scan_service
from custody import scan_items, selectors, services
from custody.forms import (
    AttendanceForm,
    ClaimClosureEditForm,
    ClaimClosureForm,
    ClosureChaseEditForm,
    ClosureChaseForm,
    FreshstartForm,
    MarkerEndForm,
    MarkerForm,
    PostReleaseClaimEditForm,
    PostReleaseClaimForm,
    PreReleaseAdviceForm,
    ScanUploadForm,
)
from custody.models import ScanStatus

CLOSURE_FORM_FIELDS = list(ClaimClosureForm.base_fields)
CLAIM_FORM_FIELDS = list(PostReleaseClaimForm.base_fields)


def _person(request, pk, section):
    """The person, if the acting agency sees `section` of their record (else 404)."""
    if not policy.can(request.user, "person.view"):
        raise PermissionDenied
    return policy.get_person(request.user, pk, section)


def _viewed(request, person, page, obj=None):
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, obj=obj, detail={"page": page}
    )


def _from_worklist(request) -> bool:
    """The form was opened from the custody worklist (?from=worklist): saving returns there."""
    return request.GET.get("from") == "worklist"


def _jobcentre_only(user):
    if not policy.can(user, "custody.worklist"):
        raise Http404


@login_required
def worklist(request):
    services.require_closure_reader(request.user)
    _jobcentre_only(request.user)
    work = selectors.ebsa_worklist(user=request.user)
    freshstart = selectors.freshstart_for_jobcentre(user=request.user)
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        detail={
            "page": "custody:worklist",
            "shown": len(work.receptions) + len(work.in_progress) + len(work.releases),
        },
    )
    return render(request, "custody/worklist.html", {"work": work, "freshstart": freshstart})


@login_required
def freshstart_list(request):
    _jobcentre_only(request.user)
    freshstart = selectors.freshstart_for_jobcentre(user=request.user)
    access_event_record(
        user=request.user, action=Action.VIEW, detail={"page": "custody:freshstart_list"}
    )
    return render(request, "custody/freshstart_list.html", {"freshstart": freshstart})


def _closure_initial(user, person):
    episode = (
        SentenceEpisode.objects.for_user(user)
        .filter(
            person=person,
            reception_date__isnull=False,
            establishment_id__in=services.surgery_sites(user.acting.agency_id),
        )
        .order_by("-reception_date")
        .first()
    )
    initial = {
        "national_insurance_number": person.national_insurance_number,
        "found_by": "ebsa_casework",
        "received_on": policy.today(),
    }
    if episode:
        initial.update(
            establishment=episode.establishment_id, reception_date=episode.reception_date
        )
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def closure_create(request, person_pk):
    """Record a claim closure; with ?item=<pk>, for a scan work item: the form starts from the
    row's answers and saving it closes the item (then back to the work items)."""
    services.require_closure_reader(request.user)
    person = _person(request, person_pk, Section.BENEFITS)
    services.require_jobcentre(request.user, "claim_closure.record")
    item = None
    initial = _closure_initial(request.user, person)
    if request.GET.get("item"):
        item = scan_items.get_scan_item(user=request.user, pk=_int_or_404(request.GET["item"]))
        if not item.is_open_item:
            messages.info(request, "That work item has already been dealt with.")
            return redirect("custody:scan_item_detail", pk=item.pk)
        initial.update(scan_items.closure_initial(item))
        sites = list(services.surgery_sites(request.user.acting.agency_id))
        if "establishment" not in initial and len(sites) == 1:
            initial["establishment"] = sites[0]
    form = ClaimClosureForm(
        request.POST or None, agency=request.user.acting.agency, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                closure = services.claim_closure_create(
                    user=request.user, person=person, **form.cleaned_data
                )
            else:
                closure = scan_items.scan_item_record_closure(
                    user=request.user, row=item, person=person, **form.cleaned_data
                )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Claim closure recorded for {person.full_name}.")
            if item is not None:
                return redirect("custody:scan_items")
            if _from_worklist(request):
                return redirect("custody:worklist")
            return redirect("custody:closure_detail", pk=closure.pk)
    _viewed(request, person, "closure create form")
    return render(
        request,
        "custody/claimclosure_form.html",
        {
            "form": form,
            "person": person,
            "title": "Record a claim closure",
            "item": item,
            "from_worklist": _from_worklist(request),
        },
    )


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def closure_detail(request, pk):
    closure = selectors.get_claim_closure(user=request.user, pk=pk)
    access_event_record(user=request.user, action=Action.VIEW, person=closure.person, obj=closure)
    can_change = (
        policy.can(request.user, "claim_closure.record")
        and request.user.acting.agency_id == closure.agency_id
    )
    return render(
        request,
        "custody/claimclosure_detail.html",
        {
            "closure": closure,
            "person": closure.person,
            "can_change": can_change,
            "can_chase": policy.may_chase_closure(request.user, closure),
            "sees_overpayment": policy.may_see_overpayment(request.user),
            "chases": selectors.closure_chases(closure=closure),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_edit(request, pk):
    closure = selectors.get_claim_closure(user=request.user, pk=pk)
    services.require_jobcentre(request.user, "claim_closure.record")
    initial = {name: getattr(closure, name) for name in CLOSURE_FORM_FIELDS} | {
        "version": closure.version
    }
    initial["establishment"] = closure.establishment_id
    initial["bdc"] = closure.bdc_id
    form = ClaimClosureEditForm(
        request.POST or None,
        agency=request.user.acting.agency,
        initial=initial,
        current_bdc_id=closure.bdc_id,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.claim_closure_update(
                user=request.user, closure=closure, version=version, **data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Claim closure saved.")
            return redirect("custody:closure_detail", pk=closure.pk)
    _viewed(request, closure.person, "closure edit form")
    return render(
        request,
        "custody/claimclosure_form.html",
        {
            "form": form,
            "person": closure.person,
            "closure": closure,
            "title": "Change the claim closure",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def chase_create(request, pk):
    closure = selectors.get_claim_closure(user=request.user, pk=pk)
    if not policy.may_chase_closure(request.user, closure):
        raise PermissionDenied("Only the Jobcentre that recorded this claim closure can chase it.")
    form = ClosureChaseForm(request.POST or None, initial={"chased_on": policy.today()})
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.closure_chase_record,
            "Chase recorded.",
            reverse("custody:closure_detail", args=[closure.pk]),
            closure=closure,
            **form.cleaned_data,
        )
        if done:
            return done
    _viewed(request, closure.person, "closure chase form", obj=closure)
    return render(
        request,
        "custody/closurechase_form.html",
        {
            "form": form,
            "closure": closure,
            "person": closure.person,
            "title": "Record a chase of the Benefit Delivery Centre",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def chase_edit(request, pk):
    chase = selectors.get_closure_chase(user=request.user, pk=pk)
    closure = chase.closure
    if not policy.may_chase_closure(request.user, closure):
        raise PermissionDenied("Only the Jobcentre that recorded this claim closure can chase it.")
    initial = {
        "chased_on": chase.chased_on,
        "method": chase.method,
        "outcome": chase.outcome,
        "notes": chase.notes,
        "version": chase.version,
    }
    form = ClosureChaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = save_with(
            request,
            form,
            services.closure_chase_update,
            "Chase saved.",
            reverse("custody:closure_detail", args=[closure.pk]),
            chase=chase,
            version=version,
            **data,
        )
        if done:
            return done
    _viewed(request, closure.person, "closure chase edit form", obj=chase)
    return render(
        request,
        "custody/closurechase_form.html",
        {
            "form": form,
            "closure": closure,
            "chase": chase,
            "person": closure.person,
            "title": "Change the chase",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def marker_set(request, person_pk):
    person = _person(request, person_pk, Section.BENEFITS)
    services.require_jobcentre(request.user, "marker.set")
    form = MarkerForm(request.POST or None)
    consent_missing = False
    if request.method == "POST" and form.is_valid():
        try:
            marker = services.marker_set(
                user=request.user, person=person, kind=form.cleaned_data["kind"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
            consent_missing = exc.code == "consent_required"
        else:
            messages.success(
                request, f"{marker.get_kind_display()} set until {marker.expires_on:%-d %B %Y}."
            )
            return redirect("casework:person_detail", pk=person.pk)
    _viewed(request, person, "marker set form")
    return render(
        request,
        "custody/marker_form.html",
        {"form": form, "person": person, "consent_missing": consent_missing},
        status=409 if consent_missing else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def marker_end(request, pk):
    marker = selectors.get_marker(user=request.user, pk=pk)
    services.require_jobcentre(request.user, "marker.set")
    if marker.jobcentre_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the Jobcentre that set this marker can end it.")
    form = MarkerEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.marker_end,
            f"{marker.get_kind_display()} ended.",
            reverse("casework:person_detail", args=[marker.person_id]),
            marker=marker,
            reason=form.cleaned_data["reason"],
        )
        if done:
            return done
    _viewed(request, marker.person, "end marker form", obj=marker)
    return render(
        request,
        "custody/marker_end.html",
        {"form": form, "marker": marker, "person": marker.person},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice_create(request, person_pk):
    person = _person(request, person_pk, Section.BENEFITS)
    form = PreReleaseAdviceForm(request.POST or None, initial={"given_on": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.pre_release_advice_record(
                user=request.user, person=person, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Pre-release advice recorded.")
            return redirect("casework:person_detail", pk=person.pk)
    _viewed(request, person, "advice create form")
    return render(request, "custody/prereleaseadvice_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def freshstart_book(request, person_pk):
    person = _person(request, person_pk, Section.CUSTODY)
    form = FreshstartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.freshstart_book(
                user=request.user,
                person=person,
                office=data["office"],
                appointment_at=data["appointment_at"],
                notes=data["notes"],
            )
        except ApplicationError as exc:
            if exc.field == "appointment_at":
                exc.field = "appointment_date"
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"Freshstart appointment booked at {appointment.office.name}. "
                f"{appointment.jobcentre.name} can now see the appointment.",
            )
            if _from_worklist(request):
                return redirect("custody:worklist")
            return redirect("casework:person_detail", pk=person.pk)
    _viewed(request, person, "freshstart book form")
    return render(
        request,
        "custody/freshstart_form.html",
        {"form": form, "person": person, "from_worklist": _from_worklist(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def freshstart_attendance(request, pk):
    appointment = selectors.get_freshstart(user=request.user, pk=pk)
    services.require_jobcentre(request.user, "freshstart.attendance")
    if appointment.jobcentre_id != request.user.acting.agency_id:
        raise PermissionDenied(
            "Only the Jobcentre where the appointment is booked can record attendance."
        )
    form = AttendanceForm(request.POST or None, initial={"version": appointment.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.freshstart_attendance_record(
                user=request.user,
                appointment=appointment,
                attended=form.cleaned_data["attended"],
                version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Attendance recorded for {appointment.person.full_name}.")
            return redirect("custody:worklist")
    _viewed(request, appointment.person, "freshstart attendance form")
    return render(
        request,
        "custody/freshstart_attendance.html",
        {"form": form, "appointment": appointment, "person": appointment.person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request, person_pk):
    person = _person(request, person_pk, Section.BENEFITS)
    services.require_jobcentre(request.user, "benefit_claim.record")
    released = (
        SentenceEpisode.objects.for_user(request.user)
        .filter(person=person, actual_release_date__isnull=False)
        .order_by("-actual_release_date")
        .values_list("actual_release_date", flat=True)
        .first()
    )
    form = PostReleaseClaimForm(
        request.POST or None,
        initial={
            "released_on": released,
            "claim_made_on": policy.today(),
            "claim_state": "undecided",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.post_release_claim_record(
                user=request.user, person=person, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                "Claim recorded. "
                + (
                    "Rapid reclaim applies."
                    if claim.rapid_reclaim
                    else "Rapid reclaim does not apply."
                ),
            )
            return redirect("casework:person_detail", pk=person.pk)
    _viewed(request, person, "claim create form")
    return render(
        request,
        "custody/postreleaseclaim_form.html",
        {"form": form, "person": person, "title": "Record the benefit claim after release"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request, pk):
    claim = selectors.get_post_release_claim(user=request.user, pk=pk)
    services.require_jobcentre(request.user, "benefit_claim.record")
    initial = {name: getattr(claim, name) for name in CLAIM_FORM_FIELDS} | {
        "version": claim.version
    }
    for name in ("likely_entitled", "in_financial_need"):
        initial[name] = {True: "yes", False: "no"}.get(initial[name])
    form = PostReleaseClaimEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.post_release_claim_update(
                user=request.user, claim=claim, version=version, **data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Claim saved.")
            return redirect("casework:person_detail", pk=claim.person_id)
    _viewed(request, claim.person, "claim edit form")
    return render(
        request,
        "custody/postreleaseclaim_form.html",
        {
            "form": form,
            "person": claim.person,
            "claim": claim,
            "title": "Change the benefit claim after release",
        },
    )


# --- Matching scan --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@limit_uploads
def scan_upload(request):
    _jobcentre_only(request.user)
    form = ScanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        valid = form.is_valid()
        if upload_refused(form, request):  # over the limit: dropped while it arrived
            valid = False
        if valid:
            try:
                scan = scan_service.scan_upload(
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return redirect("custody:scan_detail", pk=scan.pk)
    return render(
        request,
        "custody/scan_upload.html",
        {
            "form": form,
            "scans": selectors.scans_for_agency(user=request.user)[:20],
            "columns": scan_service.COLUMNS,
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
            "max_rows": settings.SCAN_MAX_ROWS,
            "retention_days": settings.UPLOAD_RETENTION_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scan_detail(request, pk):
    scan = selectors.get_scan(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            scan_service.scan_confirm(user=request.user, scan=scan)
        except (NotFound, Forbidden):
            raise
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("custody:scan_detail", pk=scan.pk)
    context = {"scan": scan}
    if scan.status == ScanStatus.PREVIEW:
        context["rows"] = scan_service.preview_rows(scan)
    elif scan.status == ScanStatus.DONE:
        context["rows"] = list(scan.rows.select_related("person", "closure").order_by("line")[:500])
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        obj=scan,
        detail={"page": "custody:scan", "status": scan.status},
    )
    return render(request, "custody/scan_detail.html", context)


@login_required
def scan_progress(request, pk):
    scan = selectors.get_scan(user=request.user, pk=pk)
    return render(request, "custody/scan_progress.html", {"scan": scan})


@login_required
def markers_expiring(request):
    """The full list of markers ending soon that My work opens: Django pagination, one audit event."""
    from audit.services import access_list_record
    from core.worklist import LIST_TEMPLATE, full_list
    from custody.panels import MARKER_COLUMNS, marker_row

    if not policy.can(request.user, "my_work.markers"):
        raise PermissionDenied("Your role does not work from this list.")
    context = full_list(
        request,
        queryset=selectors.markers_expiring(user=request.user),
        columns=MARKER_COLUMNS,
        row=marker_row,
    )
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="custody:markers_expiring",
        people=[marker.person_id for marker in context["objects"]],
    )
    return render(
        request,
        LIST_TEMPLATE,
        {
            **context,
            "title": "Markers ending soon",
            "noun": "markers ending",
            "intro": f"Live markers your Jobcentre set that end in the next {selectors.MARKER_EXPIRY_WARNING_DAYS} days, the soonest first. Set a new one with the person's consent if it is still needed.",
            "empty": "No markers end in the next few weeks.",
            "filter_groups": [],
        },
    )


@login_required
def freshstart_week(request):
    """The full list behind My work's Freshstart panel: appointments without attendance up to the
    end of this week, the ones already due first; Django pagination, one audit event."""
    from audit.services import access_list_record
    from core.worklist import LIST_TEMPLATE, full_list
    from custody.panels import FRESHSTART_COLUMNS, freshstart_row

    if not policy.can(request.user, "my_work.freshstart"):
        raise PermissionDenied("Your role does not work from this list.")
    context = full_list(
        request,
        queryset=selectors.freshstart_this_week(user=request.user),
        columns=FRESHSTART_COLUMNS,
        row=freshstart_row,
    )
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="custody:freshstart_week",
        people=[appointment.person_id for appointment in context["objects"]],
    )
    return render(
        request,
        LIST_TEMPLATE,
        {
            **context,
            "title": "Freshstart appointments today and this week",
            "noun": "appointments without attendance",
            "intro": "Appointments at your Jobcentre without attendance recorded, up to the end of "
            "the seventh day from today: the ones already due first. Every appointment, with the "
            "ones recorded, is on the Freshstart appointments page.",
            "empty": "No Freshstart appointments are waiting for attendance this week.",
            "filter_groups": [],
        },
    )
