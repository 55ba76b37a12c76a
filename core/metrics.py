"""Prometheus metrics (issue 23), prometheus-client.

What is measured, with labels that never carry personal data (view names, never paths or ids):

- `resettle_http_requests_total{view,method,status}` and `resettle_http_request_duration_seconds
  {view,method}` (histogram), by `MetricsMiddleware`; `view` is the URL pattern's name
  (`casework:person_detail`, `api:person-detail`), `unmatched` for a path no pattern matches;
- `resettle_celery_tasks_total{task,state}` and `resettle_celery_task_duration_seconds{task}`, by
  Celery's task signals, in the worker processes;
- `resettle_celery_queue_length{queue}` (Redis LLEN) and `resettle_reports{status}` (queued, running,
  stalled), read when Prometheus scrapes the web's /metrics, so they are not counted per process.

Where: `GET /metrics` on the web port with `Authorization: Bearer <METRICS_TOKEN>`; 404 when
METRICS_TOKEN is unset (the default) or the token is wrong, so the path shows nothing to anyone
else. It is answered before host validation and the HTTPS redirect, like /readyz: Prometheus
scrapes the pod's address over plain HTTP. A Celery worker serves its own metrics on METRICS_PORT
(the same token) when that is set, since its pod has its own processes.

gunicorn and the prefork worker pool run several processes: with PROMETHEUS_MULTIPROC_DIR set (an
empty directory, cleared when the server starts: config/gunicorn.py, the worker_init signal) every
process writes its samples there and a scrape adds them up (prometheus-client's multiprocess mode).
"""

import hmac
import logging
import os
import threading
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
TASK_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

REQUESTS = Counter("resettle_http_requests", "HTTP requests answered", ["view", "method", "status"])
LATENCY = Histogram(
    "resettle_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
TASKS = Counter("resettle_celery_tasks", "Celery tasks finished", ["task", "state"])
TASK_DURATION = Histogram(
    "resettle_celery_task_duration_seconds",
    "Time a Celery task ran",
    ["task"],
    buckets=TASK_BUCKETS,
)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def clear_multiprocess_dir() -> None:
    """At server start: samples of an earlier run's processes must not be added to this one's."""
    path = multiprocess_dir()
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def process_exited(pid: int) -> None:
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


# --- scrape-time values ---------------------------------------------------------------------


def _queue_names() -> list[str]:
    from config.celery import app

    names = {app.conf.task_default_queue or "celery"}
    for route in (app.conf.task_routes or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


class ScrapeTimeCollector:
    """Queue lengths and reports in progress, read when Prometheus asks (one LLEN per queue, one
    grouped query); a failure leaves the metric out and is logged, never fails the scrape."""

    def collect(self):
        yield from self._queues()
        yield from self._reports()

    def _queues(self):
        from core.health import REDIS_TIMEOUT_SECONDS, _broker_url

        url = _broker_url()
        if not url:
            return
        import redis

        family = GaugeMetricFamily(
            "resettle_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        )
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        try:
            for name in _queue_names():
                family.add_metric([name], client.llen(name))
        except Exception as exc:
            logger.warning("metrics: queue length unavailable: %s", type(exc).__name__)
            return
        finally:
            client.close()
        yield family

    def _reports(self):
        from django.db.models import Count

        from reporting.models import Report, ReportStatus, stalled_q

        family = GaugeMetricFamily(
            "resettle_reports",
            "Reports waiting or being built (stalled: no sign of life, built again soon)",
            labels=["status"],
        )
        try:
            busy = Report.objects.filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
            counts = dict(busy.values_list("status").annotate(n=Count("id")).order_by())
            stalled = busy.filter(stalled_q()).count()
        except Exception as exc:
            logger.warning("metrics: report counts unavailable: %s", type(exc).__name__)
            return
        family.add_metric(["queued"], counts.get(ReportStatus.QUEUED, 0))
        family.add_metric(["running"], counts.get(ReportStatus.RUNNING, 0))
        family.add_metric(["stalled"], stalled)
        yield family


def registry_for_scrape(*, scrape_time: bool) -> CollectorRegistry:
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    if scrape_time:
        registry.register(ScrapeTimeCollector())
    return registry


class _Forward:
    """This process's own metrics (no multiprocess directory: runserver, tests, a solo worker)."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def token_ok(authorization: str) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def render(*, scrape_time: bool = True) -> bytes:
    return generate_latest(registry_for_scrape(scrape_time=scrape_time))


# --- requests -------------------------------------------------------------------------------


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class MetricsMiddleware:
    """Answers GET /metrics (bearer token, see the module docstring) and counts every other request
    by view name, method and status, with its time. Second in MIDDLEWARE, after the health checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") == METRICS_PATH:
            return self._metrics(request)
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        view = view_label(request)
        try:
            REQUESTS.labels(view, method, str(response.status_code)).inc()
            LATENCY.labels(view, method).observe(time.perf_counter() - started)
        except Exception:  # metrics must never fail a request
            logger.warning("metrics: could not record a request", exc_info=True)
        return response

    def _metrics(self, request):
        if request.method != "GET" or not token_ok(request.META.get("HTTP_AUTHORIZATION", "")):
            return HttpResponse(status=404)
        response = HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response


# --- Celery ---------------------------------------------------------------------------------

_started: dict[str, float] = {}


def _task_name(task, sender=None) -> str:
    return getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"


def connect_celery_signals() -> None:
    from celery import signals

    @signals.task_prerun.connect(weak=False)
    def _prerun(task_id=None, task=None, **kwargs):
        _started[task_id] = time.perf_counter()

    @signals.task_postrun.connect(weak=False)
    def _postrun(task_id=None, task=None, state=None, **kwargs):
        started = _started.pop(task_id, None)
        name = _task_name(task)
        TASKS.labels(name, (state or "unknown").lower()).inc()
        if started is not None:
            TASK_DURATION.labels(name).observe(time.perf_counter() - started)

    @signals.task_retry.connect(weak=False)
    def _retry(sender=None, **kwargs):
        TASKS.labels(_task_name(sender), "retry_requested").inc()

    @signals.worker_init.connect(weak=False)
    def _worker_init(**kwargs):
        clear_multiprocess_dir()
        port = os.environ.get("METRICS_PORT", "")
        if port:
            serve_worker_metrics(int(port))

    @signals.worker_process_shutdown.connect(weak=False)
    def _child_exit(pid=None, **kwargs):
        process_exited(pid or os.getpid())


def serve_worker_metrics(port: int) -> None:
    """The worker's own /metrics on METRICS_PORT (token as on the web), from a side thread."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    def app(environ, start_response):
        ok = environ.get("PATH_INFO", "").rstrip("/") == METRICS_PATH and token_ok(
            environ.get("HTTP_AUTHORIZATION", "")
        )
        if environ.get("REQUEST_METHOD") != "GET" or not ok:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [render(scrape_time=False)]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # no access log lines from the scraper
            pass

    # the pod network must reach it (Prometheus); every request needs the bearer token
    server = make_server("0.0.0.0", port, app, handler_class=Quiet)  # noqa: S104  # nosec B104
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("worker metrics on port %s", port)
