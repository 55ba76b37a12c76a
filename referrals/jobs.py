from core.jobs import job
from referrals.services import referral_sla_sweep as sweep


@job("referral_sla_sweep")
def referral_sla_sweep():
    """Flag referrals not answered by their respond-by date and tell the receiving agency's managers."""
    return sweep()
