"""Personal data stays out of logs: no query string in any log line, no email printed in production,
and every link in an email is absolute (SITE_URL)."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from core.logging import DropQueryStrings

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("Quennell", "QQ123456C", "A1234BC", "1990-05-17")


def _console_handler():
    return next(h for h in logging.getLogger().handlers if h.name == "console")


@pytest.fixture
def app_log():
    """What the app's configured console handler writes (settings.LOGGING), as text."""
    handler = _console_handler()
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


def test_the_console_handler_drops_query_strings():
    assert any(isinstance(f, DropQueryStrings) for f in _console_handler().filters)


def test_gunicorn_style_access_records_lose_the_query_string():
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s "%(f)s" %(q)s',
        None,
        None,
    )
    record.args = {
        "h": "10.0.0.1",
        "r": "GET /people/?q=Quennell HTTP/1.1",
        "s": "200",
        "f": "https://resettle.example.org/people/?q=QQ123456C",
        "q": "q=A1234BC",
    }
    DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "GET /people/ HTTP/1.1" in line and not any(s in line for s in SECRETS)


@pytest.mark.django_db
def test_a_full_journey_leaves_no_search_term_in_the_logs(
    app_log, client_for, api_for, caseworker_a, person_a, settings
):
    settings.EMAIL_BACKEND = "core.mail.SummaryBackend"  # what production uses without EMAIL_HOST
    web = client_for(caseworker_a)
    web.raise_request_exception = False
    for term in SECRETS:
        assert web.get(f"/people/?q={term}").status_code == 200
        assert api_for(caseworker_a).get(f"/api/v1/people/?q={term}").status_code == 200
        web.get(f"/no-such-page/?q={term}")  # logged by django.request as a 404
        logging.getLogger("django.server").info('"GET /people/?q=%s HTTP/1.1" 200 512', term)
    mail.send_mail("Retention checks due", f"Body naming {SECRETS[0]}", None, ["a@example.org"])
    text = app_log.getvalue()
    assert "/no-such-page/" in text and '"GET /people/ HTTP/1.1" 200' in text  # the log works
    assert "email(s) not sent" in text
    for secret in SECRETS:
        assert secret not in text
    assert "a@example.org" not in text


@pytest.mark.parametrize("asked", ["django.core.mail.backends.console.EmailBackend", ""])
def test_production_never_uses_a_backend_that_prints_emails(asked):
    env = dict(os.environ, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50, EMAIL_BACKEND=asked)
    if not asked:
        env.pop("EMAIL_BACKEND")
    env.pop("EMAIL_HOST", None)
    code = "import config.settings as s; print(s.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "core.mail.SummaryBackend", result.stderr


def test_email_links_are_absolute(settings):
    from core.mail import absolute_url

    settings.SITE_URL = "https://resettle.example.org/"
    assert absolute_url("referrals:inbox", query="status=overdue") == (
        "https://resettle.example.org/referrals/?status=overdue"
    )


def test_no_email_is_built_with_a_relative_link():
    """Every service that sends mail builds its links with core.mail.absolute_url."""
    for app in ("employers", "referrals", "consent"):
        source = (ROOT / app / "services.py").read_text()
        assert "send_mail" in source and "absolute_url(" in source, app
        assert "SITE_URL" not in source, app
