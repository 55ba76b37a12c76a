from celery import shared_task

from custody import scan


@shared_task(name="custody.tasks.scan_import_run_task", acks_late=True)
def scan_import_run_task(scan_id: int) -> dict:
    """Reconcile a confirmed matching scan (idempotent: a finished scan is left alone)."""
    result = scan.scan_import_run(scan_id=scan_id)
    return {"scan": scan_id, "status": result.status if result else "missing"}


@shared_task(name="custody.tasks.scan_preview_run_task", acks_late=True)
def scan_preview_run_task(scan_id: int) -> dict:
    """Check and match an uploaded scan for its preview (idempotent: only a scan still being checked)."""
    result = scan.scan_preview_run(scan_id=scan_id)
    return {"scan": scan_id, "status": result.status if result else "missing"}
