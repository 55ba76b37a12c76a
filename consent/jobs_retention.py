from consent.retention import records_retention
from core.jobs import job


@job("records_retention")
def records_retention_job():
    """Anonymise people whose cases all closed more than RECORDS_RETENTION_YEARS ago, and delete
    uploaded scans older than UPLOAD_RETENTION_DAYS."""
    from custody.retention import scan_uploads_retention

    return {**records_retention(), **scan_uploads_retention()}
