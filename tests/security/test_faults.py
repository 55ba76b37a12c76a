"""Faults: Redis down when a user saves, a worker dying mid-report, two users editing one record."""

import datetime
import socket
import time

import pytest
from celery import current_app, shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from casework import services
from casework.models import Person
from consent import policy as consent_policy
from core import dispatch
from core.models import PendingTask

pytestmark = pytest.mark.django_db

CALLS = []


@shared_task(name="tests.security.record_call")
def record_call(person_id, note=""):
    CALLS.append((person_id, note))
    return person_id


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def _use_broker(url, eager):
    conf = current_app.conf
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = url
    conf.task_always_eager = eager
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """Point Celery at a given broker with eager mode off; put everything back afterwards."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    CALLS.clear()
    yield _use_broker
    _use_broker(*saved)


def _save_with_notification(user, person):
    """A user's save that also queues background work after commit (the pattern services follow)."""
    with transaction.atomic():
        updated = services.person_update(
            user=user, person=person, version=person.version, home_area="Luton"
        )
        dispatch.enqueue_on_commit(record_call, updated.pk, note="changed")
    return updated


# --- (a) Redis down when a user saves -----------------------------------------------------


def test_save_succeeds_and_the_call_is_kept_when_redis_is_down(
    broker, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    broker(f"redis://127.0.0.1:{_closed_port()}/0", False)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        _save_with_notification(caseworker_a, person_a)
    assert time.monotonic() - started < 5  # the user's request does not hang on the dead broker
    assert Person.objects.get(pk=person_a.pk).home_area == "Luton"  # the page still saved
    kept = PendingTask.objects.get()
    assert (kept.task_name, kept.args, kept.kwargs) == (
        "tests.security.record_call",
        [person_a.pk],
        {"note": "changed"},
    )


def test_kept_calls_are_sent_when_redis_returns(
    broker, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    broker(f"redis://127.0.0.1:{_closed_port()}/0", False)
    with django_capture_on_commit_callbacks(execute=True):
        _save_with_notification(caseworker_a, person_a)
    assert dispatch.resend_pending() == {
        "resent": 0,
        "kept": 1,
    }  # still down: nothing lost, no duplicate row
    assert PendingTask.objects.count() == 1

    import redis

    from tests.redis_url import redis_url

    queue = redis.Redis.from_url(redis_url(14))
    queue.delete("celery")
    broker(redis_url(14), False)  # Redis is back
    try:
        call_command("runjob", "resend_pending_tasks", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert PendingTask.objects.count() == 0
        assert queue.llen("celery") == 1
        assert b"tests.security.record_call" in queue.lindex("celery", 0)
    finally:
        queue.delete("celery")


def test_kept_calls_run_once_in_eager_mode(
    broker, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    broker(f"redis://127.0.0.1:{_closed_port()}/0", False)
    with django_capture_on_commit_callbacks(execute=True):
        _save_with_notification(caseworker_a, person_a)
    broker(current_app.conf.broker_url, True)
    assert dispatch.resend_pending() == {"resent": 1, "kept": 0}
    assert dispatch.resend_pending() == {"resent": 0, "kept": 0}
    assert len(CALLS) == 1 and CALLS[0] == (person_a.pk, "changed")


def test_nothing_is_sent_when_the_save_rolls_back(
    broker, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    broker(f"redis://127.0.0.1:{_closed_port()}/0", False)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        dispatch.enqueue_on_commit(record_call, person_a.pk)
        raise RuntimeError("save failed")
    assert PendingTask.objects.count() == 0


def test_eager_task_errors_are_not_hidden_as_pending(broker, django_capture_on_commit_callbacks):
    broker(current_app.conf.broker_url, True)
    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        dispatch.enqueue_on_commit(record_call, 1, 2, 3)  # wrong arguments: a bug, not an outage
    assert PendingTask.objects.count() == 0


# --- (b) a Celery worker dying in the middle of a report -----------------------------------


def test_celery_redelivers_work_from_a_worker_that_died():
    """A task is acknowledged only after it finishes, and a lost worker's task is re-queued."""
    conf = current_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def _stored_files(report) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"reports/{report.pk}")[1])
    except FileNotFoundError:
        return []


def test_report_is_retried_and_leaves_no_half_written_file_when_the_worker_dies(
    settings, tmp_path, monkeypatch, manager_a, case_a, django_capture_on_commit_callbacks
):
    """The worker is killed while it writes the report's files: no cleanup code runs (as with SIGKILL).

    The report never points at the half-written files, so nobody can download them; the redelivered
    task does not start a second build while the dead one still holds the claim; once the claim is
    stale, asking again re-queues the report, the rebuild sweeps the orphans and stores complete files.
    """
    from rest_framework.test import APIClient

    from core.errors import NotFound
    from reporting import services as reporting_services
    from reporting.models import Report
    from reporting.periods import last_month
    from reporting.tasks import build_report_task

    settings.MEDIA_ROOT = tmp_path / "media"
    month = last_month(consent_policy.today())
    with django_capture_on_commit_callbacks(execute=False) as queued_calls:
        report, queued = reporting_services.report_request(user=manager_a, month=month)
    assert queued and len(queued_calls) == 1 and build_report_task.acks_late is True

    real_save = default_storage.save

    def save_then_die(name, content, **kwargs):
        if name.endswith(".csv"):  # the PDF is on disk; the worker dies halfway through the CSV
            data = content.read()
            real_save(name, ContentFile(data[: len(data) // 2]), **kwargs)
            raise SystemExit("worker killed")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", save_then_die)
    monkeypatch.setattr(
        default_storage, "delete", lambda name: None
    )  # a killed process cleans nothing up
    with pytest.raises(SystemExit):
        build_report_task(report.pk)
    monkeypatch.undo()

    report.refresh_from_db()
    orphans = _stored_files(report)
    assert len(orphans) == 2 and {name.rsplit(".", 1)[1] for name in orphans} == {
        "pdf",
        "csv",
    }  # left by the kill
    assert report.status == "running" and report.attempts == 1
    assert not report.pdf and not report.csv  # the report points at neither file
    with pytest.raises(NotFound):
        reporting_services.report_download(user=manager_a, report=report, file_format="csv")
    api = APIClient()
    api.force_authenticate(manager_a)
    assert api.get(f"/api/v1/reports/{report.pk}/csv/").status_code == 404
    assert api.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404

    # a duplicate message (another task id) while the heartbeat is fresh starts no second build
    assert (
        reporting_services.report_build(report_id=report.pk, task_id="another").status == "running"
    )
    assert Report.objects.get(pk=report.pk).attempts == 1

    # later the dead build's heartbeat is stale: asking again re-queues it and the rebuild completes
    Report.objects.filter(pk=report.pk).update(
        heartbeat_at=report.heartbeat_at
        - datetime.timedelta(seconds=settings.REPORT_STALL_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again, requeued = reporting_services.report_request(user=manager_a, month=month)
    again.refresh_from_db()
    assert requeued and again.pk == report.pk and again.status == "ready" and again.attempts == 2
    stored = _stored_files(again)
    assert stored == sorted([again.pdf.name.rsplit("/", 1)[1], again.csv.name.rsplit("/", 1)[1]])
    assert not set(stored) & set(orphans)  # the half-written files were swept
    with again.csv.open("rb") as f:
        csv_text = f.read().decode("utf-8")
    assert csv_text.startswith("measure,breakdown,value,") and csv_text.endswith("\n")
    with again.pdf.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    response = api.get(f"/api/v1/reports/{report.pk}/csv/")
    assert (
        response.status_code == 200
        and b"".join(response.streaming_content).decode("utf-8") == csv_text
    )


def test_files_are_written_atomically_pattern(tmp_path):
    """The pattern reports must follow: write to a temporary name, then rename (atomic on one filesystem)."""
    import os

    target = tmp_path / "report.pdf"

    def write(content, die=False):
        partial = target.with_suffix(".partial")
        partial.write_bytes(content[: len(content) // 2])
        if die:
            raise SystemExit("worker killed")
        partial.write_bytes(content)
        os.replace(partial, target)

    write(b"first report")
    with pytest.raises(SystemExit):
        write(b"second, longer report", die=True)
    assert target.read_bytes() == b"first report"  # the reader never sees half a file


# --- (c) two users editing the same record -------------------------------------------------


def test_second_api_edit_with_a_stale_version_gets_409(
    api_for, caseworker_a, caseworker_a2, person_a
):
    version = person_a.version
    first = api_for(caseworker_a).patch(
        f"/api/v1/people/{person_a.pk}/", {"home_area": "Luton", "version": version}, format="json"
    )
    assert first.status_code == 200
    second = api_for(caseworker_a2).patch(
        f"/api/v1/people/{person_a.pk}/",
        {"home_area": "Bedford", "version": version},
        format="json",
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "conflict" and "Someone else changed this record" in body["detail"]
    assert body["current_version"] == version + 1
    assert Person.objects.get(pk=person_a.pk).home_area == "Luton"


def test_second_case_edit_with_a_stale_version_gets_409(
    api_for, caseworker_a, caseworker_a2, case_a
):
    version = case_a.version
    later = (case_a.planned_end_date + datetime.timedelta(days=30)).isoformat()
    assert (
        api_for(caseworker_a)
        .patch(
            f"/api/v1/cases/{case_a.pk}/",
            {"support_level": "low", "version": version},
            format="json",
        )
        .status_code
        == 200
    )
    second = api_for(caseworker_a2).patch(
        f"/api/v1/cases/{case_a.pk}/",
        {"planned_end_date": later, "version": version},
        format="json",
    )
    assert second.status_code == 409 and second.json()["code"] == "conflict"


def test_second_web_edit_shows_a_clear_conflict_message(
    client_for, caseworker_a, caseworker_a2, person_a
):
    form = {
        "first_name": "Jordan",
        "last_name": "Alpha",
        "date_of_birth_day": "17",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1990",
        "sex": "male",
        "accommodation_status": "unknown",
        "employment_status": "unknown",
        "benefit_status": "unknown",
        "crn": "X100001",
        "version": str(person_a.version),
    }
    assert (
        client_for(caseworker_a)
        .post(f"/people/{person_a.pk}/edit/", form | {"home_area": "Luton"})
        .status_code
        == 302
    )
    response = client_for(caseworker_a2).post(
        f"/people/{person_a.pk}/edit/", form | {"home_area": "Bedford"}
    )
    assert response.status_code == 200
    assert b"Someone else changed this record" in response.content


# --- (d) deadlines: a hung broker or a restarted database ------------------------------------


def test_broker_calls_and_database_connections_have_deadlines(settings):
    """The settings the fault-injection module (test_fault_injection.py) proves on real servers."""
    options = current_app.conf.broker_transport_options
    assert 0 < options["socket_connect_timeout"] == settings.BROKER_CONNECT_TIMEOUT_SECONDS <= 5
    assert 0 < options["socket_timeout"] == settings.BROKER_READ_TIMEOUT_SECONDS <= 5
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_save_succeeds_and_the_call_is_kept_when_the_broker_hangs(
    broker, caseworker_a, person_a, django_capture_on_commit_callbacks
):
    server = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    server.settimeout(30)
    broker(f"redis://127.0.0.1:{server.getsockname()[1]}/0", False)
    started = time.monotonic()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _save_with_notification(caseworker_a, person_a)
    finally:
        server.close()
    assert time.monotonic() - started < 10
    assert Person.objects.get(pk=person_a.pk).home_area == "Luton"
    assert PendingTask.objects.get().task_name == "tests.security.record_call"
