"""Custody and benefits entries on the case timeline (five queries, only what the user may see)."""

from django.urls import reverse

from consent import policy
from core.errors import NotFound
from core.timeline import Entry
from custody.models import (
    ClaimClosure,
    ClosureChase,
    FreshstartAppointment,
    Marker,
    PreReleaseAdvice,
)
from custody.services import require_closure_reader


def _closures(user, person):
    try:
        require_closure_reader(user)
    except NotFound:  # not a reader of claim closures: nothing to show
        return []
    return list(
        ClaimClosure.objects.for_user(user)
        .filter(person=person)
        .select_related("establishment", "agency")
    )


def timeline_entries(*, user, case) -> list[Entry]:
    person = case.person
    entries = []
    closures = _closures(user, person)
    for c in closures:
        detail = ", ".join(c.benefit_labels()) or "No benefits in payment"
        entries.append(
            Entry(
                at=c.reception_date,
                kind="custody",
                title=f"Claim closure at reception ({c.status.lower()})",
                detail=detail,
                agency=c.agency.name,
                url=reverse("custody:closure_detail", args=[c.pk]),
            )
        )
    if policy.may_see_overpayment(user):
        for c in closures:
            if c.suspected_overpayment and c.fraud_referred_on:
                amount = f"£{c.overpayment_amount} overpaid, " if c.overpayment_amount else ""
                entries.append(
                    Entry(
                        at=c.fraud_referred_on,
                        kind="custody",
                        title="Suspected overpayment referred to the fraud team",
                        detail=f"{amount}reference {c.fraud_reference}",
                        agency=c.agency.name,
                        url=reverse("custody:closure_detail", args=[c.pk]),
                    )
                )
    if closures:
        by_id = {c.pk: c for c in closures}
        for chase in ClosureChase.objects.filter(closure_id__in=list(by_id)):
            closure = by_id[chase.closure_id]
            entries.append(
                Entry(
                    at=chase.chased_on,
                    kind="custody",
                    title="Benefit Delivery Centre chased",
                    detail=f"{chase.get_method_display()}: {chase.get_outcome_display()}",
                    agency=closure.agency.name,
                    url=reverse("custody:closure_detail", args=[closure.pk]),
                )
            )
    for a in FreshstartAppointment.objects.for_user(user, person=person).select_related("office"):
        state = (
            "not recorded"
            if a.attended is None
            else ("attended" if a.attended else "did not attend")
        )
        entries.append(
            Entry(
                at=a.appointment_at,
                kind="custody",
                title="Freshstart appointment",
                detail=f"{a.office.name}: {state}",
                agency=a.office.name,
            )
        )
    for a in PreReleaseAdvice.objects.for_user(user, person=person).select_related("agency"):
        entries.append(
            Entry(
                at=a.given_on,
                kind="custody",
                title="Pre-release benefit advice",
                detail=", ".join(a.topic_labels()),
                agency=a.agency.name,
            )
        )
    for m in Marker.objects.for_user(user).filter(person=person).select_related("jobcentre"):
        entries.append(
            Entry(
                at=m.set_on,
                kind="custody",
                title=f"{m.get_kind_display()} set",
                detail=f"Until {m.expires_on:%-d %B %Y}",
                agency=m.jobcentre.name,
            )
        )
    return entries
