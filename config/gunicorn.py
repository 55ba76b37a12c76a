"""gunicorn settings (`gunicorn -c config/gunicorn.py config.wsgi:application`).

The access log keeps method, path (`%(U)s`, without the query string), status, size and time: no
query string (`%(r)s`, `%(q)s`), referer or user agent, since search terms are personal data.
"""

import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
accesslog = "-"
# No control socket: nothing here uses gunicornc, and two servers on one host would share its path.
control_socket_disable = True
# The request id (core.logging.RequestIdMiddleware) ties an access line to the app's records.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'

# LOG_FORMAT=json (the default unless DJANGO_DEBUG): gunicorn's own lines as JSON objects too.
_debug = os.environ.get("DJANGO_DEBUG", "false").strip().lower() in {"1", "true", "yes", "on"}
if os.environ.get("LOG_FORMAT", "text" if _debug else "json").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "filters": {"no_query_strings": {"()": "core.logging.DropQueryStrings"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["no_query_strings"],
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            name: {"handlers": ["console"], "level": "INFO", "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
    }

# Prometheus (core/metrics.py): every worker process writes its samples into this directory and
# /metrics adds them up. Set before any worker imports prometheus-client; a directory of its own
# when not given.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="resettle-metrics-"))


def on_starting(server):
    """Samples of processes of an earlier run must not count in this one."""
    from core.metrics import clear_multiprocess_dir

    clear_multiprocess_dir()


def child_exit(server, worker):
    from core.metrics import process_exited

    process_exited(worker.pid)


def post_worker_init(worker):
    """Belt and braces: the app's filter on the access logger too."""
    import logging

    from core.logging import DropQueryStrings, DropUnmatchedPaths

    logging.getLogger("gunicorn.access").addFilter(DropUnmatchedPaths())  # before the line is built
    logging.getLogger("gunicorn.access").addFilter(DropQueryStrings())
    logging.getLogger("gunicorn.error").addFilter(DropQueryStrings())
