"""The case follows the work (issue 18): a job start moves the case to "in work", leaving moves it
back, each a stage change on the timeline saying why."""

import datetime

import pytest
from django.urls import reverse

from casework.models import Case, CaseEvent
from employers import services
from employers.models import RetentionCheck

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _stages(case):
    return list(
        CaseEvent.objects.filter(case=case, kind="stage")
        .order_by("id")
        .values_list("from_value", "to_value", "reason")
    )


def test_a_job_start_moves_the_case_to_in_work_and_leaving_moves_it_back(
    client_for, caseworker_a, adviser_a, shared_person, case_a, make_spell
):
    assert case_a.stage == "in_community"
    version = case_a.version
    spell = make_spell(shared_person, weeks_ago=1)  # recorded by the provider's adviser
    case_a.refresh_from_db()
    assert case_a.stage == "in_work" and case_a.version == version + 1
    assert _stages(case_a) == [("in_community", "in_work", "New job recorded")]
    # the owner's timeline says so
    html = client_for(caseworker_a).get(reverse("casework:case_timeline", args=[case_a.pk]))
    assert "In the community to In work." in html.content.decode()

    services.employment_spell_update(
        user=adviser_a, spell=spell, version=spell.version, end_date=TODAY(), end_reason="resigned"
    )
    case_a.refresh_from_db()
    assert case_a.stage == "in_community"
    assert _stages(case_a)[-1] == ("in_work", "in_community", "Left the job")


def test_leaving_at_a_retention_check_moves_it_back(adviser_a, shared_person, case_a, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    check = RetentionCheck.objects.get(spell=spell, milestone_weeks=4)
    services.retention_check_record(
        user=adviser_a,
        check=check,
        outcome="left_no_job",
        evidence="person",
        checked_on=TODAY(),
        left_on=TODAY() - datetime.timedelta(days=3),
    )
    case_a.refresh_from_db()
    assert case_a.stage == "in_community"
    assert _stages(case_a)[-1][2] == "Left the job (retention check)"


def test_a_second_job_keeps_the_case_in_work_until_the_last_one_ends(
    adviser_a, shared_person, case_a, make_spell
):
    first = make_spell(shared_person, weeks_ago=3)
    second = make_spell(shared_person, weeks_ago=1, job_title="Evening cleaner")
    services.employment_spell_update(
        user=adviser_a, spell=first, version=first.version, end_date=TODAY(), end_reason="resigned"
    )
    case_a.refresh_from_db()
    assert case_a.stage == "in_work"
    services.employment_spell_update(
        user=adviser_a,
        spell=second,
        version=second.version,
        end_date=TODAY(),
        end_reason="resigned",
    )
    case_a.refresh_from_db()
    assert case_a.stage == "in_community"
    assert [row[1] for row in _stages(case_a)] == ["in_work", "in_community"]


def test_steps_that_are_not_jobs_and_custody_stages_do_not_move_the_case(
    adviser_a, shared_person, case_a, make_spell
):
    make_spell(shared_person, weeks_ago=1, kind="work_trial")
    case_a.refresh_from_db()
    assert case_a.stage == "in_community" and not _stages(case_a)
    Case.objects.filter(pk=case_a.pk).update(stage="pre_release")
    make_spell(shared_person, weeks_ago=1, job_title="Kitchen porter")
    case_a.refresh_from_db()
    assert case_a.stage == "pre_release" and not _stages(case_a)
