"""Error answers: JSON for API paths and a GOV.UK page elsewhere, whatever fails (no trace, ever)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client_for, manager_a):
    client = client_for(manager_a)
    client.raise_request_exception = False  # as in production: the handler answers
    return client


def _database_down(monkeypatch):
    def fail(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(SessionStore, "_get_session_from_db", fail)


def test_api_gets_json_503_when_the_database_is_down(signed_in, monkeypatch):
    _database_down(monkeypatch)
    response = signed_in.get("/api/v1/people/")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable" and response["Retry-After"] == "5"


def test_pages_get_the_service_problem_page_when_the_database_is_down(signed_in, monkeypatch):
    _database_down(monkeypatch)
    response = signed_in.get("/reports/")
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"Traceback" not in response.content and b"5432" not in response.content


def test_api_gets_json_500_for_an_unexpected_error(signed_in, monkeypatch):
    from reporting import selectors

    def boom(**kwargs):
        raise RuntimeError("bug with a secret in it")

    monkeypatch.setattr(selectors, "reports_for_user", boom)
    response = signed_in.get("/api/v1/reports/")
    assert response.status_code == 500 and response.json()["code"] == "server_error"
    assert b"secret" not in response.content
    page = signed_in.get("/reports/")
    assert page.status_code == 500 and b"Sorry, there is a problem" in page.content


def test_unknown_api_path_is_json_404_and_a_page_404_elsewhere(signed_in):
    response = signed_in.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    page = signed_in.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_the_proxy_answers_json_for_api_paths_when_gunicorn_is_gone():
    """deploy/nginx.conf: a dead web worker behind the proxy gives API clients JSON, not HTML."""
    import json
    import re
    from pathlib import Path

    conf = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    api_block = conf.split("location /api/", 1)[1].split("}", 1)[0]
    assert "error_page 502 503 504 = @api_unavailable" in api_block
    named = conf.split("location @api_unavailable", 1)[1]
    assert named.split("return", 1)[0].count("default_type application/json") == 1
    body = re.search(r"return 502 '(.*)';", named).group(1)
    assert json.loads(body)["code"] == "bad_gateway"
    assert "$request " not in conf and "$request_uri" not in conf  # no query strings in its log
