from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _partitions_for_now(sender, using="default", **kwargs):
    """Every `migrate` makes sure this month's and next month's audit partitions exist (the daily
    `audit_partitions` job makes the months further ahead)."""
    from django.db import connections

    from audit import partitions

    connection = connections[using]
    if not partitions.partitioned(connection):
        return
    start = partitions.this_month()
    for month in (start, partitions.month_add(start, 1)):
        partitions.partition_ensure(month, connection)


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        post_migrate.connect(_partitions_for_now, sender=self, dispatch_uid="audit_partitions_now")
