"""Writes for people, cases and sentences. Each validates, saves, refreshes access and audits
in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from audit.models import Action
from audit.services import access_event_record
from casework.models import Case, LeadAgencyPeriod, Person
from casework.validators import normalise
from consent import policy
from core.errors import ApplicationError, Conflict

PERSON_FIELDS = {
    "first_name", "last_name", "aliases", "date_of_birth", "sex", "national_insurance_number", "prison_number",
    "crn", "home_area", "release_area", "bank_account_held", "id_documents_held", "accommodation_status",
    "employment_status", "benefit_status", "identity_verified_on",
}
CASE_FIELDS = {"offender_group", "support_level", "stage", "start_date", "planned_end_date", "owner", "site"}
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


@transaction.atomic
def person_create(*, user, **fields) -> Person:
    policy.require(user, "person.create")
    _check_unknown(fields, PERSON_FIELDS)
    person = Person(**_clean_identifiers(fields), created_by_agency=user.acting.agency)
    if person.identity_verified_on:
        person.identity_verified_by = user
    _full_clean(person, exclude=["identity_verified_by", "created_by_agency"])
    if person.date_of_birth and person.date_of_birth > policy.today():
        raise ApplicationError("Date of birth must be in the past", field="date_of_birth")
    person.save()
    policy.refresh_person_access(person)
    access_event_record(user=user, action=Action.CREATE, person=person)
    return person


@transaction.atomic
def person_update(*, user, person: Person, version: int, **fields) -> Person:
    """Change a person's details if nobody else has since `version` (optimistic lock)."""
    policy.require(user, "person.change")
    _check_unknown(fields, PERSON_FIELDS)
    _clean_identifiers(fields)
    candidate = Person.objects.get(pk=person.pk)
    changed = sorted(k for k, v in fields.items() if getattr(candidate, k) != v)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _full_clean(candidate, exclude=["identity_verified_by", "created_by_agency"])
    if candidate.date_of_birth > policy.today():
        raise ApplicationError("Date of birth must be in the past", field="date_of_birth")
    if "identity_verified_on" in changed:
        fields["identity_verified_by"] = user if fields["identity_verified_on"] else None
    updated = Person.objects.filter(pk=person.pk, version=version).update(version=F("version") + 1, **fields)
    if not updated:
        raise Conflict("Someone else changed this record while you were editing it. "
                       "Your changes have not been saved: check the latest details and make them again.",
                       extra={"current_version": Person.objects.get(pk=person.pk).version})
    person = Person.objects.get(pk=person.pk)
    policy.refresh_person_access(person)  # names feed the sort key
    access_event_record(user=user, action=Action.CHANGE, person=person, detail={"fields": changed})
    return person


def _validate_case_dates(start_date, planned_end_date, end_date=None):
    if start_date and planned_end_date and planned_end_date <= start_date:
        raise ApplicationError("Planned end date must be after the start date", field="planned_end_date")
    if end_date and start_date and end_date < start_date:
        raise ApplicationError("End date must be on or after the start date", field="end_date")
    if start_date and start_date > policy.today() + datetime.timedelta(days=366):
        raise ApplicationError("Start date must be within the next year", field="start_date")


@transaction.atomic
def case_open(*, user, person: Person, **fields) -> Case:
    """Open a case owned by the acting agency (the person must be visible to it)."""
    policy.require(user, "case.create")
    _check_unknown(fields, CASE_FIELDS)
    _validate_case_dates(fields.get("start_date"), fields.get("planned_end_date"))
    agency = user.acting.agency
    fields.setdefault("owner", user)
    case = Case(person=person, owning_agency=agency, **fields)
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
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_case_dates(current.start_date, current.planned_end_date, current.end_date)
    if current.end_date and not current.end_reason:
        raise ApplicationError("Select why the case ended", field="end_reason")
    _full_clean(current, exclude=["owner", "site", "person", "owning_agency"])
    updated = Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1, **fields)
    if not updated:
        raise Conflict("Someone else changed this case while you were editing it. Your changes have not been saved.",
                       extra={"current_version": Case.objects.get(pk=case.pk).version})
    case = Case.objects.select_related("person").get(pk=case.pk)
    if {"end_date"} & set(changed):
        policy.refresh_person_access(case.person)
    access_event_record(user=user, action=Action.CHANGE, person=case.person, obj=case, detail={"fields": changed})
    return case
