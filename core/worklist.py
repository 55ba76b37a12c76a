"""My work's panels and the full lists they open, built one way for every app.

A panel is the first `rows` rows of a list (scoped by the access policy and ordered), its count up
to `cap` and a "See all" link to the full list: a page of the same queryset with Django pagination.
Each row is a dict made by the app's `row(obj)`: {"href", "name", "cells": [...]} (plain text).
Both read the queryset narrow (core.pagination): a fixed number of queries whatever the size.
"""

from core.pagination import Segments, capped_count, capped_text, narrow_page, narrow_slice

PANEL_TEMPLATE = "includes/my_work_panel.html"
LIST_TEMPLATE = "includes/work_list.html"
PAGE_SIZE = 25
LIST_COUNT_CAP = 1000


def panel(
    *,
    key,
    title,
    queryset,
    rows,
    cap,
    columns,
    row,
    see_all,
    empty,
    note="",
    people=None,
    whose=False,
):
    """A My work panel: up to `rows` rows, the count up to `cap`, a link to the full list.
    Three queries: the narrow keys, the rows with their joins, the capped count. `whose`: the
    list follows My work's "yours or the team's" choice (else it is the agency's whoever works it)."""
    items = narrow_slice(queryset, rows)
    count = capped_count(queryset, cap)
    return {
        "template": PANEL_TEMPLATE,
        "id": key,
        "title": title,
        "columns": columns,
        "rows": [row(item) for item in items],
        "shown": len(items),
        "count": capped_text(count, cap),
        "total": count,
        "see_all": see_all,
        "empty": empty,
        "note": note,
        "people": [people(item) for item in items] if people else [],
        "whose": whose,
    }


def summary_panel(*, key, title, lines, empty, note=""):
    """A panel of counts, each a line {"text", "count", "href"} (the custody worklist summary)."""
    return {
        "template": "includes/my_work_summary.html",
        "id": key,
        "title": title,
        "lines": lines,
        "shown": 0,
        "empty": empty,
        "note": note,
        "people": [],
    }


def full_list(request, *, queryset, columns, row, cap=LIST_COUNT_CAP) -> dict:
    """The context of a full list page: a page of `queryset`, its rows, count and pagination."""
    counted = Segments([queryset], cap=cap)
    page = narrow_page(counted, request.GET.get("page"), PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page": page,
        "columns": columns,
        "rows": [row(item) for item in page.object_list],
        "objects": page.object_list,
        "capped": counted.capped,
        "querystring": params.urlencode(),
    }


def filters(request, name: str, choices: list[tuple[str, str]]) -> tuple[str, list[dict]]:
    """The chosen value of the filter `name` ("" for the first choice) and its links."""
    values = [value for value, _ in choices]
    chosen = request.GET.get(name, "")
    if chosen not in values:
        chosen = values[0]
    links = []
    for value, text in choices:
        params = request.GET.copy()
        params.pop("page", None)
        if value:
            params[name] = value
        else:
            params.pop(name, None)
        links.append({"text": text, "href": f"?{params.urlencode()}", "current": value == chosen})
    return chosen, links
