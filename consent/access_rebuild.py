"""Rebuilding PersonAccess from scratch (the `rebuild_access` command and the section migration)."""

from consent import policy


def rebuild_all(*, batch: int = 2000) -> int:
    """Refresh every person's access rows from the rule; returns how many people were done."""
    from casework.models import Person

    done = 0
    last = 0
    while True:
        ids = list(
            Person.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for person in Person.objects.filter(pk__in=ids).only("pk"):
            policy.refresh_person_access(person)
        done += len(ids)
        last = ids[-1]
