import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout, user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core import dispatch, ratelimit
from core.errors import ApplicationError, Forbidden, NotFound


class ApplicationErrorMiddleware:
    """Web pages: NotFound -> 404, Forbidden -> 403, any other unhandled refusal -> a 400 page with the message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message)
        if isinstance(exception, ApplicationError):
            return render(
                request, "400.html", {"message": exception.message}, status=exception.status_code
            )
        return None


class AbsoluteSessionTimeoutMiddleware:
    """Signs a user out SESSION_ABSOLUTE_SECONDS after sign-in, however active (the idle limit is
    SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST)."""

    KEY = "_auth_started_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(self.KEY)
            if started is None:
                request.session[self.KEY] = now
            elif now - int(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "code": "session_expired",
                            "detail": "Your session has expired. Sign in again.",
                        },
                        status=401,
                    )
                return redirect(
                    f"{reverse('login')}?{urlencode({'next': request.get_full_path(), 'expired': '1'})}"
                )
        return self.get_response(request)


@receiver(user_logged_in)
def _mark_sign_in_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[AbsoluteSessionTimeoutMiddleware.KEY] = int(time.time())


class RateLimitMiddleware:
    """Applies settings.RATE_LIMITS to sign-in (POST, per address), the API token endpoint (POST,
    per address) and every search (GET with ?q=, per user or token). Answers 429."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def _rule_paths(self):
        if self._paths is None:
            self._paths = {
                "sign_in": {reverse("login"), reverse("admin:login")},
                "api_token": {reverse("api:api_token")},
            }
        return self._paths

    def __call__(self, request):
        rule = by = None
        if request.method == "POST":
            paths = self._rule_paths()
            if request.path in paths["sign_in"]:
                rule, by = "sign_in", "ip"
            elif request.path in paths["api_token"]:
                rule, by = "api_token", "ip"
        elif request.method == "GET" and request.GET.get("q", "").strip():
            rule, by = "search", "user"
        if rule:
            allowed, retry_after = ratelimit.hit(rule, ratelimit.client_key(request, by))
            if not allowed:
                return ratelimit.too_many_requests(request, retry_after)
        return self.get_response(request)


class DeferredWorkMiddleware:
    """When a save's background call (a notification, a report build) went to the outbox because the
    broker was down or hung, the save stands and the page says the work will follow; the API adds a
    `Background-Work: deferred` header. Sits after MessageMiddleware so its message is stored."""

    MESSAGE = (
        "Your changes are saved. Notifications and reports will follow in a few minutes: "
        "the background service is slow to answer."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = dispatch.track_kept()
        try:
            response = self.get_response(request)
            if dispatch.kept_calls():
                if request.path.startswith("/api/"):
                    response["Background-Work"] = "deferred"
                elif hasattr(request, "_messages"):
                    from django.contrib import messages

                    messages.info(request, self.MESSAGE)
            return response
        finally:
            dispatch.stop_tracking(token)
