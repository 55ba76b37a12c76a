from consent.services import consent_expiry_record
from core.jobs import job


@job("consent_expiry")
def consent_expiry():
    """Record consents past their expiry date and tell who recorded them."""
    return consent_expiry_record()


from consent import jobs_retention  # noqa: E402,F401  (registers records_retention)
