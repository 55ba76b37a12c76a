"""Demo: open the post-exit checks that are due, and build last month's reports for Bedfordshire
Probation and the East of England region, so managers see something at once. Idempotent."""

from django.db import transaction

from consent import policy
from reporting import services
from reporting.periods import last_month


def seed(world):
    services.post_exit_checks_open(today=policy.today())
    month = last_month(policy.today())
    targets = [{"agency": world["agencies"]["Bedfordshire Probation"]}, {"region": world["region"]}]
    for target in targets:
        report, _queued = services.report_schedule(month=month, **target)
        # Built in-process after the demo transaction commits (as eager Celery would), even with a broker set.
        transaction.on_commit(lambda pk=report.pk: services.report_build(report_id=pk))
