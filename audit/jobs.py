from core.jobs import retention_step


@retention_step("search_terms_removed")
def search_terms_retention():
    """Remove search terms from access events SEARCH_TERM_RETENTION_DAYS old."""
    from audit.search_terms import search_terms_expire

    return search_terms_expire()
