# ruff: noqa: F811 - pytest fixtures imported from other apps' conftests are used as arguments
"""Many instances (issue 23): two web servers (gunicorn, config/gunicorn.py) and two Celery workers
on one PostgreSQL database and one Redis, with their files in an S3-compatible store.

The store is moto's server mode (`moto[server]` from PyPI): no real S3 server installs from the
registries this machine reaches (Debian's radosgw needs a whole Ceph cluster). Nothing is on the
local disk: MEDIA_ROOT is an empty directory that must stay empty.

What a user does, always through HTTP with the session cookie of the first web server:
- signs in on web 1 and carries on on web 2;
- uploads a matching scan through web 1, a worker checks it, previews and imports it through web 2;
- requests a report through web 1, one of the workers builds it, downloads it through web 2 (the
  bytes are the bucket's);
- requests another, the worker building it is killed (SIGKILL of its whole process group) mid-build:
  within REPORT_STALL_SECONDS the page says "Stalled" (never "Running" for long), the user asks
  again through web 2 and the other worker builds it (the time is printed with -s).
Then both servers' /metrics and the surviving worker's metrics port are scraped, and every log line
of every process (JSON) is searched for the people's names and identifiers.
"""

import contextlib
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import redis
import requests
from django.db import connection

from custody.models import ScanImport, ScanStatus
from reporting.models import Report
from reporting.periods import add_months, last_month
from tests.custody.conftest import prison, prison_site, surgery  # noqa: F401 - fixtures
from tests.custody.test_matching_scan import SAMPLE, scan_people  # noqa: F401 - fixture
from tests.redis_url import redis_url

pytestmark = [pytest.mark.slow, pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "resettle-many"
PREFIX = "files"
TOKEN = "many-instances-metrics-token"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
HEARTBEAT, STALL = 1, 5
MEASURED: dict[str, float] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, step: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"gave up after {timeout} s waiting for {what or predicate}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class Group:
    """A process in its own process group (so it can be killed whole), its output in a file."""

    def __init__(self, name, args, env, log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(  # noqa: S603
            args,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    """moto's S3 server, two gunicorn servers and two workers on the test database and Redis."""
    logs = tmp_path_factory.mktemp("many-instances")
    media = logs / "media"
    media.mkdir()
    s3_port = _free_port()
    endpoint = f"http://127.0.0.1:{s3_port}"
    broker, cache = redis_url(11), redis_url(10)
    redis.Redis.from_url(broker).flushdb()
    db = connection.settings_dict
    base_env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=broker,
        CELERY_TASK_ALWAYS_EAGER="false",
        CACHE_URL=cache,
        STORAGE_URL=f"s3://{BUCKET}/{PREFIX}?endpoint_url={endpoint}&region=eu-west-2&addressing_style=path",
        AWS_ACCESS_KEY_ID="many-instances-test",
        AWS_SECRET_ACCESS_KEY="many-instances-test",  # moto accepts any
        MEDIA_ROOT=str(media),
        LOG_FORMAT="json",
        METRICS_TOKEN=TOKEN,
        REPORT_HEARTBEAT_SECONDS=str(HEARTBEAT),
        REPORT_STALL_SECONDS=str(STALL),
        FAULT_BUILD_SECONDS="3",
        PYTHONDONTWRITEBYTECODE="1",
    )
    processes = []
    try:
        moto = Group(
            "s3",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
            base_env,
            logs,
        )
        processes.append(moto)
        webs = []
        for index, workers in ((1, 2), (2, 1)):
            port = _free_port()
            env = dict(
                base_env,
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_WORKERS=str(workers),
                PROMETHEUS_MULTIPROC_DIR=str(logs / f"metrics-web{index}"),
            )
            web = Group(
                f"web{index}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "config/gunicorn.py",
                    "config.wsgi:application",
                ],
                env,
                logs,
            )
            web.url = f"http://127.0.0.1:{port}"
            processes.append(web)
            webs.append(web)
        workers = []
        for index in (1, 2):
            port = _free_port()
            env = dict(
                base_env,
                WORKER_NAME=f"w{index}@many",
                METRICS_PORT=str(port),
                PROMETHEUS_MULTIPROC_DIR=str(logs / f"metrics-w{index}"),
            )
            worker = Group(f"w{index}", [sys.executable, "-m", "tests.deploy.worker"], env, logs)
            worker.metrics_url = f"http://127.0.0.1:{port}/metrics"
            processes.append(worker)
            workers.append(worker)
        _wait(lambda: _answers(f"{endpoint}/"), 30, what="moto")
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="eu-west-2",
            aws_access_key_id="many-instances-test",
            aws_secret_access_key="many-instances-test",
        )
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        for web in webs:
            _wait(lambda web=web: _answers(f"{web.url}/readyz"), 60, what=web.name)
        for worker in workers:
            _wait(lambda worker=worker: "ready." in worker.text(), 60, what=worker.name)
        yield {"s3": s3, "webs": webs, "workers": workers, "media": media, "processes": processes}
    finally:
        for process in reversed(processes):
            process.stop()
        redis.Redis.from_url(broker).flushdb()
        print("\nmeasured:", MEASURED)  # noqa: T201


class Browser:
    """A user agent with one cookie jar for every server (cookies are per host, not per port).
    Cookies are kept by hand: the test settings mark them Secure, and these servers speak HTTP."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def _headers(self, extra=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        return headers | (extra or {})

    def _keep(self, response):
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, url, **kwargs):
        return self._keep(
            requests.get(url, headers=self._headers(), allow_redirects=False, timeout=30, **kwargs)
        )

    def post(self, url, data=None, files=None, referer=None):
        data = dict(data or {}, csrfmiddlewaretoken=self.csrf(url))
        return self._keep(
            requests.post(
                url,
                data=data,
                files=files,
                headers=self._headers(),
                allow_redirects=False,
                timeout=30,
            )
        )

    def csrf(self, url):
        if "csrftoken" not in self.cookies:
            self.get(url.rsplit("/", 2)[0] + "/sign-in/")
        return self.cookies["csrftoken"]

    def sign_in(self, base, username):
        page = self.get(f"{base}/sign-in/")
        assert page.status_code == 200
        response = self.post(f"{base}/sign-in/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302 and "/sign-in/" not in response.headers["Location"]
        return response


def _keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _status(report_id):
    return Report.objects.filter(pk=report_id).values_list("status", flat=True).first()


def _files_under(path: Path):
    return [p for p in path.rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)  # the servers and workers see only what is committed
def test_two_web_servers_and_two_workers_share_sessions_files_and_work(
    cluster, ebsa_a, manager_a, scan_people, case_a
):
    started = time.monotonic()
    s3, (web1, web2), workers = cluster["s3"], cluster["webs"], cluster["workers"]

    # 1. Sign in on web 1, carry on on web 2 with the same session cookie.
    ebsa = Browser()
    ebsa.sign_in(web1.url, ebsa_a.username)
    assert ebsa.get(f"{web2.url}/custody/scans/").status_code == 200
    stranger = Browser()
    assert stranger.get(f"{web2.url}/custody/scans/").status_code == 302  # to the sign-in page

    # 2. A scan uploaded through web 1, checked by a worker, previewed and imported through web 2.
    upload = ebsa.post(
        f"{web1.url}/custody/scans/",
        files={"file": ("scan.csv", SAMPLE.read_bytes(), "text/csv")},
    )
    assert upload.status_code == 302, upload.text[:500]
    scan = ScanImport.objects.get()
    _wait(
        lambda: ScanImport.objects.get(pk=scan.pk).status == ScanStatus.PREVIEW,
        30,
        what="the scan preview",
    )
    scan.refresh_from_db()
    key = f"{PREFIX}/{scan.upload.name}"
    assert key in _keys(s3)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == SAMPLE.read_bytes()
    preview = ebsa.get(f"{web2.url}/custody/scans/{scan.pk}/")
    assert preview.status_code == 200 and "Nothing has been saved yet" in preview.text
    assert ebsa.post(f"{web2.url}/custody/scans/{scan.pk}/").status_code == 302
    _wait(
        lambda: ScanImport.objects.get(pk=scan.pk).status == ScanStatus.DONE, 30, what="the import"
    )
    assert ScanImport.objects.get(pk=scan.pk).counts["new_work_item"] == 3

    # 3. A report requested through web 1, built by a worker, downloaded through web 2.
    manager = Browser()
    manager.sign_in(web1.url, manager_a.username)
    month = last_month(datetime.date.today())
    asked = manager.post(
        f"{web1.url}/reports/", {"from_month": f"{month:%Y-%m}", "to_month": f"{month:%Y-%m}"}
    )
    assert asked.status_code == 302, asked.text[:500]
    report = Report.objects.get(month=month)
    _wait(lambda: _status(report.pk) == "ready", 60, what="the first report")
    report.refresh_from_db()
    builder = next(w for w in workers if report.build_task_id in w.text())
    download = manager.get(f"{web2.url}/reports/{report.pk}/pdf/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    stored = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{report.pdf.name}")["Body"].read()
    assert download.content == stored
    assert _files_under(cluster["media"]) == []  # nothing on the local disk

    # 4. The worker building the next report is killed mid-build; the user asks again on web 2.
    earlier = add_months(month, -1)
    manager.post(
        f"{web1.url}/reports/",
        {"from_month": f"{earlier:%Y-%m}", "to_month": f"{earlier:%Y-%m}"},
    )
    second = Report.objects.get(month=earlier)
    _wait(lambda: _status(second.pk) == "running", 30, what="the second build to start")
    second.refresh_from_db()
    victim = _wait(
        lambda: next((w for w in workers if second.build_task_id in w.text()), None),
        10,
        what="the worker that took the build",
    )
    survivor = next(w for w in workers if w is not victim)
    time.sleep(1.5)  # mid-build (the build takes at least FAULT_BUILD_SECONDS)
    assert _status(second.pk) == "running"
    victim.kill()
    killed_at = time.monotonic()
    status_url = f"{web2.url}/reports/{second.pk}/status/"
    _wait(lambda: "Stalled" in manager.get(status_url).text, STALL + 10, what="'Stalled'")
    MEASURED["killed worker: page says Stalled after (s)"] = round(time.monotonic() - killed_at, 1)
    again = manager.post(f"{web2.url}/reports/{second.pk}/retry/")
    assert again.status_code == 302
    _wait(lambda: _status(second.pk) == "ready", 45, what="the rebuilt report")
    ready_after = time.monotonic() - killed_at
    MEASURED["killed worker: report ready after (s)"] = round(ready_after, 1)
    assert ready_after < 60
    second.refresh_from_db()
    assert second.build_task_id in survivor.text()
    assert manager.get(f"{web2.url}/reports/{second.pk}/csv/").status_code == 200
    assert _files_under(cluster["media"]) == []

    # 5. Metrics: both servers' processes counted (multiprocess), view names only; the workers'.
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(f"{web1.url}/metrics", timeout=10).status_code == 404
    scraped = requests.get(f"{web1.url}/metrics", headers=auth, timeout=10).text
    assert 'view="custody:scan_upload"' in scraped and 'status="302"' in scraped
    assert "resettle_celery_queue_length" in scraped and "resettle_reports{" in scraped
    assert not re.search(r'view="[^"]*/', scraped)  # a name, never a path
    web2_metrics = requests.get(f"{web2.url}/metrics", headers=auth, timeout=10).text
    assert 'view="reporting:report_download"' in web2_metrics
    worker_metrics = requests.get(survivor.metrics_url, headers=auth, timeout=10).text
    assert (
        'resettle_celery_tasks_total{state="success",task="reporting.tasks.build_report_task"}'
        in (worker_metrics)
    )
    assert requests.get(survivor.metrics_url, timeout=10).status_code == 404

    # 6. Logs: JSON lines with request ids; no name or identifier of anyone in the scan or the cases.
    everything = "\n".join(p.text() for p in cluster["processes"] if p.name != "s3")
    json_lines = [line for line in everything.splitlines() if line.startswith("{")]
    assert len(json_lines) > 20
    access = [json.loads(line) for line in json_lines if '"gunicorn.access"' in line]
    assert access and all(re.search(r" [0-9a-f]{32}$", a["message"]) for a in access)
    people = [*scan_people.values(), case_a.person]
    secrets = set()
    for person in people:
        secrets |= {person.last_name, person.first_name, person.date_of_birth.isoformat()}
        secrets |= {
            v for v in (person.national_insurance_number, person.prison_number, person.crn) if v
        }
    secrets |= {"JK100002B", "A7001BD", "1991-04-02"}  # from the scan file itself
    leaked = sorted(s for s in secrets if len(s) >= 3 and s in everything)
    assert not leaked, f"personal data in the logs: {leaked}"
    assert builder in workers
    MEASURED["whole scenario (s)"] = round(time.monotonic() - started, 1)
