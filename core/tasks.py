from celery import shared_task

from core import jobs


@shared_task(name="core.tasks.runjob_task", acks_late=True)
def runjob_task(name: str) -> dict:
    """Beat entry point: run one registered job by name."""
    return jobs.run(name)
