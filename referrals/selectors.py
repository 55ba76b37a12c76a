"""Reads for referrals and the provision catalogue. Every referral query starts from for_user."""

from django.db.models import Case, Count, F, IntegerField, Q, Value, When

from consent import policy
from core.errors import NotFound
from referrals.models import OPEN_STATUSES, Provision, Referral, Status

DIRECTIONS = {"in", "out"}
STATUS_FILTERS = set(Status.values) | {"open", "overdue"}


def get_referral(*, user, pk) -> Referral:
    """The referral if the acting agency may see it, else NotFound (same as missing)."""
    try:
        return (Referral.objects.for_user(user)
                .select_related("person", "case", "case__owning_agency", "from_agency", "to_agency", "provision",
                                "from_user", "answered_by", "consent")
                .get(pk=int(pk)))
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise NotFound("Referral not found") from None


def referral_list_for_user(*, user, direction: str = "", status: str = ""):
    """The inbox: incoming (not drafts) and outgoing referrals, the ones to answer first."""
    if direction == "in":
        qs = Referral.objects.received_by(user)
    elif direction == "out":
        qs = Referral.objects.sent_by(user)
    else:
        qs = Referral.objects.for_user(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "overdue":
        qs = qs.filter(status=Status.SENT, respond_by__lt=policy.today())
    elif status in Status.values:
        qs = qs.filter(status=status)
    waiting = Case(When(status=Status.SENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (qs.select_related("person", "from_agency", "to_agency", "provision", "from_user")
            .annotate(waiting=waiting, waiting_deadline=Case(When(status=Status.SENT, then=F("respond_by"))))
            .order_by("waiting", F("waiting_deadline").asc(nulls_last=True), "-created_at", "-id"))


def inbox_counts(*, user) -> dict:
    """Counts for the inbox tabs and the navigation: one query per direction, each on its own index."""
    today = policy.today()
    counts = Referral.objects.received_by(user).aggregate(
        to_answer=Count("id", filter=Q(status=Status.SENT)),
        overdue=Count("id", filter=Q(status=Status.SENT, respond_by__lt=today)),
        incoming_open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        incoming=Count("id"),
    )
    counts.update(Referral.objects.sent_by(user).aggregate(
        outgoing_open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        drafts=Count("id", filter=Q(status=Status.DRAFT)),
        outgoing=Count("id"),
    ))
    return counts


# (direction, status filter) -> the inbox_counts entries that add up to the list's length
_TOTALS = {
    ("", ""): ("incoming", "outgoing"), ("in", ""): ("incoming",), ("out", ""): ("outgoing",),
    ("", "open"): ("incoming_open", "outgoing_open"), ("in", "open"): ("incoming_open",),
    ("out", "open"): ("outgoing_open",), ("in", Status.SENT): ("to_answer",), ("in", "overdue"): ("overdue",),
    ("out", Status.DRAFT): ("drafts",), ("", Status.DRAFT): ("drafts",),
}


def inbox_total(counts: dict, *, direction: str, status: str) -> int | None:
    """The length of the inbox list from its tab counts, or None when they do not give it."""
    keys = _TOTALS.get((direction, status))
    return None if keys is None else sum(counts[key] for key in keys)


def referrals_for_case(*, user, case):
    return (Referral.objects.for_user(user).filter(case=case)
            .select_related("from_agency", "to_agency", "provision", "from_user").order_by("-created_at", "-id"))


def provision_list(*, active_only: bool = True):
    qs = Provision.objects.select_related("agency")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("name", "id")


def nav_count(user) -> int:
    """Incoming referrals waiting for an answer, for the navigation (one query)."""
    return Referral.objects.received_by(user).filter(status=Status.SENT).count()
