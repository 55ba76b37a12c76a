"""Check the bulk-loaded PersonAccess rows against the policy computed from scratch."""

import random

from casework.models import Person
from consent import policy
from consent.models import PersonAccess


def check_sample(person_ids: list[int], *, sample: int = 200, seed: int = 1) -> list[str]:
    """Return a list of mismatches (empty when stored rows equal policy.expected_access)."""
    rng = random.Random(seed)  # noqa: S311
    chosen = rng.sample(person_ids, min(sample, len(person_ids)))
    restricted = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "restricted"))
    flags = dict(
        PersonAccess.objects.filter(person_id__in=chosen).values_list("person_id", "restricted")
    )
    problems = []
    for pid in chosen:
        expected = {agency: g.columns() for agency, g in policy.expected_access(pid).items()}
        stored = policy.stored_access(pid)
        if stored != expected:
            problems.append(f"person {pid}: stored {stored} != expected {expected}")
        if pid in flags and flags[pid] != restricted[pid]:
            problems.append(f"person {pid}: restricted flag not copied")
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
