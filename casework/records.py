"""Writes for the records each role keeps in a week (issue 19): who manages the person, risk and
licence, qualifications and courses. Each checks the role and record rules in consent.policy,
validates, saves with an optimistic version check and writes its audit row in one transaction."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import Action
from audit.services import access_event_record
from casework.models import (
    Case,
    CaseEventKind,
    Course,
    CourseOutcome,
    MappaCategory,
    MappaLevel,
    Qualification,
    QualificationLevel,
    QualificationStatus,
    RiskLicence,
    RoshLevel,
)
from casework.services import _case_event, _check_unknown, _choice, _not_future, _require_open
from consent import policy
from consent.sections import RISK_PART, Section
from core.errors import ApplicationError, Conflict

# --- Who manages the person ----------------------------------------------------------------------

OFFENDER_MANAGER_FIELDS = {
    "offender_manager_name",
    "offender_manager_agency",
    "offender_manager_contact",
}


def _stale(what: str, current_version: int):
    return Conflict(
        f"Someone else changed {what} while you were editing it. Your changes have not been saved.",
        extra={"current_version": current_version},
    )


@transaction.atomic
def offender_manager_set(*, user, case: Case, version: int, **fields) -> Case:
    """Record the named offender manager of a case, or none allocated (an empty name)."""
    policy.require_offender_management(user, case)
    _check_unknown(fields, OFFENDER_MANAGER_FIELDS)
    _require_open(case)
    fields = {k: (v or "").strip() for k, v in fields.items()}
    current = Case.objects.get(pk=case.pk)
    merged = {name: fields.get(name, getattr(current, name)) for name in OFFENDER_MANAGER_FIELDS}
    if not merged["offender_manager_name"] and (
        merged["offender_manager_agency"] or merged["offender_manager_contact"]
    ):
        raise ApplicationError(
            "Enter the offender manager's name, or clear the agency and contact for none allocated",
            field="offender_manager_name",
        )
    if merged["offender_manager_name"] and not merged["offender_manager_agency"]:
        raise ApplicationError(
            "Enter the offender manager's agency", field="offender_manager_agency"
        )
    for name, limit in (
        ("offender_manager_name", 100),
        ("offender_manager_agency", 150),
        ("offender_manager_contact", 200),
    ):
        if len(merged[name]) > limit:
            raise ApplicationError(f"Use {limit} characters or fewer", field=name)
    before = current.offender_manager_name
    updated = Case.objects.filter(pk=case.pk, version=version).update(
        version=F("version") + 1, **merged
    )
    if not updated:
        raise _stale("this case", current.version)
    case = Case.objects.select_related("person", "owning_agency").get(pk=case.pk)
    if before != case.offender_manager_name:
        _case_event(
            user,
            case,
            CaseEventKind.OFFENDER_MANAGER,
            from_value=before[:40],
            to_value=case.offender_manager_name[:40],
        )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=case.person,
        obj=case,
        detail={"fields": sorted(k for k in merged if getattr(current, k) != merged[k])},
    )
    return case


# --- Risk and licence ----------------------------------------------------------------------------

RISK_FIELDS = {
    "rosh_level",
    "mappa_category",
    "mappa_level",
    "licence_ends_on",
    "exclusion_zones",
    "curfew_from",
    "curfew_until",
    "no_work_with_children",
    "no_work_with_vulnerable_adults",
    "disclosure_required",
    "notes",
}


def parse_zones(value) -> list[str]:
    """Exclusion zones from a list or from comma- or line-separated text, tidied, no duplicates."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace("\n", ",").split(",")
    zones = []
    for item in items:
        zone = " ".join(str(item).split())[:100]
        if zone and zone.lower() not in {z.lower() for z in zones}:
            zones.append(zone)
    return zones[:20]


def _validate_risk(row: RiskLicence) -> None:
    _choice(row.rosh_level, RoshLevel, "rosh_level", "Select the risk of serious harm level")
    _choice(row.mappa_category, MappaCategory, "mappa_category", "Select a MAPPA category")
    _choice(row.mappa_level, MappaLevel, "mappa_level", "Select a MAPPA level")
    if row.mappa_level and not row.mappa_category:
        raise ApplicationError(
            "Select a MAPPA category before a MAPPA level (a level needs a category)",
            field="mappa_category",
        )
    if (row.curfew_from is None) != (row.curfew_until is None):
        field = "curfew_until" if row.curfew_until is None else "curfew_from"
        raise ApplicationError("Enter both curfew times, or neither", field=field)
    if row.curfew_from is not None and row.curfew_from == row.curfew_until:
        raise ApplicationError("The curfew must end at a different time", field="curfew_until")


@transaction.atomic
def risk_licence_update(*, user, case: Case, version: int, **fields) -> RiskLicence:
    """Record or correct risk and licence (version 1 for a first record). The case owner only, and
    only while its agency sees the offence part (it always does as owner)."""
    policy.require_section(user, case.person, RISK_PART)
    policy.require_offender_management(user, case)
    _check_unknown(fields, RISK_FIELDS)
    if "exclusion_zones" in fields:
        fields["exclusion_zones"] = parse_zones(fields["exclusion_zones"])
    for name in ("notes",):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    for name in ("mappa_category", "mappa_level"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    row = RiskLicence.objects.select_for_update().filter(case=case).first()
    created = row is None
    if created:
        row = RiskLicence(case=case, agency=user.acting.agency, updated_by=user)
    changed = sorted(k for k, v in fields.items() if getattr(row, k) != v)
    for name, value in fields.items():
        setattr(row, name, value)
    _validate_risk(row)
    if created:
        if version != 1:
            raise _stale("risk and licence", 1)
        row.save()
    else:
        updated = RiskLicence.objects.filter(pk=row.pk, version=version).update(
            version=F("version") + 1,
            updated_by=user,
            agency=user.acting.agency,
            updated_at=timezone.now(),
            **fields,
        )
        if not updated:
            raise _stale("risk and licence", row.version)
        row = RiskLicence.objects.get(pk=row.pk)
    access_event_record(
        user=user,
        action=Action.CREATE if created else Action.CHANGE,
        person=case.person,
        obj=row,
        detail={"fields": changed, "part": RISK_PART},
    )
    return row


# --- Qualifications and courses ------------------------------------------------------------------

QUALIFICATION_FIELDS = {
    "status",
    "subject",
    "level",
    "awarding_body",
    "achieved_on",
    "accredited",
    "goal",
}
COURSE_FIELDS = {"title", "provider", "accredited", "started_on", "outcome", "ended_on", "goal"}


def _require_learning(user, case: Case) -> None:
    policy.require(user, "learning.record")
    policy.require_section(user, case.person, Section.PLAN)


def _check_goal(case, goal):
    if goal is not None and goal.case_id != case.pk:
        raise ApplicationError("Choose a goal from this case's plan", field="goal")


def _validate_qualification(case: Case, q: Qualification) -> None:
    _choice(q.status, QualificationStatus, "status", "Select whether it was held or gained")
    _choice(q.level, QualificationLevel, "level", "Select the level of the qualification")
    q.subject = (q.subject or "").strip()
    q.awarding_body = (q.awarding_body or "").strip()
    if not q.subject:
        raise ApplicationError("Enter the subject or name of the qualification", field="subject")
    if len(q.subject) > 200:
        raise ApplicationError("Use 200 characters or fewer", field="subject")
    if len(q.awarding_body) > 150:
        raise ApplicationError("Use 150 characters or fewer", field="awarding_body")
    if q.status == QualificationStatus.GAINED and q.achieved_on is None:
        raise ApplicationError("Enter the date the qualification was gained", field="achieved_on")
    _not_future(q.achieved_on, "achieved_on", "The date achieved")
    born = case.person.date_of_birth
    if q.achieved_on and born and q.achieved_on < born:
        raise ApplicationError(
            f"The date achieved must be after the person's date of birth ({born:%-d %B %Y})",
            field="achieved_on",
        )
    if q.status == QualificationStatus.GAINED and q.achieved_on < case.start_date:
        raise ApplicationError(
            f"A qualification gained during support is dated on or after the case start "
            f"({case.start_date:%-d %B %Y}); record an earlier one as held",
            field="achieved_on",
        )
    _check_goal(case, q.goal)


@transaction.atomic
def qualification_add(*, user, case: Case, **fields) -> Qualification:
    _require_learning(user, case)
    _require_open(case)
    _check_unknown(fields, QUALIFICATION_FIELDS)
    q = Qualification(case=case, agency=user.acting.agency, recorded_by=user, **fields)
    _validate_qualification(case, q)
    q.save()
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=q)
    return q


@transaction.atomic
def qualification_update(*, user, qualification: Qualification, version: int, **fields):
    """Correct a qualification: the agency that recorded it, or the case owner."""
    case = qualification.case
    _require_learning(user, case)
    policy.require_row_change(
        user, person=case.person, row_agency_id=qualification.agency_id, what="this qualification"
    )
    _check_unknown(fields, QUALIFICATION_FIELDS)
    current = Qualification.objects.get(pk=qualification.pk)
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_qualification(case, current)
    values = {name: getattr(current, name) for name in fields}
    updated = Qualification.objects.filter(pk=current.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise _stale("this qualification", current.version)
    current = Qualification.objects.select_related("case", "goal").get(pk=current.pk)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=current, detail={"fields": changed}
    )
    return current


def _validate_course(case: Case, c: Course) -> None:
    _choice(c.outcome, CourseOutcome, "outcome", "Select how the course is going")
    c.title = (c.title or "").strip()
    c.provider = (c.provider or "").strip()
    if not c.title:
        raise ApplicationError("Enter the name of the course", field="title")
    if len(c.title) > 200:
        raise ApplicationError("Use 200 characters or fewer", field="title")
    if len(c.provider) > 150:
        raise ApplicationError("Use 150 characters or fewer", field="provider")
    if c.started_on is None:
        raise ApplicationError("Enter the date the course started", field="started_on")
    _not_future(c.started_on, "started_on", "The start date")
    if c.outcome == CourseOutcome.IN_PROGRESS:
        if c.ended_on is not None:
            raise ApplicationError(
                "Leave the end date empty while the course is in progress", field="ended_on"
            )
    else:
        if c.ended_on is None:
            raise ApplicationError("Enter the date the course ended", field="ended_on")
        _not_future(c.ended_on, "ended_on", "The end date")
        if c.ended_on < c.started_on:
            raise ApplicationError(
                "The end date must be on or after the start date", field="ended_on"
            )
    _check_goal(case, c.goal)


@transaction.atomic
def course_add(*, user, case: Case, **fields) -> Course:
    _require_learning(user, case)
    _require_open(case)
    _check_unknown(fields, COURSE_FIELDS)
    c = Course(case=case, agency=user.acting.agency, recorded_by=user, **fields)
    _validate_course(case, c)
    c.save()
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=c)
    return c


@transaction.atomic
def course_update(*, user, course: Course, version: int, **fields) -> Course:
    """Correct a course or record its completion: the agency that recorded it, or the case owner."""
    case = course.case
    _require_learning(user, case)
    policy.require_row_change(
        user, person=case.person, row_agency_id=course.agency_id, what="this course"
    )
    _check_unknown(fields, COURSE_FIELDS)
    current = Course.objects.get(pk=course.pk)
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_course(case, current)
    values = {name: getattr(current, name) for name in fields}
    updated = Course.objects.filter(pk=current.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise _stale("this course", current.version)
    current = Course.objects.select_related("case", "goal").get(pk=current.pk)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=current, detail={"fields": changed}
    )
    return current


# --- Accommodation outcome at release and three months after ------------------------------------

ACCOMMODATION_FIELDS = {"status", "note"}


def release_date_of(case: Case):
    """The latest actual release of the case's sentences (None if not released)."""
    from casework.models import SentenceEpisode

    return (
        SentenceEpisode.objects.filter(case=case, actual_release_date__isnull=False)
        .order_by("-actual_release_date")
        .values_list("actual_release_date", flat=True)
        .first()
    )


@transaction.atomic
def accommodation_outcome_record(*, user, case: Case, point: str, status: str, note: str = ""):
    """Record the accommodation outcome at a point (once: correct it with the update)."""
    from casework.models import (
        AccommodationOutcome,
        AccommodationOutcomeStatus,
        AccommodationPoint,
    )

    policy.require_section(user, case.person, Section.CUSTODY)
    policy.require(user, "accommodation.record")
    _choice(point, AccommodationPoint, "point", "Select when the outcome is for")
    _choice(status, AccommodationOutcomeStatus, "status", "Select where the person is living")
    released = release_date_of(case)
    if released is None:
        raise ApplicationError(
            "Record the release on the sentence first: the outcome is dated from it", field="point"
        )
    as_at = released if point == AccommodationPoint.AT_RELEASE else _three_months(released)
    if as_at > policy.today():
        raise ApplicationError(
            f"The three-month outcome can be recorded from {as_at:%-d %B %Y}", field="point"
        )
    if AccommodationOutcome.objects.filter(case=case, point=point).exists():
        raise ApplicationError("This outcome is already recorded: change it instead", field="point")
    row = AccommodationOutcome.objects.create(
        case=case,
        point=point,
        status=status,
        as_at=as_at,
        note=(note or "").strip(),
        agency=user.acting.agency,
        recorded_by=user,
    )
    access_event_record(user=user, action=Action.CREATE, person=case.person, obj=row)
    return row


def _three_months(day):
    import calendar
    import datetime as dt

    month = day.month + 3
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def accommodation_outcome_update(*, user, outcome, version: int, **fields):
    """Correct an outcome: the agency that recorded it, or the case owner."""
    from casework.models import AccommodationOutcome, AccommodationOutcomeStatus

    case = outcome.case
    policy.require_section(user, case.person, Section.CUSTODY)
    policy.require(user, "accommodation.record")
    policy.require_row_change(
        user, person=case.person, row_agency_id=outcome.agency_id, what="this outcome"
    )
    _check_unknown(fields, ACCOMMODATION_FIELDS)
    if "status" in fields:
        _choice(
            fields["status"],
            AccommodationOutcomeStatus,
            "status",
            "Select where the person is living",
        )
    if "note" in fields:
        fields["note"] = (fields["note"] or "").strip()
    current = AccommodationOutcome.objects.get(pk=outcome.pk)
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    updated = AccommodationOutcome.objects.filter(pk=current.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise _stale("this outcome", current.version)
    current = AccommodationOutcome.objects.select_related("case", "agency").get(pk=current.pk)
    access_event_record(
        user=user, action=Action.CHANGE, person=case.person, obj=current, detail={"fields": changed}
    )
    return current
