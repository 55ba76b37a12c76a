import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("resettle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task counts and durations for Prometheus; METRICS_PORT serves them from the worker (core/metrics.py).
from core.metrics import connect_celery_signals  # noqa: E402

connect_celery_signals()
