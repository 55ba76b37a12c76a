import datetime

import pytest
from django.test import override_settings

from employers import services
from employers.continuity import (
    continuity_for_people,
    continuity_for_person,
    merge_runs,
    milestones_for_runs,
)

D = datetime.date


def test_job_starting_the_day_after_the_last_ended_continues_the_run():
    runs = merge_runs([(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), None)], gap_days=0)
    assert len(runs) == 1 and runs[0].start == D(2026, 1, 1) and runs[0].end is None


def test_one_day_gap_breaks_the_run_without_tolerance():
    runs = merge_runs([(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 2), None)], gap_days=0)
    assert [(r.start, r.end) for r in runs] == [
        (D(2026, 1, 1), D(2026, 1, 31)),
        (D(2026, 2, 2), None),
    ]


def test_gap_tolerance_joins_short_gaps():
    spells = [(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 4), D(2026, 3, 31))]
    # 1, 2 and 3 February are not worked: a three-day gap
    assert len(merge_runs(spells, gap_days=3)) == 1
    assert len(merge_runs(spells, gap_days=4)) == 1
    assert len(merge_runs(spells, gap_days=2)) == 2


@override_settings(CONTINUOUS_EMPLOYMENT_GAP_DAYS=5)
def test_gap_tolerance_comes_from_settings_by_default():
    assert len(merge_runs([(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 5), None)])) == 1


def test_overlapping_spells_merge_and_keep_the_latest_end():
    runs = merge_runs(
        [
            (D(2026, 1, 1), D(2026, 3, 1)),
            (D(2026, 2, 1), D(2026, 2, 10)),
            (D(2026, 1, 15), D(2026, 4, 1)),
        ],
        gap_days=0,
    )
    assert [(r.start, r.end) for r in runs] == [(D(2026, 1, 1), D(2026, 4, 1))]


def test_milestones_are_dated_run_start_plus_weeks_and_need_the_run_to_last():
    runs = merge_runs(
        [(D(2026, 1, 1), D(2026, 2, 27))], gap_days=0
    )  # 57 days in: reaches 8 weeks (26 Feb), not 12
    assert milestones_for_runs(runs, on=D(2026, 6, 1)) == {4: D(2026, 1, 29), 8: D(2026, 2, 26)}


def test_first_achievement_counts_when_there_are_several_runs():
    runs = merge_runs([(D(2025, 1, 1), D(2025, 2, 15)), (D(2026, 1, 1), None)], gap_days=0)
    assert milestones_for_runs(runs, on=D(2026, 6, 1))[4] == D(2025, 1, 29)
    assert milestones_for_runs(runs, on=D(2026, 6, 1))[12] == D(2026, 3, 26)


def test_milestones_not_reached_before_the_date_asked():
    runs = merge_runs([(D(2026, 1, 1), None)], gap_days=0)
    assert milestones_for_runs(runs, on=D(2026, 1, 28)) == {}


@pytest.mark.django_db
def test_continuity_for_many_people_is_one_query(
    shared_person, make_spell, django_assert_num_queries
):
    make_spell(shared_person, weeks_ago=13)
    with django_assert_num_queries(1):
        result = continuity_for_people([shared_person.pk, 999999])
    assert result[shared_person.pk].weeks_continuous == 13
    assert sorted(result[shared_person.pk].milestones) == [4, 8, 12]
    assert result[999999].runs == []


@pytest.mark.django_db
def test_work_trials_do_not_count_as_continuous_employment(shared_person, make_spell):
    make_spell(shared_person, weeks_ago=10, kind="work_trial")
    assert continuity_for_person(shared_person.pk).runs == []


@pytest.mark.django_db
def test_left_no_job_at_a_check_ends_the_run_on_the_date_given(
    shared_person, make_spell, adviser_a
):
    spell = make_spell(shared_person, weeks_ago=13)
    services.retention_sweep()
    check8 = spell.checks.get(milestone_weeks=8)
    left = spell.start_date + datetime.timedelta(days=40)
    services.retention_check_record(
        user=adviser_a,
        check=check8,
        outcome="left_no_job",
        evidence="person",
        checked_on=datetime.date.today(),
        left_on=left,
    )
    result = continuity_for_person(shared_person.pk)
    assert result.runs[0].end == left
    assert sorted(result.milestones) == [4]
    assert not result.in_work
