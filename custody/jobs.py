from core.jobs import job


@job("offender_marker_expiry")
def offender_marker_expiry():
    """End offender, drug and alcohol markers 12 months after they were set (safe to run twice)."""
    from custody.services import marker_expiry_record

    return marker_expiry_record()
