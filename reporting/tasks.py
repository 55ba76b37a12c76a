from celery import shared_task

from reporting import services


@shared_task(name="reporting.tasks.build_report_task", acks_late=True)
def build_report_task(report_id: int) -> str | None:
    """Build one report (ids in; the service claims it, so a repeat delivery does nothing)."""
    report = services.report_build(report_id=report_id)
    return report.status if report else None
