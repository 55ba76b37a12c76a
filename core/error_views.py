"""Error pages: JSON for API paths, GOV.UK pages for the rest, in every failure mode.

Django calls these when a view, a middleware (the session or sign-in lookups when the database is
down) or the URL resolver fails. They use no database, no session and no context processor, so
they work when the database does not. A database that cannot be reached answers 503 (try again),
anything else 500. The proxy's own 502/503/504 (a dead web worker) is in deploy/nginx.conf.
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

API_PREFIX = "/api/"

MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Sorry, there is a problem with the service. Try again later."),
    503: (
        "service_unavailable",
        "The service is unavailable for a moment (the database cannot be reached). "
        "Try again in a few seconds; nothing you saved before has been lost.",
    ),
}


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, **extra) -> JsonResponse:
    code, detail = MESSAGES[status]
    response = JsonResponse({"code": code, "detail": detail} | extra, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


def _database_down() -> bool:
    exc = sys.exc_info()[1]
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


def server_error(request):
    status = 503 if _database_down() else 500
    if is_api(request):
        return api_error(status)
    body = loader.get_template("500.html").render()  # no context: nothing that needs the database
    response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


def page_not_found(request, exception):
    return api_error(404) if is_api(request) else defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    return api_error(403) if is_api(request) else defaults.permission_denied(request, exception)


def bad_request(request, exception):
    return api_error(400) if is_api(request) else defaults.bad_request(request, exception)
