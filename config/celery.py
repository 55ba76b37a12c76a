import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("resettle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task counts and durations for Prometheus; METRICS_PORT serves them from the worker (core/metrics.py).
# The id of the request that queued a task goes with it into the worker's log records.
from core.logging import connect_celery_request_ids  # noqa: E402
from core.metrics import connect_celery_signals  # noqa: E402

connect_celery_signals()
connect_celery_request_ids()
