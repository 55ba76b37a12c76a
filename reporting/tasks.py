from celery import shared_task
from django.conf import settings

from reporting import services


@shared_task(
    bind=True,
    name="reporting.tasks.build_report_task",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.REPORT_BUILD_TIME_LIMIT_SECONDS,
)
def build_report_task(self, report_id: int) -> str | None:
    """Build one report (ids in; the service claims it, so a repeat delivery does nothing, and a
    redelivery of this same task after its worker died takes the report over)."""
    report = services.report_build(report_id=report_id, task_id=self.request.id or "")
    return report.status if report else None
