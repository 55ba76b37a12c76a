"""Writes for custody and benefits. Each validates, saves, refreshes access and audits in one transaction."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import AgencyKind, SiteKind
from audit.models import Action
from audit.services import access_event_record
from casework.models import SentenceEpisode, SentenceType
from casework.validators import normalise
from consent import policy
from consent.sections import Section
from consent.services import statutory_gateway_open
from core.errors import ApplicationError, Conflict, ConsentRequired, Forbidden, NotFound
from custody.models import (
    HOUSING_BENEFIT_WEEKS,
    RAPID_RECLAIM_DAYS,
    AdvanceOutcome,
    AdviceTopic,
    Benefit,
    BenefitSurgery,
    ChaseOutcome,
    ClaimClosure,
    ClaimState,
    ClosureChase,
    ContactMethod,
    FoundBy,
    FreshstartAppointment,
    Marker,
    MarkerEndReason,
    MarkerKind,
    PostReleaseClaim,
    PreReleaseAdvice,
    UndecidedReason,
)

CLAIM_CLOSURE_GATEWAY = "claim_closure"
FRESHSTART_GATEWAY = "freshstart"
MARKER_MONTHS = 12

CLOSURE_FIELDS = {
    "establishment",
    "reception_date",
    "benefits",
    "found_by",
    "identity_checked",
    "national_insurance_number",
    "bdc",
    "benefit_delivery_centre",
    "bdc_contact_method",
    "received_on",
    "identified_on",
    "sent_to_bdc_on",
    "closed_on",
    "claim_ended_on",
    "suspected_overpayment",
    "overpayment_amount",
    "overpayment_from",
    "overpayment_to",
    "fraud_referred_on",
    "fraud_reference",
    "home_centre_outside_region",
    "housing_benefit_kept",
    "notes",
}
OVERPAYMENT_FIELDS = (
    "overpayment_amount",
    "overpayment_from",
    "overpayment_to",
    "fraud_referred_on",
    "fraud_reference",
)
CLOSURE_DATES = [
    ("reception_date", "Reception date"),
    ("received_on", "Date received"),
    ("identified_on", "Date benefits identified"),
    ("sent_to_bdc_on", "Date sent to the Benefit Delivery Centre"),
    ("closed_on", "Date closure confirmed"),
]


# --- Who may do what ------------------------------------------------------------------------


def require_jobcentre(user, action: str):
    """The acting membership, if consent.policy lets it do the Jobcentre `action`; else Forbidden."""
    if not policy.can(user, action):
        raise Forbidden("Only Jobcentre staff can do this.")
    return policy.acting_of(user)


def require_closure_reader(user):
    """Claim closures exist, for the user's purposes, only inside Jobcentre and prison agencies (else 404)."""
    if not policy.can(user, "claim_closure.read"):
        raise NotFound("Not found")
    return policy.acting_of(user)


def surgery_sites(agency_id: int):
    return BenefitSurgery.objects.filter(jobcentre_id=agency_id).values_list(
        "establishment_id", flat=True
    )


def _full_clean(instance, exclude=None):
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from exc


# --- Benefit surgeries ----------------------------------------------------------------------


@transaction.atomic
def benefit_surgery_open(*, jobcentre, establishment) -> BenefitSurgery:
    """Start a surgery; the people held at the establishment become visible to the Jobcentre (statutory gateway)."""
    if jobcentre.kind != AgencyKind.JOBCENTRE:
        raise ApplicationError("A benefit surgery is run by a Jobcentre", field="jobcentre")
    surgery, created = BenefitSurgery.objects.get_or_create(
        jobcentre=jobcentre, establishment=establishment
    )
    if created:
        from casework.models import Person

        for person in Person.objects.filter(sentences__establishment=establishment).distinct():
            policy.refresh_person_access(person)
    return surgery


# --- Claim closures -------------------------------------------------------------------------


def housing_benefit_may_continue(*, person, reception_date) -> bool:
    """Housing Benefit may continue on remand, or when the expected time in custody is under 13 weeks."""
    episode = SentenceEpisode.objects.filter(person=person, reception_date=reception_date).first()
    if episode is None:
        return False
    if episode.sentence_type == SentenceType.REMAND:
        return True
    return bool(
        episode.expected_release_date
        and (episode.expected_release_date - episode.reception_date).days
        < HOUSING_BENEFIT_WEEKS * 7
    )


def _validate_closure(closure: ClaimClosure, *, agency_id: int) -> None:
    today = policy.today()
    unknown = [b for b in closure.benefits if b not in Benefit.values]
    if unknown:
        raise ApplicationError(f"Unknown benefit: {', '.join(unknown)}", field="benefits")
    closure.benefits = [b for b in Benefit.values if b in closure.benefits]
    if closure.found_by not in FoundBy.values:
        raise ApplicationError("Select how the benefits were found", field="found_by")
    if closure.establishment_id not in set(surgery_sites(agency_id)):
        raise ApplicationError(
            "Select an establishment where your Jobcentre runs a benefit surgery",
            field="establishment",
        )
    if closure.reception_date is None:
        raise ApplicationError("Enter the reception date", field="reception_date")
    previous = None
    for name, label in CLOSURE_DATES:
        value = getattr(closure, name)
        if value is None:
            continue
        if value > today:
            raise ApplicationError(f"{label} must be today or in the past", field=name)
        if previous and value < previous[1]:
            raise ApplicationError(
                f"{label} must be on or after the {previous[0][0].lower()}{previous[0][1:]}",
                field=name,
            )
        previous = (label, value)
    if closure.claim_ended_on:
        if closure.claim_ended_on > today:
            raise ApplicationError(
                "Date the last claim ended must be today or in the past", field="claim_ended_on"
            )
        if closure.claim_ended_on < closure.reception_date:
            raise ApplicationError(
                "Date the last claim ended must be on or after the reception date",
                field="claim_ended_on",
            )
        if closure.closed_on and closure.claim_ended_on > closure.closed_on:
            raise ApplicationError(
                "Date the last claim ended must be on or before the date the closure was confirmed",
                field="claim_ended_on",
            )
        if not closure.benefits:
            raise ApplicationError(
                "Select the benefits in payment before recording when the claim ended",
                field="benefits",
            )
    _validate_overpayment(closure, today)
    if closure.closed_on and not closure.sent_to_bdc_on:
        raise ApplicationError(
            "Enter the date sent to the Benefit Delivery Centre before the closure date",
            field="sent_to_bdc_on",
        )
    if not closure.benefits and (closure.sent_to_bdc_on or closure.closed_on):
        raise ApplicationError(
            "Select the benefits in payment before recording that they were sent for closure",
            field="benefits",
        )
    if closure.sent_to_bdc_on and not closure.bdc_contact_method:
        raise ApplicationError(
            "Select how the Benefit Delivery Centre was contacted", field="bdc_contact_method"
        )
    if closure.housing_benefit_kept:
        if Benefit.HOUSING_BENEFIT not in closure.benefits:
            raise ApplicationError(
                "Housing Benefit can only be kept if it is in payment", field="housing_benefit_kept"
            )
        if not housing_benefit_may_continue(
            person=closure.person, reception_date=closure.reception_date
        ):
            raise ApplicationError(
                "Housing Benefit can only continue on remand or for a sentence under 13 weeks",
                field="housing_benefit_kept",
            )
    closure.national_insurance_number = normalise(closure.national_insurance_number)
    _full_clean(closure, exclude=["person", "agency", "establishment", "created_by"])


def _validate_overpayment(closure: ClaimClosure, today) -> None:
    """A suspected overpayment: an amount (not negative), a period, and the referral to the fraud
    team (date and reference together)."""
    closure.fraud_reference = (closure.fraud_reference or "").strip()
    recorded = [name for name in OVERPAYMENT_FIELDS if getattr(closure, name) not in (None, "")]
    if recorded and not closure.suspected_overpayment:
        raise ApplicationError(
            "Select suspected overpayment to record its amount, period or referral to the fraud team",
            field="suspected_overpayment",
        )
    amount = closure.overpayment_amount
    if amount is not None and amount < 0:
        raise ApplicationError("The amount overpaid cannot be negative", field="overpayment_amount")
    for name, label in (
        ("overpayment_from", "The start of the overpayment period"),
        ("overpayment_to", "The end of the overpayment period"),
        ("fraud_referred_on", "The date referred to the fraud team"),
    ):
        value = getattr(closure, name)
        if value is not None and value > today:
            raise ApplicationError(f"{label} must be today or in the past", field=name)
    if (
        closure.overpayment_from
        and closure.overpayment_to
        and closure.overpayment_to < closure.overpayment_from
    ):
        raise ApplicationError(
            "The end of the overpayment period must be on or after its start",
            field="overpayment_to",
        )
    if closure.fraud_referred_on and closure.fraud_referred_on < closure.reception_date:
        raise ApplicationError(
            "The date referred to the fraud team must be on or after the reception date",
            field="fraud_referred_on",
        )
    if closure.fraud_reference and not closure.fraud_referred_on:
        raise ApplicationError(
            "Enter the date referred to the fraud team", field="fraud_referred_on"
        )
    if closure.fraud_referred_on and not closure.fraud_reference:
        raise ApplicationError("Enter the fraud team's reference", field="fraud_reference")


def _require_active_bdc(bdc) -> None:
    if bdc is not None and not bdc.is_active:
        raise ApplicationError(
            f"{bdc.name} is no longer in the directory: select another Benefit Delivery Centre",
            field="bdc",
        )


def _open_closure_gateway(closure: ClaimClosure) -> None:
    ends_on = closure.reception_date + relativedelta(years=1)
    statutory_gateway_open(
        person=closure.person,
        agency=closure.agency,
        reason=CLAIM_CLOSURE_GATEWAY,
        started_on=closure.reception_date,
        ends_on=ends_on,
    )


@transaction.atomic
def claim_closure_create(*, user, person, **fields) -> ClaimClosure:
    acting = require_jobcentre(user, "claim_closure.record")
    policy.require_section(user, person, Section.BENEFITS)
    unknown = set(fields) - CLOSURE_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    fields.setdefault("found_by", FoundBy.EBSA_CASEWORK)
    fields["benefits"] = list(dict.fromkeys(fields.get("benefits") or []))
    closure = ClaimClosure(person=person, agency=acting.agency, created_by=user, **fields)
    _validate_closure(closure, agency_id=acting.agency_id)
    _require_active_bdc(closure.bdc)
    if ClaimClosure.objects.filter(person=person, reception_date=closure.reception_date).exists():
        raise ApplicationError(
            "A claim closure is already recorded for this reception: change that one instead",
            field="reception_date",
        )
    closure.save()
    _open_closure_gateway(closure)
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=closure,
        detail={"benefits": closure.benefits, "found_by": closure.found_by},
    )
    return closure


@transaction.atomic
def claim_closure_update(*, user, closure: ClaimClosure, version: int, **fields) -> ClaimClosure:
    """Change a closure unless someone else has since `version` (optimistic lock). Only the
    Jobcentre that recorded it changes it (nobody else can even read claim closures)."""
    acting = require_jobcentre(user, "claim_closure.record")
    unknown = set(fields) - CLOSURE_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    current = ClaimClosure.objects.select_related("person").get(pk=closure.pk)
    if current.agency_id != acting.agency_id:
        raise Forbidden("Only the Jobcentre that recorded this claim closure can change it.")
    if "benefits" in fields:
        fields["benefits"] = list(dict.fromkeys(fields["benefits"] or []))
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_closure(current, agency_id=acting.agency_id)
    values = {name: getattr(current, name) for name in fields}
    changed = sorted(k for k, v in values.items() if getattr(closure, k) != v)
    if (
        "reception_date" in changed
        and ClaimClosure.objects.filter(
            person=current.person, reception_date=current.reception_date
        )
        .exclude(pk=current.pk)
        .exists()
    ):
        raise ApplicationError(
            "A claim closure is already recorded for this reception", field="reception_date"
        )
    if "bdc" in changed:
        _require_active_bdc(current.bdc)
    if "establishment" in values:
        values["establishment_id"] = values.pop("establishment").pk
    updated = ClaimClosure.objects.filter(pk=closure.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not updated:
        raise Conflict(
            "Someone else changed this claim closure while you were editing it. Your changes have not been saved.",
            extra={"current_version": ClaimClosure.objects.get(pk=closure.pk).version},
        )
    closure = ClaimClosure.objects.select_related("person", "establishment", "agency").get(
        pk=closure.pk
    )
    if "reception_date" in changed:
        _open_closure_gateway(closure)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=closure.person,
        obj=closure,
        detail={"fields": changed},
    )
    return closure


# --- Chasing the Benefit Delivery Centre ----------------------------------------------------

CHASE_FIELDS = {"chased_on", "method", "outcome", "notes"}


def _require_chaser(user, closure) -> None:
    require_jobcentre(user, "closure_chase.record")
    if not policy.may_chase_closure(user, closure):
        raise Forbidden("Only the Jobcentre that recorded this claim closure can chase it.")


def _validate_chase(chase: ClosureChase, closure: ClaimClosure) -> None:
    if chase.chased_on is None:
        raise ApplicationError("Enter the date of the chase", field="chased_on")
    if chase.chased_on > policy.today():
        raise ApplicationError("Date of the chase must be today or in the past", field="chased_on")
    if closure.sent_to_bdc_on is None:
        raise ApplicationError(
            "Record the date the closure was sent to the Benefit Delivery Centre before chasing it",
            field="chased_on",
        )
    if chase.chased_on < closure.sent_to_bdc_on:
        raise ApplicationError(
            "Date of the chase must be on or after the date the closure was sent "
            f"({closure.sent_to_bdc_on:%-d %B %Y})",
            field="chased_on",
        )
    if chase.method not in ContactMethod.values:
        raise ApplicationError("Select how the Benefit Delivery Centre was chased", field="method")
    if chase.outcome not in ChaseOutcome.values:
        raise ApplicationError("Select the outcome of the chase", field="outcome")
    chase.notes = (chase.notes or "").strip()


@transaction.atomic
def closure_chase_record(*, user, closure: ClaimClosure, **fields) -> ClosureChase:
    """Log a chase of the Benefit Delivery Centre (when, how, outcome) on a closure sent to it."""
    unknown = set(fields) - CHASE_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    closure = ClaimClosure.objects.select_related("person").get(pk=closure.pk)
    _require_chaser(user, closure)
    chase = ClosureChase(closure=closure, recorded_by=user, **fields)
    _validate_chase(chase, closure)
    chase.save()
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=closure.person,
        obj=chase,
        detail={"closure": closure.pk, "outcome": chase.outcome},
    )
    return chase


@transaction.atomic
def closure_chase_update(*, user, chase: ClosureChase, version: int, **fields) -> ClosureChase:
    """Correct a chase unless someone else has since `version`."""
    unknown = set(fields) - CHASE_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    current = ClosureChase.objects.select_related("closure__person").get(pk=chase.pk)
    _require_chaser(user, current.closure)
    before = {name: getattr(current, name) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_chase(current, current.closure)
    values = {name: getattr(current, name) for name in fields}
    updated = ClosureChase.objects.filter(pk=chase.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise Conflict(
            "Someone else changed this chase while you were editing it. Your changes have not been saved.",
            extra={"current_version": ClosureChase.objects.get(pk=chase.pk).version},
        )
    chase = ClosureChase.objects.select_related("closure__person").get(pk=chase.pk)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=chase.closure.person,
        obj=chase,
        detail={"fields": sorted(k for k, v in values.items() if before[k] != v)},
    )
    return chase


# --- Markers --------------------------------------------------------------------------------


MARKER_CATEGORY = {MarkerKind.DRUG: "drugs", MarkerKind.ALCOHOL: "alcohol"}


def _marker_consent(person, agency, kind):
    """The live consent a marker of this kind relies on: the offender-marker purpose, and for a drug
    or alcohol marker that sensitive category too (a plain offender-marker consent is not enough)."""
    category = MARKER_CATEGORY.get(kind)
    consent = policy.live_consent(person, agency, purpose="offender_marker", category=category)
    if consent is not None and category and not consent.sensitive_categories:
        return None
    return consent


def _end_stale_markers(person, agency) -> None:
    """Markers whose consent lapsed are no longer live (computed in the query); stamp their end so
    a new one can be set."""
    today = policy.today()
    stale = (
        Marker.objects.filter(person=person, jobcentre=agency, ended_on__isnull=True)
        .exclude(pk__in=Marker.objects.live().values("pk"))
        .filter(expires_on__gt=today)
        .select_related("consent")
    )
    for marker in stale:
        withdrawn = marker.consent.withdrawn_on
        Marker.objects.filter(pk=marker.pk, ended_on__isnull=True).update(
            ended_on=withdrawn or marker.consent.expires_on or today,
            end_reason=MarkerEndReason.CONSENT_WITHDRAWN
            if withdrawn
            else MarkerEndReason.CONSENT_EXPIRED,
        )


@transaction.atomic
def marker_set(*, user, person, kind: str) -> Marker:
    """A Jobcentre sets a marker only with the person's consent for the offender-marker purpose
    (and, for a drug or alcohol marker, consent to share that sensitive category)."""
    acting = require_jobcentre(user, "marker.set")
    policy.require_section(user, person, Section.BENEFITS)
    if kind not in MarkerKind.values:
        raise ApplicationError("Select the kind of marker", field="kind")
    consent = _marker_consent(person, acting.agency, kind)
    if consent is None:
        what = {MarkerKind.DRUG: "drug misuse", MarkerKind.ALCOHOL: "alcohol misuse"}.get(kind)
        extra = f" and to share the sensitive category {what}" if what else ""
        raise ConsentRequired(
            f"{person.full_name} has not consented to {acting.agency.name} setting this marker. "
            f"Record their consent for the offender marker purpose{extra} first.",
            field="kind",
        )
    today = policy.today()
    marker_expiry_record(on=today, person=person)
    _end_stale_markers(person, acting.agency)
    if Marker.objects.filter(
        person=person, jobcentre=acting.agency, kind=kind, ended_on__isnull=True
    ).exists():
        raise ApplicationError(
            f"A live {MarkerKind(kind).label.lower()} is already set", field="kind"
        )
    marker = Marker.objects.create(
        person=person,
        jobcentre=acting.agency,
        kind=kind,
        consent=consent,
        set_on=today,
        expires_on=today + relativedelta(months=MARKER_MONTHS),
        set_by=user,
    )
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=marker,
        detail={"kind": kind, "consent": consent.pk},
    )
    return marker


@transaction.atomic
def marker_end(*, user, marker: Marker, reason: str) -> Marker:
    """The Jobcentre that set a marker ends it by hand, saying why."""
    acting = require_jobcentre(user, "marker.set")
    marker = Marker.objects.select_for_update().select_related("person").get(pk=marker.pk)
    if marker.jobcentre_id != acting.agency_id:
        raise Forbidden("Only the Jobcentre that set this marker can end it.")
    if marker.ended_on is not None:
        raise Conflict("This marker has already ended.")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Enter why the marker is being ended", field="reason")
    Marker.objects.filter(pk=marker.pk).update(
        ended_on=policy.today(),
        end_reason=MarkerEndReason.ENDED,
        end_note=reason[:2000],
        ended_by=user,
    )
    marker.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=marker.person,
        obj=marker,
        detail={"kind": marker.kind, "ended": True},
    )
    return marker


def markers_end_for_withdrawn_consent(*, consent, user) -> int:
    """Withdrawing a consent ends, the same day, every marker that relied on it (in the caller's
    transaction; the work coach sees the marker ended, and why)."""
    ended = Marker.objects.filter(consent=consent, ended_on__isnull=True).update(
        ended_on=consent.withdrawn_on or policy.today(),
        end_reason=MarkerEndReason.CONSENT_WITHDRAWN,
        ended_by=user,
    )
    return ended


def marker_expiry_record(*, on: datetime.date | None = None, person=None) -> dict:
    """End every marker 12 months after it was set. Idempotent (conditional update per marker)."""
    on = on or policy.today()
    due = Marker.objects.filter(ended_on__isnull=True, expires_on__lte=on)
    if person is not None:
        due = due.filter(person=person)
    expired = 0
    for marker in due.select_related("person"):
        with transaction.atomic():
            if not Marker.objects.filter(pk=marker.pk, ended_on__isnull=True).update(
                ended_on=marker.expires_on, end_reason="expired"
            ):
                continue
            access_event_record(
                user=None,
                system="offender_marker_expiry",
                action=Action.REVOKE,
                person=marker.person,
                obj=marker,
                detail={"kind": marker.kind, "expired": True},
            )
            expired += 1
    return {"markers_expired": expired}


# --- Pre-release ----------------------------------------------------------------------------


@transaction.atomic
def pre_release_advice_record(
    *,
    user,
    person,
    given_on: datetime.date,
    discussed: str,
    topics: list[str] | None = None,
    budgeting_advance_applied: bool = False,
    social_fund_applied: bool = False,
    jobcentre_offer_explained: bool = False,
    offender_status_declared: bool = False,
    declared_to=None,
) -> PreReleaseAdvice:
    if not policy.can(user, "pre_release_advice.record"):
        raise Forbidden("Only Jobcentre or prison staff record pre-release benefit advice.")
    acting = policy.acting_of(user)
    policy.require_section(user, person, Section.BENEFITS)
    topics = list(dict.fromkeys(topics or []))
    if any(t not in AdviceTopic.values for t in topics):
        raise ApplicationError("Unknown advice topic", field="topics")
    if not (discussed or "").strip():
        raise ApplicationError("Enter what was discussed", field="discussed")
    if given_on > policy.today():
        raise ApplicationError("Date of the advice must be today or in the past", field="given_on")
    if offender_status_declared:
        if declared_to is None or declared_to.kind != AgencyKind.JOBCENTRE:
            raise ApplicationError(
                "Select the Jobcentre the offender status was declared to", field="declared_to"
            )
        if not policy.consent_covers(person, declared_to, "offender_marker"):
            raise ConsentRequired(
                f"{person.full_name} has not consented to their offender status being shared with "
                f"{declared_to.name}. Record that consent first.",
                field="offender_status_declared",
            )
    else:
        declared_to = None
    advice = PreReleaseAdvice.objects.create(
        person=person,
        agency=acting.agency,
        given_on=given_on,
        given_by=user,
        topics=topics,
        discussed=discussed.strip(),
        budgeting_advance_applied=budgeting_advance_applied,
        social_fund_applied=social_fund_applied,
        jobcentre_offer_explained=jobcentre_offer_explained,
        offender_status_declared=offender_status_declared,
        declared_to=declared_to,
    )
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=advice,
        detail={"declared_to": declared_to.pk if declared_to else None},
    )
    return advice


# --- Freshstart -----------------------------------------------------------------------------


def release_day(*, user, person) -> datetime.date | None:
    """The day the person is (or was) released: the latest sentence's actual, else expected, release."""
    episode = (
        SentenceEpisode.objects.for_user(user)
        .filter(person=person)
        .exclude(expected_release_date__isnull=True, actual_release_date__isnull=True)
        .order_by("-reception_date", "-id")
        .first()
    )
    if episode is None:
        return None
    return episode.actual_release_date or episode.expected_release_date


@transaction.atomic
def freshstart_book(
    *, user, person, office, appointment_at: datetime.datetime, notes: str = ""
) -> FreshstartAppointment:
    """Book at a Jobcentre office in the person's release area, on or after their release and within
    FRESHSTART_WINDOW_DAYS of it. The office's Jobcentre gets the Freshstart gateway (identity,
    custody and release, benefits) until FRESHSTART_ACCESS_DAYS after the appointment, so its work
    coach sees the appointment and records attendance; more only with consent."""
    if not policy.can(user, "freshstart.book"):
        raise Forbidden("Only Jobcentre or prison staff book Freshstart appointments.")
    acting = policy.acting_of(user)
    policy.require_section(user, person, Section.CUSTODY)
    jobcentre = office.agency
    if jobcentre.kind != AgencyKind.JOBCENTRE or office.kind != SiteKind.JOBCENTRE:
        raise ApplicationError("Select a Jobcentre office in the release area", field="office")
    if appointment_at <= timezone.now():
        raise ApplicationError("The appointment must be in the future", field="appointment_at")
    release_area = (person.release_area or "").strip().lower()
    if not release_area:
        raise ApplicationError(
            "The person's release area is not recorded: ask the agency that owns the case to "
            "record it before booking",
            field="office",
        )
    if (office.town or "").strip().lower() != release_area:
        raise ApplicationError(
            f"Book at a Jobcentre in the release area ({person.release_area}), not {office.town}",
            field="office",
        )
    released = release_day(user=user, person=person)
    if released is None:
        raise ApplicationError(
            "No release date is recorded for this person: ask the agency that owns the case to "
            "record the expected release date before booking",
            field="appointment_at",
        )
    day = timezone.localtime(appointment_at).date()
    last = released + datetime.timedelta(days=settings.FRESHSTART_WINDOW_DAYS)
    if day < released:
        raise ApplicationError(
            f"The appointment must be on or after the release date ({released:%-d %B %Y})",
            field="appointment_at",
        )
    if day > last:
        raise ApplicationError(
            f"The appointment must be within {settings.FRESHSTART_WINDOW_DAYS} days of the "
            f"release date, by {last:%-d %B %Y}",
            field="appointment_at",
        )
    appointment = FreshstartAppointment.objects.create(
        person=person,
        jobcentre=jobcentre,
        office=office,
        appointment_at=appointment_at,
        booked_by=user,
        booked_by_agency=acting.agency,
        notes=(notes or "").strip(),
    )
    freshstart_gateway_refresh(person=person, jobcentre=jobcentre)
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=appointment,
        detail={"jobcentre": jobcentre.pk, "office": office.pk},
    )
    return appointment


def freshstart_gateway_refresh(*, person, jobcentre) -> None:
    """The Freshstart gateway of a Jobcentre runs until FRESHSTART_ACCESS_DAYS after its latest
    appointment for the person."""
    latest = (
        FreshstartAppointment.objects.filter(person=person, jobcentre=jobcentre)
        .order_by("-appointment_at")
        .values_list("appointment_at", flat=True)
        .first()
    )
    if latest is None:
        return
    ends_on = timezone.localtime(latest).date() + datetime.timedelta(
        days=settings.FRESHSTART_ACCESS_DAYS
    )
    statutory_gateway_open(
        person=person,
        agency=jobcentre,
        reason=FRESHSTART_GATEWAY,
        started_on=policy.today(),
        ends_on=ends_on,
    )


@transaction.atomic
def freshstart_attendance_record(
    *, user, appointment: FreshstartAppointment, attended: bool, version: int
) -> FreshstartAppointment:
    acting = require_jobcentre(user, "freshstart.attendance")
    if appointment.jobcentre_id != acting.agency_id:
        raise Forbidden("Only the Jobcentre where the appointment is booked can record attendance.")
    if attended is None:
        raise ApplicationError("Select whether they attended", field="attended")
    if appointment.appointment_at > timezone.now():
        raise ApplicationError(
            "Attendance can be recorded once the appointment time has passed", field="attended"
        )
    updated = FreshstartAppointment.objects.filter(pk=appointment.pk, version=version).update(
        attended=attended,
        attendance_recorded_by=user,
        attendance_recorded_at=timezone.now(),
        version=F("version") + 1,
    )
    if not updated:
        raise Conflict(
            "Someone else changed this appointment while you were editing it. Check it and try again.",
            extra={"current_version": FreshstartAppointment.objects.get(pk=appointment.pk).version},
        )
    appointment = FreshstartAppointment.objects.select_related("person", "office", "jobcentre").get(
        pk=appointment.pk
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=appointment.person,
        obj=appointment,
        detail={"attended": attended},
    )
    return appointment


# --- After release --------------------------------------------------------------------------


def rapid_reclaim_eligible(
    *,
    last_claim_ended_on: datetime.date | None,
    claim_made_on: datetime.date,
    circumstances_unchanged: bool,
) -> bool:
    """Rapid reclaim: a new claim within 26 weeks (182 days, inclusive) of the last one ending, circumstances unchanged."""
    if last_claim_ended_on is None or not circumstances_unchanged:
        return False
    return 0 <= (claim_made_on - last_claim_ended_on).days <= RAPID_RECLAIM_DAYS


def advance_decision(
    *,
    claim_state: str,
    undecided_reason: str,
    likely_entitled: bool | None,
    in_financial_need: bool | None,
) -> tuple[str, str]:
    """Payment on account / advance: the claim undecided (not through missing evidence of the person's) or
    decided with payday not reached, and the person likely entitled and in financial need (001 §9.3)."""
    if claim_state == ClaimState.PAID:
        return AdvanceOutcome.REFUSED, "The first payment has been made, so no advance is needed"
    if (
        claim_state == ClaimState.UNDECIDED
        and undecided_reason == UndecidedReason.MISSING_PERSON_EVIDENCE
    ):
        return (
            AdvanceOutcome.REFUSED,
            "The claim is undecided because evidence from the person is missing",
        )
    if not likely_entitled:
        return AdvanceOutcome.REFUSED, "The person is not likely to be entitled"
    if not in_financial_need:
        return AdvanceOutcome.REFUSED, "The person is not in financial need"
    return AdvanceOutcome.ELIGIBLE, "Likely entitled and in financial need"


def last_claim_end(*, user, person) -> datetime.date | None:
    """The day the last claim actually ended, as recorded on the latest claim closure the user may
    see. Never the Benefit Delivery Centre's confirmation date (closed_on): that can come weeks
    later and would stretch the 26 weeks of rapid reclaim. None when no closure records it."""
    return (
        ClaimClosure.objects.for_user(user)
        .filter(person=person, claim_ended_on__isnull=False)
        .order_by("-claim_ended_on")
        .values_list("claim_ended_on", flat=True)
        .first()
    )


def _validate_claim(claim: PostReleaseClaim) -> None:
    today = policy.today()
    if claim.released_on > today:
        raise ApplicationError("Release date must be today or in the past", field="released_on")
    if claim.claim_made_on < claim.released_on:
        raise ApplicationError(
            "Claim date must be on or after the release date", field="claim_made_on"
        )
    if claim.claim_made_on > today:
        raise ApplicationError("Claim date must be today or in the past", field="claim_made_on")
    if claim.last_claim_ended_on and claim.last_claim_ended_on > claim.claim_made_on:
        raise ApplicationError(
            "The last claim must have ended before this claim", field="last_claim_ended_on"
        )
    if claim.first_payment_on and claim.first_payment_on < claim.released_on:
        raise ApplicationError(
            "First payment date must be on or after the release date", field="first_payment_on"
        )
    if claim.benefit not in Benefit.values:
        raise ApplicationError("Select the benefit claimed", field="benefit")
    if claim.claim_state not in ClaimState.values:
        raise ApplicationError("Select the state of the claim", field="claim_state")
    if claim.claim_state != ClaimState.UNDECIDED:
        claim.undecided_reason = ""
    elif claim.undecided_reason not in UndecidedReason.values:
        raise ApplicationError("Select why the claim is undecided", field="undecided_reason")
    if claim.first_payment_on:
        claim.claim_state = ClaimState.PAID
    claim.rapid_reclaim = rapid_reclaim_eligible(
        last_claim_ended_on=claim.last_claim_ended_on,
        claim_made_on=claim.claim_made_on,
        circumstances_unchanged=claim.circumstances_unchanged,
    )
    if claim.advance_requested:
        if claim.likely_entitled is None:
            raise ApplicationError(
                "Answer whether the person is likely to be entitled", field="likely_entitled"
            )
        if claim.in_financial_need is None:
            raise ApplicationError(
                "Answer whether the person is in financial need", field="in_financial_need"
            )
        claim.advance_outcome, claim.advance_reason = advance_decision(
            claim_state=claim.claim_state,
            undecided_reason=claim.undecided_reason,
            likely_entitled=claim.likely_entitled,
            in_financial_need=claim.in_financial_need,
        )
    else:
        claim.advance_outcome, claim.advance_reason = AdvanceOutcome.NOT_REQUESTED, ""


CLAIM_FIELDS = {
    "released_on",
    "claim_made_on",
    "benefit",
    "last_claim_ended_on",
    "circumstances_unchanged",
    "claim_state",
    "undecided_reason",
    "advance_requested",
    "likely_entitled",
    "in_financial_need",
    "first_payment_on",
}


@transaction.atomic
def post_release_claim_record(*, user, person, **fields) -> PostReleaseClaim:
    acting = require_jobcentre(user, "benefit_claim.record")
    policy.require_section(user, person, Section.BENEFITS)
    unknown = set(fields) - CLAIM_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if fields.get("last_claim_ended_on") is None:
        fields["last_claim_ended_on"] = last_claim_end(user=user, person=person)
    claim = PostReleaseClaim(person=person, agency=acting.agency, recorded_by=user, **fields)
    _validate_claim(claim)
    claim.save()
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=claim,
        detail={"rapid_reclaim": claim.rapid_reclaim, "advance": claim.advance_outcome},
    )
    return claim


@transaction.atomic
def post_release_claim_update(
    *, user, claim: PostReleaseClaim, version: int, **fields
) -> PostReleaseClaim:
    """E.g. record the first payment (the finance gap) or an advance request later."""
    acting = require_jobcentre(user, "benefit_claim.record")
    unknown = set(fields) - CLAIM_FIELDS
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    current = PostReleaseClaim.objects.select_related("person").get(pk=claim.pk)
    if current.agency_id != acting.agency_id:
        raise Forbidden("Only the Jobcentre that recorded this claim can change it.")
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_claim(current)
    names = set(fields) | {
        "claim_state",
        "undecided_reason",
        "rapid_reclaim",
        "advance_outcome",
        "advance_reason",
    }
    updated = PostReleaseClaim.objects.filter(pk=claim.pk, version=version).update(
        version=F("version") + 1, **{n: getattr(current, n) for n in names}
    )
    if not updated:
        raise Conflict(
            "Someone else changed this claim while you were editing it. Your changes have not been saved."
        )
    current = PostReleaseClaim.objects.select_related("person").get(pk=claim.pk)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=current.person,
        obj=current,
        detail={"fields": sorted(fields)},
    )
    return current
