"""Reads for referrals and the provision catalogue. Every referral query starts from for_user."""

from django.db.models import Case, F, IntegerField, Value, When

from consent import policy
from core.errors import NotFound
from core.pagination import Merged, capped_count, capped_text
from referrals.models import OPEN_STATUSES, Provision, Referral, Status

DIRECTIONS = {"in", "out"}
STATUS_FILTERS = set(Status.values) | {"open", "overdue"}


def get_referral(*, user, pk) -> Referral:
    """The referral if the acting agency may see it, else NotFound (same as missing)."""
    try:
        return (
            Referral.objects.for_user(user)
            .select_related(
                "person",
                "case",
                "case__owning_agency",
                "from_agency",
                "to_agency",
                "provision",
                "from_user",
                "answered_by",
                "consent",
            )
            .get(pk=int(pk))
        )
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
    waiting = Case(
        When(status=Status.SENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        qs.select_related("person", "from_agency", "to_agency", "provision", "from_user")
        .annotate(
            waiting=waiting, waiting_deadline=Case(When(status=Status.SENT, then=F("respond_by")))
        )
        .order_by("waiting", F("waiting_deadline").asc(nulls_last=True), "-created_at", "-id")
    )


# Each inbox count and each part of the list is counted up to this many (shown as "200+"): a
# provider receiving 30,000 referrals a year is not counted row by row on every page.
INBOX_COUNT_CAP = 200


def _capped(queryset) -> int:
    return capped_count(queryset, INBOX_COUNT_CAP)


def shown(count: int):
    """How an inbox count reads: the number, or "200+" past the cap."""
    return capped_text(count, INBOX_COUNT_CAP)


def _status_filtered(qs, status: str):
    if status == "open":
        return qs.filter(status__in=OPEN_STATUSES)
    if status == "overdue":
        return qs.filter(status=Status.SENT, respond_by__lt=policy.today())
    if status in Status.values:
        return qs.filter(status=status)
    return qs


def inbox_segments(*, user, direction: str = "", status: str = "") -> list:
    """The inbox as shown, for core.pagination.Segments: referrals waiting for the agency's answer
    (by respond-by date), then its own referrals waiting for the other agency's, then every other
    referral, incoming and outgoing together, newest first. Each part walks an index of one agency
    (referral_inbox, referral_outbox, referral_received, referral_made), so a page reads about 25
    rows whatever the agency's history (docs/performance.md)."""
    branches = []
    if direction != "out":
        branches.append(Referral.objects.received_by(user))
    if direction != "in":
        branches.append(Referral.objects.sent_by(user))
    branches = [
        _status_filtered(qs, status).select_related(
            "person", "from_agency", "to_agency", "provision", "from_user"
        )
        for qs in branches
    ]
    waiting = [qs.filter(status=Status.SENT).order_by("respond_by", "id") for qs in branches]
    others = Merged(
        [qs.exclude(status=Status.SENT).order_by("-created_at", "-id") for qs in branches]
    )
    return [*waiting, others]


def inbox_counts(*, user) -> dict:
    """Counts for the inbox summary and the navigation, each capped at INBOX_COUNT_CAP."""
    received, sent = Referral.objects.received_by(user), Referral.objects.sent_by(user)
    counts = {
        "to_answer": _capped(received.filter(status=Status.SENT)),
        "overdue": _capped(received.filter(status=Status.SENT, respond_by__lt=policy.today())),
        "incoming_open": _capped(received.filter(status__in=OPEN_STATUSES)),
        "outgoing_open": _capped(sent.filter(status__in=OPEN_STATUSES)),
        "drafts": _capped(sent.filter(status=Status.DRAFT)),
    }
    user._referrals_to_answer = counts["to_answer"]  # the navigation shows it too: counted once
    return counts


def referrals_for_case(*, user, case):
    return (
        Referral.objects.for_user(user)
        .filter(case=case)
        .select_related("from_agency", "to_agency", "provision", "from_user")
        .order_by("-created_at", "-id")
    )


def provision_list(*, active_only: bool = True):
    qs = Provision.objects.select_related("agency")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("name", "id")


def nav_count(user) -> int | str:
    """Incoming referrals waiting for an answer, for the navigation (one query, or none on the inbox)."""
    cached = getattr(user, "_referrals_to_answer", None)
    if cached is None:
        cached = _capped(Referral.objects.received_by(user).filter(status=Status.SENT))
    return shown(cached)


def ended_by_consent_withdrawal(*, user, limit: int = 20) -> list[dict]:
    """Referrals to the acting agency that ended because the person withdrew their consent, without
    anything about the person (the agency no longer may know who): when, from whom, for what."""
    return list(
        Referral.objects.ended_by_withdrawal(user)
        .order_by("-updated_at", "-id")
        .values("pk", "sent_at", "updated_at", "from_agency__name", "provision__name")[:limit]
    )


def to_answer(*, user):
    """Referrals sent to the acting agency waiting for its answer, the nearest respond-by first
    (the inbox's first part, on the referral_inbox index)."""
    return (
        Referral.objects.received_by(user)
        .filter(status=Status.SENT)
        .select_related("person", "from_agency", "provision")
        .order_by("respond_by", "id")
    )
