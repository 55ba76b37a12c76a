"""The case timeline, gathered from every app that has something to say about a case.

An app contributes by defining `<app>/timeline.py` with

    def timeline_entries(*, user, case) -> list[core.timeline.Entry]

which must run a fixed number of queries (no per-row queries) and return only what `user` may see
(sensitive entries only when consent.policy.sees_sensitive allows).
"""

import datetime
from dataclasses import dataclass, field
from importlib import import_module

TIMELINE_APPS = ["casework", "consent", "referrals", "employers", "custody", "reporting"]


@dataclass
class Entry:
    at: datetime.datetime | datetime.date
    kind: str  # e.g. "assessment", "action", "note", "referral", "job", "consent", "custody"
    title: str
    detail: str = ""
    agency: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def sort_key(self):
        at = self.at
        if not isinstance(at, datetime.datetime):
            at = datetime.datetime.combine(at, datetime.time.min)
        return (
            at.replace(tzinfo=None)
            if at.tzinfo is None
            else at.astimezone(datetime.UTC).replace(tzinfo=None)
        )


def entries_for_case(*, user, case, kinds: set[str] | None = None) -> list[Entry]:
    entries: list[Entry] = []
    for app in TIMELINE_APPS:
        try:
            module = import_module(f"{app}.timeline")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.timeline":
                raise
            continue
        entries.extend(module.timeline_entries(user=user, case=case))
    if kinds:
        entries = [e for e in entries if e.kind in kinds]
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)
