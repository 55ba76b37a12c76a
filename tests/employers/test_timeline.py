import datetime

import pytest

from core.timeline import entries_for_case
from employers import services
from employers.timeline import timeline_entries

pytestmark = pytest.mark.django_db


def test_timeline_shows_applications_interviews_starts_and_checks_in_fixed_queries(
    adviser_a, shared_person, vacancy, make_spell, django_assert_num_queries
):
    case = shared_person.cases.get()
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    services.application_update(user=adviser_a, application=app, status="applied")
    services.application_update(
        user=adviser_a,
        application=app,
        status="interview_arranged",
        interview_at=datetime.datetime.now(datetime.UTC),
    )
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    services.retention_check_record(
        user=adviser_a,
        check=spell.checks.get(milestone_weeks=4),
        outcome="in_work",
        evidence="person",
        checked_on=datetime.date.today(),
    )
    with django_assert_num_queries(4):
        entries = timeline_entries(user=adviser_a, case=case)
    titles = [e.title for e in entries]
    assert any(t.startswith("Interview:") for t in titles)
    assert any(t.startswith("New job: Warehouse operative") for t in titles)
    assert "4-week retention check: In work (same job)" in titles
    assert entries_for_case(user=adviser_a, case=case, kinds={"job"})


def test_timeline_hides_everything_from_another_agency(caseworker_b, shared_person, make_spell):
    make_spell(shared_person, weeks_ago=5)
    assert timeline_entries(user=caseworker_b, case=shared_person.cases.get()) == []
