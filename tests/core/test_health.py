"""/healthz and /readyz (issue 23, core/health.py): unauthenticated, no data, before every other
middleware; readiness fails with a JSON body naming the check when a dependency is unreachable."""

import socket

import pytest
from django.db.utils import ConnectionHandler
from django.test import override_settings

from audit.models import AccessEvent
from core import health
from tests.redis_url import redis_host_port, redis_url

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def closed_port():
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": redis_url(14)}}


def test_healthz_answers_without_the_database(client):
    """No django_db mark: any query would raise, so a 200 proves the database is not touched."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_from_the_kubelet_are_answered_over_http_with_the_pod_ip_as_host(client):
    """The kubelet speaks plain HTTP and sends the pod IP as Host: neither the HTTPS redirect nor
    ALLOWED_HOSTS may turn the probe into a 301 or a 400."""
    response = client.get("/healthz", HTTP_HOST="10.42.0.17:8000")
    assert response.status_code == 200
    # The same request anywhere else is still refused (host) or redirected.
    assert client.get("/sign-in/", HTTP_HOST="10.42.0.17:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_ok_when_database_redis_and_storage_answer(client, media, redis_cache):
    before = AccessEvent.objects.count()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"},
    }
    assert "Set-Cookie" not in response
    assert AccessEvent.objects.count() == before  # nothing audited: no data shown


@pytest.mark.django_db
def test_readyz_fails_when_the_broker_redis_is_a_closed_port(client, media, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    # Names what failed and nothing else: no address, port or error text.
    assert "127.0.0.1" not in response.content.decode()
    assert "refused" not in response.content.decode().lower()


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_redis_is_a_closed_port(client, media, settings):
    settings.CACHES = {
        "default": {"BACKEND": REDIS_CACHE, "LOCATION": f"redis://127.0.0.1:{closed_port()}/1"}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@pytest.mark.django_db
def test_readyz_fails_when_the_media_directory_is_missing(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "not-mounted"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def test_readyz_fails_when_the_database_is_a_closed_port(client, media, monkeypatch, settings):
    """A real connection attempt (psycopg2) to a port with nothing behind it."""
    from django.conf import settings as django_settings

    db = dict(django_settings.DATABASES["default"], HOST="127.0.0.1", PORT=str(closed_port()))
    db["OPTIONS"] = dict(db.get("OPTIONS", {}), connect_timeout=2)
    handler = ConnectionHandler({"default": db})
    monkeypatch.setattr(health, "connections", handler)
    try:
        response = client.get("/readyz")
    finally:
        handler.close_all()
    assert response.status_code == 503
    assert "database" in response.json()["failed"]
    assert str(db["PORT"]) not in response.content.decode()


def test_redis_used_by_the_tests_is_the_one_configured():
    """Guard for the tests above: the broker they expect to answer is TEST_REDIS_URL's server."""
    from django.conf import settings as django_settings

    host, port = redis_host_port()
    assert f"{host}:{port}" in django_settings.CELERY_BROKER_URL


@pytest.mark.django_db
def test_health_endpoints_ignore_sign_in_and_two_factor(client, media, settings):
    """A manager who still owes a two-factor code is sent to verify it on every page, but the probes
    answer as for anyone (and the sign-in state is neither read nor changed)."""
    from agencies.models import Role
    from tests.factories import AgencyFactory, staff

    settings.OTP_REQUIRED_FOR_MANAGERS = True
    client.force_login(staff("health.manager", AgencyFactory(), Role.MANAGER))
    assert client.get("/").status_code == 302  # to two-factor set-up
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
