from consent.retention import records_retention
from core.jobs import job, run_retention_steps


@job("records_retention")
def records_retention_job():
    """Anonymise people whose cases all closed more than RECORDS_RETENTION_YEARS ago, then the other
    retention steps (search terms in access events, stored scan files; core.jobs.retention_step)."""
    result = records_retention()
    result.update(run_retention_steps())
    return result
