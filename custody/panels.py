"""The benefits and Freshstart parts of the person page (a fixed number of queries): each shown only
where the acting agency sees its section, with the actions consent.policy allows."""

from django.urls import reverse

from consent import policy
from consent.sections import Section
from custody import eligibility, selectors


def person_panels(*, user, person, access) -> list[dict]:
    if not policy.can(user, "person.view"):
        return []
    panels = []
    if access.sees(Section.BENEFITS):
        summary = selectors.person_custody_summary(user=user, person=person)
        links = []
        if policy.can(user, "claim_closure.record"):
            links.append(
                ("Record a claim closure", reverse("custody:closure_create", args=[person.pk]))
            )
        if policy.can(user, "marker.set"):
            links.append(
                ("Set a Jobcentre marker", reverse("custody:marker_set", args=[person.pk]))
            )
        if policy.can(user, "benefit_claim.record"):
            links.append(
                (
                    "Record the benefit claim after release",
                    reverse("custody:claim_create", args=[person.pk]),
                )
            )
        if policy.can(user, "pre_release_advice.record"):
            links.append(
                ("Record pre-release advice", reverse("custody:advice_create", args=[person.pk]))
            )
        panels.append(
            {
                "template": "custody/person_panel.html",
                "links": links,
                "can_end_markers": policy.can(user, "marker.set"),
                "eligibility": eligibility.person_eligibility(
                    user=user, person=person, access=access
                ),
                **summary,
            }
        )
    if access.sees(Section.CUSTODY):
        appointments = selectors.freshstart_for_person(user=user, person=person)
        can_book = policy.can(user, "freshstart.book")
        if appointments or can_book:
            panels.append(
                {
                    "template": "custody/person_freshstart.html",
                    "appointments": appointments,
                    "can_book": can_book,
                    "can_record": policy.can(user, "freshstart.attendance"),
                    "person": person,
                }
            )
    return panels
