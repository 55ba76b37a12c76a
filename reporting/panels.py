"""The post-exit checks section of the case page (two queries, whatever the case)."""

from consent import policy
from consent.sections import SensitivePart
from reporting import selectors


def case_panels(*, user, case, access) -> list[dict]:
    checks = selectors.checks_for_case(user=user, case=case)
    reoffences = access.sees(SensitivePart.OFFENCE)  # may_see_reoffences, from the access at hand
    if not checks["reoffending"] and not checks["employment"] and not reoffences:
        return []
    can_record = policy.can(user, "case.change") and policy.owns_case(user, case)
    return [
        {
            "template": "reporting/case_checks_panel.html",
            "can_record": can_record,
            "reoffences": reoffences,
            **checks,
        }
    ]
