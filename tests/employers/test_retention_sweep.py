import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from audit.models import AccessEvent
from employers import services
from employers.models import RetentionCheck

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def _state():
    return sorted(RetentionCheck.objects.values_list("id", "status", "due_on", "notified_at"))


def test_sweep_moves_checks_due_on_their_date_and_overdue_after_grace(
    shared_person, make_spell, django_capture_on_commit_callbacks
):
    spell = make_spell(
        shared_person, weeks_ago=13
    )  # 4w due 63 days ago, 8w 35 days ago, 12w 7 days ago
    recent = make_spell(
        shared_person, days_ago=28, kind="existing_job_kept", employer=None, job_title="Cleaner"
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.retention_sweep()
    got = dict(spell.checks.values_list("milestone_weeks", "status"))
    assert got == {
        4: "overdue",
        8: "overdue",
        12: "due",
    }  # 7 days past is still within the 7-day grace
    assert dict(recent.checks.values_list("milestone_weeks", "status")) == {
        4: "due",
        8: "scheduled",
        12: "scheduled",
    }
    assert counts["due"] == 2 and counts["overdue"] == 2 and counts["notified"] == 4
    assert len(mail.outbox) == 1 and "4 retention checks" in mail.outbox[0].body
    assert shared_person.last_name not in mail.outbox[0].body  # no personal data leaves by email
    from django.conf import settings

    link = mail.outbox[0].body.rsplit(": ", 1)[1]
    assert link == settings.SITE_URL.rstrip("/") + reverse("employers:checks_due")  # absolute
    assert AccessEvent.objects.filter(detail__system="retention_sweep").count() == 1


def test_sweep_twice_changes_nothing_the_second_time(
    shared_person, make_spell, django_capture_on_commit_callbacks
):
    make_spell(shared_person, weeks_ago=13)
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_sweep()
    before, emails = _state(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.retention_sweep()
    assert _state() == before
    assert len(mail.outbox) == emails
    assert (counts["due"], counts["overdue"], counts["notified"]) == (0, 0, 0)
    assert AccessEvent.objects.filter(detail__system="retention_sweep").count() == 1


def test_sweep_killed_after_one_batch_then_rerun_ends_as_one_full_sweep(
    shared_person, make_spell, adviser_a, django_capture_on_commit_callbacks
):
    for weeks in (5, 9, 13, 14):
        make_spell(shared_person, weeks_ago=weeks)
    with django_capture_on_commit_callbacks(execute=True):
        partial = services.retention_sweep(batch_size=2, max_batches=1)
    assert partial["due"] + partial["overdue"] == 2 and partial["notified"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_sweep(batch_size=2)
    statuses = sorted(RetentionCheck.objects.values_list("status", flat=True))
    expected_open = RetentionCheck.objects.filter(due_on__lte=TODAY()).count()
    assert statuses.count("due") + statuses.count("overdue") == expected_open
    assert (
        RetentionCheck.objects.filter(
            status__in=["due", "overdue"], notified_at__isnull=True
        ).count()
        == 0
    )
    notified_in_mail = sum(int(m.body.split()[0]) for m in mail.outbox)
    assert notified_in_mail == expected_open  # each check told exactly once across the two runs
    assert (
        RetentionCheck.objects.filter(due_on__gt=TODAY()).exclude(status="scheduled").count() == 0
    )


def test_sweep_with_small_batches_uses_a_fixed_number_of_queries_per_batch(
    shared_person, make_spell, django_assert_max_num_queries
):
    for weeks in (5, 9, 13):
        make_spell(shared_person, weeks_ago=weeks)
    # 6 due checks, batch of 2: 4 + 2 + 4 batches; each at most select + update (+ savepoints in tests)
    with django_assert_max_num_queries(40):
        counts = services.retention_sweep(batch_size=2)
    assert counts["due"] + counts["overdue"] == 6


def test_rescheduled_checks_wait_for_their_new_date_before_telling_again(
    adviser_a, shared_person, make_spell, django_capture_on_commit_callbacks
):
    spell = make_spell(shared_person, weeks_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_sweep()
    assert len(mail.outbox) == 1
    spell = services.employment_spell_update(
        user=adviser_a,
        spell=spell,
        version=spell.version,
        start_date=TODAY() - datetime.timedelta(days=10),
    )
    assert set(spell.checks.values_list("status", flat=True)) == {"scheduled"}
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_sweep()
    assert len(mail.outbox) == 1


def test_cancelled_and_recorded_checks_are_left_alone(adviser_a, shared_person, make_spell):
    spell = make_spell(
        shared_person,
        weeks_ago=13,
        end_date=TODAY() - datetime.timedelta(days=60),
        end_reason="resigned",
    )
    assert dict(spell.checks.values_list("milestone_weeks", "status")) == {
        4: "scheduled",
        8: "cancelled",
        12: "cancelled",
    }
    services.retention_sweep()
    assert dict(spell.checks.values_list("milestone_weeks", "status")) == {
        4: "overdue",
        8: "cancelled",
        12: "cancelled",
    }


def test_runjob_retention_sweep_runs_the_service(shared_person, make_spell, capsys):
    make_spell(shared_person, weeks_ago=5)
    call_command("runjob", "retention_sweep")
    assert '"due": 1' in capsys.readouterr().out
    assert RetentionCheck.objects.filter(status="due").count() == 1


def test_celery_task_calls_the_same_service(shared_person, make_spell):
    from employers.tasks import retention_sweep_task

    make_spell(shared_person, weeks_ago=5)
    result = retention_sweep_task.delay().get()
    assert result["due"] == 1
