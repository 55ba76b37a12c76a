from consent import policy
from core.jobs import job
from reporting import services
from reporting.periods import last_month


@job("monthly_reports")
def monthly_reports():
    """Last month's outcome report for every agency with cases and every region (idempotent)."""
    return services.monthly_reports_schedule(month=last_month(policy.today()))


@job("post_exit_checks")
def post_exit_checks():
    """Open the +6-month employment check and the re-offending checks whose windows have closed."""
    return services.post_exit_checks_open(today=policy.today())


@job("requeue_stalled_reports")
def requeue_stalled_reports():
    """Queue again every report whose build shows no sign of life (lost message, dead worker)."""
    return services.reports_requeue_stalled()
