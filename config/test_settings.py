"""Settings for the test suite: PostgreSQL and Redis on this machine unless told otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resettle")
os.environ.setdefault(
    "CELERY_BROKER_URL",
    os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/") + "/15",
)
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Readable lines in test output; tests/security/test_json_logs.py checks the JSON lines.
os.environ.setdefault("LOG_FORMAT", "text")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher"
]  # speed only, never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# A throw-away database: Django empties it between transactional tests with TRUNCATE, which the audit
# table's trigger refuses unless the session says so (audit migration 0004; never set in production).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c resettle.audit_truncate=allow"  # noqa: F405
# Security features that would get in the way of other apps' tests; tests/security turns them on.
RATE_LIMIT_ENABLED = False
OTP_REQUIRED_FOR_MANAGERS = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # noqa: F405 - quiet per-login INFO lines in test output
