"""Pagination that sorts narrow rows and joins only the page.

A paginated query with `select_related` makes PostgreSQL join every candidate row before its sort
(it cannot sort first: an inner join might drop rows), so a caseload of 8,000 cases joined people,
users and agencies 8,000 times to show 25. `narrow_page` counts and orders the primary keys (with the
queryset's annotations) alone, then loads the page's rows with their joins by primary key: three
queries whatever the size, and the joins touch one page of rows (docs/performance.md).
"""

import copy
import heapq
import itertools
from functools import cached_property

from django.core.paginator import Page, Paginator


def _load(queryset, keyed: dict) -> list:
    """The rows for {pk: annotation values}, in that order, with the queryset's joins and prefetches."""
    names = list(queryset.query.annotations)
    rows = {}
    if keyed:
        loader = queryset.model._default_manager.filter(pk__in=list(keyed))
        loader.query.select_related = copy.deepcopy(queryset.query.select_related)
        loader.query.deferred_loading = copy.deepcopy(queryset.query.deferred_loading)
        loader._prefetch_related_lookups = queryset._prefetch_related_lookups
        rows = {row.pk: row for row in loader}
    loaded = []
    for pk, values in keyed.items():
        if pk in rows:
            row = rows[pk]
            for name, value in zip(names, values, strict=True):
                setattr(row, name, value)
            loaded.append(row)
    return loaded


def _keyed(rows) -> dict:
    return {row[0]: row[1:] for row in rows}


def narrow_slice(queryset, limit: int) -> list:
    """The first `limit` rows of `queryset` (scoped and ordered), sorted narrow, joined after."""
    return _load(queryset, _keyed(_narrow(queryset)[:limit]))


def _narrow(queryset, *extra):
    return queryset.values_list("pk", *queryset.query.annotations, *extra)


class Merged:
    """Querysets with the same ordering on their own columns (say incoming and outgoing referrals,
    newest first), read as one part of Segments: rows [a:b] are the first b rows of each, read
    in index order with a LIMIT, merged in Python. The work grows with the page number, not with
    the number of rows."""

    def __init__(self, querysets):
        self.querysets = list(querysets)
        order = list(self.querysets[0].query.order_by)
        descending = {field.startswith("-") for field in order}
        if len(descending) != 1 or any(list(qs.query.order_by) != order for qs in self.querysets):
            raise ValueError(
                "Merged needs querysets ordered alike, all ascending or all descending"
            )
        self.fields = [field.lstrip("-") for field in order]
        self.reverse = descending.pop()

    def count(self, limit: int | None) -> int:
        return sum(_Part(qs).count(limit) for qs in self.querysets)

    def rows(self, start: int, stop: int) -> list:
        width = 1 + len(self.querysets[0].query.annotations)
        streams = [list(_narrow(qs, *self.fields)[:stop]) for qs in self.querysets]
        merged = heapq.merge(*streams, key=lambda row: row[width:], reverse=self.reverse)
        return [row[:width] for row in itertools.islice(merged, start, stop)]


class _Part:
    def __init__(self, queryset):
        self.narrow = _narrow(queryset)

    def count(self, limit: int | None) -> int:
        return self.narrow.order_by()[:limit].count() if limit else self.narrow.count()

    def rows(self, start: int, stop: int) -> list:
        return list(self.narrow[start:stop])


class Segments:
    """Parts shown one after another (the caseload: yours, your team's, shared with you), as one
    sequence for Django's Paginator. Each part is a queryset ordered by an index, or a Merged group
    of them, so a page is a LIMIT on one or two parts; each part's count stops at `cap`, so no
    request counts more than `cap` rows a part whatever the agency's size (`capped` says when).
    The querysets must share their select_related and annotations (rows load with the first's)."""

    def __init__(self, parts, *, cap: int | None = None, known: dict[int, int] | None = None):
        parts = list(parts)
        self.known = known or {}  # part index -> its count, already counted up to cap + 1
        first = parts[0].querysets[0] if isinstance(parts[0], Merged) else parts[0]
        self.base = first  # rows are loaded with its joins and annotations
        self.parts = [part if isinstance(part, Merged) else _Part(part) for part in parts]
        self.cap = cap

    @cached_property
    def counts(self) -> list[int]:
        return [n if self.cap is None else min(n, self.cap) for n in self._counted]

    @cached_property
    def _counted(self) -> list[int]:
        """Each part's count, up to cap + 1 so that "more than cap" is known, not guessed."""
        limit = None if self.cap is None else self.cap + 1
        return [
            self.known[i] if i in self.known else part.count(limit)
            for i, part in enumerate(self.parts)
        ]

    @property
    def capped(self) -> bool:
        return self.cap is not None and any(n > self.cap for n in self._counted)

    def count(self) -> int:
        return sum(self.counts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list:
        start, stop = key.start or 0, key.stop
        rows = []
        for part, size in zip(self.parts, self.counts, strict=True):
            if start < size and stop > 0:
                rows += part.rows(max(start, 0), min(stop, size))
            start, stop = start - size, stop - size
        return rows


def narrow_page(queryset, number, per_page: int) -> Page:
    """A Page of `queryset` (already scoped by the access policy and ordered), rows in its order.

    `queryset` may be Segments (of one base queryset, differently filtered and ordered).

    The rows are loaded by the primary keys the scoped query has just returned, in the same request,
    so the access rule is not evaluated a second time; annotations come from the scoped query.
    """
    if isinstance(queryset, Segments):
        paginator = Paginator(queryset, per_page)
        queryset = queryset.base
    else:
        paginator = Paginator(_narrow(queryset), per_page)
    page = paginator.get_page(number)
    page.object_list = _load(queryset, _keyed(page.object_list))
    return page


class CountedBy:
    """A queryset paginated as usual whose count() comes from a cheaper query with the same number
    of rows (the people list is counted on the agency's PersonAccess index alone)."""

    ordered = True

    def __init__(self, queryset, count_query):
        self.queryset, self.count_query = queryset, count_query

    def count(self) -> int:
        return self.count_query.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.queryset[key]


def capped_count(queryset, cap: int) -> int:
    """The number of rows, counting no further than cap + 1 (past the cap, show "cap+")."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def capped_text(count: int, cap: int):
    """How a capped count reads: the number, or "500+" past the cap."""
    return f"{cap:,}+" if count > cap else count
