"""The caseload query is driven by indexes, not by scanning every person or case (PostgreSQL plans)."""

import re

import pytest
from django.db import connection
from django.db.models import Count

from agencies import acting
from agencies.models import Role, StaffMembership
from casework import selectors
from casework.models import Case

pytestmark = pytest.mark.django_db

BIG = ("casework_person", "casework_case", "consent_personaccess")


def _busiest_caseworker():
    agency = (
        Case.objects.filter(end_date__isnull=True, owning_agency__kind="probation")
        .values("owning_agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["owning_agency"]
    )
    membership = (
        StaffMembership.objects.filter(agency_id=agency, role=Role.CASEWORKER)
        .select_related("user")
        .first()
    )
    user = membership.user
    acting.attach(user)
    return user


def _plan(queryset) -> str:
    """EXPLAIN with fresh statistics and the storage cost recommended in docs/performance.md (SSD)."""
    with connection.cursor() as cursor:
        for table in BIG + ("consent_caseinvolvement",):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL random_page_cost = 1.1")
    return queryset.explain()


def test_caseload_plan_uses_indexes_not_sequential_scans(load_world):
    load_world(2000)
    user = _busiest_caseworker()
    yours, team, shared = selectors.caseload_segments(user=user)
    for segment in (yours, team, shared):
        plan = _plan(segment.values_list("pk")[:25])
        scanned = set(re.findall(r"Seq Scan on (\w+)", plan))
        assert not scanned & set(BIG), plan
    plan = _plan(team.values_list("pk")[:25])
    assert re.search(
        r"Index (Only )?Scan (using|on) (person_access_\w+|consent_personaccess_\w+)", plan
    ), plan
    # at this size a bitmap scan of the agency's cases is cheapest; at 1,000,000 people the team walks
    # case_open_caseload in name order (docs/performance.md, tests.perf.explain)
    assert re.search(r"Scan (using|on) case_\w+", plan), (
        plan
    )  # one of the open-case indexes of the agency


def test_filtered_caseload_plan_uses_indexes(load_world):
    load_world(2000)
    user = _busiest_caseworker()
    for segment in selectors.caseload_segments(
        user=user, stage="in_community", support_level="high"
    ):
        plan = _plan(segment.values_list("pk")[:25])
        assert not set(re.findall(r"Seq Scan on (\w+)", plan)) & set(BIG), plan


def test_every_name_column_of_the_search_has_a_trigram_index():
    """person_search ORs icontains on first name, last name and aliases: one unindexed arm turns the whole
    OR into a scan of every person (measured at 100,000 people: 93 ms, 12 ms with all three indexed).
    At 2,000 rows a scan is the planner's right choice, so this checks the indexes themselves."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'casework_person'"
        )
        indexes = dict(cursor.fetchall())
    for name, column in (
        ("person_first_name_trgm", "first_name"),
        ("person_last_name_trgm", "last_name"),
        ("person_aliases_trgm", "aliases"),
    ):
        assert name in indexes
        assert f"upper(({column})::text) gin_trgm_ops" in indexes[name]
