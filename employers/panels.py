"""The person page's employment section: continuous employment, milestones, job starts, checks."""

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
    """My work's retention checks due: open checks whose date has come (from the dates, whether or
    not the sweep has run), the user's own job starts or the team's, overdue first. Three queries."""
    from employers.selectors import checks_due_for_user

    if not policy.can(user, "checks_due.view"):
        return []
    qs = checks_due_for_user(user=user, mine=mine_only)
    checks = narrow_slice(qs, rows)
    return [
        {
            "template": "employers/includes/my_work_checks.html",
            "checks": checks,
            "shown": len(checks),
            "count": capped_text(capped_count(qs, cap), cap),
            "rows": rows,
            "mine": mine_only,
        }
    ]
