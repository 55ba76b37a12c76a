"""Casework's own panels on the case page: who manages the person, and risk and licence."""

from casework import record_selectors
from consent import policy


def case_panels(*, user, case, access) -> list[dict]:
    """Two queries: the pre-release checklist's existence and the risk and licence row."""
    is_owner = policy.owns_case(user, case)
    may_record = policy.may_record_offender_management(user, case) and case.is_open
    panels = [
        {
            "template": "casework/includes/offender_management_panel.html",
            "case": case,
            "offender_manager": record_selectors.offender_manager_text(case),
            "prompts": record_selectors.offender_group_prompts(
                case=case,
                has_release_plan=record_selectors.has_release_plan(case),
                is_owner=is_owner,
            ),
            "may_record": may_record,
        }
    ]
    if policy.sees_risk(access):
        panels.append(
            {
                "template": "casework/includes/risk_licence_panel.html",
                "case": case,
                "risk": record_selectors.risk_licence_for_case(user=user, case=case),
                "may_record": may_record,
            }
        )
    return panels


def appointment_row(appointment):
    from django.urls import reverse
    from django.utils import timezone

    at = timezone.localtime(appointment.at)
    day = "Today" if at.date() == timezone.localdate() else f"{at:%a %-d %b %Y}"
    return {
        "href": reverse("casework:case_plan", args=[appointment.case_id]),
        "name": appointment.case.person.full_name,
        "cells": [f"{day}, {at:%H:%M}", appointment.get_kind_display(), appointment.where],
    }


APPOINTMENT_COLUMNS = ["Person", "When", "Kind", "Where"]


def overdue_row(action):
    from django.urls import reverse

    return {
        "href": reverse("casework:case_plan", args=[action.case_id]),
        "name": action.case.person.full_name,
        "cells": [
            action.description,
            f"{action.due_date:%-d %b %Y}",
            str(action.owner) if action.owner_id else "Unassigned",
        ],
    }


OVERDUE_COLUMNS = ["Person", "Action", "Due", "Owner"]


def quiet_row(case):
    from django.urls import reverse

    return {
        "href": reverse("casework:case_notes", args=[case.pk]),
        "name": case.person.full_name,
        "cells": [
            case.get_stage_display(),
            f"{case.last_contact_on:%-d %b %Y}" if case.last_contact_on else "Never",
            str(case.owner) if case.owner_id else "Unassigned",
        ],
    }


QUIET_COLUMNS = ["Person", "Stage", "Last contact", "Caseworker"]


def handoff_row(handoff):
    from django.urls import reverse

    return {
        "href": reverse("casework:handoff_detail", args=[handoff.pk]),
        "name": handoff.case.person.full_name,
        "cells": [
            f"{handoff.from_agency.name} ({handoff.requested_by})",
            handoff.to_site.name if handoff.to_site_id else "Any office",
            f"{handoff.requested_at:%-d %b %Y}",
        ],
    }


HANDOFF_COLUMNS = ["Person", "From", "Office", "Sent"]


def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """A caseworker's appointments this week (three queries); a manager's view of the team's
    overdue actions by person (two queries: the capped count and one grouped query)."""
    from django.urls import reverse

    from casework import selectors
    from core.pagination import capped_count, capped_text
    from core.worklist import PANEL_TEMPLATE, panel

    panels = []
    if policy.can(user, "my_work.appointments"):
        whose = "mine" if mine_only else ""
        panels.append(
            panel(
                key="appointments",
                title="Appointments this week",
                queryset=selectors.appointments_this_week(user=user, whose=whose),
                rows=rows,
                cap=cap,
                columns=APPOINTMENT_COLUMNS,
                row=appointment_row,
                see_all=reverse("casework:appointments_week")
                + ("?whose=mine" if mine_only else ""),
                empty="No appointments in the next seven days.",
                people=lambda appointment: appointment.case.person_id,
                whose=True,
            )
        )
    if policy.can(user, "my_work.team"):
        overdue = reverse("casework:overdue_actions")
        by_owner = selectors.overdue_by_owner(user=user, limit=rows)
        total = capped_count(selectors.overdue_actions(user=user, mine_only=False), cap)
        panels.append(
            {
                "template": PANEL_TEMPLATE,
                "id": "team-overdue",
                "title": "The team's overdue actions by person",
                "columns": ["Person", "Overdue actions", "Oldest due"],
                "rows": [
                    {
                        "href": f"{overdue}?owner={row['owner_id']}",
                        "name": row["name"],
                        "cells": [row["count"], f"{row['oldest']:%-d %b %Y}"],
                    }
                    for row in by_owner
                ],
                "shown": 0,  # counts of staff's work: no person's record is shown
                "count": capped_text(total, cap),
                "see_all": overdue,
                "empty": "Nobody in the team has an overdue action.",
                "note": "Open actions of your agency past their due date, by who owns them.",
                "people": [],
            }
        )
    return panels
