"""Send Celery work after the transaction commits, without ever failing the user's save.

If the broker is unreachable, the call is kept in PendingTask and re-sent by the
`resend_pending_tasks` job, so nothing is lost when Redis is down.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _send(task_name: str, args: list, kwargs: dict) -> None:
    from celery import current_app

    from core.models import PendingTask

    try:
        current_app.send_task(task_name, args=args, kwargs=kwargs) if not current_app.conf.task_always_eager else \
            current_app.tasks[task_name].apply(args=args, kwargs=kwargs)
    except Exception:  # broker down or unreachable: keep it for later
        logger.warning("broker unavailable; keeping %s for later", task_name, exc_info=True)
        PendingTask.objects.create(task_name=task_name, args=args, kwargs=kwargs)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` (a Celery task object) with primitive args once the current transaction commits."""
    name = task.name
    transaction.on_commit(lambda: _send(name, list(args), dict(kwargs)))


def resend_pending() -> dict:
    from core.models import PendingTask

    sent = 0
    for pending in PendingTask.objects.order_by("id")[:500]:
        deleted, _ = PendingTask.objects.filter(pk=pending.pk).delete()
        if deleted:
            _send(pending.task_name, pending.args, pending.kwargs)
            sent += 1
    return {"resent": sent}
