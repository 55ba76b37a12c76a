"""The person page's employment section: continuous employment, milestones, job starts, checks."""

from django.utils import timezone

from consent import policy
from consent.sections import Section
from core.pagination import capped_count, capped_text, narrow_slice
from employers.continuity import continuity_for_person
from employers.models import OPEN_CHECK_STATUSES, RetentionCheck


def person_panels(*, user, person, access) -> list[dict]:
    """Three queries: the person's spells (for continuity), the visible spells, their open checks.
    Only where the acting agency sees the employment section."""
    from employers.selectors import spells_for_person

    if not access.sees(Section.EMPLOYMENT):
        return []
    continuity = continuity_for_person(person.pk)
    spells = list(spells_for_person(user=user, person=person)[:10])
    open_checks = list(
        RetentionCheck.objects.for_user(user)
        .filter(spell__person=person, status__in=OPEN_CHECK_STATUSES)
        .with_current_status()
        .order_by("due_on", "id")[:10]
    )
    return [
        {
            "template": "employers/includes/person_employment.html",
            "continuity": continuity,
            "milestones": sorted(continuity.milestones.items()),
            "spells": spells,
            "open_checks": open_checks,
            "person": person,
        }
    ]


def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """My work's employment lists, in the order an adviser works them: interviews coming up,
    retention checks due (open checks whose date has come, from the dates whether or not the sweep
    has run, the user's own job starts or the team's, overdue first; three queries), job starts to
    verify; for a manager, the team's overdue checks by adviser."""
    from employers.selectors import checks_due_for_user

    interviews, *starts = employment_work_panels(
        user=user, mine_only=mine_only, rows=rows, cap=cap
    ) or [None]
    before = [interviews] if interviews else []
    if not policy.can(user, "checks_due.view"):
        return before + starts
    qs = checks_due_for_user(user=user, mine=mine_only)
    checks = narrow_slice(qs, rows)
    return [
        *before,
        {
            "template": "employers/includes/my_work_checks.html",
            "checks": checks,
            "shown": len(checks),
            "count": capped_text(capped_count(qs, cap), cap),
            "rows": rows,
            "mine": mine_only,
            "people": [check.spell.person_id for check in checks],
            "whose": True,
        },
        *starts,
        *team_checks_panels(user=user, rows=rows, cap=cap),
    ]


def interview_row(application):
    from django.urls import reverse

    return {
        "href": reverse("employers:application_edit", args=[application.pk]),
        "name": application.person.full_name,
        "cells": [
            f"{application.vacancy.title} at {application.vacancy.employer.name}",
            f"{timezone.localtime(application.interview_at):%-d %b %Y, %H:%M}",
            str(application.created_by),
        ],
    }


def start_row(spell):
    from django.urls import reverse

    return {
        "href": reverse("employers:spell_detail", args=[spell.pk]),
        "name": spell.person.full_name,
        "cells": [
            spell.job_title + (f", {spell.employer.name}" if spell.employer_id else ""),
            f"{spell.start_date:%-d %b %Y}",
            str(spell.adviser),
        ],
    }


INTERVIEW_COLUMNS = ["Person", "Job", "Interview", "Added by"]
START_COLUMNS = ["Person", "Job", "Started", "Adviser"]


def employment_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """Interviews coming up and job starts to verify: three queries each."""
    from django.urls import reverse

    from core.worklist import panel
    from employers.selectors import interviews_coming_up, starts_to_verify

    if not policy.can(user, "my_work.employment"):
        return []
    whose = "" if not mine_only else "?whose=mine"
    return [
        panel(
            key="interviews",
            title="Interviews coming up",
            queryset=interviews_coming_up(user=user, mine=mine_only),
            rows=rows,
            cap=cap,
            columns=INTERVIEW_COLUMNS,
            row=interview_row,
            see_all=reverse("employers:interviews") + whose,
            empty="No interviews are arranged.",
            people=lambda application: application.person_id,
            whose=True,
        ),
        panel(
            key="starts-to-verify",
            title="Job starts to verify",
            queryset=starts_to_verify(user=user, mine=mine_only),
            rows=rows,
            cap=cap,
            columns=START_COLUMNS,
            row=start_row,
            see_all=reverse("employers:starts_to_verify") + whose,
            empty="Every job start has been verified.",
            people=lambda spell: spell.person_id,
            whose=True,
        ),
    ]


def team_checks_panels(*, user, rows, cap) -> list[dict]:
    """A manager's view of the team's overdue retention checks by adviser: one grouped query and
    a capped count; each adviser links to their checks due."""
    from django.urls import reverse

    from core.pagination import capped_text
    from core.worklist import PANEL_TEMPLATE
    from employers.selectors import overdue_checks_by_adviser, overdue_checks_count

    if not policy.can(user, "my_work.team"):
        return []
    checks_due = reverse("employers:checks_due")
    return [
        {
            "template": PANEL_TEMPLATE,
            "id": "team-overdue-checks",
            "title": "The team's overdue retention checks by adviser",
            "columns": ["Adviser", "Overdue checks", "Oldest due"],
            "rows": [
                {
                    "href": f"{checks_due}?adviser={row['adviser_id']}",
                    "name": row["name"],
                    "cells": [row["count"], f"{row['oldest']:%-d %b %Y}"],
                }
                for row in overdue_checks_by_adviser(user=user, limit=rows)
            ],
            "shown": 0,  # counts of staff's work: no person's record is shown
            "count": capped_text(overdue_checks_count(user=user, cap=cap), cap),
            "see_all": checks_due,
            "empty": "Nobody in the team has an overdue retention check.",
            "note": "Checks on your agency's job starts past their date and the grace days.",
            "people": [],
        }
    ]
