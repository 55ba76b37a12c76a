"""Logs: no personal data, and a request id, user id and agency id on every record.

Keep query strings (search terms: names, NI and prison numbers, dates of birth) out of every log.

`DropQueryStrings` is on the console handler (settings.LOGGING) and on gunicorn's access logger
(config/gunicorn.py): it renders the record's message and cuts the `?...` part of every URL in it,
and blanks gunicorn's query-string atom. Paths stay, so the logs still say what was asked for.
"""

import contextvars
import json
import logging
import re
import traceback
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

QUERY = re.compile(r"\?[^\s\"']*")


def strip_query(value):
    return QUERY.sub("", value) if isinstance(value, str) else value


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping) and "q" in record.args:  # gunicorn's access atoms
            record.args = {**record.args, "q": ""}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: keep it, still without queries
            message = str(record.msg)
        record.msg, record.args = strip_query(message), None
        return True


# --- Request context and JSON lines (issue 23) -----------------------------------------------
# Every record carries the request id (X-Request-ID when it is a plain id, else a new one; sent back
# in the response), the signed-in user's id and the acting agency's id: ids only, never a name,
# email, search term or path query. A Celery task's records carry the task id, its name and the id
# of the request that queued it.


REQUEST_ID_HEADER = "X-Request-ID"
# Hex digits and dashes (a UUID, nginx's $request_id): a header that could spell a name is replaced.
VALID_REQUEST_ID = re.compile(r"^[0-9A-Fa-f-]{16,64}$")

_request = contextvars.ContextVar("resettle_request", default=None)
_request_id = contextvars.ContextVar("resettle_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    if header and VALID_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def _ids_of(request) -> tuple[int | None, int | None]:
    """The user's and acting agency's ids, only if the request has already loaded them (a log
    record never makes a query of its own)."""
    if request is None:
        return None, None
    user = getattr(request, "__dict__", {}).get("user")
    if user is None:
        return None, None
    from django.utils.functional import SimpleLazyObject, empty

    while isinstance(user, SimpleLazyObject):  # django-otp wraps the lazy user in another one
        user = user.__dict__.get("_wrapped", empty)
        if user is empty:
            return None, None
    if not getattr(user, "is_authenticated", False):
        return None, None
    acting = user.__dict__.get("acting")
    agency_id = getattr(getattr(acting, "agency", None), "pk", None)
    return user.pk, agency_id


class RequestIdMiddleware:
    """Sets the request id (and the request, for the user and agency ids) for every log record of
    this request, and returns the id in the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        tokens = (_request_id.set(request_id), _request.set(request))
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            _request.reset(tokens[1])
            _request_id.reset(tokens[0])


def _task():
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return None
    task = current_task
    return task if task and getattr(task, "request", None) and task.request.id else None


class RequestContext(logging.Filter):
    """Adds request_id, user_id, agency_id (and task_id, task in a Celery task) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id, request = _request_id.get(), _request.get()
        if request is None:  # django.request's own records, written after the middleware returned
            request = getattr(record, "request", None)
            request_id = getattr(request, "request_id", "") or request_id
        user_id, agency_id = _ids_of(request)
        task = _task()
        if task is not None:
            record.task_id = task.request.id
            record.task = task.name
            request_id = request_id or getattr(task.request, "resettle_request_id", "") or ""
        record.request_id = request_id
        record.user_id = user_id
        record.agency_id = agency_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line. An exception is its type and its stack (file, line, function),
    not its message: database errors quote the values they refused (a name, an NI number)."""

    FIELDS = ("request_id", "user_id", "agency_id", "task_id", "task")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value not in (None, ""):
                entry[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            entry["exc_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(entry, default=str)


def connect_celery_request_ids() -> None:
    """The id of the request that queued a task travels with it, in a message header."""
    from celery import signals

    @signals.before_task_publish.connect(weak=False)
    def _add_request_id(headers=None, **kwargs):
        request_id = _request_id.get()
        if request_id and headers is not None:
            headers.setdefault("resettle_request_id", request_id)


def scrub_path(path: str) -> str:
    """A path that matches a URL pattern holds ids only and stays; any other path is free text a
    user typed (it could be a name) and keeps only its first segment: `/no-such-page/…`."""
    if not isinstance(path, str) or not path.startswith("/"):
        return path
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        first = path.split("/", 2)[1]
        return f"/{first}/…" if first else "/"
    except Exception:  # no URLconf (yet): keep nothing of it
        return "/…"
    return path


class DropUnmatchedPaths(logging.Filter):
    """django.request's "Not Found: <path>" and gunicorn's access line (`%(U)s`) for a path that
    matches no URL pattern keep only its first segment (see `scrub_path`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            status = str(record.args.get("s", ""))
            if status == "404" and "U" in record.args:
                record.args = {**record.args, "U": scrub_path(record.args["U"])}
        elif record.name == "django.request" and getattr(record, "status_code", None) == 404:
            request = getattr(record, "request", None)
            path = getattr(request, "path", None)
            if path and record.args:
                record.args = tuple(scrub_path(arg) if arg == path else arg for arg in record.args)
        return True
