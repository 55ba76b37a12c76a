"""The EBSA's statutory gateway (no consent needed): a Jobcentre running a benefit surgery at a
prison sees the people received there while they are held and for 13 weeks after release."""

import datetime

from django.db.models import Q

from consent import policy

RELEASE_GRACE_DAYS = 91
CLAIM_CLOSURE_GATEWAY = "claim_closure"


def surgery_gateway(person_id: int):
    """Yield (jobcentre agency id, visible_until or None while in custody, "claim_closure") for each
    surgery that applies: the claim-closure gateway (identity, custody and release, benefits)."""
    from casework.models import SentenceEpisode
    from custody.models import BenefitSurgery

    cutoff = policy.today() - datetime.timedelta(days=RELEASE_GRACE_DAYS)
    episodes = list(
        SentenceEpisode.objects.filter(
            person_id=person_id, establishment__isnull=False, reception_date__isnull=False
        )
        .filter(Q(actual_release_date__isnull=True) | Q(actual_release_date__gte=cutoff))
        .values_list("establishment_id", "actual_release_date")
    )
    if not episodes:
        return
    until_by_site: dict[int, datetime.date | None] = {}
    for site_id, released in episodes:
        until = None if released is None else released + datetime.timedelta(days=RELEASE_GRACE_DAYS)
        if site_id not in until_by_site:
            until_by_site[site_id] = until
        elif until is None or until_by_site[site_id] is None:
            until_by_site[site_id] = None  # still held there: no end yet
        else:
            until_by_site[site_id] = max(until_by_site[site_id], until)
    for jobcentre_id, site_id in BenefitSurgery.objects.filter(
        establishment_id__in=until_by_site
    ).values_list("jobcentre_id", "establishment_id"):
        yield jobcentre_id, until_by_site[site_id], CLAIM_CLOSURE_GATEWAY
