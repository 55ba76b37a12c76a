"""The support-given log (issue 19): support to the person and to employers, who and when.

Kept in the employment section of the person's record; recorded by the roles that work with
employers (consent.policy "support.record") at an agency that sees that section, and corrected
by the agency that recorded it or the case owner. In-work support contacts and post-placement
support name the job (spell) and show on it, between its retention checks.
"""

from django.db import transaction
from django.db.models import F

from audit.models import Action
from audit.services import access_event_record
from consent import policy
from consent.sections import Section
from core.errors import ApplicationError, Conflict, NotFound
from employers.models import (
    EMPLOYER_SUPPORT_KINDS,
    EmploymentSpell,
    SupportGiven,
    SupportKind,
)
from employers.services import _case_for, _check_unknown

SUPPORT_FIELDS = {"kind", "given_on", "employer", "spell", "note", "case"}


def _validate(support: SupportGiven) -> None:
    if support.kind not in SupportKind.values:
        raise ApplicationError("Select the kind of support", field="kind")
    if support.given_on is None:
        raise ApplicationError("Enter the date the support was given", field="given_on")
    if support.given_on > policy.today():
        raise ApplicationError("The date must be today or in the past", field="given_on")
    spell = support.spell
    if spell is not None:
        if spell.person_id != support.person_id:
            raise ApplicationError("Choose one of this person's jobs", field="spell")
        if support.given_on < spell.start_date or (
            spell.end_date and support.given_on > spell.end_date
        ):
            raise ApplicationError(
                "The date must fall while the job lasted (from its start to its end)",
                field="given_on",
            )
        if support.employer_id is None:
            support.employer_id = spell.employer_id
    if support.given_on < support.case.start_date:
        raise ApplicationError(
            f"The date must be on or after the case start ({support.case.start_date:%-d %B %Y})",
            field="given_on",
        )
    if support.kind == SupportKind.IN_WORK and spell is None:
        raise ApplicationError("Choose the job the in-work support is about", field="spell")
    if support.kind in EMPLOYER_SUPPORT_KINDS and support.employer_id is None:
        raise ApplicationError("Choose the employer the support was given to", field="employer")
    support.note = (support.note or "").strip()


def _visible_spell(user, spell):
    if spell is None:
        return None
    if not EmploymentSpell.objects.for_user(user).filter(pk=spell.pk).exists():
        raise ApplicationError("Choose one of this person's jobs", field="spell")
    return spell


@transaction.atomic
def support_record(*, user, person, **fields) -> SupportGiven:
    policy.require_section(user, person, Section.EMPLOYMENT)
    policy.require(user, "support.record")
    _check_unknown(fields, SUPPORT_FIELDS)
    case = _case_for(user, person, fields.pop("case", None))
    fields["spell"] = _visible_spell(user, fields.get("spell"))
    support = SupportGiven(
        person=person, case=case, given_by=user, agency=user.acting.agency, **fields
    )
    _validate(support)
    support.save()
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=support,
        detail={"kind": support.kind, "spell": support.spell_id},
    )
    return support


@transaction.atomic
def support_update(*, user, support: SupportGiven, version: int, **fields) -> SupportGiven:
    """Correct a support entry: the agency that recorded it, or the case owner."""
    person = support.person
    policy.require_section(user, person, Section.EMPLOYMENT)
    policy.require(user, "support.record")
    policy.require_row_change(
        user, person=person, row_agency_id=support.agency_id, what="this support"
    )
    _check_unknown(fields, SUPPORT_FIELDS - {"case"})
    current = SupportGiven.objects.select_related("case", "spell").get(pk=support.pk)
    if "spell" in fields:
        fields["spell"] = _visible_spell(user, fields["spell"])
    changed = sorted(k for k, v in fields.items() if getattr(current, k) != v)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate(current)
    values = {name: getattr(current, name) for name in fields} | {
        "employer_id": current.employer_id
    }
    values.pop("employer", None)
    updated = SupportGiven.objects.filter(pk=current.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise Conflict(
            "Someone else changed this support while you were editing it. Your changes have not "
            "been saved.",
            extra={"current_version": current.version},
        )
    current = SupportGiven.objects.select_related("person", "employer", "spell").get(pk=current.pk)
    access_event_record(
        user=user, action=Action.CHANGE, person=person, obj=current, detail={"fields": changed}
    )
    return current


# --- reads -------------------------------------------------------------------------------------


def support_for_person(*, user, person):
    return list(
        SupportGiven.objects.for_user(user)
        .filter(person=person)
        .select_related("employer", "spell", "given_by", "agency")
        .order_by("-given_on", "-id")
    )


def get_support(*, user, person, pk) -> SupportGiven:
    try:
        return (
            SupportGiven.objects.for_user(user)
            .filter(person=person)
            .select_related("person", "case", "spell", "employer")
            .get(pk=int(pk))
        )
    except (SupportGiven.DoesNotExist, ValueError, TypeError):
        raise NotFound("Support not found") from None


def support_for_spell(*, user, spell, checks) -> list[dict]:
    """The support given on a job, each with the retention checks it falls between."""
    rows = (
        SupportGiven.objects.for_user(user)
        .filter(spell=spell)
        .select_related("given_by", "agency")
        .order_by("given_on", "id")
    )
    checks = sorted(checks, key=lambda c: c.due_on)
    out = []
    for row in rows:
        before = [c for c in checks if c.due_on <= row.given_on]
        after = [c for c in checks if c.due_on > row.given_on]
        if before and after:
            when = (
                f"between the {before[-1].milestone_weeks}- and "
                f"{after[0].milestone_weeks}-week checks"
            )
        elif after:
            when = f"before the {after[0].milestone_weeks}-week check"
        elif before:
            when = f"after the {before[-1].milestone_weeks}-week check"
        else:
            when = ""
        out.append({"support": row, "when": when})
    return out
