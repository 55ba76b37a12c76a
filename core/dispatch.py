"""Send Celery work after the transaction commits, without ever failing the user's save.

If the broker is unreachable, or hangs (every broker call gives up after
BROKER_CONNECT_TIMEOUT_SECONDS / BROKER_READ_TIMEOUT_SECONDS, set in settings), the call is kept in PendingTask and re-sent by the
`resend_pending_tasks` job (every 5 minutes in beat, or `manage.py runjob resend_pending_tasks`),
so nothing is lost when Redis is down. Sending is at-least-once: tasks take ids and must be safe
to run twice. See docs/adr/0106-broker-down-fallback.md.
"""

import contextvars
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# Calls kept for later during the current request, so the page can say the work will follow
# (core.middleware.DeferredWorkMiddleware).
_kept_in_request: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "kept_in_request", default=None
)


def track_kept() -> contextvars.Token:
    """Start counting kept calls (one request); returns the token for `stop_tracking`."""
    return _kept_in_request.set([])


def kept_calls() -> list[str]:
    """Task names kept in the outbox since `track_kept` in this context."""
    return list(_kept_in_request.get() or [])


def stop_tracking(token: contextvars.Token) -> None:
    _kept_in_request.reset(token)


# Fail fast when the broker is down: the user's request must not hang on reconnect attempts.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


class BrokerUnavailable(Exception):
    pass


def _publish(task_name: str, args: list, kwargs: dict) -> None:
    """Hand the call to Celery: run it now when eager, else publish to the broker.

    Raises BrokerUnavailable if the broker cannot take it. In eager mode the task's own errors
    propagate (they are bugs, not outages, and must not be parked in PendingTask)."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        current_app.tasks[task_name].apply(args=args, kwargs=kwargs)
        return
    try:
        current_app.send_task(
            task_name, args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except (
        Exception
    ) as exc:  # kombu OperationalError, redis ConnectionError/TimeoutError, socket errors
        raise BrokerUnavailable(str(exc)) from exc


def _send(task_name: str, args: list, kwargs: dict) -> bool:
    """Publish, or keep the call for later. Returns True if it was handed over now."""
    from core.models import PendingTask

    try:
        _publish(task_name, args, kwargs)
    except BrokerUnavailable:
        logger.warning("broker unavailable; keeping %s for later", task_name, exc_info=True)
        PendingTask.objects.create(task_name=task_name, args=args, kwargs=kwargs)
        kept = _kept_in_request.get()
        if kept is not None:
            kept.append(task_name)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` (a Celery task object) with primitive args once the current transaction commits.

    If the transaction rolls back nothing is sent; if the broker is down the call is kept."""
    name = task.name
    transaction.on_commit(lambda: _send(name, list(args), dict(kwargs)))


def resend_pending(batch: int = 500) -> dict:
    """Re-send kept calls, oldest first. Each row is locked while it is sent and deleted only once the
    broker took it, so two runs at once do not double-send and a failed send loses nothing."""
    from core.models import PendingTask

    sent = 0
    ids = list(PendingTask.objects.order_by("id").values_list("id", flat=True)[:batch])
    for pk in ids:
        try:
            with transaction.atomic():
                pending = (
                    PendingTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                )
                if pending is None:
                    continue  # sent by a concurrent run
                _publish(pending.task_name, pending.args, pending.kwargs)
                pending.delete()
        except BrokerUnavailable:
            logger.warning("broker still unavailable; %d calls kept", len(ids) - sent)
            break
        sent += 1
    return {"resent": sent, "kept": PendingTask.objects.count()}
