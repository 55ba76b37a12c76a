"""`manage.py check --deploy`: what must be shared between web and worker processes (issue 23).

Sessions (database), sign-in lockouts (django-axes' database handler) and two-factor devices
(database) are shared by every process. Rate limits count in the cache: with a local-memory cache
each gunicorn worker of each pod would count on its own, so a limit of 20 would let 20 x workers x
pods through. In production the cache must be Redis (CACHE_URL or REDIS_URL).
"""

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
SHARED_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.signed_cookies",
)


@checks.register(checks.Tags.security, deploy=True)
def shared_state(app_configs=None, **kwargs):
    problems = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.RATE_LIMIT_ENABLED and backend in PER_PROCESS_CACHES:
        problems.append(
            checks.Error(
                "Rate limits count in a per-process cache: every web process would count alone.",
                hint="Set CACHE_URL to a Redis database shared by every web pod.",
                id="core.E001",
            )
        )
    if settings.SESSION_ENGINE not in SHARED_SESSION_ENGINES:
        problems.append(
            checks.Error(
                "Sessions must live in the database so any web process can carry one on.",
                id="core.E002",
            )
        )
    if "axes" in settings.INSTALLED_APPS and not issubclass(
        _axes_handler(), _axes_database_handler()
    ):
        problems.append(
            checks.Error(
                "Sign-in lockouts must be counted in the database (django-axes' database handler).",
                id="core.E003",
            )
        )
    return problems


def _axes_handler():
    from django.utils.module_loading import import_string

    return import_string(settings.AXES_HANDLER)


def _axes_database_handler():
    from axes.handlers.database import AxesDatabaseHandler

    return AxesDatabaseHandler
