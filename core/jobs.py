"""The registry of scheduled jobs that `manage.py runjob <name>` and Celery beat both run.

Each app registers its jobs in `<app>/jobs.py` with @job("name"). A job is a plain function
that calls one service and returns a short summary dict; it must be safe to run twice.
"""

from collections.abc import Callable
from importlib import import_module

from django.apps import apps

_JOBS: dict[str, Callable[[], dict]] = {}


def job(name: str):
    def register(func):
        _JOBS[name] = func
        return func

    return register


@job("resend_pending_tasks")
def resend_pending_tasks():
    """Re-send Celery calls kept while the broker was unreachable."""
    from core.dispatch import resend_pending

    return resend_pending()


_RETENTION_STEPS: dict[str, Callable[[], int]] = {}


def retention_step(name: str):
    """Register a step of the records_retention job (data kept only for a set period). A step
    returns how many rows it changed and must be safe to run twice. Apps register steps in
    `<app>/jobs.py`, so the retention job reaches them without importing upwards."""

    def register(func):
        _RETENTION_STEPS[name] = func
        return func

    return register


def run_retention_steps() -> dict[str, int]:
    _load()
    return {name: step() for name, step in sorted(_RETENTION_STEPS.items())}


def _load():
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.jobs":
                raise


def registry() -> dict[str, Callable[[], dict]]:
    _load()
    return dict(sorted(_JOBS.items()))


def run(name: str) -> dict:
    jobs = registry()
    if name not in jobs:
        raise KeyError(name)
    return jobs[name]() or {}
