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


def freshstart_row(appointment):
    from django.utils import timezone

    at = timezone.localtime(appointment.appointment_at)
    today = timezone.localdate()
    day = "Today" if at.date() == today else f"{at:%a %-d %b %Y}"
    return {
        "href": reverse("custody:freshstart_attendance", args=[appointment.pk]),
        "name": appointment.person.full_name,
        "cells": [
            f"{day}, {at:%H:%M}",
            appointment.office.name,
            "Attendance to record" if at <= timezone.localtime() else "Booked",
        ],
    }


FRESHSTART_COLUMNS = ["Person", "When", "Office", "Attendance"]


def marker_row(marker):
    return {
        "href": reverse("casework:person_detail", args=[marker.person_id]),
        "name": marker.person.full_name,
        "cells": [
            marker.get_kind_display(),
            f"{marker.set_on:%-d %b %Y}",
            f"{marker.expires_on:%-d %b %Y}",
        ],
    }


MARKER_COLUMNS = ["Person", "Marker", "Set", "Ends"]


def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """The work coach's Freshstart appointments and markers ending (three queries each); the
    EBSA's custody worklist summary (the worklist's own lists, counted: five queries, no rows)."""
    from core.worklist import panel, summary_panel

    panels = []
    if policy.can(user, "my_work.freshstart"):
        panels.append(
            panel(
                key="freshstart",
                title="Freshstart appointments today and this week",
                note="Appointments without attendance recorded: the ones already due first.",
                queryset=selectors.freshstart_this_week(user=user),
                rows=rows,
                cap=cap,
                columns=FRESHSTART_COLUMNS,
                row=freshstart_row,
                see_all=reverse("custody:freshstart_week"),
                empty="No Freshstart appointments are waiting for attendance this week.",
                people=lambda appointment: appointment.person_id,
            )
        )
    if policy.can(user, "my_work.markers"):
        panels.append(
            panel(
                key="markers-expiring",
                title="Markers ending soon",
                note=f"Live markers your Jobcentre set that end in the next {selectors.MARKER_EXPIRY_WARNING_DAYS} days.",
                queryset=selectors.markers_expiring(user=user),
                rows=rows,
                cap=cap,
                columns=MARKER_COLUMNS,
                row=marker_row,
                see_all=reverse("custody:markers_expiring"),
                empty="No markers end in the next few weeks.",
                people=lambda marker: marker.person_id,
            )
        )
    if policy.can(user, "my_work.custody_summary"):
        from core.pagination import capped_text

        counts = selectors.ebsa_worklist_counts(user=user, cap=cap)
        worklist = reverse("custody:worklist")
        lines = [
            ("Receptions without a claim closure", "receptions", "#receptions-heading"),
            (
                "Claim closures waiting for the Benefit Delivery Centre",
                "in_progress",
                "#progress-heading",
            ),
            (
                f"Of those, sent more than {counts['chase_after_days']} days ago (to chase)",
                "to_chase",
                "#to-chase",
            ),
            (
                "Releases in the next 6 weeks without advice or a Freshstart booking",
                "releases",
                "#releases-heading",
            ),
        ]
        lines = [
            {"text": text, "count": capped_text(counts[key], cap), "href": f"{worklist}{anchor}"}
            for text, key, anchor in lines
        ]
        if counts["scan_items_open"] is not None:
            lines.append(
                {
                    "text": "Scan rows that matched nobody",
                    "count": counts["scan_items_open"],
                    "href": reverse("custody:scan_items"),
                }
            )
        panels.append(  # counts only: no person is shown
            summary_panel(
                key="custody-summary",
                title="Custody worklist",
                lines=lines,
                empty="",
                note="Your surgeries' work, counted as the custody worklist counts it.",
            )
        )
    return panels
