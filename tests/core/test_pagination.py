"""narrow_page: pages of a scoped, ordered queryset, loaded by primary key with their joins."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import selectors
from core.pagination import narrow_page
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db

SURNAMES = ["Young", "adams", "Brown", "Zed", "Clarke", "evans", "Davies"]


def test_pages_keep_the_querysets_order_annotations_and_joins(caseworker_a, caseworker_a2):
    for i, surname in enumerate(SURNAMES):
        person_with_case(caseworker_a if i % 2 else caseworker_a2, last_name=surname)
    cases = selectors.caseload_for_user(user=caseworker_a)
    expected = [(c.pk, c.is_mine) for c in cases]
    assert [c.person.last_name for c in cases][:3] == [
        "adams",
        "evans",
        "Zed",
    ]  # mine first, case-insensitive

    pages = [narrow_page(cases, number, 3) for number in (1, 2, 3)]
    assert [(c.pk, c.is_mine) for page in pages for c in page.object_list] == expected
    assert pages[0].paginator.count == 7 and pages[2].has_next() is False
    with CaptureQueriesContext(connection) as ctx:
        names = [
            c.person.last_name + (c.owner.username if c.owner else "") for c in pages[1].object_list
        ]
    assert len(names) == 3 and len(ctx) == 0  # select_related was carried over to the page's rows


def test_a_known_part_count_saves_its_count_query_and_an_out_of_range_page_gives_the_last(
    caseworker_a,
):
    from core.pagination import Segments

    for surname in SURNAMES[:3]:
        person_with_case(caseworker_a, last_name=surname)
    yours, team, shared = selectors.caseload_segments(user=caseworker_a)
    with CaptureQueriesContext(connection) as ctx:
        page = narrow_page(Segments([yours, team, shared], cap=10, known={0: 3}), "99", 2)
    assert page.number == 2 and [c.person.last_name for c in page.object_list] == ["Young"]
    # two counts (team, shared; yours was known), one LIMIT on yours, one load of the page's rows
    assert len(ctx) == 4 and sum("COUNT(" in q["sql"] for q in ctx.captured_queries) == 2
