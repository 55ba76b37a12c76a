"""The custody and benefits section of the person page (fixed number of queries)."""

from django.urls import reverse

from agencies.models import AgencyKind
from consent import policy
from custody import selectors


def person_panels(*, user, person) -> list[dict]:
    acting = policy.acting_of(user)
    if acting is None or acting.role not in policy.STAFF:
        return []
    summary = selectors.person_custody_summary(user=user, person=person)
    links = []
    if acting.kind == AgencyKind.JOBCENTRE:
        if acting.role in {"ebsa", "manager"}:
            links.append(
                ("Record a claim closure", reverse("custody:closure_create", args=[person.pk]))
            )
        links.append(("Set a Jobcentre marker", reverse("custody:marker_set", args=[person.pk])))
        links.append(
            (
                "Record the benefit claim after release",
                reverse("custody:claim_create", args=[person.pk]),
            )
        )
    if acting.kind in (AgencyKind.JOBCENTRE, AgencyKind.PRISON):
        links.append(
            ("Record pre-release advice", reverse("custody:advice_create", args=[person.pk]))
        )
        links.append(
            ("Book a Freshstart appointment", reverse("custody:freshstart_book", args=[person.pk]))
        )
    if not links and not any(summary.values()):
        return []
    return [{"template": "custody/person_panel.html", "links": links, **summary}]
