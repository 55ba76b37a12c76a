"""Consent entries on the case timeline: each consent given, withdrawn or expired (one query, only
the consents the acting agency may see: consent.selectors.consents_for_person)."""

from django.urls import reverse

from consent import policy
from consent.selectors import consents_for_person
from core.timeline import Entry


def timeline_entries(*, user, case) -> list[Entry]:
    person = case.person
    if policy.access_for(user, person).emergency is not None:
        return []  # emergency access shows identity and contact only, as the consent page says
    today = policy.today()
    url = reverse("consent:consent_list", args=[person.pk])
    entries = []
    for consent in consents_for_person(user=user, person=person):
        recipient = consent.recipient_agency.name
        covers = ", ".join(consent.purpose_labels()).lower()
        entries.append(
            Entry(
                at=consent.given_on,
                kind="consent",
                title=f"Consent given to {recipient}",
                detail=f"For {covers}" if covers else "",
                agency=consent.recorded_by_agency.name if consent.recorded_by_agency else "",
                url=url,
                extra={"consent_id": consent.pk},
            )
        )
        if consent.withdrawn_on:
            entries.append(
                Entry(
                    at=consent.withdrawn_on,
                    kind="consent",
                    title=f"Consent to {recipient} withdrawn",
                    detail=consent.withdrawal_reason,
                    url=url,
                    extra={"consent_id": consent.pk},
                )
            )
        elif consent.expires_on and consent.expires_on < today:
            entries.append(
                Entry(
                    at=consent.expires_on,
                    kind="consent",
                    title=f"Consent to {recipient} expired",
                    url=url,
                    extra={"consent_id": consent.pk},
                )
            )
    return entries
