"""Records retention: anonymise people whose cases all closed more than RECORDS_RETENTION_YEARS ago.

A person qualifies when they have at least one case, none open, and the latest case end date is
before the cut-off. Their names, identifiers and free text are blanked (in the Person row and in
every row linked to them, found generically like the subject access export), `anonymised_at` is
set so the access policy hides them, and one AccessEvent (action "anonymise", system actor
"records_retention") records it. Cases, spells, outcomes and other coded rows stay, so aggregate
reports keep their figures. Running it again changes nothing.
"""

import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from audit.models import AccessEvent, Action
from audit.services import access_event_record
from consent import policy

SYSTEM_ACTOR = "records_retention"
ANONYMISED = "Anonymised"

# CharFields holding names, contact details or identifiers, wherever they appear on person-linked rows.
PERSONAL_CHAR_FIELDS = {
    "first_name",
    "last_name",
    "aliases",
    "name",
    "full_name",
    "preferred_name",
    "national_insurance_number",
    "prison_number",
    "crn",
    "home_area",
    "release_area",
    "witness_name",
    "email",
    "phone",
    "telephone",
    "mobile",
    "address",
    "address_line_1",
    "address_line_2",
    "postcode",
    "contact_name",
    "contact_email",
    "contact_phone",
    "next_of_kin",
}
# Tables never rewritten: the audit trail is append-only; PersonAccess is rebuilt from the rule.
NOT_REWRITTEN = {"audit.accessevent", "consent.personaccess"}


def cutoff(today: datetime.date | None = None) -> datetime.date:
    today = today or policy.today()
    years = settings.RECORDS_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def people_due(today: datetime.date | None = None):
    from casework.models import Person

    return (
        Person.objects.filter(anonymised_at__isnull=True)
        .annotate(
            case_count=Count("cases"),
            open_count=Count("cases", filter=Q(cases__end_date__isnull=True)),
            last_end=Max("cases__end_date"),
        )
        .filter(case_count__gt=0, open_count=0, last_end__lt=cutoff(today))
        .order_by("pk")
    )


def _blank_values(model, *, skip=()) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in skip or field.primary_key or field.is_relation or field.choices:
            continue
        if isinstance(field, models.TextField) or (
            isinstance(field, models.CharField) and field.name in PERSONAL_CHAR_FIELDS
        ):
            values[field.name] = ""
    return values


@transaction.atomic
def person_anonymise(*, person, today: datetime.date | None = None) -> dict:
    """Anonymise one person and the free text linked to them. Returns what was changed."""
    from audit.subject_access import person_related_models, rows_for
    from casework.models import Person

    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.anonymised_at is not None:
        return {"changed": False}
    changed_rows = 0
    for model in person_related_models():
        if model is Person or model._meta.label_lower in NOT_REWRITTEN:
            continue
        values = _blank_values(model)
        if values:
            changed_rows += model._base_manager.filter(
                pk__in=rows_for(model, locked.pk).values("pk")
            ).update(**values)
    person_values = _blank_values(Person, skip={"first_name", "last_name"})
    birth_year = locked.date_of_birth.year
    Person.objects.filter(pk=locked.pk).update(
        **person_values,
        first_name=ANONYMISED,
        last_name=f"Person {locked.pk}",
        date_of_birth=datetime.date(birth_year, 1, 1),  # keeps age bands for reports
        identity_verified_by=None,
        anonymised_at=timezone.now(),
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    policy.refresh_person_access(locked)
    access_event_record(
        user=None,
        system=SYSTEM_ACTOR,
        action=Action.ANONYMISE,
        person=locked,
        detail={
            "linked_rows_blanked": changed_rows,
            "retention_years": settings.RECORDS_RETENTION_YEARS,
            "cutoff": cutoff(today).isoformat(),
        },
    )
    return {"changed": True, "linked_rows": changed_rows}


def records_retention(today: datetime.date | None = None) -> dict:
    """Anonymise everyone past the retention period. Safe to run twice (the second run finds nobody)."""
    anonymised = 0
    for person in people_due(today):
        if person_anonymise(person=person, today=today)["changed"]:
            anonymised += 1
    return {
        "anonymised": anonymised,
        "cutoff": cutoff(today).isoformat(),
        "total_anonymised": AccessEvent.objects.filter(
            action=Action.ANONYMISE, detail__system=SYSTEM_ACTOR
        ).count(),
    }
