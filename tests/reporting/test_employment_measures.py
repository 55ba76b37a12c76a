"""Employment measures on the known world plus job starts (ms = first day of the report month M).

| person | spells (start .. end)                          | runs                         |
|--------|------------------------------------------------|------------------------------|
| P1     | ms-30 ..                                        | 4w before M; 8w in M; 12w later |
| P2     | ms-10 .. ms+5, then ms+6 .. (no gap)            | one run: 4w in M; 8w, 12w later |
| P3     | ms-10 .. ms+5, then ms+7 .. (a gap of one day)  | 4w due in M, not reached; later runs |
| P5     | ms-20 .. ms+2 (left)                            | 4w due in M, not reached     |
| P6     | ms+3 .. (first job, in M)                       | 4w, 8w, 12w later            |
"""

import datetime

import pytest

from employers.models import (
    Application,
    Employer,
    EmploymentSpell,
    Feedback,
    RetentionCheck,
    Vacancy,
)
from tests.reporting.test_measures import cells, figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(world, agency_a, adviser_a, caseworker_a, report_month):
    ms = report_month
    day = datetime.timedelta
    employer = Employer.objects.create(
        name="Test Builders", sector="construction", town="Luton", owning_agency=agency_a
    )
    vacancy = Vacancy.objects.create(
        employer=employer,
        title="Labourer",
        sector="construction",
        town="Luton",
        created_by_agency=agency_a,
    )

    def spell(name, start, end=None):
        case = world[name]
        return EmploymentSpell.objects.create(
            person=case.person,
            case=case,
            employer=employer,
            job_title="Labourer",
            start_date=ms + day(start),
            end_date=ms + day(end) if end is not None else None,
            end_reason="resigned" if end is not None else "",
            adviser=adviser_a,
            agency=agency_a,
        )

    p1 = spell("P1", -30)
    p2a = spell("P2", -10, 5)
    spell("P2", 6)
    spell("P3", -10, 5)
    spell("P3", 7)
    spell("P5", -20, 2)
    spell("P6", 3)
    for name, status in (("P2", "interviewed"), ("P3", "offered")):
        Application.objects.create(
            person=world[name].person,
            case=world[name],
            vacancy=vacancy,
            status=status,
            interview_at=datetime.datetime.combine(
                ms + day(1), datetime.time(10), tzinfo=datetime.UTC
            ),
            offered_on=ms + day(2) if status == "offered" else None,
            agency=agency_a,
            created_by=caseworker_a,
        )
    RetentionCheck.objects.create(
        spell=p2a, milestone_weeks=4, due_on=ms + day(18), status="overdue"
    )
    RetentionCheck.objects.create(
        spell=p1,
        milestone_weeks=4,
        due_on=ms - day(2),
        status="recorded",
        outcome="in_work",
        checked_on=ms,
    )
    for name, rating in (("P2", 4), ("P3", 2)):
        Feedback.objects.create(
            kind="person",
            rating=rating,
            person=world[name].person,
            case=world[name],
            given_on=ms + day(5),
            agency=agency_a,
            recorded_by=caseworker_a,
        )
    Feedback.objects.create(
        kind="employer_on_service",
        rating=5,
        employer=employer,
        given_on=ms + day(5),
        agency=agency_a,
        recorded_by=caseworker_a,
    )
    return ms


def verified(row):
    return (*cells(row), row.awaiting_verification)


def test_continuous_employment_counts_verified_milestones_and_keeps_unverified_apart(
    jobs, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    # 4w: P2 reaches it in M but its check is only overdue (never done): awaiting, not achieved;
    # P3 and P5 would have reached it in M but left first: known, not achieved; P6 later
    assert verified(rows[("continuous_employment_4w", "all")]) == (0.0, 0, 2, 1, 0, 1)
    assert verified(rows[("continuous_employment_4w", "location:Bedford office")]) == (
        0.0,
        0,
        2,
        0,
        0,
        0,
    )
    # 8w: P1 reaches it in M with no 8-week check recorded: awaiting verification
    assert verified(rows[("continuous_employment_8w", "all")]) == (None, 0, 0, 3, 0, 1)
    assert verified(rows[("continuous_employment_8w", "support_level:low")]) == (
        None,
        0,
        0,
        0,
        0,
        1,
    )
    assert verified(rows[("continuous_employment_12w", "all")]) == (None, 0, 0, 4, 0, 0)
    assert rows[("enduring_jobs_year_to_date", "all")].value == 0


def _record(spell, weeks, due_on, outcome, checked_on, evidence="employer"):
    RetentionCheck.objects.update_or_create(
        spell=spell,
        milestone_weeks=weeks,
        defaults={
            "due_on": due_on,
            "status": "recorded",
            "outcome": outcome,
            "evidence": evidence,
            "checked_on": checked_on,
        },
    )


def test_a_check_recorded_late_moves_the_milestone_from_awaiting_to_achieved(
    jobs, world, agency_a, report_month
):
    day = datetime.timedelta
    p2a = EmploymentSpell.objects.get(person=world["P2"].person, start_date=jobs - day(10))
    # the 4-week check of P2 is recorded weeks after the month, on a later spell of the run
    p2b = EmploymentSpell.objects.get(person=world["P2"].person, start_date=jobs + day(6))
    _record(p2b, 4, jobs + day(18), "in_work", jobs + day(60))
    rows = figures(agency=agency_a, month=report_month)
    assert verified(rows[("continuous_employment_4w", "all")]) == (
        pytest.approx(1 / 3),
        1,
        3,
        1,
        0,
        0,
    )
    assert verified(rows[("continuous_employment_4w", "support_level:high")])[:3] == (
        pytest.approx(1 / 3),
        1,
        3,
    )
    # a check saying "unable to contact" makes the milestone unknown, neither achieved nor awaiting
    RetentionCheck.objects.filter(spell=p2b).delete()
    _record(p2a, 4, jobs + day(18), "unable_to_contact", jobs + day(20), evidence="")
    rows = figures(agency=agency_a, month=report_month)
    assert verified(rows[("continuous_employment_4w", "all")]) == (0.0, 0, 2, 1, 1, 0)


def test_a_check_without_evidence_or_before_the_milestone_day_does_not_verify(
    jobs, world, agency_a, report_month
):
    day = datetime.timedelta
    p2a = EmploymentSpell.objects.get(person=world["P2"].person, start_date=jobs - day(10))
    _record(p2a, 4, jobs + day(18), "in_work", jobs + day(17))  # a day before the milestone
    assert (
        figures(agency=agency_a, month=report_month)[
            ("continuous_employment_4w", "all")
        ].awaiting_verification
        == 1
    )
    _record(p2a, 4, jobs + day(18), "in_work", jobs + day(19), evidence="")
    assert (
        figures(agency=agency_a, month=report_month)[
            ("continuous_employment_4w", "all")
        ].awaiting_verification
        == 1
    )
    _record(p2a, 4, jobs + day(18), "in_work", jobs + day(19))
    row = figures(agency=agency_a, month=report_month)[("continuous_employment_4w", "all")]
    assert (row.numerator, row.awaiting_verification) == (1, 0)


def test_job_funnel_and_time_to_first_job(jobs, world, agency_a, report_month):
    rows = figures(agency=agency_a, month=report_month)
    assert rows[("job_starts", "all")].value == 3
    assert rows[("job_starts", "location:Luton office")].value == 2
    assert rows[("interviews", "all")].value == 2 and rows[("job_offers", "all")].value == 1
    # neither interview's application has led to a job start yet: 0 of 2, never starts over interviews
    assert cells(rows[("interview_to_job_rate", "all")])[:3] == (0.0, 0, 2)
    weeks = round((jobs + datetime.timedelta(days=3) - world["P6"].start_date).days / 7, 1)
    assert cells(rows[("median_weeks_to_first_job", "all")])[:2] == (weeks, 1)


def test_no_job_counts_recorded_job_starts(jobs, agency_a, report_month):
    # P6 now has a job within planned end + 6 months: known, so no unknown is left
    assert cells(
        figures(agency=agency_a, month=report_month)[("no_job_6m_after_planned_end", "all")]
    ) == (pytest.approx(1 / 3), 1, 3, 4, 0)


def test_feedback_and_overdue_retention_checks(jobs, agency_a, report_month):
    rows = figures(agency=agency_a, month=report_month)
    assert cells(rows[("person_feedback", "all")])[:2] == (3.0, 2)
    assert cells(rows[("person_feedback", "support_level:high")])[:2] == (3.0, 2)
    assert cells(rows[("employer_feedback_service", "all")])[:2] == (5.0, 1)
    assert rows[("retention_checks_overdue", "all")].value == 1
    assert rows[("retention_checks_overdue", "location:Luton office")].value == 1


def test_conversion_counts_job_starts_from_the_applications_interviewed_in_the_month(
    jobs, world, agency_a, report_month
):
    day = datetime.timedelta
    offered = Application.objects.get(person=world["P3"].person)
    EmploymentSpell.objects.filter(person=world["P3"].person, start_date=jobs + day(7)).update(
        application=offered
    )
    rows = figures(agency=agency_a, month=report_month)
    assert cells(rows[("interview_to_job_rate", "all")])[:3] == (0.5, 1, 2)
    assert cells(rows[("interview_to_job_rate", "location:Bedford office")])[:3] == (1.0, 1, 1)
    assert cells(rows[("interview_to_job_rate", "location:Luton office")])[:3] == (0.0, 0, 1)
    # the offer counts in the month of the day it was made
    Application.objects.filter(pk=offered.pk).update(offered_on=jobs - day(3))
    assert figures(agency=agency_a, month=report_month)[("job_offers", "all")].value == 0


def test_a_provider_is_credited_from_its_own_acceptance_weeks_after_the_probation_start(
    jobs, world, caseworker_a, jobcentre_a, report_month
):
    from casework.models import Case
    from consent.models import CaseInvolvement
    from tests.factories import share_with

    p6 = Case.objects.filter(pk=world["P6"].pk)
    p6.update(end_date=None, end_reason="")  # involved while the case was open
    share_with(caseworker_a, p6.get(), jobcentre_a)
    p6.update(end_date=world["P6"].end_date, end_reason=world["P6"].end_reason)
    # the referral was accepted on day 1 of M, eleven months after probation started P6's case
    CaseInvolvement.objects.filter(agency=jobcentre_a).update(started_on=jobs)
    rows = figures(agency=jobcentre_a, month=report_month)
    assert rows[("starts", "all")].value == 1
    # P6's first job starts ms+3: 3 days after the provider's own start, not 11 months
    assert cells(rows[("median_weeks_to_first_job", "all")])[:2] == (round(3 / 7, 1), 1)
    assert cells(rows[("median_weeks_to_first_job", "location:not recorded")])[:2] == (
        round(3 / 7, 1),
        1,
    )
    probation = figures(agency=world["P6"].owning_agency, month=report_month)
    assert probation[("median_weeks_to_first_job", "all")].value > 40
