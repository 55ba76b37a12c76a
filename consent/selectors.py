"""Reads about consent and sharing, in plain words for the person page."""

from dataclasses import dataclass, field

from django.utils.dateformat import format as date_format

from consent import policy
from consent.models import ConsentRecord, EmergencyAccess
from core.errors import NotFound


@dataclass
class SharingLine:
    agency_name: str
    basis: str
    text: str
    active: bool
    sections: list = field(default_factory=list)
    own: bool = False


def consents_for_person(*, user, person):
    """The consents the acting agency may see: all of them for the owner, its own otherwise."""
    return (
        policy.scope_consents(ConsentRecord.objects.filter(person=person), user)
        .select_related("recipient_agency", "recorded_by", "recorded_by_agency", "withdrawn_by")
        .order_by("-given_on", "-id")
    )


def get_consent(*, user, pk) -> ConsentRecord:
    visible = policy.scope_consents(ConsentRecord.objects.all(), user)
    try:
        return visible.select_related("person", "recipient_agency").get(pk=int(pk))
    except (ConsentRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound("Consent not found") from None


def _d(day):
    return date_format(day, "j F Y")


def _until(day):
    return "" if day >= policy.FOREVER else f" until {_d(day)}"


def sharing_summary(*, user, person, access=None) -> list[SharingLine]:
    """Who can see this record, read from the rows every query uses, e.g. "Jobcentre Plus at HMP
    Bedford (claim-closure gateway until 3 March 2027): identity and contact, custody and release,
    benefits and claim closures". The case team (owner, or an agency that sees the case section)
    sees every line; another agency sees only its own."""
    access = access or policy.access_for(user, person)
    acting = policy.acting_of(user)
    everything = access.owner or access.sees("case")
    lines = []
    for row in policy.who_can_see(person):
        own = acting is not None and row["agency"].pk == acting.agency_id
        if not (everything or own):
            continue
        bases = "; ".join(f"{label}{_until(until)}" for label, until in row["bases"])
        if row["all"]:
            sections_text = "the whole record, including sensitive information"
        else:
            sections_text = ", ".join(f"{text}{_until(until)}" for text, until in row["sections"])
        lines.append(
            SharingLine(
                agency_name=row["agency"].name,
                basis="owner" if row["owner"] else bases,
                text=f"{bases}: {sections_text}",
                active=True,
                sections=row["sections"],
                own=own,
            )
        )
    if everything:
        for grant in policy.named_grants(person):
            if person.restricted:
                agency = grant.agency.name if grant.agency_id else "no agency"
                lines.append(
                    SharingLine(
                        agency_name=f"{grant.user} ({agency})",
                        basis="named access",
                        text="named access to this restricted record",
                        active=True,
                    )
                )
        for emergency in policy.emergency_accesses(person):
            lines.append(
                SharingLine(
                    agency_name=f"{emergency.user} ({emergency.agency.name})",
                    basis="emergency access",
                    text=f"emergency access: identity and contact until "
                    f"{date_format(emergency.expires_at, 'j F Y H:i')}",
                    active=True,
                )
            )
    elif access.emergency is not None:
        lines.append(
            SharingLine(
                agency_name=f"You ({access.emergency.agency.name})",
                basis="emergency access",
                text="emergency access: identity and contact until "
                f"{date_format(access.emergency.expires_at, 'j F Y H:i')}",
                active=True,
                own=True,
            )
        )
    return lines


def consent_history_lines(*, user, person) -> list:
    """Consents with what they cover, for the consent page."""
    return list(consents_for_person(user=user, person=person))


def emergency_for_review(*, user):
    from consent.services import emergency_reviewable

    return emergency_reviewable(user)


def get_emergency(*, user, pk) -> EmergencyAccess:
    from consent.services import emergency_reviewable

    try:
        return emergency_reviewable(user).get(pk=int(pk))
    except (EmergencyAccess.DoesNotExist, ValueError, TypeError):
        raise NotFound("Emergency access not found") from None


def restricted_people(*, user):
    """The restricted records of the acting manager's agency (its owner basis)."""
    from casework.models import Person

    if not policy.can(user, "restricted.grant"):
        return Person.objects.none()
    return (
        Person.objects.filter(restricted=True)
        .filter(pk__in=policy.owned_person_ids(user))
        .order_by("last_name", "first_name", "id")
    )
