"""Health endpoints for the orchestrator (issue 23): `/healthz` and `/readyz`.

- `/healthz`: the process is alive and answers. It touches nothing else, so a database or Redis
  outage never makes Kubernetes restart healthy web pods (liveness probe).
- `/readyz`: the process can serve: the database answers `SELECT 1`, the Celery broker and the cache
  (Redis) answer `PING`, and the file storage is reachable (the media directory is writable, or the
  object storage bucket answers a HEAD). 200 when all pass, else 503; the JSON body names each check
  and whether it passed, never an error message, host name or data (readiness probe: a pod that is
  not ready gets no traffic until it is).

Both are answered by `HealthCheckMiddleware`, first in `MIDDLEWARE`, before host validation (the
kubelet sends the pod's IP as `Host`), the HTTPS redirect (probes speak plain HTTP inside the pod
network), sessions, sign-in, two-factor, rate limits and lockout: nothing is read or written for the
user, no session cookie is set and nothing is audited, because no personal data is shown.
"""

import logging
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.http import JsonResponse

from core.files import is_object_storage

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
REDIS_TIMEOUT_SECONDS = 2.0
REDIS_SCHEMES = {"redis", "rediss", "unix"}

OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not configured"


def _check_database():
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # Drop the broken connection so the next request opens a fresh one.
        connection.close_if_unusable_or_obsolete()
        raise


def _redis_ping(url):
    import redis

    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def _broker_url():
    url = settings.CELERY_BROKER_URL
    return url if url and urlsplit(url).scheme in REDIS_SCHEMES else None


def _cache_url():
    cache = settings.CACHES.get("default", {})
    if not cache.get("BACKEND", "").endswith("RedisCache"):
        return None
    location = cache.get("LOCATION")
    if isinstance(location, list | tuple):
        location = location[0] if location else None
    return location or None


def _check_storage():
    storage = default_storage
    if isinstance(storage, FileSystemStorage):  # the lazy object passes isinstance through
        location = storage.location
        if not os.path.isdir(location) or not os.access(location, os.W_OK | os.X_OK):
            raise OSError("media directory missing or not writable")
        return
    if is_object_storage(storage):
        _check_bucket(storage)
        return
    # Any other backend: one cheap metadata call that needs the service to work.
    storage.exists(".readyz")


_bucket_clients = {}


def _check_bucket(storage):
    """HEAD the bucket (needs s3:ListBucket, which the app needs anyway): 200 only when the store
    answers, the credentials work and the bucket exists. A client of its own with short timeouts
    and no retries, so an unreachable store fails the probe in seconds (the kubelet gives it 8)."""
    key = (storage.endpoint_url, storage.region_name, storage.addressing_style)
    client = _bucket_clients.get(key)
    if client is None:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client(
            "s3",
            endpoint_url=storage.endpoint_url,
            region_name=storage.region_name,
            config=Config(
                connect_timeout=REDIS_TIMEOUT_SECONDS,
                read_timeout=REDIS_TIMEOUT_SECONDS,
                retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": storage.addressing_style},
            ),
        )
        _bucket_clients[key] = client
    client.head_bucket(Bucket=storage.bucket_name)


def readiness():
    """{check name: "ok" | "failed" | "not configured"} for every dependency."""
    broker, cache = _broker_url(), _cache_url()
    checks = {
        "database": _check_database,
        "broker": (lambda: _redis_ping(broker)) if broker else None,
        "cache": (lambda: _redis_ping(cache)) if cache else None,
        "storage": _check_storage,
    }
    results = {}
    for name, check in checks.items():
        if check is None:
            results[name] = NOT_CONFIGURED
            continue
        try:
            check()
        except Exception as exc:
            # The type only: messages can carry host names or credentials from URLs.
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = FAILED
        else:
            results[name] = OK
    return results


def _json(body, status):
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request):
    return _json({"status": "ok"}, 200)


def readyz(request):
    results = readiness()
    failed = [name for name, result in results.items() if result == FAILED]
    if failed:
        return _json({"status": "unavailable", "failed": failed, "checks": results}, 503)
    return _json({"status": "ok", "checks": results}, 200)


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz before any other middleware (see the module docstring)."""

    VIEWS = {HEALTH_PATH: healthz, READY_PATH: readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.VIEWS.get(request.path_info.rstrip("/") or "/")
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _json({"status": "method not allowed"}, 405)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)
