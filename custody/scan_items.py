"""Scan work items: matching-scan rows that matched nobody in Resettle.

A row the scan could not place (nobody with its identifiers, or nobody received at the Jobcentre's
establishments near its date) is not a dead end: it waits on the worklist until an EBSA finds the
person among those they may see, adds them as a new person, or dismisses it with a reason. Finding
or adding ends in the usual claim-closure form, filled in from the row; the closure and the
resolution are saved together. Who may work the items is consent.policy.scope_scan_items.
"""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import Action
from audit.services import access_event_record
from casework.models import AccommodationStatus, BenefitStatus, EmploymentStatus, Person
from casework.validators import normalise
from consent import policy
from consent.sections import Section
from core.errors import ApplicationError, Conflict, NotFound
from custody import services
from custody.models import (
    BenefitDeliveryCentre,
    FoundBy,
    ScanItemDismissReason,
    ScanItemState,
    ScanKind,
    ScanRow,
)

CANDIDATE_LIMIT = 20


def scan_items(*, user, state: str = ScanItemState.OPEN):
    """The acting Jobcentre's work items in `state` (or every state for ""), oldest reception first."""
    rows = policy.scope_scan_items(ScanRow.objects.all(), user)
    if state:
        rows = rows.filter(item_state=state)
    return rows.select_related("scan", "person", "closure", "resolved_by").order_by(
        "reception_date", "id"
    )


def open_item_count(*, user) -> int:
    return scan_items(user=user).count()


def get_scan_item(*, user, pk) -> ScanRow:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Work item not found") from None
    row = scan_items(user=user, state="").filter(pk=pk).first()
    if row is None:
        raise NotFound("Work item not found")
    return row


def candidates(*, user, row: ScanRow, query: str = "") -> list:
    """People the EBSA may record a claim closure for who could be the row's person: by the row's
    identifiers and surname, or by what the EBSA typed (a surname, NI number or prison number)."""
    people = Person.objects.for_user(user, Section.BENEFITS)
    query = (query or "").strip()
    if query:
        ni = normalise(query)
        wanted = (
            Q(last_name__iexact=query)
            | Q(aliases__icontains=query)
            | Q(national_insurance_number=ni)
            | Q(prison_number__iexact=query)
        )
    else:
        wanted = Q(last_name__iexact=row.last_name)
        if row.national_insurance_number:
            wanted |= Q(national_insurance_number=row.national_insurance_number)
        if row.prison_number:
            wanted |= Q(prison_number__iexact=row.prison_number)
    return list(people.filter(wanted).order_by("last_name", "first_name", "id")[:CANDIDATE_LIMIT])


def closure_initial(row: ScanRow) -> dict:
    """The claim-closure form's answers taken from the row (the EBSA checks and completes them)."""
    initial = {
        "reception_date": row.reception_date,
        "benefits": [row.benefit] if row.benefit else [],
        "found_by": FoundBy.MATCHING_SCAN
        if row.scan.kind == ScanKind.MATCHING_SCAN
        else FoundBy.EBSA_CASEWORK,
        "received_on": policy.today(),
    }
    if row.national_insurance_number:
        initial["national_insurance_number"] = row.national_insurance_number
    if row.benefit_delivery_centre:
        bdc = BenefitDeliveryCentre.objects.filter(
            name__iexact=row.benefit_delivery_centre, is_active=True
        ).first()
        if bdc is not None:
            initial["bdc"] = bdc.pk
    return initial


def person_initial(row: ScanRow) -> dict:
    """The add-a-person form's answers taken from the row."""
    initial = {
        "last_name": row.last_name.strip().title(),
        # the scan says nothing of these: "not known" until someone asks
        "accommodation_status": AccommodationStatus.UNKNOWN,
        "employment_status": EmploymentStatus.UNKNOWN,
        "benefit_status": BenefitStatus.CLAIMING,
    }
    if row.first_name:
        initial["first_name"] = row.first_name.strip()
    for name in ("national_insurance_number", "prison_number", "date_of_birth", "sex"):
        value = getattr(row, name)
        if value:
            initial[name] = value
    return initial


def _lock_open(user, row: ScanRow) -> ScanRow:
    locked = (
        policy.scope_scan_items(ScanRow.objects.select_for_update(), user).filter(pk=row.pk).first()
    )
    if locked is None:
        raise NotFound("Work item not found")
    if locked.item_state != ScanItemState.OPEN:
        raise Conflict(
            f"This work item has already been dealt with ({locked.get_item_state_display().lower()})"
        )
    return locked


@transaction.atomic
def scan_item_record_closure(*, user, row: ScanRow, person, **fields):
    """Record the claim closure for the row's person and close the item, in one transaction: if the
    closure is refused, the item stays open."""
    policy.require(user, "scan_item.work")
    locked = _lock_open(user, row)
    closure = services.claim_closure_create(user=user, person=person, **fields)
    ScanRow.objects.filter(pk=locked.pk).update(
        item_state=ScanItemState.RESOLVED,
        person=person,
        closure=closure,
        resolved_by=user,
        resolved_at=timezone.now(),
        version=F("version") + 1,
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=person,
        obj=locked,
        detail={"scan_item": locked.pk, "scan": locked.scan_id, "resolved": "claim_closure"},
    )
    return closure


@transaction.atomic
def scan_item_dismiss(*, user, row: ScanRow, version: int, reason: str, note: str = "") -> ScanRow:
    """Close an item without a closure, with the reason (and a note for "the row is wrong")."""
    policy.require(user, "scan_item.work")
    if reason not in ScanItemDismissReason.values:
        raise ApplicationError("Select why this work item needs no claim closure", field="reason")
    note = (note or "").strip()
    if reason == ScanItemDismissReason.ROW_WRONG and not note:
        raise ApplicationError("Say what is wrong with the row", field="note")
    if len(note) > 500:
        raise ApplicationError("The note must be 500 characters or fewer", field="note")
    locked = _lock_open(user, row)
    if locked.version != version:
        raise Conflict(
            "Someone else has changed this work item since you opened it: check it and try again"
        )
    ScanRow.objects.filter(pk=locked.pk).update(
        item_state=ScanItemState.DISMISSED,
        dismiss_reason=reason,
        dismiss_note=note,
        resolved_by=user,
        resolved_at=timezone.now(),
        version=F("version") + 1,
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        obj=locked,
        detail={"scan_item": locked.pk, "scan": locked.scan_id, "dismissed": reason},
    )
    return ScanRow.objects.get(pk=locked.pk)
