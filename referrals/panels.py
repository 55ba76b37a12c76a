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


def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]:
    """Referrals to answer (the agency's, whoever answers them): three queries, and the navigation
    reads the same count instead of counting again."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from core.worklist import panel
    from referrals.selectors import INBOX_COUNT_CAP, to_answer

    if not policy.can(user, "my_work.referrals"):
        return []
    today = policy.today()

    def row(referral):
        late = referral.respond_by is not None and referral.respond_by < today
        return {
            "href": reverse("referrals:detail", args=[referral.pk]),
            "name": referral.person.full_name,
            "cells": [
                referral.provision.name if referral.provision_id else "",
                referral.from_agency.name,
                (f"{referral.respond_by:%-d %b %Y}" + (" (overdue)" if late else ""))
                if referral.respond_by
                else "",
            ],
        }

    result = panel(
        key="referrals-to-answer",
        title="Referrals to answer",
        queryset=to_answer(user=user),
        rows=rows,
        cap=min(cap, INBOX_COUNT_CAP),
        columns=["Person", "Provision", "From", "Answer by"],
        row=row,
        see_all=f"{reverse('referrals:inbox')}?{urlencode({'direction': 'in', 'status': 'sent'})}",
        empty="No referrals are waiting for your agency's answer.",
        people=lambda referral: referral.person_id,
    )
    user._referrals_to_answer = result["total"]
    return [result]
