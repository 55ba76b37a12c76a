"""Timeline entries for a case's referrals: one per transition, in two queries."""

from django.urls import reverse

from core.timeline import Entry
from referrals.models import ReferralEvent, Status
from referrals.selectors import referrals_for_case

WORDS = {
    Status.DRAFT: "drafted",
    Status.SENT: "sent",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.STARTED: "started",
    Status.COMPLETED: "completed",
    Status.WITHDRAWN: "withdrawn",
}


def timeline_entries(*, user, case) -> list[Entry]:
    referrals = {r.pk: r for r in referrals_for_case(user=user, case=case)}
    if not referrals:
        return []
    events = (
        ReferralEvent.objects.filter(referral_id__in=list(referrals))
        .exclude(to_status=Status.DRAFT)
        .select_related("agency")
        .order_by("at", "id")
    )
    entries = []
    for event in events:
        referral = referrals[event.referral_id]
        if event.from_status == event.to_status:
            title = f"Referral to {referral.title} overdue"
        else:
            title = f"Referral to {referral.title} {WORDS.get(event.to_status, event.to_status)}"
        detail = referral.get_need_display() if event.to_status == Status.SENT else event.reason
        entries.append(
            Entry(
                at=event.at,
                kind="referral",
                title=title,
                detail=detail,
                agency=event.agency.name if event.agency else "",
                url=reverse("referrals:detail", args=[referral.pk]),
                extra={"status": event.to_status, "referral_id": referral.pk},
            )
        )
    return entries
