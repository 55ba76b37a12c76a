"""Every figure of the known world (see conftest.py), worked by hand."""

import pytest
from django.conf import settings

from reporting import measures
from reporting.periods import financial_year_start

pytestmark = pytest.mark.django_db


def figures(agency=None, region=None, month=None):
    ctx = measures.context_for(month=month, agency=agency, region=region)
    return {(r.measure, r.breakdown): r for r in measures.compute_all(ctx)}


def cells(row):
    return (row.value, row.numerator, row.denominator, row.not_yet_due, row.unknown)


def test_starts_count_cases_started_in_the_month_by_level_and_location(
    world, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    assert rows[("starts", "all")].value == 3
    assert [rows[("starts", f"support_level:{lv}")].value for lv in ("low", "medium", "high")] == [
        1,
        0,
        2,
    ]
    assert rows[("starts", "location:Luton office")].value == 2
    assert rows[("starts", "location:Bedford office")].value == 1


def test_no_job_by_six_months_after_planned_end_keeps_unknown_and_not_yet_due_apart(
    world, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    m = "no_job_6m_after_planned_end"
    # due: P4 (check: not in work), P5 (check: in work), P6 (no check -> unknown); P1 P2 P3 P7 due later
    assert cells(rows[(m, "all")]) == (0.5, 1, 2, 4, 1)
    assert cells(rows[(m, "support_level:low")]) == (None, 0, 0, 2, 0)
    assert cells(rows[(m, "support_level:medium")]) == (1.0, 1, 1, 0, 0)
    assert cells(rows[(m, "support_level:high")]) == (0.0, 0, 1, 2, 1)
    assert cells(rows[(m, "location:Luton office")]) == (1.0, 1, 1, 2, 1)
    assert cells(rows[(m, "location:Bedford office")]) == (0.0, 0, 1, 2, 0)


def test_reoffending_windows_are_separate_and_missing_checks_are_unknown(
    world, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    # during support: P6 ended in M and did not re-offend; P3 ended in M with no check -> unknown
    assert cells(rows[("no_reoffending_during_support", "all")]) == (1.0, 1, 1, 2, 1)
    assert cells(rows[("no_reoffending_during_support", "location:Bedford office")]) == (
        None,
        0,
        0,
        0,
        1,
    )
    # 6 months after support ended: P4 no; P5 re-offended during support, but the window is the six
    # months after completion (not from the start of support) and its check says no
    assert cells(rows[("no_reoffending_6m", "all")]) == (1.0, 2, 2, 4, 0)
    assert cells(rows[("no_reoffending_6m", "support_level:high")]) == (1.0, 1, 1, 3, 0)
    assert cells(rows[("no_reoffending_6m", "location:Luton office")]) == (1.0, 1, 1, 3, 0)
    # 12 months: P7 (early leaver) has no 12-month check: unknown, never "did not re-offend"
    assert cells(rows[("no_reoffending_12m", "all")]) == (None, 0, 0, 6, 1)


def test_data_completeness_counts_cases_open_in_the_month_with_details_recorded(
    world, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    assert cells(rows[("data_completeness", "all")]) == (0.5, 2, 4, None, None)
    assert rows[("data_completeness", "support_level:high")].value == pytest.approx(1 / 3)
    assert rows[("data_completeness", "location:Luton office")].value == pytest.approx(2 / 3)
    assert rows[("data_completeness", "location:Bedford office")].value == 0.0


def test_enduring_jobs_target_is_pro_rated_to_the_financial_year(world, agency_a, report_month):
    fy = financial_year_start(report_month)
    months = (report_month.year - fy.year) * 12 + report_month.month - fy.month + 1
    rows = figures(agency=agency_a, month=report_month)
    assert rows[("enduring_jobs_target_year_to_date", "all")].value == round(
        settings.ENDURING_JOBS_ANNUAL_TARGET * months / 12
    )


def test_other_agencies_cases_are_not_counted_but_the_region_counts_them(
    world, agency_a, region, report_month
):
    assert figures(agency=agency_a, month=report_month)[("starts", "all")].value == 3
    assert figures(region=region, month=report_month)[("starts", "all")].value == 4


def test_an_involved_agency_is_credited_with_the_case(
    world, caseworker_a, jobcentre_a, report_month
):
    from consent.models import CaseInvolvement
    from tests.factories import share_with
    from tests.reporting.conftest import d

    share_with(caseworker_a, world["P1"], jobcentre_a)
    # credited from the agency's own start (its involvement), in its own sites (none recorded here)
    assert figures(agency=jobcentre_a, month=report_month)[("starts", "all")].value == 0
    CaseInvolvement.objects.filter(agency=jobcentre_a).update(started_on=d(0, 12))
    rows = figures(agency=jobcentre_a, month=report_month)
    assert rows[("starts", "all")].value == 1
    assert rows[("starts", "location:not recorded")].value == 1
    assert (
        "starts",
        "location:Luton office",
    ) not in rows  # agency A's office is not the Jobcentre's


def test_measures_without_data_in_resettle_are_not_available_not_zero(
    world, agency_a, report_month
):
    rows = figures(agency=agency_a, month=report_month)
    for measure in ("referrals_received", "claim_closures", "person_feedback"):
        if (
            measures.model_or_none(
                {
                    "referrals_received": "referrals.Referral",
                    "claim_closures": "custody.ClaimClosure",
                    "person_feedback": "employers.Feedback",
                }[measure]
            )
            is None
        ):
            row = rows[(measure, "all")]
            assert row.available is False and row.value is None and row.note


def test_every_measure_has_rows_in_csv_order(world, agency_a, report_month):
    ctx = measures.context_for(month=report_month, agency=agency_a)
    ids = [r.measure for r in measures.compute_all(ctx)]
    assert list(dict.fromkeys(ids)) == [m.id for m in measures.MEASURES]


@pytest.mark.parametrize("extra", [0, 12])
def test_measures_run_a_fixed_number_of_queries(
    world, agency_a, caseworker_a, report_month, extra, django_assert_max_num_queries
):
    from tests.factories import person_with_case

    for i in range(extra):
        person_with_case(caseworker_a, first_name=f"Extra{i}", start_date=world["P1"].start_date)
    ctx = measures.context_for(month=report_month, agency=agency_a)
    with django_assert_max_num_queries(115):  # grows with the measures, never with the people
        measures.compute_all(ctx)
        measures.trend(ctx)


def test_suppression_hides_counts_below_five_and_rates_built_on_them():
    rows = [
        measures.Row("starts", "all", value=3),
        measures.Row("starts", "support_level:low", value=7),
        measures.Row(
            "no_reoffending_6m",
            "all",
            value=0.5,
            numerator=3,
            denominator=6,
            not_yet_due=12,
            unknown=0,
        ),
        measures.Row(
            "no_reoffending_6m",
            "support_level:low",
            value=0.6,
            numerator=6,
            denominator=10,
            not_yet_due=5,
            unknown=2,
        ),
        measures.Row("enduring_jobs_target_year_to_date", "all", value=3),
    ]
    out = measures.suppress(rows, threshold=5)
    assert out[0].cells() == ["starts", "all", "<5", "", "", "", "", ""]
    assert out[1].cells() == ["starts", "support_level:low", "7", "", "", "", "", ""]
    assert out[2].cells() == ["no_reoffending_6m", "all", "<5", "<5", "6", "12", "<5", ""]
    assert out[3].cells() == [
        "no_reoffending_6m",
        "support_level:low",
        "0.6",
        "6",
        "10",
        "5",
        "<5",
        "",
    ]
    assert out[4].cells()[2] == "3"  # a target is not a count of people


def test_referrals_received_by_source_and_overdue_at_the_end_of_the_month(
    world, agency_a, agency_b, jobcentre_a, caseworker_a, report_month
):
    import datetime

    from django.utils import timezone

    from referrals.models import Referral
    from tests.reporting.conftest import d

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))

    def referral(case, source, to, sent, respond_by, answered=None):
        Referral.objects.create(
            person=case.person,
            case=case,
            from_agency=source,
            from_user=caseworker_a,
            to_agency=to,
            need="education_training_employment",
            reason="test",
            status="sent",
            sent_at=at(sent),
            respond_by=respond_by,
            answered_at=at(answered) if answered else None,
        )

    referral(
        world["P1"], jobcentre_a, agency_a, d(0, 5), d(0, 12), answered=d(0, 6)
    )  # answered in time
    referral(world["P2"], agency_b, agency_a, d(0, 7), d(0, 14))  # never answered: overdue
    referral(
        world["P3"], agency_b, agency_a, d(-1, 20), d(-1, 27), answered=d(1, 1)
    )  # answered after M: overdue in M
    referral(
        world["P4"], agency_a, jobcentre_a, d(0, 8), d(0, 15)
    )  # sent by agency A, not received
    from referrals.models import ReferralEvent

    referral(world["P5"], agency_b, agency_a, d(-1, 1), d(-1, 8))  # withdrawn in M: not waiting
    withdrawn = Referral.objects.get(case=world["P5"])
    Referral.objects.filter(pk=withdrawn.pk).update(status="withdrawn", withdraw_reason="other")
    event = ReferralEvent.objects.create(
        referral=withdrawn, from_status="sent", to_status="withdrawn", user=caseworker_a
    )
    ReferralEvent.objects.filter(pk=event.pk).update(at=at(d(0, 2)))
    from agencies.models import Agency

    Agency.objects.filter(pk=jobcentre_a.pk).update(source_category="jobcentre")
    Agency.objects.filter(pk=agency_b.pk).update(source_category="probation")
    rows = figures(agency=agency_a, month=report_month)
    received = {b: r.value for (m, b), r in rows.items() if m == "referrals_received"}
    assert received == {
        "all": 2,
        "support_level:low": 1,
        "support_level:medium": 0,
        "support_level:high": 1,
        "location:Bedford office": 0,
        "location:Luton office": 2,
        "source:jobcentre": 1,
        "source:prison_education": 0,
        "source:prison": 0,
        "source:probation": 1,
        "source:employment_programme": 0,
        "source:other": 0,
    }
    overdue = {b: r.value for (m, b), r in rows.items() if m == "referrals_overdue"}
    assert overdue == {
        "all": 2,
        "support_level:low": 0,
        "support_level:medium": 0,
        "support_level:high": 2,
        "location:Bedford office": 1,
        "location:Luton office": 1,
    }


def test_jobcentre_measures_claim_closures_freshstart_and_markers(
    world, jobcentre_a, work_coach_a, caseworker_a, report_month
):
    import datetime

    from django.utils import timezone

    from custody.models import ClaimClosure, FreshstartAppointment, Marker
    from reporting.periods import month_end
    from tests.factories import SiteFactory, share_with
    from tests.reporting.conftest import d

    prison = SiteFactory(agency=jobcentre_a, name="HMP Test")
    office = SiteFactory(agency=jobcentre_a, name="Test Jobcentre")
    people = [world[p].person for p in ("P1", "P2", "P3")]
    for person, received, closed, how in (
        (people[0], d(0, 1), d(0, 4), "matching_scan"),
        (people[1], d(0, 2), d(0, 12), "ebsa_casework"),
        (people[2], d(-1, 20), d(0, 1), "person_told"),
        (people[2], d(0, 20), None, "other"),
    ):
        ClaimClosure.objects.create(
            person=person,
            agency=jobcentre_a,
            establishment=prison,
            reception_date=received,
            found_by=how,
            created_by=work_coach_a,
            closed_on=closed,
            sent_to_bdc_on=received if closed else None,
        )
    for person, day, attended, booked in (
        (people[0], d(0, 9), True, d(0, 2)),
        (people[1], d(0, 10), False, d(-1, 25)),  # booked before M, held in M
        (people[2], d(0, 11), None, d(0, 3)),
        (people[2], d(-1, 11), True, d(-1, 4)),
        (people[0], d(1, 11), None, d(0, 28)),  # booked in M, held after it
    ):
        appointment = FreshstartAppointment.objects.create(
            person=person,
            jobcentre=jobcentre_a,
            office=office,
            booked_by=work_coach_a,
            booked_by_agency=jobcentre_a,
            appointment_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))),
            attended=attended,
        )
        FreshstartAppointment.objects.filter(pk=appointment.pk).update(
            created_at=timezone.make_aware(datetime.datetime.combine(booked, datetime.time(9)))
        )
    consent = share_with(
        caseworker_a, world["P1"], jobcentre_a, purposes=("employment_support", "offender_marker")
    )
    Marker.objects.create(
        person=people[0],
        jobcentre=jobcentre_a,
        kind="offender",
        consent=consent,
        set_on=d(0, 9),
        expires_on=d(12, 9),
        set_by=work_coach_a,
    )
    rows = figures(agency=jobcentre_a, month=report_month)
    assert rows[("claim_closures", "all")].value == 3
    assert rows[("claim_closures", "location:HMP Test")].value == 3
    # by how the claim was found: every way listed, the open one (other) not counted
    assert {
        b: r.value for (m, b), r in rows.items() if m == "claim_closures" and "found_by" in b
    } == {
        "found_by:ebsa_casework": 1,
        "found_by:matching_scan": 1,
        "found_by:both": 0,
        "found_by:person_told": 1,
        "found_by:other": 0,
    }
    scan = rows[("claim_closure_median_days", "found_by:matching_scan")]
    assert (scan.value, scan.numerator) == (3.0, 1)
    assert rows[("claim_closure_median_days", "found_by:other")].value is None
    assert (
        rows[("claim_closure_median_days", "all")].value,
        rows[("claim_closure_median_days", "all")].numerator,
    ) == (10.0, 3)
    # open at the end of M: P3's closure received d(0,20), never confirmed (age: month end - d(0,20))
    still_open = rows[("claim_closures_open", "all")]
    assert (still_open.value, still_open.numerator) == (
        float((month_end(report_month) - d(0, 20)).days),
        1,
    )
    assert rows[("freshstart_booked", "all")].value == 3  # by booking date: d(0,2), d(0,3), d(0,28)
    attended = rows[("freshstart_attended", "location:Test Jobcentre")]
    assert (attended.value, attended.numerator, attended.denominator, attended.unknown) == (
        0.5,
        1,
        2,
        1,
    )
    assert rows[("offender_markers_set", "all")].value == 1
    assert rows[("offender_markers_live", "all")].value == 1
    # the two legs: every closure here was sent on its reception day, then confirmed 3, 10, 12 days on
    to_bdc = rows[("claim_closure_to_bdc_median_days", "all")]
    assert (to_bdc.value, to_bdc.numerator) == (0.0, 3)
    confirmed = rows[("claim_closure_bdc_to_confirmed_median_days", "all")]
    assert (confirmed.value, confirmed.numerator) == (10.0, 3)


def test_employers_engaged_counts_each_employer_once_by_contact_or_new_record_in_the_month(
    world, agency_a, agency_b, caseworker_a, caseworker_b, report_month
):
    import datetime

    from django.utils import timezone

    from employers.models import Employer, EmployerContact
    from tests.reporting.conftest import d

    def employer(name, owner, created):
        e = Employer.objects.create(
            name=name, sector="construction", town="Luton", owning_agency=owner
        )
        Employer.objects.filter(pk=e.pk).update(
            created_at=timezone.make_aware(datetime.datetime.combine(created, datetime.time(9)))
        )
        return e

    old = employer("Old Builders", agency_a, d(-3, 1))
    new = employer("New Caterers", agency_a, d(0, 4))  # taken on in M
    theirs = employer("Their Logistics", agency_b, d(-3, 1))
    for e, agency, user, day in (
        (old, agency_a, caseworker_a, d(0, 2)),
        (old, agency_a, caseworker_a, d(0, 9)),  # twice in M: once
        (new, agency_a, caseworker_a, d(0, 5)),
        (theirs, agency_a, caseworker_a, d(-1, 5)),  # before M
        (theirs, agency_b, caseworker_b, d(0, 5)),  # another agency's contact
    ):
        EmployerContact.objects.create(
            employer=e, agency=agency, user=user, contacted_on=day, method="phone"
        )
    assert figures(agency=agency_a, month=report_month)[("employers_engaged", "all")].value == 2
    assert figures(agency=agency_b, month=report_month)[("employers_engaged", "all")].value == 1


def test_complementary_suppression_hides_a_second_part_so_none_can_be_recovered_by_subtraction():
    def starts(**parts):
        return [measures.Row("starts", "all", value=sum(parts.values()))] + [
            measures.Row("starts", f"support_level:{k}", value=v) for k, v in parts.items()
        ]

    # the case: total 22, low 3, medium 6, high 13 -> low AND medium hidden (22 - 13 = 9 for both)
    out = {
        r.breakdown: r.cells()[2] for r in measures.suppress(starts(low=3, medium=6, high=13), 5)
    }
    assert out == {
        "all": "22",
        "support_level:low": "<5",
        "support_level:medium": "<5",
        "support_level:high": "13",
    }


def test_an_area_with_three_cells_under_five_and_rates_on_hidden_counts():
    rows = [
        measures.Row("data_completeness", "all", value=0.5, numerator=15, denominator=30),
        measures.Row("data_completeness", "location:A", value=0.5, numerator=1, denominator=2),
        measures.Row("data_completeness", "location:B", value=0.75, numerator=3, denominator=4),
        measures.Row("data_completeness", "location:C", value=0.5, numerator=2, denominator=4),
        measures.Row("data_completeness", "location:D", value=0.45, numerator=9, denominator=20),
    ]
    out = {r.breakdown: r.cells()[2:5] for r in measures.suppress(rows, 5)}
    # three denominators under five: hidden; their remainder (30 - 20 = 10) can be made many ways,
    # so D stays; numerators 1, 3, 2 hidden and 15 - 9 = 6 likewise
    assert out["location:D"] == ["0.45", "9", "20"]
    assert all(out[k] == ["<5", "<5", "<5"] for k in ("location:A", "location:B", "location:C"))
    # two parts under five whose remainder is 8 = 4 + 4 would give both away: a third is hidden
    rows = [
        measures.Row("starts", "all", value=18),
        measures.Row("starts", "location:A", value=4),
        measures.Row("starts", "location:B", value=4),
        measures.Row("starts", "location:C", value=10),
    ]
    out = {r.breakdown: r.cells()[2] for r in measures.suppress(rows, 5)}
    assert out == {"all": "18", "location:A": "<5", "location:B": "<5", "location:C": "<5"}


def test_region_funnel_by_agency_credits_each_agency_with_its_own_records(
    world, agency_a, agency_b, region, report_month
):
    rows = figures(region=region, month=report_month)
    assert rows[("starts", f"agency:{agency_a.name}")].value == 3
    assert rows[("starts", f"agency:{agency_b.name}")].value == 1
    assert rows[("starts", "all")].value == 4
    assert not any(
        b.startswith("agency:") for _m, b in figures(agency=agency_a, month=report_month)
    )


def test_region_funnel_by_area_counts_each_record_at_the_site_its_case_is_worked_from(
    world, agency_a, agency_b, caseworker_a, caseworker_b, region, report_month
):
    from agencies.models import Site, StaffMembership
    from employers.models import Employer, EmployerContact
    from tests.reporting.conftest import d

    luton = Site.objects.get(name="Luton office")
    StaffMembership.objects.filter(user=caseworker_a).update(site=luton)
    for n, (user, agency) in enumerate(((caseworker_a, agency_a), (caseworker_b, agency_b))):
        employer = Employer.objects.create(
            name=f"Employer {n}", sector="retail", town="Luton", owning_agency=agency
        )
        EmployerContact.objects.create(
            employer=employer, agency=agency, user=user, contacted_on=d(0, 5), method="phone"
        )
    rows = figures(region=region, month=report_month)
    area = {(m, b.split(":", 1)[1]): r.value for (m, b), r in rows.items() if b.startswith("area:")}
    # P1, P2 at Luton, P3 at Bedford; agency B's person has no site
    assert [area[("starts", a)] for a in ("Luton office", "Bedford office", "not recorded")] == [
        2,
        1,
        1,
    ]
    assert [
        area[("employers_engaged", a)] for a in ("Luton office", "Bedford office", "not recorded")
    ] == [1, 0, 1]
    assert area[("interview_to_job_rate", "Luton office")] is None  # no interviews: no rate
    assert rows[("interview_to_job_rate", "area:Luton office")].denominator == 0
    assert not any(b.startswith("area:") for _m, b in figures(agency=agency_a, month=report_month))


def test_proven_reoffences_are_dated_facts_and_recall_is_not_reoffending(
    world, caseworker_a, caseworker_b, agency_a, report_month
):
    from core.errors import ApplicationError, NotFound
    from reporting import services
    from tests.reporting.conftest import d

    def record(name, kind, offence, disposal=None):
        return services.reoffence_record(
            user=caseworker_a,
            case=world[name],
            kind=kind,
            offence_date=offence,
            disposal_date=disposal,
            source="pnc",
        )

    # P4 (ended d(-6,5), its 6-month check says "no"): recalled in the window - still did not re-offend
    record("P4", "recall", d(-3, 1))
    rows = figures(agency=agency_a, month=report_month)
    assert cells(rows[("no_reoffending_6m", "all")]) == (1.0, 2, 2, 4, 0)
    # a proven re-offence dated in the window outweighs the check's "no"
    record("P4", "proven_reoffence", d(-2, 10), d(-1, 20))
    rows = figures(agency=agency_a, month=report_month)
    assert cells(rows[("no_reoffending_6m", "all")]) == (0.5, 1, 2, 4, 0)
    # P3 (ended d(0,25), no check): a proven re-offence during support makes it known, not unknown
    record("P3", "proven_reoffence", d(0, 22), d(0, 24))
    during = figures(agency=agency_a, month=report_month)[("no_reoffending_during_support", "all")]
    assert cells(during) == (0.5, 1, 2, 2, 0)
    with pytest.raises(ApplicationError, match="disposal date"):
        record("P6", "proven_reoffence", d(0, 5), d(0, 1))
    with pytest.raises(NotFound):  # another agency's record, without its offence part: absent
        services.reoffence_record(
            user=caseworker_b,
            case=world["P6"],
            kind="recall",
            offence_date=d(0, 5),
            source="pnc",
        )


def test_support_level_breakdowns_use_the_level_at_the_start_kept_as_history(
    world, caseworker_a, agency_a, report_month
):
    from casework import services as casework_services
    from casework.models import CaseEvent

    before = figures(agency=agency_a, month=report_month)
    case = world["P1"]  # low at the start
    casework_services.case_update(
        user=caseworker_a, case=case, version=case.version, support_level="high"
    )
    after = figures(agency=agency_a, month=report_month)
    assert after[("starts", "support_level:low")].value == 1
    assert after[("starts", "support_level:high")].value == 2
    assert [r.cells() for r in after.values()] == [r.cells() for r in before.values()]
    event = CaseEvent.objects.get(case=case, kind="support_level")
    assert (event.from_value, event.to_value) == ("low", "high")
