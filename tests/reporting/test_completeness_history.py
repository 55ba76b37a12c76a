"""Data completeness reads each detail as it stood at the period end (casework.DetailChange), so a
rebuilt past month gives the same figure after the details changed since (see conftest.py)."""

import pytest

from casework import services as casework_services
from casework.models import Case, DetailChange, Person
from consent import policy
from reporting import measures
from tests.reporting.conftest import d

pytestmark = pytest.mark.django_db


def completeness(agency, month):
    ctx = measures.context_for(month=month, agency=agency)
    return {r.breakdown: (r.numerator, r.denominator) for r in measures.data_completeness(ctx)}


def test_a_past_month_keeps_its_figure_after_the_details_change_and_today_reads_the_new_values(
    world, caseworker_a, agency_a, report_month
):
    before = completeness(agency_a, report_month)
    assert before["all"] == (2, 4)  # P1, P2 complete of P1, P2, P3, P6
    assert before["location:Luton office"] == (2, 3)
    p1 = Person.objects.get(first_name="P1")
    casework_services.person_update(
        user=caseworker_a, person=p1, version=p1.version, employment_status="unknown"
    )
    p3 = Person.objects.get(first_name="P3")
    casework_services.person_update(
        user=caseworker_a,
        person=p3,
        version=p3.version,
        employment_status="unemployed",
        benefit_status="claiming",
        accommodation_status="settled",
    )
    p2_case = Case.objects.get(pk=world["P2"].pk)
    casework_services.case_update(
        user=caseworker_a, case=p2_case, version=p2_case.version, owner=None
    )
    assert DetailChange.objects.count() == 5
    assert set(DetailChange.objects.values_list("field", "from_value", "to_value")) == {
        ("employment_status", "unknown", "unemployed"),
        ("employment_status", "unemployed", "unknown"),
        ("benefit_status", "unknown", "claiming"),
        ("accommodation_status", "unknown", "settled"),
        ("owner", str(caseworker_a.pk), ""),
    }
    # the past month, rebuilt: unchanged
    assert completeness(agency_a, report_month) == before
    # this month reads today's values: P1 (employment unknown) and P2 (no caseworker) are incomplete
    this_month = policy.today().replace(day=1)
    assert completeness(agency_a, this_month)["all"] == (0, 2)


def test_a_change_recorded_inside_the_period_counts_at_its_end(world, agency_a, report_month):
    p6 = world["P6"].person
    Person.objects.filter(pk=p6.pk).update(
        employment_status="unemployed", benefit_status="claiming", accommodation_status="settled"
    )
    for field, value in (
        ("employment_status", "unemployed"),
        ("benefit_status", "claiming"),
        ("accommodation_status", "settled"),
    ):
        DetailChange.objects.create(
            person=p6, field=field, from_value="unknown", to_value=value, on=d(0, 5)
        )
    assert completeness(agency_a, report_month)["all"] == (3, 4)
    # the month before: the values before those changes (unknown): P6 incomplete
    earlier = completeness(agency_a, d(-1, 1))
    DetailChange.objects.filter(person=p6).update(on=d(1, 1))  # had they changed after the month
    assert completeness(agency_a, report_month)["all"] == (2, 4)
    assert completeness(agency_a, d(-1, 1)) == earlier
