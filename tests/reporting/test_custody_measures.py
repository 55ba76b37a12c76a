"""The benefit claims after release in the outcome report (issue 19 B): the finance gap, payments on
account and rapid reclaims, computed on known data, defined in the measure list, in the CSV."""

import pytest

from agencies.models import Role
from reporting import measures
from reporting.measures import BY_ID, format_cell
from tests.factories import staff
from tests.reporting.conftest import d
from tests.reporting.test_documents import built, csv_rows

pytestmark = pytest.mark.django_db

NEW = ("finance_gap_median_days", "advances_requested", "advances_eligible", "rapid_reclaims")


@pytest.fixture
def claims(world, jobcentre_a, prison_jobcentre, work_coach_a, ebsa_a):
    """Claims recorded by Jobcentre A (and one by another Jobcentre, never counted). M: the report month.

    | who | benefit | released | claimed   | paid     | advance          | last claim ended      |
    |-----|---------|----------|-----------|----------|------------------|-----------------------|
    | P1  | JSA     | d(0,1)   | d(0,2)    | d(0,15)  | requested, meets | d(-3,1), unchanged    |
    | P2  | UC      | d(-1,20) | d(-1,21)  | d(0,5)   | -                | - (claimed before M)  |
    | P3  | JSA     | d(0,10)  | d(0,10)   | unpaid   | requested, fails | not recorded          |
    | P2  | ESA     | d(0,25)  | d(0,26)   | d(1,5)   | -                | d(-12,1) (too long)   |
    | P1  | JSA     | d(0,3)   | d(0,3)    | d(0,6)   | requested, meets | d(0,1) (other agency) |
    """
    from custody.models import PostReleaseClaim
    from custody.services import rapid_reclaim_eligible

    rows = [
        (jobcentre_a, "P1", "jsa", d(0, 1), d(0, 2), d(0, 15), True, "eligible", d(-3, 1), True),
        (
            jobcentre_a,
            "P2",
            "universal_credit",
            d(-1, 20),
            d(-1, 21),
            d(0, 5),
            False,
            "",
            None,
            False,
        ),
        (jobcentre_a, "P3", "jsa", d(0, 10), d(0, 10), None, True, "refused", None, True),
        (jobcentre_a, "P2", "esa", d(0, 25), d(0, 26), d(1, 5), False, "", d(-12, 1), False),
        (prison_jobcentre, "P1", "jsa", d(0, 3), d(0, 3), d(0, 6), True, "eligible", d(0, 1), True),
    ]
    for agency, who, benefit, released, made, paid, asked, outcome, ended, unchanged in rows:
        PostReleaseClaim.objects.create(
            person=world[who].person,
            agency=agency,
            released_on=released,
            claim_made_on=made,
            benefit=benefit,
            first_payment_on=paid,
            claim_state="paid" if paid else "undecided",
            advance_requested=asked,
            advance_outcome=outcome,
            last_claim_ended_on=ended,
            circumstances_unchanged=unchanged,
            rapid_reclaim=rapid_reclaim_eligible(
                last_claim_ended_on=ended, claim_made_on=made, circumstances_unchanged=unchanged
            ),
            recorded_by=work_coach_a,
        )


def figures(agency, month):
    ctx = measures.context_for(month=month, agency=agency)
    return {(r.measure, r.breakdown): r for r in measures.compute_all(ctx)}


def test_every_new_measure_is_defined_in_the_measure_list():
    for measure_id in NEW:
        measure = BY_ID[measure_id]
        assert measure.group == "jobcentre" and measure.definition
    assert "001 §9.1" in BY_ID["finance_gap_median_days"].definition
    assert "001 §9.3" in BY_ID["advances_eligible"].definition
    assert "001 §2.3" in BY_ID["rapid_reclaims"].definition
    assert (BY_ID["finance_gap_median_days"].kind, BY_ID["advances_eligible"].kind) == (
        "median",
        "rate",
    )


def test_finance_gap_advances_and_rapid_reclaims_on_known_data(claims, jobcentre_a, report_month):
    rows = figures(jobcentre_a, report_month)
    uc_gap = (d(0, 5) - d(-1, 20)).days
    gap = rows[("finance_gap_median_days", "all")]
    # paid in M: P1's JSA (14 days) and P2's UC; still waiting at the end of M: P3's JSA, P2's ESA
    assert (gap.value, gap.numerator, gap.not_yet_due) == ((14 + uc_gap) / 2, 2, 2)
    jsa = rows[("finance_gap_median_days", "benefit:jsa")]
    assert (jsa.value, jsa.numerator, jsa.not_yet_due) == (14.0, 1, 1)
    assert rows[("finance_gap_median_days", "benefit:universal_credit")].value == float(uc_gap)
    esa = rows[("finance_gap_median_days", "benefit:esa")]
    assert (esa.value, esa.numerator, esa.not_yet_due) == (None, 0, 1)
    # claims made in M: P1 (asked, meets the tests), P3 (asked, fails), P2's ESA (not asked)
    assert rows[("advances_requested", "all")].value == 2
    assert rows[("advances_requested", "benefit:esa")].value == 0
    eligible = rows[("advances_eligible", "all")]
    assert (eligible.value, eligible.numerator, eligible.denominator) == (0.5, 1, 2)
    assert rows[("advances_eligible", "benefit:esa")].value is None  # none requested
    rapid = rows[("rapid_reclaims", "all")]
    assert (rapid.value, rapid.unknown) == (1, 1)  # P1's; P3's last claim end not recorded
    # every benefit listed, zeros included
    assert {b for (m, b) in rows if m == "rapid_reclaims"} == {
        "all",
        "benefit:universal_credit",
        "benefit:jsa",
        "benefit:esa",
        "benefit:income_support",
        "benefit:housing_benefit",
        "benefit:other",
    }


def test_another_jobcentres_claims_are_its_own(claims, prison_jobcentre, report_month):
    rows = figures(prison_jobcentre, report_month)
    assert rows[("finance_gap_median_days", "all")].value == 3.0
    assert rows[("advances_requested", "all")].value == 1
    assert rows[("rapid_reclaims", "all")].value == 1


def test_a_fixed_number_of_queries(
    claims, world, jobcentre_a, report_month, django_assert_num_queries
):
    ctx = measures.context_for(month=report_month, agency=jobcentre_a)
    with django_assert_num_queries(3):
        measures.post_release_claims(ctx)


def test_in_the_csv(claims, jobcentre_a, report_month, django_capture_on_commit_callbacks):
    manager = staff("jc_manager", jobcentre_a, Role.MANAGER)
    report = built(manager, report_month, django_capture_on_commit_callbacks)
    rows = csv_rows(report)
    uc_gap = (d(0, 5) - d(-1, 20)).days
    assert [
        "finance_gap_median_days",
        "all",
        format_cell((14 + uc_gap) / 2),
        "2",
        "",
        "2",
        "",
        "",
    ] in rows
    assert ["advances_requested", "all", "2", "", "", "", "", ""] in rows
    assert ["advances_eligible", "all", "0.5", "1", "2", "", "", ""] in rows
    assert ["rapid_reclaims", "all", "1", "", "", "", "1", ""] in rows
    assert ["rapid_reclaims", "benefit:jsa", "1", "", "", "", "1", ""] in rows


def test_small_numbers_suppressed_for_the_region(claims, jobcentre_a, report_month):
    ctx = measures.context_for(month=report_month, region=jobcentre_a.region)
    rows = {(r.measure, r.breakdown): r for r in measures.suppress(measures.compute_all(ctx), 5)}
    # the region's two Jobcentres: three claims paid in M, three advances requested
    gap = rows[("finance_gap_median_days", "all")]
    assert (gap.value, gap.numerator) == ("<5", "<5")
    assert rows[("advances_requested", "all")].value == "<5"
    eligible = rows[("advances_eligible", "all")]
    assert (eligible.value, eligible.numerator, eligible.denominator) == ("<5", "<5", "<5")
    assert rows[("rapid_reclaims", "all")].value == "<5"
