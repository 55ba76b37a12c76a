"""Reads for custody and benefits. Every query starts from for_user (the access policy)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format

from casework.models import SentenceEpisode, SentenceType
from consent import policy
from core.errors import NotFound
from custody import scan_items
from custody.models import (
    BenefitSurgery,
    ClaimClosure,
    ClosureChase,
    FreshstartAppointment,
    Marker,
    MarkerEndReason,
    PostReleaseClaim,
    PreReleaseAdvice,
    ScanImport,
)
from custody.services import require_closure_reader

NEW_RECEPTION_DAYS = 91
RELEASE_WINDOW_DAYS = 42
WORKLIST_LIMIT = 200


@dataclass
class Worklist:
    receptions: list
    receptions_total: int
    in_progress: list
    in_progress_total: int
    releases: list
    releases_total: int
    runs_surgery: bool
    chase_after_days: int = 0
    to_chase_total: int = 0
    scan_items_open: int | None = None  # None: the user does not work scan rows


def _surgery_sites(agency_id):
    return BenefitSurgery.objects.filter(jobcentre_id=agency_id).values("establishment_id")


def _worklist_querysets(user) -> dict:
    """The worklist's lists, scoped and ordered: receptions without a closure, closures not yet
    confirmed (and of those, the ones to chase), releases without advice or a Freshstart booking."""
    acting = user.acting
    today = policy.today()
    sites = _surgery_sites(acting.agency_id)
    closure = ClaimClosure.objects.filter(
        person=OuterRef("person"), reception_date=OuterRef("reception_date")
    )
    receptions = (
        SentenceEpisode.objects.for_user(user)
        .filter(
            establishment_id__in=sites,
            reception_date__gte=today - datetime.timedelta(days=NEW_RECEPTION_DAYS),
            reception_date__lte=today,
            actual_release_date__isnull=True,
            sentence_type__in=[SentenceType.CUSTODIAL, SentenceType.REMAND],
        )
        .exclude(Exists(closure))
        .select_related("person", "establishment")
        .order_by("reception_date", "id")
    )
    in_progress = (
        ClaimClosure.objects.for_user(user)
        .filter(agency_id=acting.agency_id, closed_on__isnull=True)
        .annotate(last_chased_on=Max("chases__chased_on"))
        .select_related("person", "establishment", "bdc")
        .order_by("reception_date", "id")
    )
    chase_after = settings.BDC_CHASE_AFTER_DAYS
    to_chase = in_progress.filter(sent_to_bdc_on__lt=today - datetime.timedelta(days=chase_after))
    advice = PreReleaseAdvice.objects.filter(
        person=OuterRef("person"), given_on__gte=OuterRef("reception_date")
    )
    booked = FreshstartAppointment.objects.filter(
        person=OuterRef("person"), created_at__date__gte=OuterRef("reception_date")
    )
    releases = (
        SentenceEpisode.objects.for_user(user)
        .filter(
            establishment_id__in=sites,
            actual_release_date__isnull=True,
            expected_release_date__gte=today,
            expected_release_date__lte=today + datetime.timedelta(days=RELEASE_WINDOW_DAYS),
        )
        .annotate(has_advice=Exists(advice), has_freshstart=Exists(booked))
        .filter(Q(has_advice=False) | Q(has_freshstart=False))
        .select_related("person", "establishment")
        .order_by("expected_release_date", "id")
    )
    return {
        "receptions": receptions,
        "in_progress": in_progress,
        "to_chase": to_chase,
        "releases": releases,
    }


def ebsa_worklist_counts(*, user, cap: int) -> dict:
    """The worklist's counts alone (My work's summary): each counted up to `cap` (core.pagination),
    no rows loaded; the scan rows that matched nobody where the user works them (else None)."""
    from core.pagination import capped_count

    counts = {name: capped_count(qs, cap) for name, qs in _worklist_querysets(user).items()}
    counts["scan_items_open"] = (
        scan_items.open_item_count(user=user) if policy.can(user, "scan_item.work") else None
    )
    counts["chase_after_days"] = settings.BDC_CHASE_AFTER_DAYS
    return counts


def ebsa_worklist(*, user) -> Worklist:
    """The EBSA's work at their surgeries' establishments. Fixed number of queries whatever the size."""
    acting = user.acting
    today = policy.today()
    runs_surgery = BenefitSurgery.objects.filter(jobcentre_id=acting.agency_id).exists()
    lists = _worklist_querysets(user)
    receptions, in_progress, to_chase, releases = (
        lists["receptions"],
        lists["in_progress"],
        lists["to_chase"],
        lists["releases"],
    )
    chase_after = settings.BDC_CHASE_AFTER_DAYS
    reception_rows = list(receptions[:WORKLIST_LIMIT])
    for episode in reception_rows:
        episode.days_since_reception = (today - episode.reception_date).days
        episode.is_remand = episode.sentence_type == SentenceType.REMAND
    progress_rows = list(in_progress[:WORKLIST_LIMIT])
    for item in progress_rows:
        item.days_since_reception = (today - item.reception_date).days
        item.days_waiting = (today - item.sent_to_bdc_on).days if item.sent_to_bdc_on else None
        item.to_chase = item.days_waiting is not None and item.days_waiting > chase_after
    release_rows = list(releases[:WORKLIST_LIMIT])
    for episode in release_rows:
        episode.days_to_release = (episode.expected_release_date - today).days
    return Worklist(
        receptions=reception_rows,
        receptions_total=receptions.count()
        if len(reception_rows) == WORKLIST_LIMIT
        else len(reception_rows),
        in_progress=progress_rows,
        in_progress_total=in_progress.count()
        if len(progress_rows) == WORKLIST_LIMIT
        else len(progress_rows),
        releases=release_rows,
        releases_total=releases.count()
        if len(release_rows) == WORKLIST_LIMIT
        else len(release_rows),
        runs_surgery=runs_surgery,
        scan_items_open=scan_items.open_item_count(user=user)
        if policy.can(user, "scan_item.work")
        else None,
        chase_after_days=chase_after,
        to_chase_total=to_chase.count()
        if len(progress_rows) == WORKLIST_LIMIT
        else sum(1 for item in progress_rows if item.to_chase),
    )


def freshstart_for_jobcentre(*, user, days_back: int = 90) -> dict:
    """The acting Jobcentre's Freshstart appointments: attendance to record, upcoming, recently recorded."""
    now = timezone.now()
    rows = list(
        FreshstartAppointment.objects.for_user(user)
        .filter(
            jobcentre_id=user.acting.agency_id,
            appointment_at__gte=now - datetime.timedelta(days=days_back),
        )
        .select_related("person", "office")
        .order_by("appointment_at", "id")[:500]
    )
    return {
        "to_record": [a for a in rows if a.appointment_at <= now and a.attended is None],
        "upcoming": [a for a in rows if a.appointment_at > now],
        "recorded": [a for a in rows if a.attended is not None][::-1][:50],
    }


def freshstart_status(*, person) -> str | None:
    """One line for the pre-release checklist, e.g. "Booked for 3 March 2027 at Southend Jobcentre", "Attended"."""
    appointment = (
        FreshstartAppointment.objects.filter(person=person)
        .select_related("office")
        .order_by("-appointment_at", "-id")
        .first()
    )
    if appointment is None:
        return None
    if appointment.attended is True:
        return "Attended"
    when = date_format(timezone.localtime(appointment.appointment_at), "j F Y")
    if appointment.attended is False:
        return f"Did not attend on {when} at {appointment.office.name}"
    if appointment.appointment_at <= timezone.now():
        return f"Booked for {when} at {appointment.office.name}: attendance not recorded yet"
    return f"Booked for {when} at {appointment.office.name}"


def get_claim_closure(*, user, pk) -> ClaimClosure:
    require_closure_reader(user)
    try:
        return (
            ClaimClosure.objects.for_user(user)
            .select_related("person", "establishment", "agency", "created_by", "bdc")
            .get(pk=int(pk))
        )
    except (ClaimClosure.DoesNotExist, ValueError, TypeError):
        raise NotFound("Claim closure not found") from None


def closure_chases(*, closure) -> list:
    """The chases of a closure the caller has already been allowed to read (one query)."""
    return list(closure.chases.select_related("recorded_by").order_by("chased_on", "id"))


def get_closure_chase(*, user, pk) -> ClosureChase:
    require_closure_reader(user)
    try:
        return (
            ClosureChase.objects.for_user(user)
            .select_related("closure__person", "closure__agency")
            .get(pk=int(pk))
        )
    except (ClosureChase.DoesNotExist, ValueError, TypeError):
        raise NotFound("Chase not found") from None


def get_freshstart(*, user, pk) -> FreshstartAppointment:
    try:
        return (
            FreshstartAppointment.objects.for_user(user)
            .select_related("person", "office", "jobcentre")
            .get(pk=int(pk))
        )
    except (FreshstartAppointment.DoesNotExist, ValueError, TypeError):
        raise NotFound("Appointment not found") from None


def get_post_release_claim(*, user, pk) -> PostReleaseClaim:
    try:
        return PostReleaseClaim.objects.for_user(user).select_related("person").get(pk=int(pk))
    except (PostReleaseClaim.DoesNotExist, ValueError, TypeError):
        raise NotFound("Claim not found") from None


def scans_for_agency(*, user):
    return (
        ScanImport.objects.filter(agency_id=user.acting.agency_id)
        .defer("preview", "errors")
        .select_related("uploaded_by")
    )


def get_scan(*, user, pk) -> ScanImport:
    acting = policy.acting_of(user)
    if not policy.can(user, "custody.worklist"):
        raise NotFound("Scan not found")
    try:
        return (
            ScanImport.objects.filter(agency_id=acting.agency_id)
            .select_related("uploaded_by")
            .get(pk=int(pk))
        )
    except (ScanImport.DoesNotExist, ValueError, TypeError):
        raise NotFound("Scan not found") from None


MARKER_ENDED_SHOWN_DAYS = 90


def _markers_with_state(user, person) -> list:
    """Live markers, and those ended in the last 90 days with why (one query). A marker whose
    consent was withdrawn or lapsed is ended, computed here, before any job stamps it."""
    today = policy.today()
    since = today - datetime.timedelta(days=MARKER_ENDED_SHOWN_DAYS)
    markers = list(
        Marker.objects.for_user(user)
        .filter(person=person)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=since))
        .select_related("jobcentre", "consent")
        .order_by("-set_on", "-id")
    )
    for marker in markers:
        consent = marker.consent
        if marker.ended_on:
            marker.is_live, marker.state = False, marker.get_end_reason_display() or "Ended"
        elif consent.withdrawn_on:
            marker.is_live, marker.state = False, MarkerEndReason.CONSENT_WITHDRAWN.label
        elif consent.expires_on and consent.expires_on < today:
            marker.is_live, marker.state = False, MarkerEndReason.CONSENT_EXPIRED.label
        elif marker.expires_on <= today:
            marker.is_live, marker.state = False, MarkerEndReason.EXPIRED.label
        else:
            marker.is_live, marker.state = True, f"Live until {marker.expires_on:%-d %B %Y}"
    return markers


def person_custody_summary(*, user, person) -> dict:
    """What the person page shows about custody and benefits: five queries, filtered to what `user` may see."""
    closures = []
    if policy.can(user, "claim_closure.read"):
        closures = list(
            ClaimClosure.objects.for_user(user)
            .filter(person=person)
            .select_related("establishment", "agency")
        )
    return {
        "closures": closures,
        "markers": _markers_with_state(user, person),
        "advice": list(
            PreReleaseAdvice.objects.for_user(user, person=person).select_related(
                "agency", "declared_to"
            )[:3]
        ),
        "claims": list(PostReleaseClaim.objects.for_user(user, person=person)[:3]),
    }


def get_marker(*, user, pk) -> Marker:
    try:
        return Marker.objects.for_user(user).select_related("person", "jobcentre").get(pk=int(pk))
    except (Marker.DoesNotExist, ValueError, TypeError):
        raise NotFound("Marker not found") from None


def freshstart_for_person(*, user, person) -> list:
    """The person's latest Freshstart appointments the acting agency may see (one query)."""
    return list(
        FreshstartAppointment.objects.for_user(user, person=person)
        .select_related("office", "jobcentre")
        .order_by("-appointment_at", "-id")[:5]
    )


MARKER_EXPIRY_WARNING_DAYS = 28


def markers_expiring(*, user, days: int = MARKER_EXPIRY_WARNING_DAYS):
    """The acting Jobcentre's live markers ending in the next `days` days, the soonest first."""
    today = policy.today()
    return (
        Marker.objects.for_user(user)
        .live(today)
        .filter(
            jobcentre_id=user.acting.agency_id,
            expires_on__lte=today + datetime.timedelta(days=days),
        )
        .select_related("person")
        .order_by("expires_on", "id")
    )


def freshstart_this_week(*, user, days_back: int = 90):
    """The acting Jobcentre's Freshstart appointments without attendance, up to the end of the
    seventh day from today: the ones already due (attendance to record) first, then this week's."""
    start_of_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        FreshstartAppointment.objects.for_user(user)
        .filter(
            jobcentre_id=user.acting.agency_id,
            attended__isnull=True,
            appointment_at__gte=start_of_today - datetime.timedelta(days=days_back),
            appointment_at__lt=start_of_today + datetime.timedelta(days=7),
        )
        .select_related("person", "office")
        .order_by("appointment_at", "id")
    )
