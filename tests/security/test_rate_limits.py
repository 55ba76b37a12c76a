"""Rate limits on sign-in, the API token endpoint and searches (429 with a page or JSON)."""

import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from agencies.tokens import api_token_issue
from core import ratelimit

pytestmark = pytest.mark.django_db


def test_sign_in_posts_over_the_limit_get_a_429_page(rate_limits, caseworker_a):
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "sign_in": (3, 300)}
    client = Client()
    for _ in range(3):
        assert client.post("/sign-in/", {"username": "nobody", "password": "x"}).status_code == 200
    response = client.post(
        "/sign-in/", {"username": "caseworker_a", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert 0 < int(response["Retry-After"]) <= 301
    assert client.get("/sign-in/").status_code == 200  # reading the page is not limited
    other = Client(REMOTE_ADDR="10.1.1.1")
    assert (
        other.post(
            "/sign-in/", {"username": "caseworker_a", "password": "correct-horse-battery"}
        ).status_code
        == 302
    )


def test_token_requests_over_the_limit_get_a_429_json(rate_limits, caseworker_a):
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "api_token": (2, 60)}
    api = APIClient()
    for _ in range(2):
        api.post(
            "/api/v1/auth/token/", {"username": "caseworker_a", "password": "wrong"}, format="json"
        )
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "caseworker_a", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "Retry-After" in response


def test_searches_over_the_limit_are_refused_per_user(
    rate_limits, client_for, caseworker_a, caseworker_a2, person_a
):
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "search": (2, 60)}
    client = client_for(caseworker_a)
    assert client.get("/people/?q=Alpha").status_code == 200
    assert client.get("/?q=Alpha").status_code == 200
    response = client.get("/people/?q=Alpha")
    assert response.status_code == 429 and b"Too many requests" in response.content
    assert client.get("/people/").status_code == 200  # browsing without a search is not limited
    assert client_for(caseworker_a2).get("/people/?q=Alpha").status_code == 200


def test_api_searches_are_limited_per_token(rate_limits, caseworker_a, caseworker_a2):
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "search": (1, 60)}
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_issue(user=caseworker_a, two_factor=False)[1]}"
    )
    assert api.get("/api/v1/people/?q=Alpha").status_code == 200
    response = api.get("/api/v1/people/?q=Alpha")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_issue(user=caseworker_a2, two_factor=False)[1]}"
    )
    assert other.get("/api/v1/people/?q=Alpha").status_code == 200


def test_limiter_lets_requests_through_when_the_cache_is_down(rate_limits):
    with mock.patch.object(ratelimit.cache, "add", side_effect=ConnectionError("redis down")):
        assert ratelimit.hit("sign_in", "ip1.2.3.4") == (True, 0)


def test_counts_reset_in_the_next_window(rate_limits):
    rate_limits.RATE_LIMITS = {"sign_in": (1, 60)}
    with mock.patch.object(ratelimit.time, "time", return_value=6000.0):
        assert ratelimit.hit("sign_in", "k")[0] is True
        assert ratelimit.hit("sign_in", "k")[0] is False
    with mock.patch.object(ratelimit.time, "time", return_value=6060.0):
        assert ratelimit.hit("sign_in", "k")[0] is True


def test_decorator_limits_any_view(rate_limits, rf):
    rate_limits.RATE_LIMITS = {"custom": (1, 60)}

    @ratelimit.rate_limited("custom")
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    def post():
        request = rf.post("/api/v1/x/")
        return view(request)

    assert post().status_code == 200
    assert post().status_code == 429


def test_production_settings_turn_limits_on_and_use_redis_when_configured():
    code = (
        "import config.settings as s; print(s.RATE_LIMIT_ENABLED, sorted(s.RATE_LIMITS), "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1])"
    )
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60,
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=django_settings.BASE_DIR,
        check=True,
    ).stdout.strip()
    assert out == "True ['api_token', 'search', 'sign_in'] RedisCache"


def test_api_search_limit_is_per_user_whatever_the_header_spelling_or_token(
    rate_limits, caseworker_a, caseworker_a2
):
    """Extra spaces or a second token of the same user do not buy a fresh allowance."""
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "search": (2, 60)}
    first = api_token_issue(user=caseworker_a, two_factor=False)[1]
    second = api_token_issue(user=caseworker_a, two_factor=False)[1]
    statuses = []
    for header in (f"Token {first}", f"Token   {first} ", f"token {second}"):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=header)
        statuses.append(api.get("/api/v1/people/?q=Alpha").status_code)
    assert statuses == [200, 200, 429]
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_issue(user=caseworker_a2, two_factor=False)[1]}"
    )
    assert other.get("/api/v1/people/?q=Alpha").status_code == 200


def test_a_search_with_a_bad_token_counts_against_the_address(rate_limits):
    rate_limits.RATE_LIMITS = {**rate_limits.RATE_LIMITS, "search": (1, 60)}
    statuses = []
    for n in range(2):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token made-up-{n}")
        statuses.append(api.get("/api/v1/people/?q=Alpha").status_code)
    assert statuses == [401, 429]
