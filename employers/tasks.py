"""Celery entry points: primitive ids in, one service call, nothing else."""

from celery import shared_task

from employers import services


@shared_task(name="employers.tasks.retention_sweep_task", acks_late=True)
def retention_sweep_task() -> dict:
    """The daily sweep (also reachable through `runjob retention_sweep`)."""
    return services.retention_sweep()


@shared_task(name="employers.tasks.retention_checks_notify_task", acks_late=True)
def retention_checks_notify_task(adviser_id: int, check_ids: list[int]) -> int:
    return services.retention_checks_notify(adviser_id=adviser_id, check_ids=check_ids)
