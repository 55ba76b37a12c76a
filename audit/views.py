from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from agencies.models import User
from audit import archive as archive_module
from audit import selectors
from audit import subject_access as subject_access_export
from audit.describe import describe_events
from audit.models import Action, ArchivedMonth
from audit.services import access_event_record
from consent import policy
from core.pagination import Segments, narrow_page
from core.replica import replica_reads


@login_required
def person_access_log(request, pk):
    if not policy.can(request.user, "audit.view_person"):
        raise PermissionDenied
    person = policy.get_person(request.user, pk)
    if not policy.may_read_access_log(request.user, person):
        raise PermissionDenied("Only the case team can read who has viewed this record.")
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, detail={"page": "access_log"}
    )
    page, capped = _log_page(request, selectors.access_log_for_person(person=person, limit=None))
    page.object_list = describe_events(page.object_list, reader=request.user, person=person)
    found = None
    if request.GET.get("archived") == "1":
        found = _archive_search(
            request,
            audit_detail={"person_log": person.pk},
            search=lambda batch: archive_module.archive_search_person(person=person, months=batch),
            describe=lambda events: describe_events(events, reader=request.user, person=person),
        )
    return render(
        request,
        "audit/person_access_log.html",
        {"person": person, "page": page, "capped": capped, "archive": found},
    )


def _log_page(request, events):
    """A page of 50 events, newest first, counted no further than AUDIT_LOG_COUNT_CAP: a member of
    staff with years of events would otherwise be counted in full on every page (seconds at tens of
    millions of events); past the cap the page says "more than" and pages up to the cap."""
    parts = Segments([events], cap=settings.AUDIT_LOG_COUNT_CAP)
    return narrow_page(parts, request.GET.get("page"), 50), parts.capped


@login_required
def user_access(request):
    """A manager lists everything one member of their agency has accessed."""
    if not policy.can(request.user, "audit.view_user"):
        raise PermissionDenied("Only managers can review staff access.")
    agency = request.user.acting.agency
    staff = User.objects.filter(memberships__agency=agency).distinct().order_by("username")
    selected = (
        staff.filter(pk=request.GET.get("user") or 0).first()
        if request.GET.get("user", "").isdigit()
        else None
    )
    page = archive = None
    capped = False
    if selected:
        page, capped = _log_page(
            request, selectors.access_log_for_user(staff_user=selected, agency=agency)
        )
        page.object_list = describe_events(page.object_list, reader=request.user)
        if request.GET.get("archived") == "1":
            archive = _archive_search(
                request,
                audit_detail={"staff_user": selected.pk},
                search=lambda batch: archive_module.archive_search(
                    staff_user=selected, agency=agency, months=batch
                ),
                describe=lambda events: describe_events(events, reader=request.user),
            )
    return render(
        request,
        "audit/user_access.html",
        {
            "staff": staff,
            "selected": selected,
            "page": page,
            "capped": capped,
            "archive": archive,
        },
    )


def _archive_search(request, *, audit_detail: dict, search, describe) -> dict:
    """Archived months (audit/archive.py), newest first, AUDIT_ARCHIVE_MONTHS_PER_REQUEST at a time:
    the page says how many it has searched and offers the next batch. Each batch is audited.
    `search(batch)` finds the events in a batch of months; `describe(events)` words them."""
    months = list(ArchivedMonth.objects.order_by("-month"))
    start = request.GET.get("from", "0")
    start = min(int(start), len(months)) if start.isdigit() else 0
    batch = months[start : start + settings.AUDIT_ARCHIVE_MONTHS_PER_REQUEST]
    access_event_record(
        user=request.user,
        action=Action.SEARCH,
        detail={
            "page": "access_log_archive",
            **audit_detail,
            "months": [f"{m.month:%Y-%m}" for m in batch],
        },
    )
    try:
        events = search(batch)
        problem = None
    except (OSError, ValueError) as exc:
        events, problem = [], f"An archive could not be read ({exc}). Try again later."
    events = describe(events)
    searched = start + len(batch)
    return {
        "events": events,
        "months": batch,
        "searched": searched,
        "total": len(months),
        "next": searched if searched < len(months) else None,
        "problem": problem,
    }


def _subject_access_person(request, pk):
    """The person, if the acting user is a manager of an agency that owns (or created) their record.

    Another agency's person -> 404; visible but not a manager of an owning agency -> 403."""
    person = policy.get_person(request.user, pk)
    if not policy.can(request.user, "audit.view_user"):
        raise PermissionDenied("Only managers can export a person's records.")
    if not policy.may_export_subject_access(request.user, person):
        raise PermissionDenied(
            "Only a manager of an agency that owns a case for this person can export their records."
        )
    return person


@login_required
@require_http_methods(["GET", "POST"])
def subject_access(request, pk):
    """A manager downloads everything held on one person (subject access request), as JSON or PDF."""
    person = _subject_access_person(request, pk)
    fmt = request.POST.get("format") if request.method == "POST" else None
    if fmt not in ("json", "pdf"):
        status = 400 if request.method == "POST" else 200
        return render(request, "audit/subject_access.html", {"person": person}, status=status)
    with replica_reads():  # an export: the reporting replica when there is one (core/replica.py)
        data = subject_access_export.collect(person)
    with transaction.atomic():
        access_event_record(
            user=request.user,
            action=Action.EXPORT,
            person=person,
            detail={"page": "subject_access", "format": fmt, "records": data["record_count"]},
        )
    filename = f"subject-access-{person.pk}-{policy.today():%Y%m%d}.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            subject_access_export.as_json(data), content_type="application/json"
        )
    else:
        response = HttpResponse(subject_access_export.as_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
