"""The referrals section of the case page."""

from consent import policy
from referrals.selectors import referrals_for_case


def case_panels(*, user, case, access) -> list[dict]:
    """The case's referrals the acting agency may see (one query) and a "Make a referral" link."""
    referrals = list(referrals_for_case(user=user, case=case))
    can_refer = case.is_open and policy.can(user, "referral.make")
    return [
        {
            "template": "referrals/includes/case_referrals.html",
            "case": case,
            "referrals": referrals,
            "can_refer": can_refer,
        }
    ]
