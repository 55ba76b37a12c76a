"""Pagination that sorts narrow rows and joins only the page.

A paginated query with `select_related` makes PostgreSQL join every candidate row before its sort
(it cannot sort first: an inner join might drop rows), so a caseload of 8,000 cases joined people,
users and agencies 8,000 times to show 25. `narrow_page` counts and orders the primary keys (with the
queryset's annotations) alone, then loads the page's rows with their joins by primary key: three
queries whatever the size, and the joins touch one page of rows (docs/performance.md).
"""

import copy

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


def narrow_page(queryset, number, per_page: int, *, count: int | None = None) -> Page:
    """A Page of `queryset` (already scoped by the access policy and ordered), rows in its order.

    `count`, when the caller already knows it (the inbox's tab counts), saves the count query.

    The rows are loaded by the primary keys the scoped query has just returned, in the same request,
    so the access rule is not evaluated a second time; annotations come from the scoped query.
    """
    paginator = Paginator(queryset.values_list("pk", *queryset.query.annotations), per_page)
    if count is not None:
        paginator.count = count  # a cached_property: the instance value replaces the COUNT query
    page = paginator.get_page(number)
    page.object_list = _load(queryset, _keyed(page.object_list))
    return page
