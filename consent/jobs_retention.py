from consent.retention import records_retention
from core.jobs import job


@job("records_retention")
def records_retention_job():
    """Anonymise people whose cases all closed more than RECORDS_RETENTION_YEARS ago."""
    return records_retention()
