"""Writes for employers, vacancies, applications, job starts and retention checks.

Each person-facing write checks the role, works only on people the acting agency can see, saves,
and writes its audit row in the same transaction. The retention sweep is set-based: a few UPDATEs
per batch, each conditional on the status it moves from, so it can run twice or be killed and rerun.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from audit.services import access_event_record
from casework import services as casework_services
from casework.models import Case
from casework.validators import normalise_postcode
from consent import policy
from consent.sections import Section
from core import notifications
from core.errors import ApplicationError, Conflict, Forbidden
from employers.models import (
    APPLICATION_TRANSITIONS,
    OUTCOME_KINDS,
    Application,
    ApplicationStatus,
    CheckEvidence,
    CheckOutcome,
    CheckStatus,
    ContactMethod,
    ContractType,
    DisclosureChoice,
    Employer,
    EmployerContact,
    EmploymentSpell,
    Feedback,
    FeedbackKind,
    HoursBand,
    JobPreferences,
    RetentionCheck,
    Sector,
    SpellEndReason,
    SpellKind,
    Vacancy,
)

EMPLOYER_FIELDS = {
    "name",
    "sector",
    "size_band",
    "town",
    "postcode",
    "engagement_level",
    "alliance_level",
    "lep_member",
    "guaranteed_interviews",
    "fidelity_bonds",
    "contact_name",
    "contact_email",
    "contact_phone",
}
VACANCY_FIELDS = {
    "title",
    "sector",
    "town",
    "postcode",
    "hours_per_week",
    "pay",
    "contract_type",
    "closing_date",
    "disclosure_level",
    "exclusions",
}
SPELL_FIELDS = {
    "employer",
    "kind",
    "job_title",
    "start_date",
    "end_date",
    "end_reason",
    "hours_per_week",
    "hours_band",
    "contract_type",
    "pay",
    "verified_how",
    "application",
}
PREFERENCE_FIELDS = {
    "sector_interests",
    "min_hours",
    "max_hours",
    "convictions_spent",
    "disclosure_advice_given_on",
    "offence_types",
}
EVIDENCE_OPTIONAL = {CheckOutcome.UNABLE_TO_CONTACT, CheckOutcome.DECLINED_TO_SAY}


# --- helpers ---------------------------------------------------------------------------------


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


def _require_visible_person(user, person):
    """A person whose employment section the acting agency cannot see is answered as missing."""
    policy.require_section(user, person, Section.EMPLOYMENT)


def _case_for(user, person, case=None) -> Case:
    """The case the work belongs to: the one given (one the acting agency owns or works on, for
    this person) or the acting agency's own open one, else the open one it works on."""
    worked_on = policy.cases_worked_on(user, person)
    if case is not None:
        if not worked_on.filter(pk=case.pk).exists():
            raise ApplicationError("Select a case for this person", field="case")
        return case
    acting = user.acting
    chosen = (
        worked_on.open().filter(owning_agency_id=acting.agency_id).first()
        or worked_on.open().first()
    )
    if chosen is None:
        raise ApplicationError("This person has no open case your agency works on", field="case")
    return chosen


def hours_band_for(hours) -> str:
    if hours is None:
        return ""
    hours = Decimal(str(hours))
    if hours < 16:
        return HoursBand.UNDER_16
    if hours < 30:
        return HoursBand.FROM_16_TO_29
    return HoursBand.FROM_30


def _clean_list(values) -> list[str]:
    if isinstance(values, str):
        values = values.replace("\n", ",").split(",")
    return [v.strip() for v in (values or []) if v and v.strip()][:30]


# --- employers and vacancies (shared, not personal data) --------------------------------------


@transaction.atomic
def employer_create(*, user, **fields) -> Employer:
    policy.require(user, "person.view")
    _check_unknown(fields, EMPLOYER_FIELDS)
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    employer = Employer(owning_agency=user.acting.agency, **fields)
    _full_clean(employer, exclude=["owning_agency"])
    if Employer.objects.filter(
        name__iexact=employer.name.strip(), town__iexact=employer.town.strip()
    ).exists():
        raise ApplicationError(
            f"{employer.name} in {employer.town} is already recorded: use the existing employer",
            field="name",
        )
    employer.save()
    access_event_record(user=user, action=Action.CREATE, obj=employer)
    return employer


@transaction.atomic
def employer_update(*, user, employer: Employer, version: int, **fields) -> Employer:
    """The relationship owner (the agency that added the employer) keeps its details up to date."""
    policy.require(user, "person.view")
    if employer.owning_agency_id != user.acting.agency_id:
        raise Forbidden(
            "Only the agency that owns the relationship with this employer can change its details."
        )
    _check_unknown(fields, EMPLOYER_FIELDS)
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    candidate = Employer.objects.get(pk=employer.pk)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _full_clean(candidate, exclude=["owning_agency"])
    updated = Employer.objects.filter(pk=employer.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            "Someone else changed this employer while you were editing it. Your changes have not been saved."
        )
    employer = Employer.objects.get(pk=employer.pk)
    access_event_record(
        user=user, action=Action.CHANGE, obj=employer, detail={"fields": sorted(fields)}
    )
    return employer


@transaction.atomic
def employer_contact_record(
    *, user, employer: Employer, contacted_on: datetime.date, method: str, notes: str = ""
) -> EmployerContact:
    policy.require(user, "person.view")
    if method not in ContactMethod.values:
        raise ApplicationError("Select how you contacted the employer", field="method")
    if contacted_on > policy.today():
        raise ApplicationError("Date of contact must be today or in the past", field="contacted_on")
    contact = EmployerContact.objects.create(
        employer=employer,
        agency=user.acting.agency,
        user=user,
        contacted_on=contacted_on,
        method=method,
        notes=(notes or "").strip(),
    )
    access_event_record(
        user=user, action=Action.CREATE, obj=contact, detail={"employer": employer.pk}
    )
    return contact


@transaction.atomic
def vacancy_create(*, user, employer: Employer, **fields) -> Vacancy:
    policy.require(user, "person.view")
    _check_unknown(fields, VACANCY_FIELDS)
    fields["exclusions"] = _clean_list(fields.get("exclusions"))
    if fields.get("postcode"):
        fields["postcode"] = normalise_postcode(fields["postcode"])
    fields.setdefault("sector", employer.sector)
    fields.setdefault("town", employer.town)
    vacancy = Vacancy(employer=employer, created_by_agency=user.acting.agency, **fields)
    _full_clean(vacancy, exclude=["created_by_agency", "employer"])
    if vacancy.hours_per_week is not None and not 0 < vacancy.hours_per_week <= 80:
        raise ApplicationError("Hours a week must be between 1 and 80", field="hours_per_week")
    if vacancy.closing_date and vacancy.closing_date < policy.today():
        raise ApplicationError("Closing date must be today or in the future", field="closing_date")
    vacancy.save()
    access_event_record(
        user=user, action=Action.CREATE, obj=vacancy, detail={"employer": employer.pk}
    )
    return vacancy


# --- the person's preferences and disclosure choices -----------------------------------------


@transaction.atomic
def job_preferences_set(*, user, person, **fields) -> JobPreferences:
    policy.require(user, "person.change")
    _require_visible_person(user, person)
    _check_unknown(fields, PREFERENCE_FIELDS)
    if "sector_interests" in fields:
        bad = [s for s in fields["sector_interests"] if s not in Sector.values]
        if bad:
            raise ApplicationError(f"Unknown sector: {', '.join(bad)}", field="sector_interests")
    if "offence_types" in fields:
        if not policy.sees(user, person, "offence"):
            raise Forbidden("Your agency cannot see or change offence details for this person.")
        fields["offence_types"] = _clean_list(fields["offence_types"])
    lo, hi = fields.get("min_hours"), fields.get("max_hours")
    if lo is not None and hi is not None and lo > hi:
        raise ApplicationError(
            "Most hours must be the same as or more than the fewest hours", field="max_hours"
        )
    prefs, _ = JobPreferences.objects.select_for_update().get_or_create(person=person)
    for name, value in fields.items():
        setattr(prefs, name, value)
    prefs.updated_by = user
    prefs.save()
    access_event_record(
        user=user, action=Action.CHANGE, person=person, obj=prefs, detail={"fields": sorted(fields)}
    )
    return prefs


@transaction.atomic
def disclosure_choice_record(
    *, user, person, employer: Employer, disclosed: bool, on: datetime.date, made_by_person: bool
) -> DisclosureChoice:
    """Record the person's own choice to disclose their convictions to one employer (or not)."""
    policy.require(user, "person.change")
    _require_visible_person(user, person)
    if not made_by_person:
        raise ApplicationError(
            "Only the person can choose to disclose their convictions: confirm they made this choice",
            field="made_by_person",
        )
    if on > policy.today():
        raise ApplicationError("Date of the choice must be today or in the past", field="on")
    existing = (
        DisclosureChoice.objects.select_for_update()
        .filter(person=person, employer=employer)
        .first()
    )
    if existing is not None:
        policy.require_row_change(
            user,
            person=person,
            row_agency_id=existing.recorded_by_agency_id,
            what="this disclosure choice",
        )
    choice, _ = DisclosureChoice.objects.update_or_create(
        person=person,
        employer=employer,
        defaults={
            "disclosed": bool(disclosed),
            "on": on,
            "recorded_by": user,
            "recorded_by_agency": user.acting.agency,
        },
    )
    access_event_record(
        user=user,
        action=Action.DISCLOSE if disclosed else Action.CHANGE,
        person=person,
        obj=choice,
        detail={"employer": employer.pk, "disclosed": bool(disclosed)},
    )
    return choice


# --- applications and interviews -------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    user,
    person,
    vacancy: Vacancy,
    case: Case | None = None,
    status: str = ApplicationStatus.INTERESTED,
    interview_at=None,
) -> Application:
    policy.require(user, "person.change")
    _require_visible_person(user, person)
    case = _case_for(user, person, case)
    if status not in (
        ApplicationStatus.INTERESTED,
        ApplicationStatus.APPLIED,
        ApplicationStatus.INTERVIEW_ARRANGED,
    ):
        raise ApplicationError(
            "A new application starts as interested, applied or interview arranged", field="status"
        )
    if status == ApplicationStatus.INTERVIEW_ARRANGED and interview_at is None:
        raise ApplicationError("Enter the interview date and time", field="interview_at")
    if Application.objects.filter(
        person=person,
        vacancy=vacancy,
        status__in=[
            ApplicationStatus.INTERESTED,
            ApplicationStatus.APPLIED,
            ApplicationStatus.INTERVIEW_ARRANGED,
            ApplicationStatus.INTERVIEWED,
        ],
    ).exists():
        raise ApplicationError(
            "This person already has an open application for this vacancy", field="vacancy"
        )
    application = Application.objects.create(
        person=person,
        case=case,
        vacancy=vacancy,
        status=status,
        interview_at=interview_at,
        agency=user.acting.agency,
        created_by=user,
    )
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=application,
        detail={"vacancy": vacancy.pk, "status": status},
    )
    return application


def _interview_held_after_its_date(status, interview_at, *, changed) -> None:
    """An interview cannot be recorded as held (interviewed) before the day it was arranged for."""
    if status != ApplicationStatus.INTERVIEWED or interview_at is None:
        return
    day = timezone.localtime(interview_at).date()
    if day > policy.today():
        raise ApplicationError(
            f"The interview is arranged for {day:%-d %B %Y}: record it as interviewed on or "
            "after that day",
            field="status" if changed else "interview_at",
        )


@transaction.atomic
def application_update(
    *,
    user,
    application: Application,
    version: int | None = None,
    status: str | None = None,
    interview_at=None,
    outcome: str | None = None,
    offered_on: datetime.date | None = None,
) -> Application:
    """Change an application. `offered_on` is the day the offer was made (default today): reports
    date offers by it, not by when the offer was typed in."""
    policy.require(user, "person.change")
    current = (
        Application.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=application.pk)
        .first()
    )
    if current is None:
        from core.errors import NotFound

        raise NotFound("Application not found")
    policy.require_row_change(
        user, person=current.person, row_agency_id=current.agency_id, what="this application"
    )
    if version is not None and version != current.version:
        raise Conflict(
            "Someone else changed this application while you were editing it. Your changes have not been saved."
        )
    changes = {}
    if status and status != current.status:
        if status not in ApplicationStatus.values:
            raise ApplicationError("Select a status", field="status")
        if status not in APPLICATION_TRANSITIONS[ApplicationStatus(current.status)]:
            raise ApplicationError(
                f"An application that is {current.get_status_display().lower()} cannot become "
                f"{ApplicationStatus(status).label.lower()}",
                field="status",
            )
        changes["status"] = status
        changes["status_changed_at"] = timezone.now()
        if status == ApplicationStatus.OFFERED:
            changes["offered_on"] = offered_on or policy.today()
    if (
        offered_on is not None
        and changes.get("status", current.status) == ApplicationStatus.OFFERED
    ):
        if offered_on > policy.today():
            raise ApplicationError(
                "The date of the offer must be today or in the past", field="offered_on"
            )
        if current.interview_at is not None and offered_on < current.interview_at.date():
            raise ApplicationError(
                "The offer cannot be made before the interview", field="offered_on"
            )
        changes["offered_on"] = offered_on
    elif offered_on is not None:
        raise ApplicationError("Only an offered application has an offer date", field="offered_on")
    new_status = changes.get("status", current.status)
    if interview_at is not None:
        changes["interview_at"] = interview_at
    _interview_held_after_its_date(
        new_status, changes.get("interview_at", current.interview_at), changed="status" in changes
    )
    if new_status == ApplicationStatus.INTERVIEW_ARRANGED and not (
        interview_at or current.interview_at
    ):
        raise ApplicationError("Enter the interview date and time", field="interview_at")
    if outcome is not None:
        changes["outcome"] = outcome.strip()
    if not changes:
        return current
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.save(update_fields=[*changes, "version"])
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=current.person,
        obj=current,
        detail={
            "fields": sorted(k for k in changes if k != "status_changed_at"),
            "status": current.status,
        },
    )
    return current


# --- job starts and their retention checks ----------------------------------------------------


def _validate_spell(spell: EmploymentSpell):
    today = policy.today()
    if spell.kind not in SpellKind.values:
        raise ApplicationError("Select what kind of work this is", field="kind")
    if not (spell.job_title or "").strip():
        raise ApplicationError("Enter the job title", field="job_title")
    if spell.start_date is None:
        raise ApplicationError("Enter the start date", field="start_date")
    if spell.start_date > today + datetime.timedelta(days=90):
        raise ApplicationError("Start date must be within the next 90 days", field="start_date")
    if spell.end_date is not None:
        if spell.end_date < spell.start_date:
            raise ApplicationError("End date must be on or after the start date", field="end_date")
        if spell.end_date > today:
            raise ApplicationError("End date must be today or in the past", field="end_date")
        if not spell.end_reason:
            raise ApplicationError("Select why the job ended", field="end_reason")
    elif spell.end_reason:
        spell.end_reason = ""
    if spell.employer_id is None and spell.kind not in (
        SpellKind.SELF_EMPLOYMENT,
        SpellKind.EXISTING_JOB_KEPT,
    ):
        raise ApplicationError("Select the employer", field="employer")
    if spell.kind == SpellKind.SELF_EMPLOYMENT:
        spell.contract_type = ContractType.SELF_EMPLOYED
    if spell.hours_per_week is not None:
        if not 0 < spell.hours_per_week <= 80:
            raise ApplicationError("Hours a week must be between 1 and 80", field="hours_per_week")
        spell.hours_band = hours_band_for(spell.hours_per_week)
    if spell.contract_type not in ContractType.values:
        raise ApplicationError("Select the contract type", field="contract_type")
    if spell.end_reason and spell.end_reason not in SpellEndReason.values:
        raise ApplicationError("Select why the job ended", field="end_reason")


def _sync_checks(spell: EmploymentSpell) -> None:
    """Make the spell's open checks match its dates: schedule missing milestones, move due dates when
    the start changes, cancel checks due after the end date and reopen them if the end is undone."""
    now = timezone.now()
    existing = {c.milestone_weeks: c for c in RetentionCheck.objects.filter(spell=spell)}
    outcome = spell.kind in OUTCOME_KINDS
    to_create = []
    for weeks in sorted(set(settings.RETENTION_MILESTONE_WEEKS) | set(existing)):
        due = spell.start_date + datetime.timedelta(days=7 * weeks)
        cancel = not outcome or (spell.end_date is not None and due > spell.end_date)
        check = existing.get(weeks)
        if check is None:
            if outcome:
                to_create.append(
                    RetentionCheck(
                        spell=spell,
                        milestone_weeks=weeks,
                        due_on=due,
                        status_changed_at=now,
                        status=CheckStatus.CANCELLED if cancel else CheckStatus.SCHEDULED,
                    )
                )
            continue
        if check.status == CheckStatus.RECORDED:
            continue
        if cancel:
            status = CheckStatus.CANCELLED
        elif check.status == CheckStatus.CANCELLED or check.due_on != due:
            status = (
                CheckStatus.SCHEDULED
            )  # the sweep moves it on from its (new) date and tells the adviser again
        else:
            continue
        if (check.status, check.due_on) != (status, due):
            values = {"status": status, "due_on": due, "status_changed_at": now}
            if status == CheckStatus.SCHEDULED:
                values["notified_at"] = None
            RetentionCheck.objects.filter(pk=check.pk, status=check.status).exclude(
                status=CheckStatus.RECORDED
            ).update(**values)
    if to_create:
        RetentionCheck.objects.bulk_create(to_create, ignore_conflicts=True)


def _case_follows_work(user, spell: EmploymentSpell, reason: str) -> None:
    """Move the spell's case to or from "in work" by whether the person is in a job (an outcome
    kind) today on that case."""
    if spell.case_id is None:
        return
    today = policy.today()
    in_work = (
        EmploymentSpell.objects.filter(
            case_id=spell.case_id, kind__in=OUTCOME_KINDS, start_date__lte=today
        )
        .filter(models.Q(end_date__isnull=True) | models.Q(end_date__gt=today))
        .exists()
    )
    casework_services.case_follows_work(user=user, case=spell.case, in_work=in_work, reason=reason)


def _check_offer_for_spell(person, application: Application) -> None:
    """A job start made from an application: the person's own, offered, and not made already."""
    if application.person_id != person.pk:
        raise ApplicationError("That application is for someone else", field="application")
    status = (  # as stored now: the caller's copy may predate the offer
        Application.objects.filter(pk=application.pk).values_list("status", flat=True).first()
    )
    if status != ApplicationStatus.OFFERED:
        raise ApplicationError(
            f"A job start is made from an offered application: this one is "
            f"{ApplicationStatus(status).label.lower() if status else 'not found'}",
            field="application",
        )
    if EmploymentSpell.objects.filter(application=application).exists():
        raise ApplicationError(
            "A job start has already been recorded for this offer: change that one instead",
            field="application",
        )


def spell_fields_from_application(application: Application) -> dict:
    """What an offered application already says about the job, to fill in its job start."""
    vacancy = application.vacancy
    return {
        "kind": SpellKind.JOB,
        "employer": vacancy.employer_id,
        "job_title": vacancy.title,
        "hours_per_week": vacancy.hours_per_week,
        "contract_type": vacancy.contract_type,
        "pay": vacancy.pay,
    }


@transaction.atomic
def employment_spell_create(
    *, user, person, case: Case | None = None, adviser=None, verified: bool = True, **fields
) -> EmploymentSpell:
    """Record a job start (or kept job, self-employment, trial, work experience); schedules the retention checks."""
    policy.require(user, "person.change")
    _require_visible_person(user, person)
    _check_unknown(fields, SPELL_FIELDS)
    case = _case_for(user, person, case)
    application = fields.get("application")
    if application is not None:
        _check_offer_for_spell(person, application)
    spell = EmploymentSpell(
        person=person, case=case, agency=user.acting.agency, adviser=adviser or user, **fields
    )
    if spell.verified_how:
        spell.verified_by = user
    _validate_spell(spell)
    _full_clean(
        spell,
        exclude=["person", "case", "agency", "adviser", "verified_by", "employer", "application"],
    )
    spell.save()
    _sync_checks(spell)
    _case_follows_work(user, spell, f"{spell.get_kind_display()} recorded")
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=spell,
        detail={"kind": spell.kind, "start_date": spell.start_date.isoformat()},
    )
    return spell


@transaction.atomic
def employment_spell_update(
    *, user, spell: EmploymentSpell, version: int, **fields
) -> EmploymentSpell:
    """Change a job start. A new start date moves its open checks; an end date cancels checks due after it."""
    policy.require(user, "person.change")
    _check_unknown(fields, SPELL_FIELDS)
    current = (
        EmploymentSpell.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=spell.pk)
        .first()
    )
    if current is None:
        from core.errors import NotFound

        raise NotFound("Job start not found")
    policy.require_row_change(
        user, person=current.person, row_agency_id=current.agency_id, what="this job start"
    )
    if current.version != version:
        raise Conflict(
            "Someone else changed this job start while you were editing it. Your changes have not been saved."
        )
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    if "verified_how" in changed:
        current.verified_by = user if current.verified_how else None
    _validate_spell(current)
    _full_clean(
        current,
        exclude=["person", "case", "agency", "adviser", "verified_by", "employer", "application"],
    )
    current.version += 1
    current.save()
    _sync_checks(current)
    _case_follows_work(user, current, "Left the job" if current.end_date else "Job start changed")
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=current.person,
        obj=current,
        detail={"fields": changed},
    )
    return current


@transaction.atomic
def retention_check_record(
    *,
    user,
    check: RetentionCheck,
    outcome: str,
    checked_on: datetime.date,
    evidence: str = "",
    notes: str = "",
    left_on: datetime.date | None = None,
) -> RetentionCheck:
    """Record a retention check. `left_no_job` ends the spell on `left_on` and cancels its later checks."""
    policy.require(user, "person.change")
    current = (
        RetentionCheck.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related("spell", "spell__person")
        .filter(pk=check.pk)
        .first()
    )
    if current is None:
        from core.errors import NotFound

        raise NotFound("Retention check not found")
    policy.require_row_change(
        user,
        person=current.spell.person,
        row_agency_id=current.spell.agency_id,
        what="this job start",
    )
    today = policy.today()
    if current.status == CheckStatus.RECORDED:
        raise Conflict("This check has already been recorded")
    if current.status == CheckStatus.CANCELLED:
        raise ApplicationError("This check was cancelled because the job ended before it was due")
    if current.due_on > today:
        raise ApplicationError(f"This check is not due until {current.due_on:%-d %B %Y}")
    if outcome not in CheckOutcome.values:
        raise ApplicationError("Select the outcome of the check", field="outcome")
    if evidence and evidence not in CheckEvidence.values:
        raise ApplicationError("Select who confirmed it", field="evidence")
    if not evidence and outcome not in EVIDENCE_OPTIONAL:
        raise ApplicationError("Select who confirmed it", field="evidence")
    if checked_on is None or checked_on > today:
        raise ApplicationError("Date of the check must be today or in the past", field="checked_on")
    spell = current.spell
    if checked_on < spell.start_date:
        raise ApplicationError(
            "Date of the check must be after the job started", field="checked_on"
        )
    if left_on is not None and outcome == CheckOutcome.IN_WORK:
        raise ApplicationError(
            "They are still in the same job, so leave the date they left blank "
            "(or choose another outcome)",
            field="left_on",
        )
    if outcome == CheckOutcome.LEFT_NO_JOB:
        left_on = left_on or checked_on
        if left_on < spell.start_date or left_on > checked_on:
            raise ApplicationError(
                "Date they left must be between the start of the job and the date of the check",
                field="left_on",
            )
    now = timezone.now()
    RetentionCheck.objects.filter(pk=current.pk).update(
        status=CheckStatus.RECORDED,
        outcome=outcome,
        evidence=evidence,
        checked_on=checked_on,
        notes=(notes or "").strip(),
        recorded_by=user,
        status_changed_at=now,
    )
    if outcome == CheckOutcome.LEFT_NO_JOB and (spell.end_date is None or spell.end_date > left_on):
        EmploymentSpell.objects.filter(pk=spell.pk).update(
            end_date=left_on, end_reason=SpellEndReason.LEFT_NO_JOB, version=F("version") + 1
        )
        spell.refresh_from_db()
        _sync_checks(spell)
        _case_follows_work(user, spell, "Left the job (retention check)")
    current.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=spell.person,
        obj=current,
        detail={"outcome": outcome, "milestone_weeks": current.milestone_weeks},
    )
    return current


# --- the sweep --------------------------------------------------------------------------------


def retention_sweep(
    *, today: datetime.date | None = None, batch_size: int = 5000, max_batches: int | None = None
) -> dict:
    """Move checks scheduled -> due on their date (straight to overdue when already past the grace
    period) and due -> overdue after it, and tell each adviser once per check.

    Each batch is one transaction: lock a batch of ids (SKIP LOCKED, so two sweeps never share rows),
    one conditional UPDATE that moves the status and stamps notified_at, and one email task per adviser
    after commit. No per-row queries. A killed sweep leaves whole batches done or untouched, and a
    rerun finishes the job; running it twice changes nothing the second time.
    Counts: `due` newly due, `overdue` newly overdue, `notified` checks told to their adviser."""
    today = today or policy.today()
    overdue_before = today - datetime.timedelta(days=settings.RETENTION_GRACE_DAYS)
    counts = {"due": 0, "overdue": 0, "notified": 0, "batches": 0}

    def budget_left():
        return max_batches is None or counts["batches"] < max_batches

    # 1. scheduled -> due (or overdue), told once
    while budget_left():
        with transaction.atomic():
            rows = _lock_batch(batch_size, status=CheckStatus.SCHEDULED, due_on__lte=today)
            counts["batches"] += 1
            if rows:
                now = timezone.now()
                RetentionCheck.objects.filter(
                    pk__in=[r[0] for r in rows], status=CheckStatus.SCHEDULED
                ).update(
                    status=models.Case(
                        models.When(
                            due_on__lt=overdue_before, then=models.Value(CheckStatus.OVERDUE)
                        ),
                        default=models.Value(CheckStatus.DUE),
                    ),
                    status_changed_at=now,
                    notified_at=Coalesce("notified_at", models.Value(now)),
                )
                overdue = sum(1 for r in rows if r[1] < overdue_before)
                counts["overdue"] += overdue
                counts["due"] += len(rows) - overdue
                _notify_after_commit(rows, counts)
        if len(rows) < batch_size:
            break

    # 2. due -> overdue after the grace period (the adviser was told when it fell due)
    while budget_left():
        batch = (
            RetentionCheck.objects.filter(status=CheckStatus.DUE, due_on__lt=overdue_before)
            .order_by()
            .values("pk")[:batch_size]
        )
        moved = RetentionCheck.objects.filter(pk__in=batch, status=CheckStatus.DUE).update(
            status=CheckStatus.OVERDUE, status_changed_at=timezone.now()
        )
        counts["batches"] += 1
        counts["overdue"] += moved
        if moved < batch_size:
            break

    # 3. safety net: any open check not yet told (e.g. moved by hand)
    while budget_left():
        with transaction.atomic():
            rows = _lock_batch(
                batch_size,
                status__in=[CheckStatus.DUE, CheckStatus.OVERDUE],
                notified_at__isnull=True,
            )
            counts["batches"] += 1
            if rows:
                RetentionCheck.objects.filter(
                    pk__in=[r[0] for r in rows], notified_at__isnull=True
                ).update(notified_at=timezone.now())
                _notify_after_commit(rows, counts)
        if len(rows) < batch_size:
            break

    if counts["due"] or counts["overdue"] or counts["notified"]:
        with transaction.atomic():
            access_event_record(
                user=None,
                action=Action.CHANGE,
                system="retention_sweep",
                detail={k: v for k, v in counts.items() if k != "batches"},
            )
    return counts


def _lock_batch(batch_size: int, **filters) -> list[tuple]:
    """(id, due_on, adviser_id, notified_at) of up to batch_size checks, locked until the transaction ends."""
    return list(
        RetentionCheck.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(**filters)
        .order_by("pk")
        .values_list("pk", "due_on", "spell__adviser_id", "notified_at")[:batch_size]
    )


def _notify_after_commit(rows: list[tuple], counts: dict) -> None:
    from core.dispatch import enqueue_on_commit
    from employers.tasks import retention_checks_notify_task

    by_adviser = defaultdict(list)
    for pk, _due_on, adviser_id, notified_at in rows:
        if notified_at is None:
            by_adviser[adviser_id].append(pk)
    for adviser_id, ids in sorted(by_adviser.items()):
        enqueue_on_commit(retention_checks_notify_task, adviser_id, ids)
        counts["notified"] += len(ids)


def retention_checks_notify(*, adviser_id: int, check_ids: list[int]) -> int:
    """Email one adviser that checks on their caseload are due. No names in the email: it leaves the system."""
    from django.core.mail import send_mail

    from agencies.models import User
    from core.mail import absolute_url

    adviser = User.objects.filter(pk=adviser_id, is_active=True).first()
    if adviser is None:
        return 0
    checks = list(
        RetentionCheck.objects.filter(
            pk__in=check_ids, status__in=[CheckStatus.DUE, CheckStatus.OVERDUE]
        ).values_list("status", flat=True)
    )
    if not checks:
        return 0
    overdue = sum(1 for s in checks if s == CheckStatus.OVERDUE)
    notifications.notify(
        users=[adviser],
        kind="checks_due",
        message=f"{len(checks)} retention check{'s' if len(checks) != 1 else ''} on your caseload "
        f"{'are' if len(checks) != 1 else 'is'} now due"
        f"{f' ({overdue} overdue)' if overdue else ''}.",
        url=reverse("employers:checks_due") + "?mine=1",
    )
    if not adviser.email:
        return 0
    lines = [
        f"{len(checks)} retention check{'s' if len(checks) != 1 else ''} on your caseload "
        f"{'are' if len(checks) != 1 else 'is'} now due{f' ({overdue} overdue)' if overdue else ''}.",
        "",
        f"Open your checks due list in Resettle: {absolute_url('employers:checks_due')}",
    ]
    send_mail(
        "Retention checks due", "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [adviser.email]
    )
    return len(checks)


# --- feedback ---------------------------------------------------------------------------------


@transaction.atomic
def feedback_record(
    *,
    user,
    kind: str,
    rating: int,
    given_on: datetime.date,
    comment: str = "",
    person=None,
    case: Case | None = None,
    employer: Employer | None = None,
) -> Feedback:
    policy.require(user, "person.view")
    if kind not in FeedbackKind.values:
        raise ApplicationError("Select whose feedback this is", field="kind")
    if rating is None or not 1 <= int(rating) <= 5:
        raise ApplicationError("Select a rating from 1 to 5", field="rating")
    if (
        kind in (FeedbackKind.EMPLOYER_ON_SERVICE, FeedbackKind.EMPLOYER_ON_EMPLOYEE)
        and employer is None
    ):
        raise ApplicationError("Select the employer giving feedback", field="employer")
    if kind != FeedbackKind.EMPLOYER_ON_SERVICE and person is None:
        raise ApplicationError("Feedback about a person needs the person", field="person")
    if given_on > policy.today():
        raise ApplicationError(
            "Date of the feedback must be today or in the past", field="given_on"
        )
    if person is not None:
        policy.require(user, "person.change")
        _require_visible_person(user, person)
        if case is None:
            case = (
                Case.objects.for_user(user)
                .filter(person=person)
                .order_by(F("end_date").desc(nulls_first=True), "-start_date")
                .first()
            )
    feedback = Feedback.objects.create(
        kind=kind,
        rating=int(rating),
        comment=(comment or "").strip(),
        person=person,
        case=case,
        employer=employer,
        given_on=given_on,
        agency=user.acting.agency,
        recorded_by=user,
    )
    access_event_record(
        user=user, action=Action.CREATE, person=person, obj=feedback, detail={"kind": kind}
    )
    return feedback
