"""The report state machine, the schedule, failure and retry, and the post-exit checks job."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.utils import timezone

from audit.models import AccessEvent
from core import jobs
from core.errors import ApplicationError, Forbidden
from reporting import documents, services
from reporting.models import CheckStatus, PostExitEmploymentCheck, ReoffendingCheck, Report
from reporting.periods import add_months
from tests.reporting.conftest import d

pytestmark = pytest.mark.django_db


def files_of(report):
    try:
        return sorted(default_storage.listdir(f"reports/{report.pk}")[1])
    except FileNotFoundError:
        return []


def test_request_returns_at_once_with_a_queued_report_when_the_worker_has_not_run(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report, queued = services.report_request(user=manager_a, month=report_month)
    assert queued and report.status == "queued" and report.progress == 0 and len(callbacks) == 1
    assert not report.pdf and not report.csv
    assert AccessEvent.objects.filter(
        user=manager_a, action="create", object_id=str(report.pk)
    ).exists()


def test_request_is_idempotent_one_report_per_month_and_agency(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, queued_first = services.report_request(user=manager_a, month=report_month)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, queued_second = services.report_request(
            user=manager_a, month=report_month + datetime.timedelta(days=9)
        )
    assert first.pk == second.pk and queued_first and not queued_second and not callbacks
    assert Report.objects.count() == 1


def test_build_claims_the_report_once(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    assert services.report_build(report_id=report.pk).status == "ready"
    assert (
        services.report_build(report_id=report.pk).attempts == 1
    )  # a repeat delivery does nothing
    assert services.report_build(report_id=999999) is None


def test_failed_build_leaves_no_file_and_can_be_retried(
    world, manager_a, report_month, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        documents, "render_report_pdf", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    assert (
        report.status == "failed" and report.progress == 0 and "could not be built" in report.error
    )
    assert not report.pdf and not report.csv and files_of(report) == []
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again, queued = services.report_request(user=manager_a, month=report_month)
    again.refresh_from_db()
    assert queued and again.pk == report.pk and again.status == "ready" and again.attempts == 2
    assert files_of(again) == sorted([again.pdf.name.split("/")[-1], again.csv.name.split("/")[-1]])


def test_failure_while_storing_removes_the_file_already_written(
    world, manager_a, report_month, monkeypatch, django_capture_on_commit_callbacks
):
    real_save = default_storage.save

    def save(name, content, **kw):
        if name.endswith(".csv"):
            raise OSError("disk full")
        return real_save(name, content, **kw)

    monkeypatch.setattr(default_storage, "save", save)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    assert report.status == "failed" and files_of(report) == []


def test_killed_build_is_retried_and_its_half_written_file_swept(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    # a worker claimed it, wrote part of a file, and was killed
    Report.objects.filter(pk=report.pk).update(
        status="running",
        started_at=timezone.now() - datetime.timedelta(hours=1),
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=59),
    )
    default_storage.save(
        f"reports/{report.pk}/monthly_outcomes-partial.pdf",
        __import__("io").BytesIO(b"%PDF-1.7 trunc"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        again, queued = services.report_request(user=manager_a, month=report_month)
    again.refresh_from_db()
    assert queued and again.status == "ready"
    assert "monthly_outcomes-partial.pdf" not in files_of(again) and len(files_of(again)) == 2


def test_a_running_build_is_not_requeued(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    Report.objects.filter(pk=report.pk).update(
        status="running", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _same, queued = services.report_request(user=manager_a, month=report_month)
    assert not queued and not callbacks
    assert services.report_build(report_id=report.pk).status == "running"


def _running(report, *, beat_seconds_ago, task_id="task-1"):
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status="running",
        started_at=now - datetime.timedelta(seconds=beat_seconds_ago + 5),
        heartbeat_at=now - datetime.timedelta(seconds=beat_seconds_ago),
        build_task_id=task_id,
        attempts=1,
    )


def test_a_build_without_a_heartbeat_for_the_stall_time_is_rebuilt_when_asked_again(
    world, settings, manager_a, report_month, django_capture_on_commit_callbacks
):
    settings.REPORT_STALL_SECONDS = 30
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    _running(report, beat_seconds_ago=20)  # alive: beat 20 s ago
    report.refresh_from_db()
    assert not report.is_stalled
    with django_capture_on_commit_callbacks(execute=True):
        _same, queued = services.report_request(user=manager_a, month=report_month)
    assert not queued
    _running(report, beat_seconds_ago=31)  # no beat for 31 s: its worker is gone
    report.refresh_from_db()
    assert report.is_stalled and not report.is_busy
    with django_capture_on_commit_callbacks(execute=True):
        again, queued = services.report_request(user=manager_a, month=report_month)
    again.refresh_from_db()
    assert queued and again.status == "ready" and again.attempts == 2


def test_a_redelivered_task_takes_over_the_build_its_dead_worker_claimed(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    _running(report, beat_seconds_ago=1, task_id="task-1")  # heartbeat still fresh
    other = services.report_build(report_id=report.pk, task_id="task-2")
    assert (
        other.status == "running" and other.attempts == 1
    )  # a duplicate leaves a live build alone
    same = services.report_build(report_id=report.pk, task_id="task-1")  # the same message, again
    assert same.status == "ready" and same.attempts == 2


def test_the_build_task_claims_with_its_own_task_id():
    from reporting.tasks import build_report_task

    assert build_report_task.acks_late and build_report_task.reject_on_worker_lost
    assert build_report_task.time_limit == django_settings.REPORT_BUILD_TIME_LIMIT_SECONDS


def test_visibility_timeout_is_longer_than_the_longest_build():
    """acks_late: an unacknowledged task must not be handed to a second worker while it still runs."""
    from celery import current_app

    default = current_app.conf.task_time_limit
    assert default, "every task needs a hard time limit"
    limits = [
        task.time_limit or default
        for name, task in current_app.tasks.items()
        if "celery." not in name
    ]
    assert max(limits) >= django_settings.REPORT_BUILD_TIME_LIMIT_SECONDS
    assert current_app.conf.broker_transport_options["visibility_timeout"] > max(limits)


def test_the_scheduled_job_requeues_stalled_reports_and_gives_up_after_max_attempts(
    world, settings, manager_a, report_month, django_capture_on_commit_callbacks
):
    settings.REPORT_QUEUED_STALL_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=report_month)
    assert jobs.run("requeue_stalled_reports") == {"requeued": 0, "failed": 0}  # just queued
    # the queued message was lost (Redis flushed): no sign of life for over a minute
    Report.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run("requeue_stalled_reports") == {"requeued": 1, "failed": 0}
    report.refresh_from_db()
    assert report.status == "ready"
    assert jobs.run("requeue_stalled_reports") == {"requeued": 0, "failed": 0}

    _running(report, beat_seconds_ago=3600)
    Report.objects.filter(pk=report.pk).update(attempts=settings.REPORT_MAX_ATTEMPTS)
    assert jobs.run("requeue_stalled_reports") == {"requeued": 0, "failed": 1}
    report.refresh_from_db()
    assert report.status == "failed" and "several attempts" in report.error


def test_monthly_reports_twice_makes_one_report_per_agency_and_region(
    world, agency_a, agency_b, region, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = jobs.run("monthly_reports")
    with django_capture_on_commit_callbacks(execute=True):
        second = jobs.run("monthly_reports")
    assert first == {"created": 3, "existing": 0} and second == {"created": 0, "existing": 3}
    assert set(Report.objects.values_list("scope", "agency_id", "region_id", "status")) == {
        ("agency", agency_a.pk, None, "ready"),
        ("agency", agency_b.pk, None, "ready"),
        ("region", None, region.pk, "ready"),
    }


def test_request_refusals(world, manager_a, caseworker_a, commissioner_manager, report_month):
    with pytest.raises(Forbidden):
        services.report_request(user=caseworker_a, month=report_month)
    with pytest.raises(Forbidden):
        services.report_request(user=manager_a, month=report_month, scope="region")
    with pytest.raises(Forbidden):
        services.report_request(user=commissioner_manager, month=report_month, scope="agency")
    with pytest.raises(ApplicationError) as exc:
        services.report_request(user=manager_a, month=add_months(report_month, 2))
    assert exc.value.field == "month"


def test_post_exit_checks_job_opens_due_checks_once(world, report_month):
    first = jobs.run("post_exit_checks")
    # P3's support ended in M (window closed); P7's 12-month window closed on d(0,2); P6's 6-month window
    # closes after today; P4 and P5 already have theirs. P6 reached planned end + 6 months on d(0,9).
    assert set(
        ReoffendingCheck.objects.filter(status=CheckStatus.OPEN).values_list(
            "case__person__first_name", "window"
        )
    ) == {("P3", "during_support"), ("P7", "six_months"), ("P7", "twelve_months")}
    assert ReoffendingCheck.objects.get(case=world["P7"], window="twelve_months").due_on == d(0, 2)
    assert PostExitEmploymentCheck.objects.filter(case=world["P6"], status="open").exists()
    assert first == {"reoffending": 2, "employment": 1}
    assert jobs.run("post_exit_checks") == {"reoffending": 0, "employment": 0}


def test_recording_a_check_is_owner_only_and_audited(
    world, caseworker_a, caseworker_b, work_coach_a
):
    check = ReoffendingCheck.objects.get(case=world["P7"], window="six_months")
    with pytest.raises(Forbidden):
        services.reoffending_check_record(user=caseworker_b, check=check, reoffended=False)
    services.reoffending_check_record(user=caseworker_a, check=check, reoffended=True)
    check.refresh_from_db()
    assert (
        check.status == "recorded"
        and check.reoffended is True
        and check.recorded_by == caseworker_a
    )
    assert AccessEvent.objects.filter(
        user=caseworker_a, action="change", person=world["P7"].person
    ).exists()


def test_the_heartbeat_sql_names_the_report_table():
    assert Report._meta.db_table in services._BEAT_SQL
