"""Writes for people, cases and sentences. Each validates, saves, refreshes access and audits
in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, SiteKind
from audit.models import Action
from audit.services import access_event_record
from casework import dedupe
from casework.models import (
    PERSON_DETAIL_FIELDS,
    RAG_SCORE,
    ActionStatus,
    Appointment,
    AppointmentKind,
    Assessment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    DetailChange,
    EstablishmentTransfer,
    Goal,
    HandoffStatus,
    LadderStep,
    LeadAgencyPeriod,
    NeedArea,
    NoteType,
    Person,
    PlanAction,
    Rag,
    ReleaseHandoff,
    ReleasePlan,
    ReleaseType,
    SentenceEpisode,
    SentenceType,
    Stage,
    WorkReadiness,
    YesNoUnknown,
)
from casework.validators import normalise
from consent import policy
from consent.models import InvolvementBasis
from consent.sections import SENSITIVE_NEED_AREAS, Section, SensitivePart
from core import notifications
from core.errors import ApplicationError, Conflict, Forbidden, NotFound

PERSON_FIELDS = {
    "first_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "sex",
    "national_insurance_number",
    "prison_number",
    "crn",
    "home_area",
    "release_area",
    "bank_account_held",
    "id_documents_held",
    "accommodation_status",
    "employment_status",
    "benefit_status",
    "identity_verified_on",
}
CASE_FIELDS = {
    "offender_group",
    "support_level",
    "stage",
    "start_date",
    "planned_end_date",
    "owner",
    "site",
}
IDENTIFIERS = ("national_insurance_number", "prison_number", "crn")


def _clean_identifiers(fields: dict) -> dict:
    for name in IDENTIFIERS:
        if name in fields and fields[name] is not None:
            fields[name] = normalise(fields[name])
    return fields


def _full_clean(instance, exclude=None):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from exc


def _check_unknown(fields: dict, allowed: set):
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}")


YOUNGEST_AGE_YEARS = 10  # the age of criminal responsibility in England and Wales


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _validate_person_dates(person: Person) -> None:
    """Dates that cannot be true are refused: a birth in the future or under 10 years ago, and
    an identity check that has not happened yet."""
    today = policy.today()
    born = person.date_of_birth
    if born and born > today:
        raise ApplicationError("Date of birth must be in the past", field="date_of_birth")
    if born and born > _years_before(today, YOUNGEST_AGE_YEARS):
        raise ApplicationError(
            f"Date of birth must be at least {YOUNGEST_AGE_YEARS} years ago: check the year",
            field="date_of_birth",
        )
    verified = person.identity_verified_on
    if verified and verified > today:
        raise ApplicationError(
            "Date identity was verified must be today or in the past", field="identity_verified_on"
        )
    if verified and born and verified < born:
        raise ApplicationError(
            "Date identity was verified must be after the date of birth",
            field="identity_verified_on",
        )


@transaction.atomic
def person_create(*, user, confirm_not_duplicate: bool = False, **fields) -> Person:
    """Add a person. One record per person (casework.dedupe): an identifier already on a record the
    agency sees is refused with a link to it; the same name and date of birth needs
    `confirm_not_duplicate`; an identifier on a record it cannot see is flagged for an
    administrator, silently."""
    policy.require(user, "person.create")
    _check_unknown(fields, PERSON_FIELDS)
    person = Person(**_clean_identifiers(fields), created_by_agency=user.acting.agency)
    if person.identity_verified_on:
        person.identity_verified_by = user
    _full_clean(person, exclude=["identity_verified_by", "created_by_agency"])
    _validate_person_dates(person)
    dedupe.check_before_saving(user=user, fields=fields, confirmed=confirm_not_duplicate)
    person.save()
    policy.refresh_person_access(person)
    dedupe.flag_hidden_duplicates(person)
    access_event_record(user=user, action=Action.CREATE, person=person)
    return person


@transaction.atomic
def person_update(*, user, person: Person, version: int, **fields) -> Person:
    """Change a person's details if nobody else has since `version` (optimistic lock). Only the
    agency holding the owner basis changes them: a partner that sees the record asks the owner."""
    policy.require(user, "person.change")
    if not policy.access_for(user, person).visible:
        raise NotFound("Person not found")
    policy.require_person_owner(
        user, person, "Only the agency that owns this person's case can change their details."
    )
    _check_unknown(fields, PERSON_FIELDS)
    _clean_identifiers(fields)
    candidate = Person.objects.get(pk=person.pk)
    details_before = {f: getattr(candidate, f) for f in PERSON_DETAIL_FIELDS}
    changed = sorted(k for k, v in fields.items() if getattr(candidate, k) != v)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _full_clean(candidate, exclude=["identity_verified_by", "created_by_agency"])
    _validate_person_dates(candidate)
    if "identity_verified_on" in changed:
        fields["identity_verified_by"] = user if fields["identity_verified_on"] else None
    new_identifiers = {n: fields[n] for n in dedupe.IDENTIFIER_LABELS if n in changed and fields[n]}
    if new_identifiers:
        dedupe.check_before_saving(
            user=user, fields=new_identifiers, exclude_pk=person.pk, confirmed=True
        )
    updated = Person.objects.filter(pk=person.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this record while you were editing it. "
            "Your changes have not been saved: check the latest details and make them again.",
            extra={"current_version": Person.objects.get(pk=person.pk).version},
        )
    person = Person.objects.get(pk=person.pk)
    record_detail_changes(
        person_id=person.pk,
        case_id=None,
        before=details_before,
        after={f: getattr(person, f) for f in PERSON_DETAIL_FIELDS},
    )
    policy.refresh_person_access(person)  # names feed the sort key
    if new_identifiers:
        dedupe.flag_hidden_duplicates(person)
    access_event_record(user=user, action=Action.CHANGE, person=person, detail={"fields": changed})
    return person


def _validate_case_dates(start_date, planned_end_date, end_date=None):
    if start_date and planned_end_date and planned_end_date <= start_date:
        raise ApplicationError(
            "Planned end date must be after the start date", field="planned_end_date"
        )
    if end_date and start_date and end_date < start_date:
        raise ApplicationError("End date must be on or after the start date", field="end_date")
    if start_date and start_date > policy.today() + datetime.timedelta(days=366):
        raise ApplicationError("Start date must be within the next year", field="start_date")


@transaction.atomic
def case_open(*, user, person: Person, **fields) -> Case:
    """Open a case owned by the acting agency. Only an agency that already holds the owner basis for
    the person opens one (a new episode, or the record it created): any other agency asks the owner
    to hand the case over or to refer the person, so a case never widens anyone's access."""
    policy.require(user, "case.create")
    if not policy.access_for(user, person).visible:
        raise NotFound("Person not found")
    if not policy.may_open_case(user, person):
        raise Forbidden(
            "Only the agency that owns this person's record can open a case for them. Ask it to "
            "hand the case over to your agency or to refer the person to you."
        )
    _check_unknown(fields, CASE_FIELDS)
    _validate_case_dates(fields.get("start_date"), fields.get("planned_end_date"))
    agency = user.acting.agency
    fields.setdefault("owner", user)
    case = Case(person=person, owning_agency=agency, **fields)
    case.support_level_at_start = case.support_level  # kept: outcomes use the level at the start
    _full_clean(case, exclude=["owner", "site"])
    case.save()
    LeadAgencyPeriod.objects.create(case=case, agency=agency, started_on=case.start_date)
    policy.refresh_person_access(person)
    access_event_record(user=user, action=Action.CREATE, person=person, obj=case)
    return case


@transaction.atomic
def case_update(*, user, case: Case, version: int, **fields) -> Case:
    policy.require(user, "case.change")
    policy.require_owner(user, case)
    _check_unknown(fields, CASE_FIELDS | {"end_date", "end_reason"})
    current = Case.objects.get(pk=case.pk)
    stage_before, level_before = current.stage, current.support_level
    details_before = {"site": current.site_id, "owner": current.owner_id}
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_case_dates(current.start_date, current.planned_end_date, current.end_date)
    if current.end_date and not current.end_reason:
        raise ApplicationError("Select why the case ended", field="end_reason")
    _full_clean(current, exclude=["owner", "site", "person", "owning_agency"])
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this case while you were editing it. Your changes have not been saved.",
            extra={"current_version": Case.objects.get(pk=case.pk).version},
        )
    case = Case.objects.select_related("person").get(pk=case.pk)
    record_detail_changes(
        person_id=case.person_id,
        case_id=case.pk,
        before=details_before,
        after={"site": case.site_id, "owner": case.owner_id},
    )
    if "stage" in changed:
        _case_event(user, case, CaseEventKind.STAGE, from_value=stage_before, to_value=case.stage)
    if "support_level" in changed:  # the history; support_level_at_start stays as it was
        _case_event(
            user,
            case,
            CaseEventKind.SUPPORT_LEVEL,
            from_value=level_before,
            to_value=case.support_level,
        )
    if "end_date" in changed and case.end_date:
        _case_event(user, case, CaseEventKind.CLOSED, to_value=case.end_reason, on=case.end_date)
    if {"end_date"} & set(changed):
        policy.refresh_person_access(case.person)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=case, detail={"fields": changed}
    )
    return case


def _detail_value(value) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


def record_detail_changes(*, person_id: int, case_id: int | None, before: dict, after: dict):
    """Keep the history data completeness reads (casework.models.DetailChange): one row per
    changed field, dated today, with the value before and after."""
    rows = [
        DetailChange(
            person_id=person_id,
            case_id=case_id,
            field=name,
            from_value=_detail_value(before[name]),
            to_value=_detail_value(after[name]),
            on=policy.today(),
        )
        for name in before
        if _detail_value(before[name]) != _detail_value(after[name])
    ]
    if rows:
        DetailChange.objects.bulk_create(rows)


def _case_event(user, case, kind, *, from_value="", to_value="", on=None, reason="") -> CaseEvent:
    acting = policy.acting_of(user)
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        from_value=from_value or "",
        to_value=to_value or "",
        on=on or policy.today(),
        reason=reason,
        user=user,
        agency=acting.agency if acting else None,
    )


# Stages a job start moves on from: someone released or in the community who starts work is in work.
# In custody (work on temporary release) the stage stays with the sentence.
WORK_FROM_STAGES = frozenset({Stage.RELEASED, Stage.IN_COMMUNITY})


def case_follows_work(*, user, case: Case, in_work: bool, reason: str) -> Case:
    """The case follows the person's work (issue 18): a job start moves an open case from released or
    in the community to "in work"; leaving the last job moves it back to "in the community". A stage
    event on the timeline says why. Called inside the job start's transaction by whoever records it
    (the owner or a partner working on the case): the stage follows a recorded fact, it grants
    nothing. Returns the case as it now is."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    if not current.is_open:
        return current
    if in_work and current.stage in WORK_FROM_STAGES:
        target = Stage.IN_WORK
    elif not in_work and current.stage == Stage.IN_WORK:
        target = Stage.IN_COMMUNITY
    else:
        return current
    before = current.stage
    Case.objects.filter(pk=current.pk).update(stage=target, version=F("version") + 1)
    current.refresh_from_db()
    _case_event(
        user, current, CaseEventKind.STAGE, from_value=before, to_value=target, reason=reason
    )
    return current


def _bump_case(case: Case, version: int, **fields) -> Case:
    """Conditional update of a case row: refuses when someone else changed it since `version`."""
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this case while you were editing it. Your changes have not been saved.",
            extra={"current_version": Case.objects.get(pk=case.pk).version},
        )
    return Case.objects.select_related("person", "owning_agency").get(pk=case.pk)


def _require_section(user, case: Case, section: str):
    """The acting agency's access to the case's person, if it includes `section` (else 404)."""
    return policy.require_section(user, case.person, section)


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ApplicationError("The case is closed. Reopen it before adding to it.")


def _not_future(value, field, label):
    if value and value > policy.today():
        raise ApplicationError(f"{label} must be today or in the past", field=field)


def _not_before_start(case, value, field, label):
    if value and value < case.start_date:
        raise ApplicationError(
            f"{label} must be on or after the case start date ({case.start_date:%-d %B %Y})",
            field=field,
        )


def _choice(value, choices, field, message):
    if value not in choices.values:
        raise ApplicationError(message, field=field)


# --- Case lifecycle ---------------------------------------------------------------------------


@transaction.atomic
def case_progress_update(
    *,
    user,
    case: Case,
    version: int,
    stage: str | None = None,
    ladder_step: str | None = None,
    reason: str = "",
) -> Case:
    """Move the case to another journey stage and/or progression ladder step (backwards allowed)."""
    policy.require(user, "case.change")
    policy.require_owner(user, case)
    _require_open(case)
    fields = {}
    if stage is not None and stage != case.stage:
        _choice(stage, Stage, "stage", "Select a journey stage")
        fields["stage"] = stage
    if ladder_step is not None and ladder_step != case.ladder_step:
        _choice(ladder_step, LadderStep, "ladder_step", "Select a progression ladder step")
        fields["ladder_step"] = ladder_step
    if not fields:
        raise ApplicationError("Nothing has changed: choose a different stage or ladder step")
    before = (case.stage, case.ladder_step)
    case = _bump_case(case, version, **fields)
    if "stage" in fields:
        _case_event(
            user,
            case,
            CaseEventKind.STAGE,
            from_value=before[0],
            to_value=case.stage,
            reason=reason,
        )
    if "ladder_step" in fields:
        _case_event(
            user,
            case,
            CaseEventKind.LADDER,
            from_value=before[1],
            to_value=case.ladder_step,
            reason=reason,
        )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=case.person,
        obj=case,
        detail={"fields": sorted(fields)},
    )
    return case


@transaction.atomic
def case_reopen(*, user, case: Case, version: int, reason: str) -> Case:
    policy.require(user, "case.change")
    policy.require_owner(user, case)
    if case.is_open:
        raise ApplicationError("The case is already open")
    if not (reason or "").strip():
        raise ApplicationError("Enter why the case is being reopened", field="reason")
    ended = case.end_reason
    case = _bump_case(case, version, end_date=None, end_reason="")
    _case_event(user, case, CaseEventKind.REOPENED, from_value=ended, reason=reason.strip())
    policy.refresh_person_access(case.person)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=case, detail={"reopened": True}
    )
    return case


# --- Assessment -------------------------------------------------------------------------------

ASSESSMENT_OPTIONAL = {
    "area_notes",
    "confident_writing_name",
    "confident_writing_address",
    "confident_writing_phone",
    "self_reported_needs",
    "self_reported_need_codes",
    "convictions_spent",
    "disclosure_advice_given",
    "disclosure_notes",
}


def _validate_need_codes(codes, access) -> list[str]:
    """Self-reported needs as codes: need areas, or "none" on its own; a sensitive area only
    for an agency that sees its part. Returns them in the areas' order, each once."""
    from casework.models import NO_NEEDS, SELF_REPORTED_NEED_CODES

    if codes is None:
        return []
    if not isinstance(codes, list | tuple) or any(not isinstance(c, str) for c in codes):
        raise ApplicationError(
            "Give the needs the person reports as a list", field="self_reported_need_codes"
        )
    unknown = sorted(set(codes) - set(SELF_REPORTED_NEED_CODES))
    if unknown:
        raise ApplicationError(
            f"Unknown need: {', '.join(unknown)}", field="self_reported_need_codes"
        )
    if NO_NEEDS in codes and len(set(codes)) > 1:
        raise ApplicationError(
            'Select "None" on its own, or the needs the person reports',
            field="self_reported_need_codes",
        )
    hidden = [
        c for c in codes if c in SENSITIVE_NEED_AREAS and not access.sees(SENSITIVE_NEED_AREAS[c])
    ]
    if hidden:
        raise ApplicationError(
            "Your agency cannot record "
            + ", ".join(NeedArea(a).label.lower() for a in sorted(set(hidden)))
            + " for this person: the consent they gave does not cover it",
            field="self_reported_need_codes",
        )
    return [c for c in SELF_REPORTED_NEED_CODES if c in codes]


def _validate_ratings(ratings, area_notes):
    if not isinstance(ratings, dict) or not ratings:
        raise ApplicationError("Rate at least one need area red, amber or green", field="ratings")
    unknown = sorted(set(ratings) - set(NeedArea.values))
    if unknown:
        raise ApplicationError(f"Unknown need area: {', '.join(unknown)}", field="ratings")
    for area, rag in ratings.items():
        if rag not in Rag.values:
            raise ApplicationError(
                f"Rate {NeedArea(area).label.lower()} red, amber or green", field="ratings"
            )
    if not isinstance(area_notes, dict) or set(area_notes) - set(NeedArea.values):
        raise ApplicationError("Notes must be given per need area", field="area_notes")


@transaction.atomic
def assessment_record(
    *, user, case: Case, assessed_on: datetime.date, ratings: dict, work_readiness: str, **optional
) -> Assessment:
    """Record a (re)assessment. Earlier ones are kept: distance travelled compares first and latest."""
    policy.require(user, "case.change")
    _check_unknown(optional, ASSESSMENT_OPTIONAL)
    access = _require_section(user, case, Section.ASSESSMENT)
    _require_open(case)
    if not assessed_on:
        raise ApplicationError("Enter the date of the assessment", field="assessed_on")
    _not_future(assessed_on, "assessed_on", "Date of the assessment")
    _not_before_start(case, assessed_on, "assessed_on", "Date of the assessment")
    ratings = (
        {k: v for k, v in (ratings or {}).items() if v} if isinstance(ratings, dict) else ratings
    )
    notes = {
        k: v.strip()
        for k, v in (optional.pop("area_notes", None) or {}).items()
        if (v or "").strip()
    }
    _validate_ratings(ratings, notes)
    hidden = sorted(
        area
        for area in set(ratings) | set(notes)
        if area in SENSITIVE_NEED_AREAS and not access.sees(SENSITIVE_NEED_AREAS[area])
    )
    if hidden:
        raise ApplicationError(
            "Your agency cannot record "
            + ", ".join(NeedArea(a).label.lower() for a in hidden)
            + " for this person: the consent they gave does not cover it",
            field="ratings",
        )
    _choice(
        work_readiness, WorkReadiness, "work_readiness", "Select how ready for work the person is"
    )
    if "self_reported_need_codes" in optional:
        optional["self_reported_need_codes"] = _validate_need_codes(
            optional["self_reported_need_codes"], access
        )
    for name in (
        "confident_writing_name",
        "confident_writing_address",
        "confident_writing_phone",
        "convictions_spent",
    ):
        if name in optional:
            _choice(optional[name], YesNoUnknown, name, "Select yes, no or not known")
    assessment = Assessment.objects.create(
        case=case,
        assessed_on=assessed_on,
        assessed_by=user,
        agency=user.acting.agency,
        ratings=ratings,
        area_notes=notes,
        work_readiness=work_readiness,
        **optional,
    )
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=assessment)
    return assessment


def distance_travelled(assessments) -> list[dict]:
    """Per need area: the first and latest rating and the change (+ is better), across the assessments given."""
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.pk or 0))
    rows = []
    for area, label in NeedArea.choices:
        rated = [a.ratings[area] for a in ordered if a.ratings.get(area)]
        first, latest = (rated[0], rated[-1]) if rated else ("", "")
        change = RAG_SCORE[latest] - RAG_SCORE[first] if rated else None
        rows.append(
            {
                "area": area,
                "label": label,
                "first": first,
                "latest": latest,
                "change": change,
                "times_rated": len(rated),
            }
        )
    return rows


# --- Action plan -------------------------------------------------------------------------------


def _check_action_owner(user, case, owner_agency, owner):
    acting = user.acting
    if owner_agency.pk != acting.agency_id:
        if case.owning_agency_id != acting.agency_id:
            raise Forbidden(
                "You can only add or change actions for your own agency on a case you do not own."
            )
        if not policy.agency_on_case(case, owner_agency):
            raise ApplicationError(
                f"{owner_agency.name} is not working on this case. Share the case with them first.",
                field="owner_agency",
            )
    if (
        owner is not None
        and not owner.memberships.filter(agency=owner_agency, is_active=True).exists()
    ):
        raise ApplicationError(f"{owner} does not work for {owner_agency.name}", field="owner")


@transaction.atomic
def goal_add(*, user, case: Case, description: str) -> Goal:
    policy.require(user, "case.change")
    _require_section(user, case, Section.PLAN)
    _require_open(case)
    if not (description or "").strip():
        raise ApplicationError("Describe the goal", field="description")
    goal = Goal.objects.create(
        case=case, description=description.strip()[:300], agency=user.acting.agency, created_by=user
    )
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=goal)
    return goal


@transaction.atomic
def action_add(
    *,
    user,
    case: Case,
    description: str,
    due_date: datetime.date,
    owner_agency=None,
    owner=None,
    goal: Goal | None = None,
    sequence: int | None = None,
    status: str = ActionStatus.NOT_STARTED,
) -> PlanAction:
    """Any agency that sees the plan adds its own actions; the owner may assign to agencies on the case."""
    policy.require(user, "case.change")
    _require_section(user, case, Section.PLAN)
    _require_open(case)
    owner_agency = owner_agency or user.acting.agency
    _check_action_owner(user, case, owner_agency, owner)
    if not (description or "").strip():
        raise ApplicationError("Describe the action", field="description")
    if not due_date:
        raise ApplicationError("Enter the due date", field="due_date")
    _not_before_start(case, due_date, "due_date", "Due date")
    _choice(status, ActionStatus, "status", "Select the status of the action")
    if goal is not None and goal.case_id != case.pk:
        raise ApplicationError("Choose a goal from this case's plan", field="goal")
    if goal is not None and goal.cancelled_at:
        raise ApplicationError("That goal was cancelled: choose another", field="goal")
    if sequence is None:
        sequence = (PlanAction.objects.filter(case=case).aggregate(m=Max("sequence"))["m"] or 0) + 1
    action = PlanAction.objects.create(
        case=case,
        goal=goal,
        description=description.strip()[:300],
        owner_agency=owner_agency,
        owner=owner,
        sequence=sequence,
        due_date=due_date,
        status=status,
        status_changed_on=policy.today() if status != ActionStatus.NOT_STARTED else None,
        created_by=user,
        created_by_agency=user.acting.agency,
    )
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=case.person,
        obj=action,
        detail={"owner_agency": owner_agency.pk},
    )
    return action


ACTION_FIELDS = {"description", "due_date", "status", "owner_agency", "owner", "sequence", "goal"}


@transaction.atomic
def action_update(*, user, action: PlanAction, version: int | None = None, **fields) -> PlanAction:
    """Change an action (its owning agency or the case owner). Stale `version` -> Conflict."""
    policy.require(user, "case.change")
    _check_unknown(fields, ACTION_FIELDS)
    current = PlanAction.objects.select_related("case", "case__person", "owner_agency").get(
        pk=action.pk
    )
    case = current.case
    _require_section(user, case, Section.PLAN)
    policy.require_row_change(
        user, person=case.person, row_agency_id=current.owner_agency_id, what="this action"
    )
    _require_open(case)
    if version is None:
        version = current.version
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    if "owner_agency" in changed or "owner" in changed:
        _check_action_owner(user, case, current.owner_agency, current.owner)
    if not (current.description or "").strip():
        raise ApplicationError("Describe the action", field="description")
    if not current.due_date:
        raise ApplicationError("Enter the due date", field="due_date")
    if "due_date" in changed:
        _not_before_start(case, current.due_date, "due_date", "Due date")
    _choice(current.status, ActionStatus, "status", "Select the status of the action")
    if current.goal_id and current.goal.case_id != case.pk:
        raise ApplicationError("Choose a goal from this case's plan", field="goal")
    if "goal" in changed and current.goal_id and current.goal.cancelled_at:
        raise ApplicationError("That goal was cancelled: choose another", field="goal")
    if "status" in changed:
        fields["status_changed_on"] = policy.today()
    updated = PlanAction.objects.filter(pk=action.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this action while you were editing it. Your changes have not been saved.",
            extra={"current_version": PlanAction.objects.get(pk=action.pk).version},
        )
    action = PlanAction.objects.select_related("case", "owner_agency", "owner").get(pk=action.pk)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=action, detail={"fields": changed}
    )
    return action


@transaction.atomic
def appointment_add(
    *, user, case: Case, kind: str, at: datetime.datetime, where: str = ""
) -> Appointment:
    policy.require(user, "case.change")
    _require_section(user, case, Section.PLAN)
    _require_open(case)
    _choice(kind, AppointmentKind, "kind", "Select the kind of appointment")
    if not at:
        raise ApplicationError("Enter the date and time of the appointment", field="at")
    _not_before_start(
        case,
        timezone.localtime(at).date() if timezone.is_aware(at) else at.date(),
        "at",
        "Appointment date",
    )
    appointment = Appointment.objects.create(
        case=case,
        kind=kind,
        at=at,
        where=(where or "").strip()[:200],
        agency=user.acting.agency,
        created_by=user,
    )
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=appointment)
    return appointment


@transaction.atomic
def appointment_attendance_record(
    *, user, appointment: Appointment, attended: str, version: int
) -> Appointment:
    policy.require(user, "case.change")
    appointment = Appointment.objects.select_related("case", "case__person").get(pk=appointment.pk)
    _require_section(user, appointment.case, Section.PLAN)
    policy.require_row_change(
        user,
        person=appointment.case.person,
        row_agency_id=appointment.agency_id,
        what="this appointment",
    )
    _choice(attended, YesNoUnknown, "attended", "Select whether the person attended")
    if appointment.cancelled_at:
        raise ApplicationError("This appointment was cancelled: there is no attendance to record")
    if attended != YesNoUnknown.UNKNOWN and appointment.at > timezone.now():
        raise ApplicationError(
            "You can record attendance once the appointment has taken place", field="attended"
        )
    updated = Appointment.objects.filter(pk=appointment.pk, version=version).update(
        version=F("version") + 1, attended=attended
    )
    if not updated:
        raise Conflict(
            "Someone else recorded attendance for this appointment. Check it and try again."
        )
    appointment = Appointment.objects.select_related("case__person").get(pk=appointment.pk)
    refresh_last_contact([appointment.case_id])
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=appointment.case.person,
        obj=appointment,
        detail={"attended": attended},
    )
    return appointment


# --- Corrections: goals and appointments -------------------------------------------------------


def _plan_row(user, row, case, what: str) -> None:
    """A goal or appointment is changed by the agency that made it or the case owner, on an open
    case whose plan the user sees."""
    policy.require(user, "case.change")
    _require_section(user, case, Section.PLAN)
    policy.require_row_change(user, person=case.person, row_agency_id=row.agency_id, what=what)
    _require_open(case)


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(f"Enter why the {what} is cancelled", field="reason")
    if len(reason) > 300:
        raise ApplicationError("The reason must be 300 characters or fewer", field="reason")
    return reason


def _stale(what: str):
    return Conflict(
        f"Someone else changed this {what} while you were editing it. "
        "Your changes have not been saved."
    )


@transaction.atomic
def goal_update(*, user, goal: Goal, version: int, description: str) -> Goal:
    current = Goal.objects.select_for_update().select_related("case__person").get(pk=goal.pk)
    _plan_row(user, current, current.case, "this goal")
    if current.cancelled_at:
        raise ApplicationError("This goal was cancelled: add a new goal instead")
    description = (description or "").strip()
    if not description:
        raise ApplicationError("Describe the goal", field="description")
    if current.version != version:
        raise _stale("goal")
    before = current.description
    Goal.objects.filter(pk=current.pk).update(
        description=description[:300], version=F("version") + 1
    )
    current.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=current.case.person,
        obj=current,
        detail={"fields": ["description"] if before != current.description else []},
    )
    return current


@transaction.atomic
def goal_cancel(*, user, goal: Goal, version: int, reason: str) -> Goal:
    """Cancel a goal (kept, marked cancelled with the reason); its actions stay and no longer
    point at it."""
    current = Goal.objects.select_for_update().select_related("case__person").get(pk=goal.pk)
    _plan_row(user, current, current.case, "this goal")
    reason = _reason(reason, "goal")
    if current.cancelled_at:
        raise Conflict("This goal has already been cancelled")
    if current.version != version:
        raise _stale("goal")
    Goal.objects.filter(pk=current.pk).update(
        cancelled_at=timezone.now(), cancel_reason=reason, version=F("version") + 1
    )
    PlanAction.objects.filter(goal=current).update(goal=None, version=F("version") + 1)
    current.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=current.case.person,
        obj=current,
        detail={"cancelled": True},
    )
    return current


@transaction.atomic
def appointment_update(
    *, user, appointment: Appointment, version: int, kind: str, at: datetime.datetime, where=""
) -> Appointment:
    """Move or correct an appointment. Attendance already recorded stays only if the new time has
    passed too; otherwise it is cleared (nobody attends a future appointment)."""
    current = (
        Appointment.objects.select_for_update()
        .select_related("case__person")
        .get(pk=appointment.pk)
    )
    case = current.case
    _plan_row(user, current, case, "this appointment")
    if current.cancelled_at:
        raise ApplicationError("This appointment was cancelled: add a new one instead")
    _choice(kind, AppointmentKind, "kind", "Select the kind of appointment")
    if not at:
        raise ApplicationError("Enter the date and time of the appointment", field="at")
    _not_before_start(
        case,
        timezone.localtime(at).date() if timezone.is_aware(at) else at.date(),
        "at",
        "Appointment date",
    )
    if current.version != version:
        raise _stale("appointment")
    fields = {"kind": kind, "at": at, "where": (where or "").strip()[:200]}
    changed = sorted(name for name, value in fields.items() if getattr(current, name) != value)
    if at > timezone.now() and current.attended != YesNoUnknown.UNKNOWN:
        fields["attended"] = YesNoUnknown.UNKNOWN
        changed = sorted([*changed, "attended"])
    Appointment.objects.filter(pk=current.pk).update(version=F("version") + 1, **fields)
    current.refresh_from_db()
    refresh_last_contact([case.pk])
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=current, detail={"fields": changed}
    )
    return current


@transaction.atomic
def appointment_cancel(*, user, appointment: Appointment, version: int, reason: str):
    current = (
        Appointment.objects.select_for_update()
        .select_related("case__person")
        .get(pk=appointment.pk)
    )
    case = current.case
    _plan_row(user, current, case, "this appointment")
    reason = _reason(reason, "appointment")
    if current.cancelled_at:
        raise Conflict("This appointment has already been cancelled")
    if current.attended == YesNoUnknown.YES:
        raise ApplicationError(
            "The person attended this appointment: correct the attendance instead of cancelling"
        )
    if current.version != version:
        raise _stale("appointment")
    Appointment.objects.filter(pk=current.pk).update(
        cancelled_at=timezone.now(),
        cancel_reason=reason,
        attended=YesNoUnknown.UNKNOWN,
        version=F("version") + 1,
    )
    current.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=case.person,
        obj=current,
        detail={"cancelled": True},
    )
    return current


# --- Case notes --------------------------------------------------------------------------------


def last_contact_expression():
    """The latest case note date or attended appointment date of each case (None without either)."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce, Greatest, TruncDate

    note = (
        CaseNote.objects.filter(case=OuterRef("pk"))
        .order_by("-contact_on")
        .values("contact_on")[:1]
    )
    visit = (
        Appointment.objects.filter(case=OuterRef("pk"), attended=YesNoUnknown.YES)
        .annotate(on=TruncDate("at"))
        .order_by("-on")
        .values("on")[:1]
    )
    note, visit = Subquery(note), Subquery(visit)
    # Greatest is NULL on SQLite when either side is: coalescing each with the other keeps the one present
    return Greatest(Coalesce(note, visit), Coalesce(visit, note))


def refresh_last_contact(case_ids) -> None:
    """Recompute Case.last_contact_on for these cases (after notes or attendance change)."""
    Case.objects.filter(pk__in=list(case_ids)).update(last_contact_on=last_contact_expression())


@transaction.atomic
def note_add(
    *,
    user,
    case: Case,
    note_type: str,
    contact_on: datetime.date,
    body: str,
    sensitive: bool = False,
    sensitive_part: str = "",
) -> CaseNote:
    """Add a note to a case the agency sees the notes of. A sensitive note names its sensitive part
    (offence, health, drugs, alcohol) and needs the agency to see that part: only agencies that see
    it will see the note."""
    policy.require(user, "case.change")
    access = _require_section(user, case, Section.NOTES)
    _choice(note_type, NoteType, "note_type", "Select the type of contact")
    if not contact_on:
        raise ApplicationError("Enter the date of the contact", field="contact_on")
    _not_future(contact_on, "contact_on", "Date of the contact")
    _not_before_start(case, contact_on, "contact_on", "Date of the contact")
    if not (body or "").strip():
        raise ApplicationError("Enter the note", field="body")
    sensitive_part = sensitive_part or ""
    if sensitive_part and sensitive_part not in SensitivePart.values:
        raise ApplicationError("Select what the sensitive note is about", field="sensitive_part")
    if sensitive_part:
        sensitive = True
    # a sensitive note without a part (older API clients) is seen only by agencies seeing every part
    allowed = access.sees(sensitive_part) if sensitive_part else access.all_parts
    if sensitive and not allowed:
        raise Forbidden("Your agency cannot record sensitive details of this kind for this person.")
    note = CaseNote.objects.create(
        case=case,
        note_type=note_type,
        contact_on=contact_on,
        body=body.strip(),
        sensitive=bool(sensitive),
        sensitive_part=sensitive_part,
        author=user,
        agency=user.acting.agency,
    )
    refresh_last_contact([case.pk])
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=case.person,
        obj=note,
        detail={"sensitive": note.sensitive},
    )
    return note


# --- Custody -----------------------------------------------------------------------------------

SENTENCE_FIELDS = {
    "sentence_type",
    "length_months",
    "sentence_date",
    "reception_date",
    "establishment",
    "expected_release_date",
    "actual_release_date",
    "release_type",
    "offence_summary",
}


def _validate_sentence(s: SentenceEpisode):
    _choice(s.sentence_type, SentenceType, "sentence_type", "Select the type of sentence")
    _not_future(s.sentence_date, "sentence_date", "Sentence date")
    _not_future(s.reception_date, "reception_date", "Reception date")
    _not_future(s.actual_release_date, "actual_release_date", "Actual release date")
    if s.reception_date and s.expected_release_date and s.expected_release_date < s.reception_date:
        raise ApplicationError(
            "Expected release date must be on or after the reception date",
            field="expected_release_date",
        )
    if s.actual_release_date and not s.reception_date:
        raise ApplicationError(
            "Enter the reception date before recording a release", field="reception_date"
        )
    if s.reception_date and s.actual_release_date and s.actual_release_date < s.reception_date:
        raise ApplicationError(
            "Release date must be on or after the reception date", field="actual_release_date"
        )
    if s.actual_release_date and not s.release_type:
        raise ApplicationError("Select the type of release", field="release_type")
    if s.release_type and s.release_type not in ReleaseType.values:
        raise ApplicationError("Select the type of release", field="release_type")
    if s.release_type and not s.actual_release_date:
        raise ApplicationError(
            "Enter the actual release date for this release", field="actual_release_date"
        )
    if s.establishment_id and s.establishment.kind != SiteKind.PRISON:
        raise ApplicationError("Choose a prison establishment", field="establishment")
    if s.length_months is not None and not 0 < s.length_months <= 1200:
        raise ApplicationError(
            "Sentence length must be between 1 and 1200 months", field="length_months"
        )


@transaction.atomic
def sentence_record(*, user, case: Case, **fields) -> SentenceEpisode:
    """Record a sentence episode (and reception) on the case. Receptions feed statutory gateways."""
    policy.require(user, "case.change")
    policy.require_owner(user, case)
    _check_unknown(fields, SENTENCE_FIELDS)
    sentence = SentenceEpisode(person=case.person, case=case, **fields)
    _validate_sentence(sentence)
    sentence.save()
    policy.refresh_person_access(case.person)
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=sentence)
    return sentence


@transaction.atomic
def sentence_update(*, user, sentence: SentenceEpisode, version: int, **fields) -> SentenceEpisode:
    """Change a sentence episode, e.g. record the actual release (release not before reception)."""
    policy.require(user, "case.change")
    _check_unknown(fields, SENTENCE_FIELDS)
    current = SentenceEpisode.objects.select_related("case", "person").get(pk=sentence.pk)
    if current.case is None:
        raise NotFound("Sentence not found")
    policy.require_owner(user, current.case)
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_sentence(current)
    last_transfer = current.transfers.order_by("-transferred_on").first()
    if (
        last_transfer
        and current.actual_release_date
        and current.actual_release_date < last_transfer.transferred_on
    ):
        raise ApplicationError(
            "Release date must be on or after the last transfer", field="actual_release_date"
        )
    updated = SentenceEpisode.objects.filter(pk=sentence.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this sentence while you were editing it. Your changes have not been saved.",
            extra={"current_version": SentenceEpisode.objects.get(pk=sentence.pk).version},
        )
    sentence = SentenceEpisode.objects.select_related("case", "person", "establishment").get(
        pk=sentence.pk
    )
    policy.refresh_person_access(sentence.person)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=sentence.person,
        obj=sentence,
        detail={"fields": changed},
    )
    return sentence


@transaction.atomic
def sentence_transfer_record(
    *, user, sentence: SentenceEpisode, to_establishment, transferred_on: datetime.date
) -> EstablishmentTransfer:
    policy.require(user, "case.change")
    sentence = (
        SentenceEpisode.objects.select_for_update(of=("self",))
        .select_related("case", "person")
        .get(pk=sentence.pk)
    )
    if sentence.case is None:
        raise NotFound("Sentence not found")
    policy.require_owner(user, sentence.case)
    if to_establishment is None or to_establishment.kind != SiteKind.PRISON:
        raise ApplicationError("Choose the prison the person moved to", field="to_establishment")
    if to_establishment.pk == sentence.establishment_id:
        raise ApplicationError(
            "The person is already at this establishment", field="to_establishment"
        )
    if not transferred_on:
        raise ApplicationError("Enter the date of the transfer", field="transferred_on")
    _not_future(transferred_on, "transferred_on", "Date of the transfer")
    if not sentence.reception_date:
        raise ApplicationError(
            "Record the reception date before a transfer", field="transferred_on"
        )
    if transferred_on < sentence.reception_date:
        raise ApplicationError(
            "Transfer date must be on or after the reception date", field="transferred_on"
        )
    if sentence.actual_release_date and transferred_on > sentence.actual_release_date:
        raise ApplicationError(
            "Transfer date must be on or before the release date", field="transferred_on"
        )
    last = sentence.transfers.order_by("-transferred_on").first()
    if last and transferred_on < last.transferred_on:
        raise ApplicationError(
            "Transfer date must be on or after the previous transfer", field="transferred_on"
        )
    transfer = EstablishmentTransfer.objects.create(
        sentence=sentence,
        from_establishment_id=sentence.establishment_id,
        to_establishment=to_establishment,
        transferred_on=transferred_on,
        recorded_by=user,
    )
    SentenceEpisode.objects.filter(pk=sentence.pk).update(
        establishment=to_establishment, version=F("version") + 1
    )
    policy.refresh_person_access(sentence.person)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=sentence.person,
        obj=sentence,
        detail={"transfer_to": to_establishment.pk},
    )
    return transfer


RELEASE_PLAN_FIELDS = {
    "release_address",
    "id_documents_ready",
    "bank_account_ready",
    "accommodation_screened_on",
    "notes",
}


@transaction.atomic
def release_plan_update(*, user, case: Case, version: int, **fields) -> ReleasePlan:
    """Update the pre-release checklist (optimistic version check; version 1 for a new checklist)."""
    policy.require(user, "case.change")
    policy.require_owner(user, case)
    _check_unknown(fields, RELEASE_PLAN_FIELDS)
    _not_future(
        fields.get("accommodation_screened_on"),
        "accommodation_screened_on",
        "Date of accommodation screening",
    )
    plan, _ = ReleasePlan.objects.get_or_create(case=case)
    reception = (
        case.sentences.exclude(reception_date=None)
        .order_by("-reception_date")
        .values_list("reception_date", flat=True)
        .first()
    )
    screened = fields.get("accommodation_screened_on")
    if screened and reception and screened < reception:
        raise ApplicationError(
            "Accommodation screening must be on or after the reception date",
            field="accommodation_screened_on",
        )
    updated = ReleasePlan.objects.filter(pk=plan.pk, version=version).update(
        version=F("version") + 1, updated_by=user, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this checklist while you were editing it. Your changes have not been saved.",
            extra={"current_version": ReleasePlan.objects.get(pk=plan.pk).version},
        )
    plan = ReleasePlan.objects.get(pk=plan.pk)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=case.person,
        obj=plan,
        detail={"fields": sorted(fields)},
    )
    return plan


def freshstart_status(*, person):
    """The Freshstart booking state from the custody app, or None when it does not provide one (yet)."""
    try:
        from custody.selectors import freshstart_status as custody_freshstart_status
    except (ImportError, AttributeError):
        return None
    try:
        return custody_freshstart_status(person=person)
    except (ImportError, AttributeError):
        return None


# --- Release hand-off ----------------------------------------------------------------------


@transaction.atomic
def handoff_create(*, user, case: Case, to_agency, to_site=None, note: str = "") -> ReleaseHandoff:
    """Hand the case to the release-area agency. It stays open until someone there accepts it.

    The receiving agency is involved in the case (basis "handoff") so it can see the person and
    accept; that needs the person's consent covering it (ConsentRequired otherwise).
    """
    from consent.services import case_involve

    policy.require(user, "case.change")
    policy.require_owner(user, case)
    _require_open(case)
    if to_agency is None:
        raise ApplicationError("Choose the agency to hand the case to", field="to_agency")
    if to_agency.pk == case.owning_agency_id:
        raise ApplicationError(
            "Your agency already owns this case: choose the release-area agency", field="to_agency"
        )
    if to_site is not None and to_site.agency_id != to_agency.pk:
        raise ApplicationError(
            f"{to_site.name} is not an office of {to_agency.name}", field="to_site"
        )
    if ReleaseHandoff.objects.filter(case=case, status=HandoffStatus.PENDING).exists():
        raise ApplicationError(
            "This case already has a hand-off waiting to be accepted", field="to_agency"
        )
    case_involve(
        user=user, case=case, agency=to_agency, basis=InvolvementBasis.HANDOFF, check_role=False
    )
    handoff = ReleaseHandoff.objects.create(
        case=case,
        from_agency=user.acting.agency,
        to_agency=to_agency,
        to_site=to_site,
        note=(note or "").strip(),
        requested_by=user,
    )
    access_event_record(
        user=user,
        action=Action.SHARE,
        person=case.person,
        obj=handoff,
        detail={"to_agency": to_agency.pk, "handoff": handoff.pk},
    )
    _notify_handoff(handoff)
    return handoff


def _notify_handoff(handoff: ReleaseHandoff) -> None:
    """Tell the receiving agency's caseworkers and managers (at the chosen office, if one was
    chosen and has any) that a case waits for them: no personal data, a link to accept it."""
    from agencies.models import StaffMembership

    staff = StaffMembership.objects.filter(
        agency_id=handoff.to_agency_id,
        is_active=True,
        user__is_active=True,
        role__in=[Role.CASEWORKER, Role.MANAGER],
    )
    notifications.notify_on_commit(
        users=list(staff.values_list("user_id", flat=True).distinct()),
        kind="handoff_waiting",
        message=f"{handoff.from_agency.name} handed a case to your agency: accept it to take "
        "it over.",
        url=reverse("casework:handoff_detail", args=[handoff.pk]),
    )


@transaction.atomic
def handoff_accept(*, user, handoff: ReleaseHandoff) -> ReleaseHandoff:
    """The receiving agency accepts: it becomes the owner and the lead; the old owner stays involved."""
    from consent.services import involvements_after_handoff

    policy.require(user, "case.change")
    handoff = (
        ReleaseHandoff.objects.select_for_update(of=("self",))
        .select_related("case", "case__person")
        .get(pk=handoff.pk)
    )
    if handoff.to_agency_id != user.acting.agency_id:
        raise Forbidden("Only the agency this case was handed to can accept it.")
    if handoff.status != HandoffStatus.PENDING:
        raise Conflict(f"This hand-off has already been {handoff.get_status_display().lower()}.")
    case = Case.objects.select_for_update().get(pk=handoff.case_id)
    if not case.is_open:
        raise ApplicationError("The case has been closed, so it cannot be handed over")
    today = policy.today()
    old_agency_id = case.owning_agency_id
    details_before = {"site": case.site_id, "owner": case.owner_id}
    case = _bump_case(
        case, case.version, owning_agency_id=handoff.to_agency_id, owner=user, site=handoff.to_site
    )
    record_detail_changes(
        person_id=case.person_id,
        case_id=case.pk,
        before=details_before,
        after={"site": case.site_id, "owner": case.owner_id},
    )
    LeadAgencyPeriod.objects.filter(case=case, ended_on__isnull=True).update(ended_on=today)
    LeadAgencyPeriod.objects.create(case=case, agency_id=handoff.to_agency_id, started_on=today)
    involvements_after_handoff(
        case=case, old_agency_id=old_agency_id, new_agency_id=handoff.to_agency_id, user=user
    )
    ReleaseHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.ACCEPTED, decided_by=user, decided_at=timezone.now()
    )
    _case_event(
        user,
        case,
        CaseEventKind.LEAD,
        from_value=str(old_agency_id),
        to_value=str(handoff.to_agency_id),
        reason="Release hand-off accepted",
    )
    policy.refresh_person_access(case.person)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=case.person,
        obj=handoff,
        detail={"accepted": True, "from_agency": old_agency_id},
    )
    handoff.refresh_from_db()
    return handoff


@transaction.atomic
def handoff_decline(*, user, handoff: ReleaseHandoff, reason: str) -> ReleaseHandoff:
    """The receiving agency cannot take the case: the hand-off ends, the owner keeps the case and
    sees why, and the receiving agency's hand-off involvement (and the access it gave) ends."""
    from consent.services import handoff_involvement_end

    policy.require(user, "case.change")
    reason = (reason or "").strip()
    handoff = (
        ReleaseHandoff.objects.select_for_update(of=("self",))
        .select_related("case", "case__person")
        .get(pk=handoff.pk)
    )
    if handoff.to_agency_id != user.acting.agency_id:
        raise Forbidden("Only the agency this case was handed to can decline it.")
    if handoff.status != HandoffStatus.PENDING:
        raise Conflict(f"This hand-off has already been {handoff.get_status_display().lower()}.")
    if not reason:
        raise ApplicationError("Say why your agency cannot take this case", field="decline_reason")
    ReleaseHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.DECLINED,
        decided_by=user,
        decided_at=timezone.now(),
        decline_reason=reason[:2000],
    )
    handoff_involvement_end(case=handoff.case, agency_id=handoff.to_agency_id)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=handoff.case.person,
        obj=handoff,
        detail={"declined": True, "from_agency": handoff.from_agency_id},
    )
    handoff.refresh_from_db()
    return handoff


@transaction.atomic
def handoff_cancel(*, user, handoff: ReleaseHandoff) -> ReleaseHandoff:
    """The handing-off agency withdraws a hand-off nobody has accepted yet."""
    from consent.services import handoff_involvement_end

    policy.require(user, "case.change")
    handoff = (
        ReleaseHandoff.objects.select_for_update(of=("self",))
        .select_related("case", "case__person")
        .get(pk=handoff.pk)
    )
    policy.require_owner(user, handoff.case)
    if handoff.status != HandoffStatus.PENDING:
        raise Conflict(f"This hand-off has already been {handoff.get_status_display().lower()}.")
    ReleaseHandoff.objects.filter(pk=handoff.pk).update(
        status=HandoffStatus.CANCELLED, decided_by=user, decided_at=timezone.now()
    )
    handoff_involvement_end(case=handoff.case, agency_id=handoff.to_agency_id)
    access_event_record(
        user=user,
        action=Action.REVOKE,
        person=handoff.case.person,
        obj=handoff,
        detail={"cancelled": True, "to_agency": handoff.to_agency_id},
    )
    handoff.refresh_from_db()
    return handoff
