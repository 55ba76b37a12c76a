"""Casework's own panels on the case page: who manages the person, and risk and licence."""

from casework import record_selectors
from consent import policy


def case_panels(*, user, case, access) -> list[dict]:
    """Two queries: the pre-release checklist's existence and the risk and licence row."""
    is_owner = policy.owns_case(user, case)
    may_record = policy.may_record_offender_management(user, case) and case.is_open
    panels = [
        {
            "template": "casework/includes/offender_management_panel.html",
            "case": case,
            "offender_manager": record_selectors.offender_manager_text(case),
            "prompts": record_selectors.offender_group_prompts(
                case=case,
                has_release_plan=record_selectors.has_release_plan(case),
                is_owner=is_owner,
            ),
            "may_record": may_record,
        }
    ]
    if policy.sees_risk(access):
        panels.append(
            {
                "template": "casework/includes/risk_licence_panel.html",
                "case": case,
                "risk": record_selectors.risk_licence_for_case(user=user, case=case),
                "may_record": may_record,
            }
        )
    return panels
