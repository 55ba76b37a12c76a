"""Jobcentre eligibility from the recorded facts (issue 19): each rule's result, named, with its source.

Pure rules over `Facts`; `facts_for` loads the facts the acting agency may see (a fixed number of
queries, every one through the models' `for_user` scoping, so nothing outside consent.policy's
decision is read). A rule whose facts are not recorded, or not visible, is "unknown" and says what
is missing: it is never guessed to be eligible or not.

Sources (the documents in seeds/, see DOMAIN.md):
- 001: DWP/MoJ joint strategic review of offender employment services (2010).
- 002: DWP research report 605, joint pilots baseline.
"""

import datetime
from dataclasses import dataclass

from agencies.models import AgencyKind
from casework.models import BenefitStatus, EmploymentStatus, SentenceEpisode, SentenceType
from consent import policy
from consent.sections import Section
from custody.models import (
    RAPID_RECLAIM_DAYS,
    AdvanceOutcome,
    Benefit,
    ClaimState,
    Marker,
    MarkerKind,
    PostReleaseClaim,
    PreReleaseAdvice,
)
from custody.services import advance_decision, last_claim_end  # as the claim form decides

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
UNKNOWN = "unknown"
STATUS_LABELS = {ELIGIBLE: "Eligible", NOT_ELIGIBLE: "Not eligible", UNKNOWN: "Not known yet"}

SOURCES = {
    "001": "DWP/MoJ joint strategic review of offender employment services (2010)",
    "002": "DWP research report 605, joint pilots baseline",
}

# The benefits a jobseeker claims: the six months of jobsearch before extra help is the JSA regime's
# (002 §5.1.3); Universal Credit replaces it (DOMAIN.md §4). **decision**
JOBSEEKER_BENEFITS = (Benefit.JSA, Benefit.UNIVERSAL_CREDIT)
IN_WORK = (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED)
COMMUNITY_SENTENCES = (
    SentenceType.COMMUNITY_ORDER,
    SentenceType.SUSPENDED,
    SentenceType.UNPAID_WORK,
)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    source: str  # document id and section, e.g. "001 §3.3"
    summary: str

    @property
    def document(self) -> str:
        return SOURCES[self.source.split()[0]]


FAST_TRACK = Rule(
    "fast_track_support",
    "Fast track to the Jobcentre's more intensive employment support",
    "001 §3.3",
    "An offender in the community who is a Jobcentre customer, and whom the Jobcentre can "
    "identify as an offender (offender marker set with consent, or offender status declared), "
    "can be fast-tracked to enhanced support through DWP's contracted programmes "
    "(001 §3.3; declaring gives quick access to more intensive support, 001 §2.3).",
)
EARLY_ENTRY = Rule(
    "early_entry_work_programme",
    "Early entry to the work programme",
    "002 §5.1.3",
    "A jobseeker identified to the Jobcentre as an offender can enter the work programme "
    "(New Deal, flexible New Deal) early, without first doing six months of independent jobsearch "
    "(002 §5.1.3; 001 §2.3). Needs: fast track to the Jobcentre's support, a Jobseeker's "
    "Allowance or Universal Credit claim, and not in work.",
)
RAPID_RECLAIM = Rule(
    "rapid_reclaim",
    "Rapid reclaim",
    "001 §2.3",
    "A shorter, simpler claim when the person reclaims within 26 weeks of the last claim ending "
    "and their circumstances have not changed (001 §2.3).",
)
PAYMENT_ON_ACCOUNT = Rule(
    "payment_on_account",
    "Payment on account (advance of benefit)",
    "001 §9.3",
    "From the claim until the first full payment: the claim is undecided (not through missing "
    "evidence of the person's) or decided with payday not reached, and the person is likely to be "
    "entitled and in financial need (001 §9.3).",
)
RULES = (FAST_TRACK, EARLY_ENTRY, RAPID_RECLAIM, PAYMENT_ON_ACCOUNT)


@dataclass(frozen=True)
class Result:
    rule: Rule
    status: str
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "source": self.rule.source,
            "document": self.rule.document,
            "status": self.status,
            "reasons": list(self.reasons),
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Claim:
    """The latest benefit claim after release, as recorded (custody.PostReleaseClaim)."""

    released_on: datetime.date
    claim_made_on: datetime.date
    benefit: str
    circumstances_unchanged: bool
    claim_state: str
    undecided_reason: str = ""
    likely_entitled: bool | None = None
    in_financial_need: bool | None = None
    last_claim_ended_on: datetime.date | None = None


@dataclass(frozen=True)
class Facts:
    """What is recorded and visible. None: not recorded, or not visible to the acting agency."""

    today: datetime.date
    released_on: datetime.date | None = None  # the latest release from custody, if any
    in_custody: bool | None = None  # None: the custody section is not visible or nothing recorded
    community_sentence: bool = False
    benefit_status: str | None = None  # casework.BenefitStatus; None: not visible
    employment_status: str | None = None  # casework.EmploymentStatus; None: not visible
    offender_marker_live: bool = False
    offender_status_declared: bool = False
    last_claim_ended_on: datetime.date | None = None  # from the claim closures
    claim: Claim | None = None


def _result(rule, fails, missing, passes) -> Result:
    if fails:
        return Result(rule, NOT_ELIGIBLE, tuple(fails), tuple(missing))
    if missing:
        return Result(rule, UNKNOWN, tuple(passes), tuple(missing))
    return Result(rule, ELIGIBLE, tuple(passes))


def _community_and_customer(facts: Facts) -> tuple[list, list, list]:
    """The shared conditions of the fast track: in the community, a Jobcentre customer, identified."""
    fails, missing, passes = [], [], []
    if facts.in_custody:
        fails.append("In custody: the fast track applies once they are in the community")
    elif facts.released_on is not None:
        passes.append(f"Released on {facts.released_on:%-d %B %Y}")
    elif facts.community_sentence:
        passes.append("Serving a community sentence")
    else:
        missing.append("A release from custody or a community sentence")
    if facts.claim is not None:
        passes.append(f"Claimed {Benefit(facts.claim.benefit).label} after release")
    elif facts.benefit_status == BenefitStatus.CLAIMING:
        passes.append("Claiming benefit (a Jobcentre customer)")
    elif facts.benefit_status in (BenefitStatus.NOT_CLAIMING, BenefitStatus.CLOSED_AT_RECEPTION):
        if facts.in_custody is not True:
            fails.append("Not claiming benefit, so not a Jobcentre customer")
    else:
        missing.append("Whether they claim benefit (a benefit claim after release)")
    if facts.offender_marker_live:
        passes.append("Offender marker live (set with consent)")
    elif facts.offender_status_declared:
        passes.append("Offender status declared to the Jobcentre (with consent)")
    else:
        fails.append(
            "The Jobcentre cannot identify them as an offender: no live offender marker and no "
            "declaration of offender status (both need the person's consent)"
        )
    return fails, missing, passes


def fast_track(facts: Facts) -> Result:
    return _result(FAST_TRACK, *_community_and_customer(facts))


def early_entry(facts: Facts) -> Result:
    fails, missing, passes = _community_and_customer(facts)
    claim = facts.claim
    if claim is not None:
        if claim.benefit in JOBSEEKER_BENEFITS:
            passes.append(f"A jobseeker: claims {Benefit(claim.benefit).label}")
        else:
            fails.append(
                f"Claims {Benefit(claim.benefit).label}, not Jobseeker's Allowance or Universal "
                "Credit"
            )
    else:
        missing.append(
            "The benefit claimed after release (Jobseeker's Allowance or Universal Credit)"
        )
    if facts.employment_status is None:
        missing.append("Employment status (not visible to your agency)")
    elif facts.employment_status in IN_WORK:
        fails.append("In work")
    elif facts.employment_status == EmploymentStatus.UNKNOWN:
        missing.append("Employment status")
    else:
        passes.append(f"Not in work ({EmploymentStatus(facts.employment_status).label.lower()})")
    return _result(EARLY_ENTRY, fails, missing, passes)


def rapid_reclaim(facts: Facts) -> Result:
    claim = facts.claim
    ended = (claim.last_claim_ended_on if claim else None) or facts.last_claim_ended_on
    fails, missing, passes = [], [], []
    if ended is None:
        return _result(
            RAPID_RECLAIM, [], ["The date the last claim ended (on the claim closure)"], []
        )
    on = claim.claim_made_on if claim else facts.today
    gap = (on - ended).days
    last_day = ended + datetime.timedelta(days=RAPID_RECLAIM_DAYS)
    if gap > RAPID_RECLAIM_DAYS:
        what = "claimed" if claim else "today is"
        fails.append(
            f"More than 26 weeks since the last claim ended on {ended:%-d %B %Y}: {what} "
            f"{gap} days after it"
        )
    elif claim:
        passes.append(f"Claimed {gap} days after the last claim ended ({ended:%-d %B %Y})")
    else:
        passes.append(
            f"Within 26 weeks of the last claim ending if they claim by {last_day:%-d %B %Y}"
        )
    if claim is None:
        missing.append("Whether their circumstances have changed (recorded with the claim)")
    elif claim.circumstances_unchanged:
        passes.append("Circumstances unchanged")
    else:
        fails.append("Circumstances have changed (or were not recorded as unchanged)")
    return _result(RAPID_RECLAIM, fails, missing, passes)


def payment_on_account(facts: Facts) -> Result:
    claim = facts.claim
    if claim is None:
        return _result(PAYMENT_ON_ACCOUNT, [], ["A benefit claim after release"], [])
    missing = []
    if claim.likely_entitled is None:
        missing.append("Whether they are likely to be entitled (the decision maker's judgement)")
    if claim.in_financial_need is None:
        missing.append("Whether they are in financial need (the decision maker's judgement)")
    outcome, reason = advance_decision(
        claim_state=claim.claim_state,
        undecided_reason=claim.undecided_reason,
        likely_entitled=True if claim.likely_entitled is None else claim.likely_entitled,
        in_financial_need=True if claim.in_financial_need is None else claim.in_financial_need,
    )
    if outcome == AdvanceOutcome.REFUSED:
        return Result(PAYMENT_ON_ACCOUNT, NOT_ELIGIBLE, (reason,), tuple(missing))
    passes = [ClaimState(claim.claim_state).label]
    if not missing:
        passes.append(reason)
    return _result(PAYMENT_ON_ACCOUNT, [], missing, passes)


EVALUATORS = {
    FAST_TRACK.id: fast_track,
    EARLY_ENTRY.id: early_entry,
    RAPID_RECLAIM.id: rapid_reclaim,
    PAYMENT_ON_ACCOUNT.id: payment_on_account,
}


def evaluate(facts: Facts) -> list[Result]:
    """Every rule's result, in RULES order."""
    return [EVALUATORS[rule.id](facts) for rule in RULES]


# --- Loading the facts ------------------------------------------------------------------------


def facts_for(*, user, person, access) -> Facts:
    """The facts the acting agency may see: at most six queries, each through `for_user`."""
    today = policy.today()
    latest = (
        PostReleaseClaim.objects.for_user(user, person=person)
        .order_by("-released_on", "-claim_made_on", "-id")
        .first()
    )
    claim = None
    if latest is not None:
        claim = Claim(
            released_on=latest.released_on,
            claim_made_on=latest.claim_made_on,
            benefit=latest.benefit,
            circumstances_unchanged=latest.circumstances_unchanged,
            claim_state=latest.claim_state,
            undecided_reason=latest.undecided_reason,
            likely_entitled=latest.likely_entitled,
            in_financial_need=latest.in_financial_need,
            last_claim_ended_on=latest.last_claim_ended_on,
        )
    released_on, in_custody, community, received = None, None, False, None
    if access.sees(Section.CUSTODY):
        episode = (
            SentenceEpisode.objects.for_user(user, person=person)
            .order_by("-reception_date", "-sentence_date", "-id")
            .first()
        )
        if episode is not None:
            community = episode.sentence_type in COMMUNITY_SENTENCES
            received = episode.reception_date
            if episode.actual_release_date and episode.actual_release_date <= today:
                released_on, in_custody = episode.actual_release_date, False
            elif received and received <= today and not community:
                in_custody = True
    # the Jobcentre's record of the release counts, unless a later reception followed it
    if (
        claim is not None
        and claim.released_on <= today
        and (received is None or received <= claim.released_on)
    ):
        released_on = max(d for d in (released_on, claim.released_on) if d is not None)
        in_custody = False
    last_ended = (
        last_claim_end(user=user, person=person) if policy.can(user, "claim_closure.read") else None
    )
    marker_live = (
        Marker.objects.for_user(user)
        .live(today)
        .filter(person=person, kind=MarkerKind.OFFENDER)
        .exists()
    )
    declared_live = (
        PreReleaseAdvice.objects.for_user(user, person=person)
        .filter(
            offender_status_declared=True,
            declared_to__kind=AgencyKind.JOBCENTRE,
            declared_to__in=policy.live_consent_records(
                person, purpose="offender_marker", on=today
            ).values("recipient_agency"),
        )
        .exists()
    )
    return Facts(
        today=today,
        released_on=released_on,
        in_custody=in_custody,
        community_sentence=community,
        benefit_status=person.benefit_status if access.sees(Section.BENEFITS) else None,
        employment_status=person.employment_status if access.sees(Section.EMPLOYMENT) else None,
        offender_marker_live=marker_live,
        offender_status_declared=declared_live,
        last_claim_ended_on=last_ended,
        claim=claim,
    )


def person_eligibility(*, user, person, access) -> list[Result]:
    """Each rule's result for `person`, from what the acting agency may see. Only for callers that
    have checked the benefits section (the panel does: consent.policy decides)."""
    return evaluate(facts_for(user=user, person=person, access=access))
