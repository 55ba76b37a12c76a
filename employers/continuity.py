"""Continuous employment: spells merged into runs, and the 4/8/12-week milestones reached.

Computed from the spells' recorded start and end dates only (a retention check recorded
`left_no_job` ends its spell, so checks correct the spells rather than being a second source).
A spell starting the day after the previous run ended (plus `gap_days` of tolerance) continues
the run; overlapping spells merge. A milestone is dated the day it is reached: run start + 7 x weeks,
while the run is still going on that day.

`continuity_for_people` answers for many people at once with one query (the monthly report uses
it); `merge_runs` and `milestones_for_runs` are pure functions over (start, end) pairs.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

REPORT_MILESTONE_WEEKS = (4, 8, 12)


@dataclass
class Run:
    start: datetime.date
    end: datetime.date | None  # None: still in work
    spell_ids: list = field(default_factory=list)

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def days_in_work(self, on: datetime.date) -> int:
        last = on if self.end is None or self.end > on else self.end
        return max((last - self.start).days, 0)


@dataclass
class PersonContinuity:
    person_id: int
    runs: list[Run]
    on: datetime.date
    milestones: dict[int, datetime.date]  # weeks -> date first reached (first achievement counts)

    @property
    def current_run(self) -> Run | None:
        return next((r for r in reversed(self.runs) if r.covers(self.on)), None)

    @property
    def weeks_continuous(self) -> int:
        run = self.current_run
        return run.days_in_work(self.on) // 7 if run else 0

    @property
    def in_work(self) -> bool:
        return self.current_run is not None


def gap_tolerance() -> int:
    return int(getattr(settings, "CONTINUOUS_EMPLOYMENT_GAP_DAYS", 0))


def merge_runs(spells: Iterable[tuple], gap_days: int | None = None) -> list[Run]:
    """Merge (start, end[, id]) spells into runs, sorted by start. `end` None means ongoing."""
    gap = gap_tolerance() if gap_days is None else gap_days
    runs: list[Run] = []
    for spell in sorted(spells, key=lambda s: (s[0], s[1] or datetime.date.max)):
        start, end = spell[0], spell[1]
        spell_id = spell[2] if len(spell) > 2 else None
        current = runs[-1] if runs else None
        if current is not None and (
            current.end is None or start <= current.end + datetime.timedelta(days=1 + gap)
        ):
            if current.end is not None:
                current.end = None if end is None else max(current.end, end)
            current.spell_ids.append(spell_id)
        else:
            runs.append(Run(start=start, end=end, spell_ids=[spell_id]))
    return runs


def milestones_for_runs(
    runs: list[Run], *, on: datetime.date, weeks: Iterable[int] = REPORT_MILESTONE_WEEKS
) -> dict[int, datetime.date]:
    """{weeks: the first date the milestone was reached, on or before `on`}."""
    reached: dict[int, datetime.date] = {}
    for w in sorted(set(weeks)):
        for run in runs:
            day = run.start + datetime.timedelta(days=7 * w)
            if day <= on and (run.end is None or run.end >= day):
                reached[w] = day
                break
    return reached


def spells_for_people(
    person_ids: Iterable[int], *, until: datetime.date | None = None
) -> dict[int, list[tuple]]:
    """One query: the job-outcome spells of these people as (start, end, id), by person."""
    from employers.models import OUTCOME_KINDS, EmploymentSpell

    qs = EmploymentSpell.objects.filter(person_id__in=list(person_ids), kind__in=OUTCOME_KINDS)
    if until is not None:
        qs = qs.filter(start_date__lte=until)
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for person_id, start, end, pk in qs.values_list("person_id", "start_date", "end_date", "id"):
        by_person[person_id].append((start, end, pk))
    return by_person


def continuity_for_people(
    person_ids: Iterable[int],
    *,
    on: datetime.date | None = None,
    gap_days: int | None = None,
    weeks: Iterable[int] | None = None,
) -> dict[int, PersonContinuity]:
    """Runs and milestones for many people with one query. Callers scope `person_ids` by access first."""
    from consent.policy import today

    on = on or today()
    weeks = (
        tuple(weeks)
        if weeks is not None
        else tuple(sorted(set(REPORT_MILESTONE_WEEKS) | set(settings.RETENTION_MILESTONE_WEEKS)))
    )
    ids = list(person_ids)
    spells = spells_for_people(ids, until=on)
    result = {}
    for pid in ids:
        runs = merge_runs(spells.get(pid, []), gap_days)
        result[pid] = PersonContinuity(
            person_id=pid,
            runs=runs,
            on=on,
            milestones=milestones_for_runs(runs, on=on, weeks=weeks),
        )
    return result


def continuity_for_person(person_id: int, **kwargs) -> PersonContinuity:
    return continuity_for_people([person_id], **kwargs)[person_id]
