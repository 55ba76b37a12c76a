"""Casework's contribution to the case timeline (core.timeline): a fixed number of queries.

One query each for assessments, actions, appointments, notes, sentences, transfers, hand-offs,
case events, risk and licence, qualifications, courses and accommodation outcomes. Each comes through its model's for_user, so an entry shows only where the acting
agency sees its section (a sensitive note only under its part, an assessment's counts without the
need areas it may not see).
"""

from django.urls import reverse

from casework.models import (
    AccommodationOutcome,
    Appointment,
    Assessment,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    Course,
    EstablishmentTransfer,
    HandoffStatus,
    PlanAction,
    Qualification,
    QualificationStatus,
    ReleaseHandoff,
    RiskLicence,
    SentenceEpisode,
)
from consent import policy
from core.timeline import Entry


def _assessments(user, case):
    url = reverse("casework:case_assessment", args=[case.pk])
    access = policy.access_for(user, case.person)
    for a in Assessment.objects.for_user(user).filter(case=case).select_related("agency"):
        ratings = policy.visible_ratings(access, a.ratings)
        counts = {
            rag: sum(1 for v in ratings.values() if v == rag) for rag in ("red", "amber", "green")
        }
        yield Entry(
            at=a.assessed_on,
            kind="assessment",
            title="Needs assessment recorded",
            agency=a.agency.name,
            url=url,
            detail=f"{a.get_work_readiness_display()}. Red {counts['red']}, amber {counts['amber']}, "
            f"green {counts['green']}.",
        )


def _actions(user, case):
    url = reverse("casework:case_plan", args=[case.pk])
    for a in (
        PlanAction.objects.for_user(user)
        .filter(case=case)
        .select_related("owner_agency", "created_by_agency")
    ):
        yield Entry(
            at=a.created_at,
            kind="action",
            title=f"Action added: {a.description}",
            agency=a.created_by_agency.name,
            url=url,
            detail=f"For {a.owner_agency.name}, due {a.due_date:%-d %B %Y}.",
        )
        if a.status_changed_on and not a.is_open:
            yield Entry(
                at=a.status_changed_on,
                kind="action",
                title=f"Action {a.get_status_display().lower()}: {a.description}",
                agency=a.owner_agency.name,
                url=url,
            )


def _appointments(user, case):
    url = reverse("casework:case_plan", args=[case.pk])
    for a in Appointment.objects.for_user(user).filter(case=case).select_related("agency"):
        attended = {"yes": "attended", "no": "did not attend"}.get(
            a.attended, "attendance not recorded"
        )
        yield Entry(
            at=a.at,
            kind="appointment",
            title=f"{a.get_kind_display()} appointment",
            agency=a.agency.name,
            url=url,
            detail=f"{a.where + '. ' if a.where else ''}{attended.capitalize()}.",
        )


def _notes(user, case):
    url = reverse("casework:case_notes", args=[case.pk])
    qs = CaseNote.objects.for_user(user).filter(case=case).select_related("agency")
    for n in qs:
        yield Entry(
            at=n.contact_on,
            kind="note",
            title=f"Case note: {n.get_note_type_display().lower()}",
            agency=n.agency.name,
            url=url,
            detail=n.body[:300] + ("…" if len(n.body) > 300 else ""),
            extra={"sensitive": n.sensitive},
        )


def _custody(user, case):
    url = reverse("casework:case_custody", args=[case.pk])
    for s in (
        SentenceEpisode.objects.for_user(user).filter(case=case).select_related("establishment")
    ):
        label = s.get_sentence_type_display()
        if s.sentence_date:
            yield Entry(
                at=s.sentence_date,
                kind="custody",
                title=f"Sentenced: {label.lower()}",
                url=url,
                detail=f"{s.length_months} months." if s.length_months else "",
            )
        if s.reception_date:
            yield Entry(
                at=s.reception_date,
                kind="custody",
                title="Received into custody",
                url=url,
                detail=f"Expected release {s.expected_release_date:%-d %B %Y}."
                if s.expected_release_date
                else "",
            )
        if s.actual_release_date:
            yield Entry(
                at=s.actual_release_date,
                kind="custody",
                title=f"Released ({s.get_release_type_display().lower()})",
                url=url,
            )
    transfers = (
        EstablishmentTransfer.objects.for_user(user)
        .filter(sentence__case=case)
        .select_related("from_establishment", "to_establishment")
    )
    for t in transfers:
        yield Entry(
            at=t.transferred_on,
            kind="custody",
            title=f"Transferred to {t.to_establishment.name}",
            url=url,
            detail=f"From {t.from_establishment.name}." if t.from_establishment else "",
        )


def _handoffs(user, case):
    for h in (
        ReleaseHandoff.objects.for_user(user)
        .filter(case=case)
        .select_related("from_agency", "to_agency", "to_site")
    ):
        url = reverse("casework:handoff_detail", args=[h.pk])
        to = h.to_agency.name + (f", {h.to_site.name}" if h.to_site else "")
        yield Entry(
            at=h.requested_at,
            kind="handoff",
            title=f"Handed off to {to}",
            agency=h.from_agency.name,
            url=url,
            detail=h.note,
        )
        if h.status == HandoffStatus.ACCEPTED and h.decided_at:
            yield Entry(
                at=h.decided_at,
                kind="handoff",
                title=f"Hand-off accepted: {h.to_agency.name} now leads the case",
                agency=h.to_agency.name,
                url=url,
            )
        elif h.status == HandoffStatus.DECLINED and h.decided_at:
            yield Entry(
                at=h.decided_at,
                kind="handoff",
                title=f"Hand-off declined by {h.to_agency.name}",
                agency=h.to_agency.name,
                url=url,
                detail=h.decline_reason,
            )
        elif h.status == HandoffStatus.CANCELLED and h.decided_at:
            yield Entry(
                at=h.decided_at,
                kind="handoff",
                title="Hand-off cancelled",
                agency=h.from_agency.name,
                url=url,
            )


TITLES = {
    CaseEventKind.STAGE: "Stage changed",
    CaseEventKind.LADDER: "Progression ladder step",
    CaseEventKind.CLOSED: "Case closed",
    CaseEventKind.REOPENED: "Case reopened",
    CaseEventKind.SUPPORT_LEVEL: "Support level changed",
    CaseEventKind.OFFENDER_MANAGER: "Offender manager changed",
}


def _case_events(user, case):
    url = reverse("casework:case_detail", args=[case.pk])
    yield Entry(
        at=case.start_date,
        kind="case",
        title="Case opened",
        agency=case.owning_agency.name if case.owning_agency_id else "",
        url=url,
    )
    events = (
        CaseEvent.objects.for_user(user)
        .filter(case=case)
        .exclude(kind=CaseEventKind.LEAD)
        .select_related("agency")
    )
    for e in events:
        if e.kind == CaseEventKind.OFFENDER_MANAGER:
            detail = (f"Now {e.to_value}." if e.to_value else "None allocated.") + (
                f" Was {e.from_value}." if e.from_value else ""
            )
        elif e.kind in (CaseEventKind.STAGE, CaseEventKind.LADDER):
            detail = f"{e.from_label or 'Not recorded'} to {e.to_label}."
        elif e.kind == CaseEventKind.CLOSED:
            detail = f"Reason: {e.to_value.replace('_', ' ')}."
        else:
            detail = e.reason
        if e.reason and e.kind != CaseEventKind.REOPENED:
            detail += f" {e.reason}"
        yield Entry(
            at=e.on,
            kind="case",
            title=TITLES[e.kind],
            agency=e.agency.name if e.agency else "",
            url=url,
            detail=detail,
        )


def _risk(user, case):
    """Risk and licence: only where the offence part is seen (RiskLicence.objects.for_user)."""
    url = reverse("casework:case_detail", args=[case.pk]) + "#risk-licence"
    for r in RiskLicence.objects.for_user(user).filter(case=case).select_related("agency"):
        conditions = r.work_conditions()
        yield Entry(
            at=r.updated_at,
            kind="risk",
            title="Risk and licence recorded",
            agency=r.agency.name,
            url=url,
            detail=f"Risk of serious harm: {r.get_rosh_level_display().lower()}. MAPPA: "
            f"{r.mappa_text.lower()}. "
            + (f"Conditions: {'; '.join(conditions)}." if conditions else ""),
            extra={"sensitive": True},
        )


def _learning(user, case):
    url = reverse("casework:case_learning", args=[case.pk])
    for q in Qualification.objects.for_user(user).filter(case=case).select_related("agency"):
        gained = q.status == QualificationStatus.GAINED
        yield Entry(
            at=q.achieved_on if gained else q.created_at,
            kind="learning",
            title=f"Qualification {'gained' if gained else 'recorded as held'}: "
            f"{q.get_level_display()} {q.subject}",
            agency=q.agency.name,
            url=url,
            detail=", ".join(
                p
                for p in (q.awarding_body, "accredited" if q.accredited else "not accredited")
                if p
            ),
        )
    for c in Course.objects.for_user(user).filter(case=case).select_related("agency"):
        yield Entry(
            at=c.started_on,
            kind="learning",
            title=f"Course started: {c.title}",
            agency=c.agency.name,
            url=url,
            detail=c.provider,
        )
        if c.ended_on:
            yield Entry(
                at=c.ended_on,
                kind="learning",
                title=f"Course {c.get_outcome_display().lower()}: {c.title}",
                agency=c.agency.name,
                url=url,
            )


def _accommodation(user, case):
    url = reverse("casework:case_custody", args=[case.pk]) + "#accommodation-outcomes"
    rows = AccommodationOutcome.objects.for_user(user).filter(case=case).select_related("agency")
    for r in rows:
        yield Entry(
            at=r.as_at,
            kind="custody",
            title=f"Accommodation {r.get_point_display().lower()}: {r.get_status_display().lower()}",
            agency=r.agency.name,
            url=url,
            detail=r.note,
        )


def timeline_entries(*, user, case) -> list[Entry]:
    entries: list[Entry] = []
    for source in (
        _assessments,
        _actions,
        _appointments,
        _notes,
        _custody,
        _handoffs,
        _case_events,
        _risk,
        _learning,
        _accommodation,
    ):
        entries.extend(source(user, case))
    return entries
