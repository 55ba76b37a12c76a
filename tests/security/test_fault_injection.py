"""Fault injection on real PostgreSQL, Redis, gunicorn and a Celery worker (issue 20).

Each test reproduces one failure an operator saw and asserts what must survive it:

- a hung broker (a socket that accepts and never answers): the save succeeds at once, the call is
  kept in the outbox and the page says the work will follow;
- a database restart and outage (a TCP proxy in front of PostgreSQL that drops every connection,
  then refuses, then comes back): no request fails after the restart, the API answers JSON 503
  while the database is away, and the access log holds no search term;
- a killed pool process and a killed worker mid-build, and a flushed Redis: the report is built
  again within a minute.

Recovery times are printed (`-s`) and recorded in docs/reliability.md.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.db import connection

from agencies.tokens import KEYWORD
from core.models import PendingTask
from reporting.models import Report
from reporting.periods import add_months, last_month
from tests.redis_url import redis_url

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BROKER = redis_url(13)
MEASURED: dict[str, float] = {}
# Shortened liveness timings so the test stays cheap; set FAULT_TIMINGS=production to measure with
# the defaults of config/settings.py instead (heartbeat 5 s, stall 20 s, queued stall 120 s,
# requeue job every 20 s; about 4 minutes).
if os.environ.get("FAULT_TIMINGS") == "production":
    HEARTBEAT, STALL, QUEUED_STALL, REQUEUE_EVERY = 5, 20, 120, 20
else:
    HEARTBEAT, STALL, QUEUED_STALL, REQUEUE_EVERY = 1, 3, 3, 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"gave up after {timeout} s")


@contextlib.contextmanager
def _deadline(seconds: int):
    """Fail (instead of hanging the suite) if the block takes longer than `seconds`."""

    def expire(*_):
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _celery_broker(url: str):
    """The test process publishes to `url` for real (not eager), as the web workers do."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def use(broker, eager):
        conf.broker_url = conf.broker_write_url = conf.broker_read_url = broker
        conf.task_always_eager = eager
        current_app._pool = None
        current_app.amqp._producer_pool = None

    use(url, False)
    try:
        yield
    finally:
        use(*saved)


# --- the hung broker ------------------------------------------------------------------------


class HungBroker:
    """Accepts TCP connections and never sends a byte back."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.server.accept()[0])

    def close(self):
        for s in [*self.held, self.server]:
            s.close()


@pytest.mark.django_db(transaction=True)  # real commits: the call is sent inside the request
def test_a_hung_broker_does_not_hang_the_save_the_work_is_kept_and_the_page_says_so(
    client_for, api_for, manager_a, settings
):
    hung = HungBroker()
    client = client_for(manager_a)
    month = add_months(last_month(__import__("datetime").date.today()), -1)
    try:
        with _celery_broker(f"redis://127.0.0.1:{hung.port}/0"), _deadline(30):
            started = time.monotonic()
            response = client.post(
                "/reports/", {"from_month": f"{month:%Y-%m}", "to_month": f"{month:%Y-%m}"}
            )
            took = time.monotonic() - started
            api_month = f"{add_months(month, -1):%Y-%m}"
            api = api_for(manager_a).post("/api/v1/reports/", {"month": api_month}, format="json")
    finally:
        hung.close()
    MEASURED["hung broker: save answered after (s)"] = round(took, 1)
    assert hung.held, "the broker socket was never reached"
    assert response.status_code == 302  # the save succeeded, no 500
    limit = 2 * (settings.BROKER_CONNECT_TIMEOUT_SECONDS + settings.BROKER_READ_TIMEOUT_SECONDS)
    assert took < limit + 3
    report = Report.objects.get(month=month)
    assert report.status == "queued"
    kept = PendingTask.objects.order_by("id").first()
    assert (kept.task_name, kept.args) == ("reporting.tasks.build_report_task", [report.pk])
    page = client.get(response["Location"]).content.decode()
    assert "will follow" in page
    assert api.status_code == 201 and api["Background-Work"] == "deferred"
    assert PendingTask.objects.count() == 2


# --- the database behind a TCP proxy ----------------------------------------------------------


class DatabaseProxy:
    """127.0.0.1:<port> -> PostgreSQL. `restart()` drops every connection (as a database restart
    does); `stop()` refuses new ones until `start()`."""

    def __init__(self, upstream=("127.0.0.1", 5432)):
        self.upstream = upstream
        self.port = _free_port()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.server = None
        self.start()

    def start(self):
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server):
        with contextlib.suppress(OSError):
            while True:
                client = server.accept()[0]
                try:
                    upstream = socket.create_connection(self.upstream)
                except OSError:
                    client.close()
                    continue
                with self.lock:
                    self.pairs.append((client, upstream))
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restart(self):
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def stop(self):
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.server.close()
        self.restart()

    def close(self):
        self.stop()


def _get(url, token=""):
    request = urllib.request.Request(
        url, headers={"Authorization": f"{KEYWORD} {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own test server
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, "", b""  # not listening (yet)


@pytest.mark.django_db(transaction=True)
def test_database_restart_and_outage_behind_gunicorn(caseworker_a, person_a, tmp_path):
    """gunicorn (2 workers, persistent connections) through a proxy that drops the database."""
    from agencies.models import ApiToken
    from agencies.tokens import api_token_issue

    token = api_token_issue(user=caseworker_a, two_factor=False)[1]
    proxy = DatabaseProxy()
    port = _free_port()
    name = connection.settings_dict["NAME"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{proxy.port}/{name}",
        GUNICORN_WORKERS="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    web = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    api = f"{base}/api/v1/people/?q={person_a.last_name}"
    try:
        _wait(lambda: _get(f"{base}/sign-in/")[0] == 200, 30)
        for _ in range(8):  # both workers hold a persistent connection
            assert _get(api, token)[0] == 200
        proxy.restart()  # the database restarts: every held connection is dead
        after_restart = [_get(api, token)[0] for _ in range(12)]
        assert after_restart == [200] * 12  # health checks: no request pays for the restart

        proxy.stop()  # the database is away
        status, content_type, body = _get(api, token)
        assert status == 503 and content_type == "application/json"
        assert b'"service_unavailable"' in body
        status, content_type, body = _get(f"{base}/people/?q=x")
        assert status in (200, 503) and b"Traceback" not in body  # anonymous: the sign-in page
        down_at = time.monotonic()
        proxy.start()  # back
        _wait(lambda: _get(api, token)[0] == 200, 10, step=0.05)
        MEASURED["database back: first good API answer after (s)"] = round(
            time.monotonic() - down_at, 2
        )
    finally:
        web.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            web.wait(timeout=15)
        if web.poll() is None:
            web.kill()
        proxy.close()
    log.seek(0)
    access_log = log.read()
    assert "GET /api/v1/people/ HTTP/1.1" in access_log
    assert person_a.last_name not in access_log and "?q=" not in access_log
    ApiToken.objects.all().delete()


# --- the Celery worker ----------------------------------------------------------------------


class Worker:
    """`python -m tests.security.fault_worker` in its own process group (so it can be killed whole)."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process = None

    def start(self):
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.test_settings",
            DATABASE_URL="postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
                **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
            ),
            CELERY_BROKER_URL=BROKER,
            CELERY_TASK_ALWAYS_EAGER="false",
            REPORT_HEARTBEAT_SECONDS=str(HEARTBEAT),
            REPORT_STALL_SECONDS=str(STALL),
            FAULT_BUILD_SECONDS="4",
        )
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.security.fault_worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(lambda: "ready." in self.log_path.read_text(), 60)

    def pool_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_pool_process(self):
        (pid,) = self.pool_pids()
        os.kill(pid, signal.SIGKILL)

    def kill_whole_worker(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _status(report):
    return Report.objects.filter(pk=report.pk).values_list("status", flat=True).first()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reports_survive_a_killed_pool_process_a_killed_worker_and_a_flushed_redis(
    manager_a, case_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    from core import jobs
    from reporting import services

    settings.REPORT_STALL_SECONDS = STALL  # as the worker's
    settings.REPORT_QUEUED_STALL_SECONDS = QUEUED_STALL
    queue = redis.Redis.from_url(BROKER)
    queue.flushdb()
    worker = Worker(tmp_path / "worker.log")
    month = last_month(__import__("datetime").date.today())

    def request(months_back):
        with _celery_broker(BROKER), django_capture_on_commit_callbacks(execute=True):
            report, queued = services.report_request(
                user=manager_a, month=add_months(month, -months_back)
            )
        assert queued
        return report

    def requeue_until_ready(report, timeout):
        """What beat does every REPORT_REQUEUE_EVERY_SECONDS."""

        def ready():
            with _celery_broker(BROKER), django_capture_on_commit_callbacks(execute=True):
                jobs.run("requeue_stalled_reports")
            return _status(report) == "ready"

        _wait(ready, timeout, step=REQUEUE_EVERY)

    try:
        # (1) FLUSHDB: a queued report's message is lost before any worker takes it
        flushed = request(0)
        assert queue.llen("celery") == 1
        queue.flushdb()
        worker.start()
        lost_at = time.monotonic()
        time.sleep(1)
        assert _status(flushed) == "queued"  # nothing left to build it
        requeue_until_ready(flushed, 30 + 2 * QUEUED_STALL)
        MEASURED["Redis flushed: report ready after (s)"] = round(time.monotonic() - lost_at, 1)

        # (2) SIGKILL of the pool process mid-build: the message is redelivered and claims its report
        report = request(1)
        _wait(lambda: _status(report) == "running", 30)
        if HEARTBEAT < 2:
            time.sleep(2.5)
            beat = Report.objects.get(pk=report.pk)
            assert (beat.heartbeat_at - beat.started_at).total_seconds() >= 1  # the thread beats
        else:
            time.sleep(1)
        worker.kill_pool_process()
        killed_at = time.monotonic()
        _wait(lambda: _status(report) == "ready", 60)  # no requeue job: the redelivery does it
        MEASURED["pool process killed: report ready after (s)"] = round(
            time.monotonic() - killed_at, 1
        )
        assert Report.objects.get(pk=report.pk).attempts == 2

        # (3) SIGKILL of the whole worker mid-build: its message waits for the visibility timeout
        # (an hour), so the stalled-report job re-queues it once the heartbeat is stale
        report = request(2)
        _wait(lambda: _status(report) == "running", 30)
        worker.kill_whole_worker()
        killed_at = time.monotonic()
        worker.start()
        requeue_until_ready(report, 60 + 2 * STALL)
        MEASURED["whole worker killed: report ready after (s)"] = round(
            time.monotonic() - killed_at, 1
        )
        assert not Report.objects.filter(status__in=["queued", "running"]).exists()
    finally:
        worker.stop()
        queue.flushdb()
        print("\nmeasured:", MEASURED)  # noqa: T201
