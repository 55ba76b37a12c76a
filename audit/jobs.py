from core.jobs import job, retention_step


@retention_step("search_terms_removed")
def search_terms_retention():
    """Remove search terms from access events SEARCH_TERM_RETENTION_DAYS old."""
    from audit.search_terms import search_terms_expire

    return search_terms_expire()


@job("audit_partitions")
def audit_partitions():
    """Make the audit table's partitions for the months ahead, then archive (to storage) and drop
    the months older than AUDIT_ONLINE_MONTHS."""
    from audit.archive import archive_due
    from audit.partitions import partitions_ensure_ahead

    return {**partitions_ensure_ahead(), **archive_due()}
