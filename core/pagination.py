"""Pagination that sorts narrow rows and joins only the page.

A paginated query with `select_related` makes PostgreSQL join every candidate row before its sort
(it cannot sort first: an inner join might drop rows), so a caseload of 8,000 cases joined people,
users and agencies 8,000 times to show 25. `narrow_page` counts and orders the primary keys (with the
queryset's annotations) alone, then loads the page's rows with their joins by primary key: three
queries whatever the size, and the joins touch one page of rows (docs/performance.md).
"""

import copy
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
    return _load(queryset, _keyed(queryset.values_list("pk", *queryset.query.annotations)[:limit]))


class Segments:
    """Querysets shown one after another (the caseload: yours, your team's, shared with you), as
    one sequence for Django's Paginator. Each segment is ordered by an index, so a page is a LIMIT
    on one or two of them; each segment's count stops at `cap`, so no request counts more than
    `cap` rows a segment whatever the agency's size (`capped` says when that happened)."""

    def __init__(self, querysets, *, cap: int | None = None):
        self.base = querysets[0]  # rows are loaded with its joins and annotations
        self.querysets = [qs.values_list("pk", *qs.query.annotations) for qs in querysets]
        self.cap = cap

    @cached_property
    def counts(self) -> list[int]:
        return [qs.order_by()[: self.cap].count() if self.cap else qs.count() for qs in self.querysets]

    @property
    def capped(self) -> bool:
        return self.cap is not None and any(n >= self.cap for n in self.counts)

    def count(self) -> int:
        return sum(self.counts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list:
        start, stop = key.start or 0, key.stop
        rows = []
        for qs, size in zip(self.querysets, self.counts, strict=True):
            if start < size and stop > 0:
                rows += list(qs[max(start, 0):min(stop, size)])
            start, stop = start - size, stop - size
        return rows


def narrow_page(queryset, number, per_page: int, *, count: int | None = None) -> Page:
    """A Page of `queryset` (already scoped by the access policy and ordered), rows in its order.

    `queryset` may be Segments (of one base queryset, differently filtered and ordered). `count`,
    when the caller already knows it (the inbox's tab counts), saves the count query.

    The rows are loaded by the primary keys the scoped query has just returned, in the same request,
    so the access rule is not evaluated a second time; annotations come from the scoped query.
    """
    if isinstance(queryset, Segments):
        paginator = Paginator(queryset, per_page)
        queryset = queryset.base
    else:
        paginator = Paginator(queryset.values_list("pk", *queryset.query.annotations), per_page)
    if count is not None:
        paginator.count = count  # a cached_property: the instance value replaces the COUNT query
    page = paginator.get_page(number)
    page.object_list = _load(queryset, _keyed(page.object_list))
    return page
