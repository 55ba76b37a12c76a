from consent.retention import records_retention
from core.jobs import job, run_retention_steps


@job("records_retention")
def records_retention_job():
    """Anonymise people whose cases all closed more than RECORDS_RETENTION_YEARS ago, delete
    uploaded scans older than UPLOAD_RETENTION_DAYS, then the other retention steps (search terms
    in access events; core.jobs.retention_step)."""
    from custody.retention import scan_uploads_retention

    return {**records_retention(), **scan_uploads_retention(), **run_retention_steps()}
