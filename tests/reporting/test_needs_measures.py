"""Issue 19: self-reported needs, qualifications gained and support given in the outcome report."""

import pytest

from casework.models import Assessment, Qualification
from employers.models import SupportGiven
from reporting import measures
from tests.reporting.conftest import d

pytestmark = pytest.mark.django_db


def _rows(agency_a, report_month):
    ctx = measures.context_for(month=report_month, agency=agency_a)
    return {(r.measure, r.breakdown): r for r in measures.compute_all(ctx)}


def _assess(case, user, codes, on):
    Assessment.objects.create(
        case=case,
        assessed_on=on,
        assessed_by=user,
        agency=case.owning_agency,
        ratings={"accommodation": "red"},
        work_readiness="support_needed",
        self_reported_need_codes=codes,
    )


def test_shares_of_people_reporting_each_need(world, agency_a, caseworker_a, report_month):
    p1, p2, p3 = world["P1"], world["P2"], world["P3"]
    _assess(p1, caseworker_a, ["accommodation", "education_training_employment"], d(0, 5))
    _assess(p1, caseworker_a, ["accommodation"], d(0, 6))  # the same person counts once
    _assess(p2, caseworker_a, ["education_training_employment"], d(0, 12))
    _assess(p3, caseworker_a, ["none"], d(0, 21))
    _assess(p2, caseworker_a, ["drugs"], d(-1, 12))  # before the period: not counted
    rows = _rows(agency_a, report_month)
    acc = rows[("self_reported_need_accommodation", "all")]
    assert (acc.value, acc.numerator, acc.denominator) == (pytest.approx(1 / 3), 1, 3)
    ete = rows[("self_reported_need_education_training_employment", "all")]
    assert (ete.numerator, ete.denominator) == (2, 3)
    assert rows[("self_reported_need_none", "all")].numerator == 1
    assert rows[("self_reported_need_drugs", "all")].numerator == 0
    low = rows[("self_reported_need_accommodation", "support_level:low")]
    assert (low.numerator, low.denominator) == (1, 1)


def test_qualifications_gained_and_support_given_are_counted_in_their_period(
    world, agency_a, caseworker_a, report_month
):
    p1, p2 = world["P1"], world["P2"]
    for case, status, on in ((p1, "gained", d(0, 8)), (p1, "gained", d(0, 9)), (p2, "held", None)):
        Qualification.objects.create(
            case=case,
            status=status,
            subject="Food safety",
            level="2",
            achieved_on=on,
            agency=agency_a,
            recorded_by=caseworker_a,
        )
    for case, kind, on in (
        (p1, "advice", d(0, 8)),
        (p2, "better_off_calculation", d(0, 12)),
        (p2, "employer_pre_placement", d(0, 13)),
        (p2, "advice", d(-1, 13)),
    ):
        SupportGiven.objects.create(
            person=case.person,
            case=case,
            kind=kind,
            given_on=on,
            given_by=caseworker_a,
            agency=agency_a,
        )
    rows = _rows(agency_a, report_month)
    assert rows[("qualifications_gained", "all")].value == 1  # people, each once; held not counted
    assert rows[("support_given", "all")].value == 2
    assert rows[("support_given", "support_level:high")].value == 1
    assert rows[("support_given_employers", "all")].value == 1


def test_every_new_measure_has_a_definition_in_docs():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "measures.md").read_text()
    assert "`self_reported_need_<code>`" in text
    for measure_id in ("qualifications_gained", "support_given", "support_given_employers"):
        assert f"`{measure_id}`" in text


def test_settled_accommodation_on_release_keeps_unknown_apart(
    world, agency_a, caseworker_a, report_month
):
    from casework.models import AccommodationOutcome, SentenceEpisode

    p1, p2, p3 = world["P1"], world["P2"], world["P3"]
    for case in (p1, p2, p3):
        SentenceEpisode.objects.create(
            person=case.person,
            case=case,
            sentence_type="custodial",
            reception_date=d(-3, 1),
            actual_release_date=d(0, 14),
        )
    for case, status in ((p1, "settled"), (p2, "unknown")):
        AccommodationOutcome.objects.create(
            case=case,
            point="at_release",
            status=status,
            as_at=d(0, 14),
            agency=agency_a,
            recorded_by=caseworker_a,
        )
    rows = _rows(agency_a, report_month)
    row = rows[("accommodation_settled_at_release", "all")]
    assert (row.value, row.numerator, row.denominator, row.unknown) == (1.0, 1, 1, 2)
    assert rows[("accommodation_settled_3m", "all")].denominator == 0
