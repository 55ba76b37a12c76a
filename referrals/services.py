"""Referral writes: create a draft, send it, and every transition after that.

Each transition runs in one transaction, locks the referral row (select_for_update) and checks the
status it expects, so two people answering the same referral at once end with exactly one outcome;
the other gets a Conflict that says what happened. Every transition writes a ReferralEvent (who,
when, from, to, why) and an AccessEvent.

Who may do what: the sending agency (any staff role) creates, sends and withdraws; the receiving
agency (any staff role) accepts, declines, starts and completes. Commissioners and admin-only
memberships do neither. Another agency gets NotFound (404), the wrong side Forbidden (403).
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Role, StaffMembership
from audit.models import Action
from audit.services import access_event_record
from casework.models import Case
from consent import policy, sections
from consent.models import ConsentRecord, DataCategory, InvolvementBasis
from core import notifications
from core.dispatch import enqueue_on_commit
from core.errors import ApplicationError, Conflict, ConsentRequired, Forbidden, NotFound
from core.mail import absolute_url
from referrals.models import (
    OPEN_STATUSES,
    DeclineReason,
    Need,
    Provision,
    Referral,
    ReferralEvent,
    Status,
    WithdrawReason,
)

SENSITIVE_CATEGORIES = sections.SENSITIVE_CATEGORIES
SENDER, RECEIVER = "sender", "receiver"
STATUS_WORDS = {
    Status.DRAFT: "is still a draft",
    Status.SENT: "is waiting for an answer",
    Status.ACCEPTED: "has already been accepted",
    Status.DECLINED: "has already been declined",
    Status.STARTED: "has already started",
    Status.COMPLETED: "has already been completed",
    Status.WITHDRAWN: "has been withdrawn",
}


# --- Working days ---------------------------------------------------------------------------


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`, skipping Saturdays and Sundays.

    Bank holidays are NOT skipped (they differ between the nations and would need a maintained
    calendar); a deadline that lands on one is simply one day tighter.
    """
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days from `start` to `end` (negative when `end` is earlier); weekends not counted."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign == 1 else (end, start)
    full_weeks, extra = divmod((high - low).days, 7)
    count = full_weeks * 5
    day = low + datetime.timedelta(days=full_weeks * 7)
    for _ in range(extra):
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return sign * count


# --- Checks ---------------------------------------------------------------------------------


def _require_staff(user):
    if not policy.can(user, "referral.make"):
        raise Forbidden("Your role does not allow you to make or answer referrals.")
    return policy.acting_of(user)


def _require_side(user, referral: Referral, side: str):
    acting = _require_staff(user)
    agency_id = referral.from_agency_id if side == SENDER else referral.to_agency_id
    if acting.agency_id != agency_id:
        if side == SENDER:
            raise Forbidden("Only the agency that made this referral can do this.")
        raise Forbidden("Only the agency the referral was sent to can do this.")
    return acting


def _visible(user, referral: Referral):
    if not Referral.objects.for_user(user).filter(pk=referral.pk).exists():
        raise NotFound("Referral not found")


def live_consent(person, agency, on: datetime.date | None = None) -> ConsentRecord | None:
    """The newest live employment-support consent from the person to the agency, if any."""
    return policy.live_consent(person, agency, on=on)


def possible_duplicates(*, person, provision: Provision | None, to_agency: Agency, exclude_pk=None):
    """Open referrals for the same person and provision (or the same agency when no provision)."""
    qs = Referral.objects.filter(person=person, status__in=OPEN_STATUSES)
    qs = (
        qs.filter(provision=provision)
        if provision is not None
        else qs.filter(provision__isnull=True, to_agency=to_agency)
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("from_agency", "to_agency", "provision").order_by("-sent_at")


def _clean_fields(
    *,
    user,
    case: Case,
    to_agency: Agency | None,
    provision: Provision | None,
    need: str,
    reason: str,
    share_categories,
) -> dict:
    if provision is not None:
        if not provision.active:
            raise ApplicationError("This provision is no longer offered", field="provision")
        if to_agency is not None and to_agency.pk != provision.agency_id:
            raise ApplicationError(
                f"{provision.name} is delivered by {provision.agency.name}", field="to_agency"
            )
        to_agency = provision.agency
    if to_agency is None:
        raise ApplicationError("Select a provision or an agency to refer to", field="provision")
    if to_agency.pk == user.acting.agency_id:
        raise ApplicationError("You cannot refer to your own agency", field="to_agency")
    if to_agency.kind == AgencyKind.COMMISSIONER or not to_agency.is_active:
        raise ApplicationError("Select an agency that delivers support", field="to_agency")
    if need not in Need.values:
        raise ApplicationError("Select the need the referral addresses", field="need")
    if not (reason or "").strip():
        raise ApplicationError("Enter the reason for the referral", field="reason")
    categories = list(dict.fromkeys(share_categories or []))
    bad = [c for c in categories if c not in DataCategory.values]
    if bad:
        raise ApplicationError(
            f"Unknown information category: {', '.join(bad)}", field="share_categories"
        )
    access = policy.access_for(user, case.person)
    unseen = [c for c in categories if not access.sees(c)]
    if unseen:
        labels = ", ".join(DataCategory(c).label.lower() for c in unseen)
        raise ApplicationError(
            f"You can share only information your agency sees. Untick: {labels}",
            field="share_categories",
        )
    if not case.is_open:
        raise ApplicationError("The case is closed; reopen it before making a referral")
    return {
        "to_agency": to_agency,
        "provision": provision,
        "need": need,
        "reason": reason.strip(),
        "share_categories": categories,
    }


def _event(referral, *, user=None, system="", from_status, to_status, reason_code="", reason=""):
    acting = policy.acting_of(user) if user is not None else None
    return ReferralEvent.objects.create(
        referral=referral,
        user=user,
        agency=acting.agency if acting else None,
        system=system,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        reason=reason,
    )


# --- Create, change, send -------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    user,
    case: Case,
    need: str,
    reason: str,
    provision: Provision | None = None,
    to_agency: Agency | None = None,
    share_categories=None,
) -> Referral:
    """Start a referral from a case as a draft (nothing leaves the agency until it is sent)."""
    _require_staff(user)
    if not Case.objects.for_user(user).filter(pk=case.pk).exists():
        raise NotFound("Case not found")
    fields = _clean_fields(
        user=user,
        case=case,
        to_agency=to_agency,
        provision=provision,
        need=need,
        reason=reason,
        share_categories=share_categories,
    )
    referral = Referral.objects.create(
        person_id=case.person_id,
        case=case,
        from_agency=user.acting.agency,
        from_user=user,
        status=Status.DRAFT,
        **fields,
    )
    _event(referral, user=user, from_status="", to_status=Status.DRAFT)
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=case.person,
        obj=referral,
        detail={"to_agency": referral.to_agency_id, "status": Status.DRAFT},
    )
    return referral


@transaction.atomic
def referral_update(
    *,
    user,
    referral: Referral,
    version: int,
    need: str,
    reason: str,
    provision: Provision | None = None,
    to_agency: Agency | None = None,
    share_categories=None,
) -> Referral:
    """Change a draft (the "Change" links on the check-your-answers page)."""
    _visible(user, referral)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "person")
        .get(pk=referral.pk)
    )
    _require_side(user, locked, SENDER)
    if locked.status != Status.DRAFT:
        raise Conflict(
            f"This referral {STATUS_WORDS[locked.status]}, so it can no longer be changed."
        )
    if locked.version != version:
        raise Conflict(
            "Someone else changed this referral while you were editing it. Check it and make your changes again."
        )
    fields = _clean_fields(
        user=user,
        case=locked.case,
        to_agency=to_agency,
        provision=provision,
        need=need,
        reason=reason,
        share_categories=share_categories,
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=locked.person,
        obj=locked,
        detail={"fields": sorted(fields)},
    )
    return locked


def consent_problem(referral: Referral) -> str:
    """Why the referral cannot be sent under the person's consent ("" when it can)."""
    consent = live_consent(referral.person, referral.to_agency)
    if consent is None:
        return (
            f"{referral.person.full_name} has not consented to share their information with "
            f"{referral.to_agency.name} for employment support. Record their consent before sending."
        )
    wanted = set(referral.share_categories)
    if wanted & SENSITIVE_CATEGORIES and not consent.sensitive_categories:
        return (
            f"The consent given to {referral.to_agency.name} does not include sensitive categories "
            "(offence, health, drugs and alcohol)."
        )
    missing = wanted - set(consent.data_categories)
    if missing:
        labels = ", ".join(DataCategory(c).label.lower() for c in sorted(missing))
        return f"The consent given to {referral.to_agency.name} does not cover sharing: {labels}."
    return ""


@transaction.atomic
def referral_send(*, user, referral: Referral, version: int | None = None) -> Referral:
    """Send a draft to the receiving agency. Needs a live consent covering that agency."""
    _visible(user, referral)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "case", "to_agency", "provision")
        .get(pk=referral.pk)
    )
    _require_side(user, locked, SENDER)
    _check_state(locked, {Status.DRAFT}, version)
    if not locked.case.is_open:
        raise ApplicationError("The case is closed; reopen it before sending a referral")
    if not locked.share_categories:
        raise ApplicationError(
            "Select the information to share with the receiving agency: change the referral",
            field="share_categories",
        )
    problem = consent_problem(locked)
    if problem:
        raise ConsentRequired(problem, field="to_agency")
    days = (
        locked.provision.response_working_days
        if locked.provision_id
        else settings.REFERRAL_RESPONSE_WORKING_DAYS
    )
    now = timezone.now()
    locked.consent = live_consent(locked.person, locked.to_agency)
    locked.status, locked.sent_at = Status.SENT, now
    locked.respond_by = add_working_days(timezone.localdate(now), days)
    _save(locked)
    _event(locked, user=user, from_status=Status.DRAFT, to_status=Status.SENT)
    access_event_record(
        user=user,
        action=Action.SHARE,
        person=locked.person,
        obj=locked,
        detail={
            "to_agency": locked.to_agency_id,
            "consent": locked.consent_id,
            "categories": locked.share_categories,
        },
    )
    _notify(locked, "sent")
    return locked


# --- Transitions ----------------------------------------------------------------------------


def _check_state(locked: Referral, allowed: set, version: int | None):
    if locked.status not in allowed:
        raise Conflict(
            f"This referral {STATUS_WORDS[locked.status]}. Nothing has been changed.",
            extra={"status": locked.status, "current_version": locked.version},
        )
    if version is not None and version != locked.version:
        raise Conflict(
            "This referral has changed since you opened it. Check it and try again.",
            extra={"status": locked.status, "current_version": locked.version},
        )


def _save(referral: Referral):
    referral.version = F("version") + 1
    referral.save()
    referral.refresh_from_db(fields=["version", "updated_at"])


def _transition(
    *,
    user,
    referral: Referral,
    side: str,
    allowed: set,
    to_status: str,
    version: int | None,
    reason_code: str = "",
    reason: str = "",
    **changes,
) -> Referral:
    _visible(user, referral)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "case", "to_agency", "from_agency", "provision")
        .get(pk=referral.pk)
    )
    _require_side(user, locked, side)
    _check_state(locked, allowed, version)
    from_status = locked.previous_status = locked.status
    locked.status = to_status
    for name, value in changes.items():
        setattr(locked, name, value)
    _save(locked)
    _event(
        locked,
        user=user,
        from_status=from_status,
        to_status=to_status,
        reason_code=reason_code,
        reason=reason,
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=locked.person,
        obj=locked,
        detail={
            "transition": f"{from_status}->{to_status}",
            **({"reason": reason_code} if reason_code else {}),
        },
    )
    return locked


@transaction.atomic
def referral_accept(*, user, referral: Referral, version: int | None = None, site=None) -> Referral:
    """Accept: the receiving agency joins the case (through the consent service) and can see the
    person. `site` (a Site or its id) is which of the receiving agency's own sites takes it on."""
    from consent.services import involvement_site_check

    locked = _transition(
        user=user,
        referral=referral,
        side=RECEIVER,
        allowed={Status.SENT},
        to_status=Status.ACCEPTED,
        version=version,
        answered_at=timezone.now(),
        answered_by=user,
    )
    # checked once the referral is known to be the user's to answer (the transaction rolls back)
    site = involvement_site_check(locked.to_agency, getattr(site, "pk", site))
    if locked.case.owning_agency_id != locked.to_agency_id:
        from consent.services import case_involve

        case_involve(
            user=user,
            case=locked.case,
            agency=locked.to_agency,
            basis=InvolvementBasis.REFERRAL,
            categories=locked.share_categories or ["identity"],
            check_role=False,
            site=site,
        )
    _notify(locked, "answered")
    return locked


@transaction.atomic
def referral_decline(
    *, user, referral: Referral, reason_code: str, reason: str = "", version: int | None = None
) -> Referral:
    if reason_code not in DeclineReason.values:
        raise ApplicationError("Select why you are declining the referral", field="reason_code")
    reason = (reason or "").strip()
    if reason_code == DeclineReason.OTHER and not reason:
        raise ApplicationError("Enter why you are declining the referral", field="reason")
    locked = _transition(
        user=user,
        referral=referral,
        side=RECEIVER,
        allowed={Status.SENT},
        to_status=Status.DECLINED,
        version=version,
        reason_code=reason_code,
        reason=reason,
        answered_at=timezone.now(),
        answered_by=user,
        decline_reason=reason_code,
        outcome_text=reason,
    )
    _notify(locked, "answered")
    return locked


@transaction.atomic
def referral_start(*, user, referral: Referral, version: int | None = None) -> Referral:
    return _transition(
        user=user,
        referral=referral,
        side=RECEIVER,
        allowed={Status.ACCEPTED},
        to_status=Status.STARTED,
        version=version,
    )


@transaction.atomic
def referral_complete(*, user, referral: Referral, version: int | None = None) -> Referral:
    return _transition(
        user=user,
        referral=referral,
        side=RECEIVER,
        allowed={Status.STARTED},
        to_status=Status.COMPLETED,
        version=version,
    )


@transaction.atomic
def referral_withdraw(
    *, user, referral: Referral, reason_code: str, reason: str = "", version: int | None = None
) -> Referral:
    """The sending agency withdraws a referral that has not finished (the person moved, it was sent in error...)."""
    if reason_code not in WithdrawReason.values:
        raise ApplicationError("Select why you are withdrawing the referral", field="reason_code")
    reason = (reason or "").strip()
    if reason_code == WithdrawReason.OTHER and not reason:
        raise ApplicationError("Enter why you are withdrawing the referral", field="reason")
    locked = _transition(
        user=user,
        referral=referral,
        side=SENDER,
        allowed={Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.STARTED},
        to_status=Status.WITHDRAWN,
        version=version,
        reason_code=reason_code,
        reason=reason,
        withdraw_reason=reason_code,
        outcome_text=reason,
    )
    if locked.previous_status != Status.DRAFT:
        _notify(locked, "withdrawn")
    return locked


def referrals_end_for_withdrawn_consent(*, user, person, agency) -> int:
    """The person withdrew the consent a referral to `agency` relied on: each open referral ends
    ("consent withdrawn") on both sides, in the caller's transaction. The sender sees why; the
    receiver's inbox keeps a line without anything about the person."""
    ended = 0
    open_ones = (
        Referral.objects.select_for_update(of=("self",))
        .filter(person=person, to_agency=agency, status__in=OPEN_STATUSES)
        .order_by("id")
    )
    for referral in open_ones:
        from_status = referral.status
        referral.status = Status.WITHDRAWN
        referral.withdraw_reason = WithdrawReason.CONSENT_WITHDRAWN
        referral.outcome_text = "The person withdrew their consent to share with this agency."
        _save(referral)
        _event(
            referral,
            user=user,
            from_status=from_status,
            to_status=Status.WITHDRAWN,
            reason_code=WithdrawReason.CONSENT_WITHDRAWN,
            reason=referral.outcome_text,
        )
        access_event_record(
            user=user,
            action=Action.CHANGE,
            person=person,
            obj=referral,
            detail={"transition": f"{from_status}->withdrawn", "reason": "consent_withdrawn"},
        )
        ended += 1
    return ended


TRANSITIONS = {
    "accept": referral_accept,
    "decline": referral_decline,
    "start": referral_start,
    "complete": referral_complete,
    "withdraw": referral_withdraw,
}
RECEIVER_ACTIONS = {
    Status.SENT: ["accept", "decline"],
    Status.ACCEPTED: ["start"],
    Status.STARTED: ["complete"],
}
SENDER_ACTIONS = {
    Status.SENT: ["withdraw"],
    Status.ACCEPTED: ["withdraw"],
    Status.STARTED: ["withdraw"],
    Status.DRAFT: ["withdraw"],
}


def available_actions(*, user, referral: Referral) -> list[str]:
    acting = policy.acting_of(user)
    if not policy.can(user, "referral.make"):
        return []
    if acting.agency_id == referral.to_agency_id:
        return RECEIVER_ACTIONS.get(referral.status, [])
    if acting.agency_id == referral.from_agency_id:
        return SENDER_ACTIONS.get(referral.status, [])
    return []


# --- Notifications (no personal data: agency names and a link only) -------------------------


def _notify(referral: Referral, kind: str):
    from referrals.tasks import referral_notify_task

    enqueue_on_commit(referral_notify_task, referral.pk, kind)


def _link(referral_id: int) -> str:
    return absolute_url("referrals:detail", referral_id)


def _staff(agency_id: int, roles=None) -> list[tuple[int, str]]:
    """(user id, email) of the agency's active staff in `roles` (email may be blank)."""
    memberships = StaffMembership.objects.filter(
        agency_id=agency_id, is_active=True, user__is_active=True, role__in=roles or policy.STAFF
    )
    return sorted(set(memberships.values_list("user_id", "user__email")))


def _staff_emails(agency_id: int, roles=None) -> list[str]:
    return sorted({email for _pk, email in _staff(agency_id, roles) if email})


def referral_notify(*, referral_id: int, kind: str) -> dict:
    """Email about a referral, checked again at run time: consent may have been withdrawn since."""
    referral = (
        Referral.objects.select_related("from_agency", "to_agency", "from_user", "person")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        return {"sent": 0, "skipped": "gone"}
    if not policy.consent_covers(referral.person, referral.to_agency):
        return {"sent": 0, "skipped": "consent"}
    link = _link(referral.pk)
    path = reverse("referrals:detail", args=[referral.pk])
    if kind in ("sent", "withdrawn"):
        if kind == "sent" and referral.status != Status.SENT:
            return {"sent": 0, "skipped": "status"}
        staff = _staff(referral.to_agency_id)
        recipients = sorted({email for _pk, email in staff if email})
        verb = "sent you a referral" if kind == "sent" else "withdrew a referral it sent you"
        notifications.notify(
            users=[pk for pk, _email in staff],
            kind=f"referral_{kind}",
            message=f"{referral.from_agency.name} {verb}.",
            url=path,
        )
        subject = f"Resettle: {referral.from_agency.name} {verb}"
        body = (
            f"{referral.from_agency.name} {verb}.\n\nSign in to Resettle to see it"
            f"{' and answer it' if kind == 'sent' else ''}:\n{link}\n\n"
            "For data protection this email does not contain any personal information."
        )
    elif kind == "answered":
        recipients = [referral.from_user.email] if referral.from_user.email else []
        notifications.notify(
            users=[referral.from_user] if referral.from_user.is_active else [],
            kind="referral_answered",
            message=f"{referral.to_agency.name} has {referral.get_status_display().lower()} "
            "a referral you made.",
            url=path,
        )
        subject = f"Resettle: {referral.to_agency.name} answered your referral"
        body = (
            f"{referral.to_agency.name} has {referral.get_status_display().lower()} a referral you made.\n\n"
            f"Sign in to Resettle to see it:\n{link}\n\n"
            "For data protection this email does not contain any personal information."
        )
    else:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not recipients:
        return {"sent": 0, "skipped": "no recipients"}
    send_mail(subject, body, None, recipients, fail_silently=False)
    return {"sent": len(recipients)}


# --- Deadlines ------------------------------------------------------------------------------


def referral_sla_sweep(*, on: datetime.date | None = None) -> dict:
    """Flag referrals still unanswered after their respond-by date and tell the receiving managers.

    Idempotent: each referral is stamped once (conditional update), so a second run flags and
    emails nothing.
    """
    on = on or policy.today()
    due = Referral.objects.filter(
        status=Status.SENT, respond_by__lt=on, overdue_flagged_at__isnull=True
    )
    flagged_by_agency: dict[int, int] = {}
    for pk, agency_id in due.order_by("id").values_list("pk", "to_agency_id"):
        with transaction.atomic():
            stamped = Referral.objects.filter(
                pk=pk, status=Status.SENT, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=timezone.now())
            if stamped:
                ReferralEvent.objects.create(
                    referral_id=pk,
                    system="referral_sla_sweep",
                    from_status=Status.SENT,
                    to_status=Status.SENT,
                    reason_code="overdue",
                    reason="Not answered by the respond-by date; escalated to managers",
                )
                flagged_by_agency[agency_id] = flagged_by_agency.get(agency_id, 0) + 1
    emails = 0
    inbox = absolute_url("referrals:inbox", query="direction=in&status=overdue")
    for agency_id, count in sorted(flagged_by_agency.items()):
        managers = _staff(agency_id, roles={Role.MANAGER})
        notifications.notify(
            users=[pk for pk, _email in managers],
            kind="referrals_overdue",
            message=f"{count} referral{'s' if count != 1 else ''} sent to your agency passed "
            "the date for an answer.",
            url=reverse("referrals:inbox") + "?direction=in&status=overdue",
        )
        recipients = sorted({email for _pk, email in managers if email})
        if not recipients:
            continue
        send_mail(
            "Resettle: referrals waiting too long for an answer",
            f"{count} referral{'s' if count != 1 else ''} sent to your agency passed the date for an answer "
            f"today.\n\nSee them in Resettle:\n{inbox}\n\n"
            "For data protection this email does not contain any personal information.",
            None,
            recipients,
            fail_silently=False,
        )
        emails += 1
    return {"flagged": sum(flagged_by_agency.values()), "emails": emails}
