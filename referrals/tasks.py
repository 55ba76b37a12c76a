from celery import shared_task

from referrals import services


@shared_task(name="referrals.tasks.referral_notify_task", acks_late=True)
def referral_notify_task(referral_id: int, kind: str) -> dict:
    """Email the agency concerned about a referral (re-checks consent; no personal data)."""
    return services.referral_notify(referral_id=referral_id, kind=kind)
