"""Check the bulk-loaded PersonAccess rows against the policy computed from scratch."""

import random

from casework.models import Person
from consent import policy
from consent.models import PersonAccess


def check_sample(person_ids: list[int], *, sample: int = 200, seed: int = 1) -> list[str]:
    """Return a list of mismatches (empty when stored rows equal policy.expected_access)."""
    rng = random.Random(seed)  # noqa: S311
    chosen = rng.sample(person_ids, min(sample, len(person_ids)))
    stored: dict[int, dict] = {pid: {} for pid in chosen}
    for row in PersonAccess.objects.filter(person_id__in=chosen).values_list(
        "person_id", "agency_id", "visible_until", "sensitive_until", "is_owner", "restricted"
    ):
        stored[row[0]][row[1]] = (row[2], row[3], row[4], row[5])
    restricted = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "restricted"))
    problems = []
    for pid in chosen:
        expected = {
            agency: (vis, sens, owner, restricted[pid])
            for agency, (vis, sens, owner) in policy.expected_access(pid).items()
        }
        if stored[pid] != expected:
            problems.append(f"person {pid}: stored {stored[pid]} != expected {expected}")
    return problems


def check_last_contact(person_ids: list[int], *, sample: int = 200, seed: int = 1) -> list[str]:
    """Cases' stored last contact against casework.services.last_contact_expression (mismatches)."""
    from casework.models import Case
    from casework.services import last_contact_expression

    rng = random.Random(seed)  # noqa: S311
    chosen = rng.sample(person_ids, min(sample, len(person_ids)))
    rows = Case.objects.filter(person_id__in=chosen).annotate(expected=last_contact_expression())
    return [
        f"case {case.pk}: stored {case.last_contact_on} != expected {case.expected}"
        for case in rows
        if case.last_contact_on != case.expected
    ]
