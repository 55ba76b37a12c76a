"""A small fixed-window rate limiter on the Django cache (Redis in production, memory otherwise).

Limits live in settings.RATE_LIMITS as name -> (requests, window seconds). RateLimitMiddleware
applies them to sign-in, the API token endpoint and every search (any GET with ?q=), so new
search pages are covered without a list to maintain; `rate_limited` decorates any other view.
If the cache is unreachable the request is let through (logged): a limiter must not take the
service down.
"""

import functools
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    from core.client_address import client_ip as address

    return address(request) or "unknown"


def _token_user_id(request) -> int | None:
    """The user of a live API token in the Authorization header (this middleware runs before the
    API authenticates), so every token of a user, however the header is spelt, counts as them."""
    from agencies import tokens

    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != tokens.KEYWORD.lower():
        return None
    try:
        return tokens.api_token_find(parts[1]).user_id
    except tokens.TokenRefused:
        return None


def client_key(request, by: str = "ip") -> str:
    """Who is counted: the client address, or the signed-in user (session or API token).
    A request with no user or a token that does not work counts against its address."""
    if by == "user":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"u{user.pk}"
        user_id = _token_user_id(request)
        if user_id is not None:
            return f"u{user_id}"
    return "ip" + client_ip(request)


def hit(name: str, key: str) -> tuple[bool, int]:
    """Count one request; return (allowed, seconds until the window resets)."""
    if not getattr(settings, "RATE_LIMIT_ENABLED", True) or name not in settings.RATE_LIMITS:
        return True, 0
    limit, window = settings.RATE_LIMITS[name]
    now = time.time()
    bucket = int(now // window)
    cache_key = f"rl:{name}:{key}:{bucket}"
    retry_after = int(window - now % window) + 1
    try:
        if cache.add(cache_key, 1, timeout=window + 1):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add and incr
                cache.set(cache_key, 1, timeout=window + 1)
                count = 1
    except Exception:  # cache down: fail open
        logger.warning("rate limit cache unavailable; not limiting %s", name, exc_info=True)
        return True, 0
    return count <= limit, retry_after


def too_many_requests(request, retry_after: int):
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "code": "rate_limited",
                "detail": f"Too many requests. Try again in {retry_after} seconds.",
            },
            status=429,
        )
    else:
        response = render(
            request,
            "429.html",
            {"retry_after": retry_after, "minutes": max(1, round(retry_after / 60))},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(name: str, *, by: str = "ip", methods=("POST",)):
    """View decorator: count requests with these methods under the limit `name`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                allowed, retry_after = hit(name, client_key(request, by))
                if not allowed:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
