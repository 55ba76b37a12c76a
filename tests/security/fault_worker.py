"""A real Celery worker for the fault-injection tests, with each report build slowed down so a test
can kill the worker in the middle of it (FAULT_BUILD_SECONDS before the PDF is rendered).

Run as `python -m tests.security.fault_worker`; settings come from the environment as usual.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from config.celery import app  # noqa: E402
from reporting import documents  # noqa: E402

_render = documents.render_report_pdf


def slow_render(**kwargs):
    time.sleep(float(os.environ.get("FAULT_BUILD_SECONDS", "4")))
    return _render(**kwargs)


documents.render_report_pdf = slow_render

if __name__ == "__main__":
    app.worker_main(
        ["worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat"]
        + ["--without-gossip", "--without-mingle"]
    )
