"""Settings for the benchmark server: production settings (DEBUG off) over plain HTTP on loopback,
plus a floor view in a bench-only URLconf. Never used by the app itself."""

import os
import warnings

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resettle_bench_100k")

from config.settings import *  # noqa: E402,F403

ROOT_URLCONF = "tests.perf.bench_urls"
# Throw-away benchmark databases are flushed (TRUNCATE), which the audit trigger refuses otherwise.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c resettle.audit_truncate=allow"  # noqa: F405
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False  # plain HTTP on 127.0.0.1 only
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
warnings.filterwarnings(
    "ignore", message="No directory at"
)  # whitenoise: static files are not benchmarked
# Load test: the per-user search limit (60/min) and sign-in limit (20 per 5 min per address) would turn
# most benchmark requests into 429s; keep the limiter running (its cost is measured) but out of reach.
RATE_LIMITS = {name: (10**9, window) for name, (_limit, window) in RATE_LIMITS.items()}  # noqa: F405
