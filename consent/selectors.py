"""Reads about consent and sharing, in plain words for the person page."""

from dataclasses import dataclass

from django.utils.dateformat import format as date_format

from consent import policy
from consent.models import CaseInvolvement, ConsentRecord, PersonAccess


@dataclass
class SharingLine:
    agency_name: str
    basis: str
    text: str
    active: bool


def consents_for_person(*, user, person):
    # the caller already resolved `person` through the policy
    return ConsentRecord.objects.filter(person=person).select_related(
        "recipient_agency", "recorded_by", "withdrawn_by"
    )


def get_consent(*, user, pk) -> ConsentRecord:
    from core.errors import NotFound

    visible = policy.scope_by_person(ConsentRecord.objects.all(), user)
    try:
        return visible.select_related("person", "recipient_agency").get(pk=int(pk))
    except (ConsentRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound("Consent not found") from None


def _d(day):
    return date_format(day, "j F Y")


def sharing_summary(*, user, person) -> list[SharingLine]:
    """Who may see this person, and why, e.g. "Jobcentre Plus Luton: employment support, since 3 March 2026,
    until 2 March 2027"."""
    today = policy.today()
    lines = []
    access = PersonAccess.objects.filter(person=person, visible_until__gte=today).select_related(
        "agency"
    )
    for row in access.order_by("-is_owner", "agency__name"):
        if row.is_owner:
            lines.append(
                SharingLine(
                    row.agency.name,
                    "owner",
                    "owns the case: sees everything, including sensitive categories",
                    True,
                )
            )
    consents = list(consents_for_person(user=user, person=person))
    involved = set(
        CaseInvolvement.objects.filter(case__person=person, ended_on__isnull=True).values_list(
            "agency_id", flat=True
        )
    )
    for consent in consents:
        status = consent.status_on(today)
        purposes = ", ".join(label.split(" (")[0].lower() for label in consent.purpose_labels())
        text = f"{purposes}, since {_d(consent.given_on)}"
        if consent.withdrawn_on:
            text += f"; withdrawn {_d(consent.withdrawn_on)}"
        elif consent.expires_on:
            text += f", until {_d(consent.expires_on)}"
        if status == "active" and consent.recipient_agency_id not in involved:
            text += " (consent recorded; not yet involved in a case)"
        lines.append(SharingLine(consent.recipient_agency.name, status, text, status == "active"))
    return lines
