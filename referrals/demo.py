"""Demo provision catalogue and referrals in every state (synthetic). Idempotent.

A few Luton people also get a consent to path2work and Fresh Ground without being shared with
them, so `probation.luton` can refer one to path2work in the browser and `adviser.path2work` sees
the person only once it accepts. One referral was sent long ago and is still unanswered: it shows
as overdue, and `manage.py runjob referral_sla_sweep` escalates it.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from consent import policy
from consent.models import CaseInvolvement, ConsentMethod, ConsentRecord, InvolvementBasis
from referrals.models import (
    DeclineReason,
    DeliveryKind,
    Need,
    Provision,
    Referral,
    ReferralEvent,
    Setting,
    Status,
)
from referrals.services import add_working_days

PROVISIONS = [
    # name, agency, delivered by, setting, funding, eligibility, working days, description
    (
        "progress2work",
        "Jobcentre Plus Luton",
        DeliveryKind.JOBCENTRE,
        Setting.COMMUNITY,
        "DWP",
        "Claimants recovering from drug misuse, referred by their work coach or a drug treatment service",
        5,
        "Employment support for people recovering from drug misuse",
    ),
    (
        "OLASS learning",
        "HMP Bedford",
        DeliveryKind.NOMS,
        Setting.CUSTODY,
        "Offenders' Learning and Skills Service",
        "Sentenced prisoners; literacy and numeracy screening first",
        5,
        "Education and vocational training in custody",
    ),
    (
        "Careers advice",
        "HMP Bedford",
        DeliveryKind.NOMS,
        Setting.THROUGH_THE_GATE,
        "National careers service",
        "Anyone within six months of release",
        5,
        "One-to-one careers information, advice and guidance",
    ),
    (
        "Job club",
        "Jobcentre Plus Southend",
        DeliveryKind.JOBCENTRE,
        Setting.COMMUNITY,
        "DWP",
        "Jobseekers in the Southend area",
        5,
        "Weekly group job search with computers and phones",
    ),
    (
        "path2work",
        "path2work",
        DeliveryKind.OTHER_PARTNER,
        Setting.THROUGH_THE_GATE,
        "Regional pathfinder grant",
        "Adults under probation supervision in Luton, Bury St Edmunds or Southend-on-Sea",
        5,
        "Key worker support into lasting work, with in-work support for 12 weeks",
    ),
    (
        "Social enterprise placement",
        "Fresh Ground Social Enterprise",
        DeliveryKind.OTHER_PARTNER,
        Setting.COMMUNITY,
        "Trading income and charitable grants",
        "Ready for a supported work placement of 16 hours a week or more; "
        "no arson or violence offences in the last two years",
        10,
        "Paid work placement in the Fresh Ground workshop",
    ),
    (
        "Virtual Campus course",
        "HMP Highpoint",
        DeliveryKind.NOMS,
        Setting.CUSTODY,
        "Offenders' Learning and Skills Service",
        "Prisoners with access to Virtual Campus",
        5,
        "Online courses, job search and CV building in custody",
    ),
    (
        "Housing advice",
        "HMP Chelmsford",
        DeliveryKind.NOMS,
        Setting.THROUGH_THE_GATE,
        "NOMS resettlement",
        "Prisoners within 12 weeks of release with no settled address",
        3,
        "Housing advice before and at release",
    ),
    (
        "Debt advice",
        "Jobcentre Plus Bury St Edmunds",
        DeliveryKind.JOBCENTRE,
        Setting.COMMUNITY,
        "DWP partnership fund",
        "Anyone with debts or rent arrears",
        5,
        "Budgeting, debt and benefit advice",
    ),
    (
        "Freshstart",
        "Jobcentre Plus Luton",
        DeliveryKind.JOBCENTRE,
        Setting.THROUGH_THE_GATE,
        "DWP",
        "Prison leavers claiming Jobseeker's Allowance or Universal Credit",
        3,
        "Appointment at the release-area Jobcentre soon after release",
    ),
]

# (provision, status, working days ago it was sent, reason) for the demo referrals
SCENARIOS = [
    (
        "path2work",
        Status.SENT,
        1,
        "Ready to look for work after release; wants help with CV and disclosure.",
    ),
    ("path2work", Status.SENT, 12, "Interested in warehouse work; needs support with interviews."),
    (
        "path2work",
        Status.ACCEPTED,
        8,
        "Needs help finding work near home; has forklift experience.",
    ),
    (
        "Social enterprise placement",
        Status.STARTED,
        20,
        "Would benefit from a supported placement to rebuild routine.",
    ),
    ("path2work", Status.COMPLETED, 60, "Looking for full-time work in catering."),
    ("Freshstart", Status.DECLINED, 9, "Due for release; needs a Freshstart appointment."),
    ("path2work", Status.WITHDRAWN, 15, "Wants support into construction work."),
    (
        "Social enterprise placement",
        Status.DRAFT,
        0,
        "Draft: check eligibility with Fresh Ground first.",
    ),
]


def _seed_provisions(agencies):
    provisions = {}
    for name, agency_name, kind, setting, funding, eligibility, days, description in PROVISIONS:
        provisions[name], _ = Provision.objects.get_or_create(
            name=name,
            agency=agencies[agency_name],
            defaults={
                "agency_kind": kind,
                "setting": setting,
                "funding": funding,
                "eligibility": eligibility,
                "response_working_days": days,
                "description": description,
            },
        )
    return provisions


def _consent(person, agency, recorder, luton, today):
    live = ConsentRecord.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        person=person,
        recipient_agency=agency,
        employment_support=True,
        withdrawn_on__isnull=True,
    )
    consent = live.first()
    if consent is None:
        consent = ConsentRecord.objects.create(
            person=person,
            recipient_agency=agency,
            employment_support=True,
            data_categories=["identity", "case", "employment", "assessment"],
            method=ConsentMethod.SIGNED_FORM,
            form_version="v3",
            given_on=today - datetime.timedelta(days=90),
            expires_on=today + datetime.timedelta(days=275),
            recorded_by=recorder,
            recorded_by_agency=luton,
        )
    return consent


def _add_event(referral, at, user, agency, from_status, to_status, reason_code="", reason=""):
    event = ReferralEvent.objects.create(
        referral=referral,
        user=user,
        agency=agency,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        reason=reason,
    )
    ReferralEvent.objects.filter(pk=event.pk).update(at=at)


def _seed_referral(*, case, provision, status, days_ago, reason, sender, receiver, luton, today):
    consent = _consent(case.person, provision.agency, sender, luton, today)
    sent_on = today
    for _ in range(days_ago):  # working days back
        sent_on -= datetime.timedelta(days=1)
        while sent_on.weekday() >= 5:
            sent_on -= datetime.timedelta(days=1)
    sent_at = timezone.make_aware(datetime.datetime.combine(sent_on, datetime.time(10, 30)))
    sent = status != Status.DRAFT
    answered = status in (Status.ACCEPTED, Status.DECLINED, Status.STARTED, Status.COMPLETED)
    referral = Referral.objects.create(
        person=case.person,
        case=case,
        from_agency=luton,
        from_user=sender,
        to_agency=provision.agency,
        provision=provision,
        need=Need.ETE,
        reason=reason,
        share_categories=["identity", "employment"],
        consent=consent if sent else None,
        status=status,
        sent_at=sent_at if sent else None,
        respond_by=add_working_days(sent_on, provision.response_working_days) if sent else None,
        answered_at=sent_at + datetime.timedelta(days=2) if answered else None,
        answered_by=receiver if answered else None,
        decline_reason=DeclineReason.ALREADY_SUPPORTED if status == Status.DECLINED else "",
        withdraw_reason="moved_away" if status == Status.WITHDRAWN else "",
        outcome_text="Already has a Freshstart appointment booked."
        if status == Status.DECLINED
        else ("Moved out of the area." if status == Status.WITHDRAWN else ""),
    )
    Referral.objects.filter(pk=referral.pk).update(
        created_at=sent_at - datetime.timedelta(minutes=20)
    )
    _add_event(referral, sent_at - datetime.timedelta(minutes=20), sender, luton, "", Status.DRAFT)
    if not sent:
        return referral
    _add_event(referral, sent_at, sender, luton, Status.DRAFT, Status.SENT)
    step = sent_at
    path = {
        Status.ACCEPTED: [Status.ACCEPTED],
        Status.STARTED: [Status.ACCEPTED, Status.STARTED],
        Status.COMPLETED: [Status.ACCEPTED, Status.STARTED, Status.COMPLETED],
        Status.DECLINED: [Status.DECLINED],
        Status.WITHDRAWN: [Status.WITHDRAWN],
    }.get(status, [])
    previous = Status.SENT
    for next_status in path:
        step += datetime.timedelta(days=2)
        by, agency = (
            (sender, luton) if next_status == Status.WITHDRAWN else (receiver, provision.agency)
        )
        _add_event(
            referral,
            step,
            by,
            agency,
            previous,
            next_status,
            referral.decline_reason or referral.withdraw_reason,
            referral.outcome_text,
        )
        previous = next_status
    if status in (Status.ACCEPTED, Status.STARTED, Status.COMPLETED):
        CaseInvolvement.objects.get_or_create(
            case=case,
            agency=provision.agency,
            basis=InvolvementBasis.REFERRAL,
            ended_on__isnull=True,
            defaults={
                "started_on": sent_on,
                "created_by": receiver or sender,
                "categories": list(referral.share_categories),
            },
        )
    policy.refresh_person_access(case.person)
    return referral


def _provider_manager(world):
    """A path2work manager login, so the overdue escalation email has someone to go to."""
    from agencies.models import Role, StaffMembership, User

    user = User.objects.filter(username="manager.path2work").first()
    if user is None:
        user = User.objects.create_user(
            "manager.path2work",
            "manager.path2work@example.org",
            world["password"],
            first_name="Ravi",
            last_name="Mehta",
        )
    StaffMembership.objects.get_or_create(
        user=user, agency=world["agencies"]["path2work"], defaults={"role": Role.MANAGER}
    )
    world["users"]["manager.path2work"] = user
    if "logins" in world and not any(row[0] == user.username for row in world["logins"]):
        world["logins"].append((user.username, "path2work (provider)", Role.MANAGER.label))


def seed(world):
    agencies, users = world["agencies"], world["users"]
    _provider_manager(world)
    provisions = _seed_provisions(agencies)
    world["provisions"] = provisions
    luton = agencies["Bedfordshire Probation"]
    sender = users["probation.luton"]
    receivers = {
        "path2work": users["adviser.path2work"],
        "Jobcentre Plus Luton": users["workcoach.luton"],
    }
    today = policy.today()
    shared = set(
        CaseInvolvement.objects.filter(
            case__owning_agency=luton, ended_on__isnull=True
        ).values_list("case__person_id", flat=True)
    )
    candidates = [p for p in world.get("people", []) if p.pk not in shared]
    cases = []
    for person in candidates:
        case = person.cases.filter(owning_agency=luton, end_date__isnull=True).first()
        if case is not None:
            cases.append(case)
        if len(cases) >= len(SCENARIOS) + 3:
            break
    if Referral.objects.filter(from_agency=luton, reason__in=[s[3] for s in SCENARIOS]).exists():
        return  # already seeded
    for case, (provision_name, status, days_ago, reason) in zip(cases, SCENARIOS, strict=False):
        provision = provisions[provision_name]
        receiver = receivers.get(provision.agency.name)  # Fresh Ground has no demo login
        _seed_referral(
            case=case,
            provision=provision,
            status=status,
            days_ago=days_ago,
            reason=reason,
            sender=sender,
            receiver=receiver,
            luton=luton,
            today=today,
        )
    # consent to path2work, no referral yet: for the live demo ("refer a person to path2work")
    for case in cases[len(SCENARIOS) :]:
        _consent(case.person, agencies["path2work"], sender, luton, today)
        policy.refresh_person_access(case.person)
