"""Personal data in URLs (a search's ?q= with a name or NI number) never reaches a log line:
runserver's and gunicorn's request lines, referrers, Django's own warnings."""

import datetime
import io
import logging
import runpy

from django.conf import settings

NI = "QQ123456C"


def _console_handler(logger_name):
    logger = logging.getLogger(logger_name)
    while not logger.handlers and logger.propagate and logger.parent:
        logger = logger.parent
    return logger.handlers[0]


def test_django_request_lines_lose_their_query_strings():
    handler = _console_handler("django.server")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /people/?q={NI}&page=2 HTTP/1.1", "200", "1234"
        )
        logging.getLogger("django.request").warning("Not Found: %s", f"/people/?q={NI}")
    finally:
        handler.setStream(old)
    out = stream.getvalue()
    assert NI not in out
    assert "GET /people/?[redacted] HTTP/1.1" in out and "Not Found: /people/?[redacted]" in out


def test_the_console_handler_of_every_logger_redacts():
    handlers = settings.LOGGING["handlers"]
    assert all("redact_query_strings" in h.get("filters", []) for h in handlers.values())
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]


class _Response:
    status = "200 OK"
    sent = 512
    headers = [("Content-Type", "text/html")]


class _Request:
    headers = [("REFERER", f"https://resettle.example.org/people/?q={NI}")]


def test_gunicorn_access_lines_lose_query_strings_and_referrers(tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" q=%(q)s %({referer}i)s',
    )
    logger = Logger(cfg)
    conf = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    conf["on_starting"](None)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/people/?q={NI}",
        "PATH_INFO": "/people/",
        "QUERY_STRING": f"q={NI}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://resettle.example.org/people/?q={NI}",
    }
    logger.access(_Response(), _Request(), environ, datetime.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert "GET /people/?[redacted] HTTP/1.1" in line
    assert NI not in line and "q=[redacted]" in line
