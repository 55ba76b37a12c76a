from core.jobs import job, retention_step


@job("offender_marker_expiry")
def offender_marker_expiry():
    """End offender, drug and alcohol markers 12 months after they were set (safe to run twice)."""
    from custody.services import marker_expiry_record

    return marker_expiry_record()


@retention_step("scan_files_deleted")
def scan_files_retention():
    """Delete uploaded matching-scan files (and their problem rows) SCAN_FILE_RETENTION_DAYS old."""
    from custody.retention import scan_files_expire

    return scan_files_expire()
