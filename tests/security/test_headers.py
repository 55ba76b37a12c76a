"""Security headers, cookies and the deploy check, on every page the URL resolver knows."""

import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.security.urls import INLINE_SCRIPT, inline_code, page_paths

pytestmark = pytest.mark.django_db

DOCS_PAGE = "api_docs"  # Swagger UI: the one documented CSP exception (docs/adr/0102)


@pytest.fixture
def sample_ids(person_a, case_a):
    return {"person": person_a.pk, "case": case_a.pk}


def _check_headers(response, path):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp, path
    if not path.startswith("/api/docs/"):
        assert "unsafe-inline" not in csp, path
        assert "script-src 'self';" in csp or csp.endswith("script-src 'self'"), path
    assert "unsafe-eval" not in csp, path
    assert response.headers.get("X-Frame-Options") == "DENY", path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") == "same-origin", path
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", path


@pytest.mark.parametrize("persona", ["caseworker_a", "manager_a"])
def test_every_page_sends_the_security_headers_and_has_no_inline_code(
    persona, request, client_for, sample_ids
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    paths = page_paths(sample_ids)
    assert len(paths) >= 15  # the walk found the routes
    checked = 0
    for name, path in sorted(paths.items()):
        response = client.get(path, secure=True)
        assert response.status_code < 500, (name, path, response.status_code)
        _check_headers(response, path)
        if name != DOCS_PAGE and "text/html" in response.headers.get("Content-Type", ""):
            problems = inline_code(response.content.decode())
            assert not problems, (name, path, problems)
        checked += 1
    assert checked == len(paths)


def test_signed_out_pages_send_the_headers(client):
    for path in ("/sign-in/", "/accessibility/", "/no-such-page/"):
        response = client.get(path, secure=True)
        _check_headers(response, path)
        assert not inline_code(response.content.decode())


def test_hsts_on_https_responses(client):
    response = client.get("/sign-in/", secure=True)
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts


def test_cookies_are_secure_httponly_and_samesite(client, caseworker_a):
    client.get("/sign-in/", secure=True)
    response = client.post(
        "/sign-in/", {"username": "caseworker_a", "password": "correct-horse-battery"}, secure=True
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_api_docs_page_loads_no_inline_script(client_for, caseworker_a):
    response = client_for(caseworker_a).get("/api/docs/")
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content.decode())
    assert (
        "unsafe-inline"
        not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


def test_templates_have_no_inline_code():
    """Every template file, including ones not reachable in this test's data."""
    problems = {}
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        found = inline_code(path.read_text())
        if found:
            problems[str(path)] = found
    assert not problems


def test_manage_py_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "resettle.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": "redis://redis.example.invalid:6379/1",  # rate limits shared (core.E001)
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
