"""The reporting replica (issue 23, docs/adr/0111).

With DATABASE_REPLICA_URL set, the "replica" database alias is a streaming replica of the primary.
Reads go to it only inside `replica_reads()`: report builds, exports, and the GET pages named in
REPLICA_VIEWS (lists that tolerate a few seconds of lag). Everything else reads the primary, and so
does a scope that:

- runs inside a transaction (the primary's atomic block: what it reads must be what it writes),
- belongs to a request of a user who changed something in the last REPLICA_PIN_SECONDS (every POST,
  PUT, PATCH or DELETE sets a signed cookie that pins the browser to the primary: read your writes),
- finds the replica unreachable (connection refused or REPLICA_CONNECT_TIMEOUT_SECONDS passed) or more
  than REPLICA_MAX_LAG_SECONDS behind: the read falls back to the primary with a logged warning, and
  the replica is not tried again for REPLICA_RETRY_SECONDS.

Writes always go to the primary, and so do the apps in PRIMARY_APPS whatever the scope (the audit
trail, sessions, sign-in, users and tokens: small indexed reads whose freshness matters).
"""

import contextvars
import logging
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections

logger = logging.getLogger("resettle.replica")

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "resettle_primary"
PRIMARY_APPS = frozenset(
    {"audit", "sessions", "axes", "otp_totp", "otp_static", "django_otp", "admin", "agencies"}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_reading = contextvars.ContextVar("replica_reading", default=False)
_pinned = contextvars.ContextVar("replica_pinned", default=False)
_down_until = 0.0  # per process: after a failure the replica rests for REPLICA_RETRY_SECONDS

LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def configured() -> bool:
    return REPLICA in connections.settings


def replica_usable() -> bool:
    """Whether reads may go to the replica now: reachable and not too far behind (one query)."""
    global _down_until
    if not configured() or time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            _in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "reporting replica unreachable (%s): reading from the primary for %ss",
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            settings.REPLICA_RETRY_SECONDS,
        )
        with suppress(DatabaseError):
            connection.close()
        return False
    if float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "reporting replica %.1fs behind (more than %ss): reading from the primary",
            float(lag),
            settings.REPLICA_MAX_LAG_SECONDS,
        )
        return False
    return True


def reading_from_replica() -> bool:
    return _reading.get()


@contextmanager
def replica_reads():
    """Reads inside go to the replica when it is configured, usable and the user is not pinned.
    Yields True when they do."""
    if _reading.get():
        yield True
        return
    if _pinned.get() or not replica_usable():
        yield False
        return
    token = _reading.set(True)
    try:
        yield True
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Settings DATABASE_ROUTERS when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints):
        if (
            _reading.get()
            and model._meta.app_label not in PRIMARY_APPS
            and not connections[PRIMARY].in_atomic_block
        ):
            return REPLICA
        return PRIMARY  # explicitly: never follow an instance read from the replica

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


class ReplicaMiddleware:
    """Pins a browser that has just changed something to the primary for REPLICA_PIN_SECONDS, and
    serves the GET views of REPLICA_VIEWS from the replica otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        pinned = self._pinned(request)
        token = _pinned.set(pinned)
        request._replica_token = None
        try:
            response = self.get_response(request)
        finally:
            if request._replica_token is not None:
                _reading.reset(request._replica_token)
            _pinned.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                str(time.time() + settings.REPLICA_PIN_SECONDS),
                salt=PIN_COOKIE,
                max_age=int(settings.REPLICA_PIN_SECONDS) + 1,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            configured()
            and request.method in ("GET", "HEAD")
            and request.resolver_match is not None
            and request.resolver_match.view_name in settings.REPLICA_VIEWS
            and not _pinned.get()
            and replica_usable()
        ):
            request._replica_token = _reading.set(True)
        return None

    @staticmethod
    def _pinned(request) -> bool:
        try:
            until = float(request.get_signed_cookie(PIN_COOKIE, salt=PIN_COOKIE))
        except (KeyError, ValueError, signing.BadSignature):
            return False
        return until > time.time()
