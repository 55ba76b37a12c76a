"""A manager's My work lists from consent: emergency accesses to review, restricted records."""

from django.urls import reverse
from django.utils import timezone

from consent import policy


def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """Three queries each, only for the roles that review them (consent.policy)."""
    from consent.selectors import emergency_for_review, restricted_people
    from core.worklist import panel

    panels = []
    if policy.can(user, "emergency.review"):
        panels.append(
            panel(
                key="emergency-to-review",
                title="Emergency accesses to review",
                queryset=emergency_for_review(user=user)
                .filter(reviewed_at__isnull=True)
                .order_by("granted_at", "id"),
                rows=rows,
                cap=cap,
                columns=["Record", "When", "Who", "Why"],
                row=lambda e: {
                    "href": reverse("consent:emergency_review", args=[e.pk]),
                    "name": e.person.full_name,
                    "cells": [
                        f"{timezone.localtime(e.granted_at):%-d %b %Y %H:%M}",
                        f"{e.user} ({e.agency.name})",
                        e.get_reason_display(),
                    ],
                },
                see_all=reverse("consent:emergency_list"),
                empty="No emergency access is waiting for review.",
                people=lambda e: e.person_id,
            )
        )
    if policy.can(user, "restricted.grant"):
        panels.append(
            panel(
                key="restricted-records",
                title="Restricted records",
                note="Records your agency owns that only named staff may open.",
                queryset=restricted_people(user=user),
                rows=rows,
                cap=cap,
                columns=["Person"],
                row=lambda person: {
                    "href": reverse("consent:restricted_access", args=[person.pk]),
                    "name": person.full_name,
                    "cells": [],
                },
                see_all=reverse("consent:restricted_list"),
                empty="Your agency has no restricted records.",
                people=lambda person: person.pk,
            )
        )
    return panels
