"""The person page's employment section: continuous employment, milestones, job starts, checks."""

from consent.sections import Section
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
