"""Reads for the offender manager, risk and licence, qualifications and courses."""

import datetime

from django.conf import settings
from django.urls import reverse

from casework.models import (
    AccommodationOutcome,
    AccommodationPoint,
    Case,
    Course,
    OffenderGroup,
    Qualification,
    ReleasePlan,
    RiskLicence,
)
from casework.selectors import _get
from consent import policy


def offender_manager_text(case: Case) -> str:
    """Who manages the person, in one line, or why there is nobody."""
    if case.has_offender_manager:
        parts = [case.offender_manager_name, case.offender_manager_agency]
        if case.offender_manager_contact:
            parts.append(case.offender_manager_contact)
        return ", ".join(p for p in parts if p)
    if case.offender_group == OffenderGroup.REMAND:
        return "None expected (remand)"
    if case.offender_group == OffenderGroup.SHORT_CUSTODY:
        return "None allocated (usual for custody under 12 months)"
    return "None allocated"


def offender_group_prompts(*, case: Case, has_release_plan: bool, is_owner: bool) -> list[dict]:
    """What the offender group asks of the case (001 §3.1): each {text, warning, link, link_text}."""
    prompts = []
    group = case.offender_group
    checklist = reverse("casework:release_plan_edit", args=[case.pk]) if is_owner else ""
    if group == OffenderGroup.REMAND:
        prompts.append(
            {
                "text": "May be released from court: plan for release at any hearing, as there may "
                "be no time for pre-release work. No offender manager is expected.",
                "warning": False,
            }
        )
    elif group == OffenderGroup.SHORT_CUSTODY and not has_release_plan:
        prompts.append(
            {
                "text": "Start the pre-release checklist at reception: people serving under 12 "
                "months usually have no offender manager to prepare their release.",
                "warning": True,
                "link": checklist,
                "link_text": "Start the pre-release checklist",
            }
        )
    elif group in (OffenderGroup.LONG_CUSTODY, OffenderGroup.COMMUNITY) and (
        not case.has_offender_manager
    ):
        prompts.append(
            {
                "text": "An offender manager is expected for this group: none is recorded.",
                "warning": True,
                "link": reverse("casework:offender_manager_edit", args=[case.pk])
                if is_owner
                else "",
                "link_text": "Record the offender manager",
            }
        )
    return [p for p in prompts if case.is_open]


def has_release_plan(case: Case) -> bool:
    return ReleasePlan.objects.filter(case=case).exists()


def risk_licence_for_case(*, user, case: Case) -> RiskLicence | None:
    """The case's risk and licence, if the acting agency sees the offence part (else None)."""
    return (
        RiskLicence.objects.for_user(user)
        .filter(case=case)
        .select_related("updated_by", "agency")
        .first()
    )


def risk_licence_for_people(*, user, person_ids) -> dict:
    """{person id: the latest open case's RiskLicence} for those whose offence part is seen."""
    rows = (
        RiskLicence.objects.for_user(user)
        .filter(case__person_id__in=list(person_ids), case__end_date__isnull=True)
        .select_related("case")
        .order_by("case__person_id", "-case__start_date", "-case_id")
    )
    out = {}
    for row in rows:
        out.setdefault(row.case.person_id, row)
    return out


def qualifications_for_case(*, user, case: Case):
    return list(
        Qualification.objects.for_user(user)
        .filter(case=case)
        .select_related("agency", "goal", "recorded_by")
        .order_by("status", "-achieved_on", "-id")
    )


def courses_for_case(*, user, case: Case):
    return list(
        Course.objects.for_user(user)
        .filter(case=case)
        .select_related("agency", "goal", "recorded_by")
        .order_by("-started_on", "-id")
    )


def get_qualification(*, user, case: Case, pk) -> Qualification:
    return _get(
        Qualification.objects.for_user(user).filter(case=case).select_related("case", "goal"),
        pk,
        "Qualification not found",
    )


def get_course(*, user, case: Case, pk) -> Course:
    return _get(
        Course.objects.for_user(user).filter(case=case).select_related("case", "goal"),
        pk,
        "Course not found",
    )


def may_change(user, case: Case, row) -> bool:
    return policy.may_change_row(user, person=case.person, row_agency_id=row.agency_id)


SCREEN_FIELDS = ("confident_writing_name", "confident_writing_address", "confident_writing_phone")


def basic_skills_screen(*, case: Case, sentences, assessments, today) -> dict:
    """Was the basic skills screen (writing name, address, phone) done within
    settings.BASIC_SKILLS_SCREEN_DAYS of the latest reception, or of the order for a community
    sentence? Screened: the first assessment since then answering any of the three questions."""
    receptions = [s.reception_date for s in sentences if s.reception_date]
    orders = [s.sentence_date for s in sentences if s.sentence_date and not s.reception_date]
    start = max(receptions) if receptions else (max(orders) if orders else case.start_date)
    what = "reception" if receptions else "the order" if orders else "the case start"
    due = start + datetime.timedelta(days=settings.BASIC_SKILLS_SCREEN_DAYS)
    screened = min(
        (
            a.assessed_on
            for a in assessments
            if a.assessed_on >= start and any(getattr(a, f) != "unknown" for f in SCREEN_FIELDS)
        ),
        default=None,
    )
    if screened:
        late = screened > due
        return {
            "state": "late" if late else "done",
            "due": due,
            "screened": screened,
            "text": f"Screened on {screened:%-d %B %Y}"
            + (
                f", late (due by {due:%-d %B %Y}, {what} + "
                f"{settings.BASIC_SKILLS_SCREEN_DAYS} days)"
                if late
                else ""
            ),
        }
    overdue = today > due
    return {
        "state": "overdue" if overdue else "due",
        "due": due,
        "text": f"Not screened: {'overdue since' if overdue else 'due by'} {due:%-d %B %Y} "
        f"({what} + {settings.BASIC_SKILLS_SCREEN_DAYS} days)",
    }


def accommodation_outcomes(*, user, case: Case, sentences, today) -> list[dict]:
    """Each point (on release, three months after) with its outcome or when it falls due."""
    from casework.records import _three_months

    rows = {
        r.point: r
        for r in AccommodationOutcome.objects.for_user(user)
        .filter(case=case)
        .select_related("agency", "recorded_by")
    }
    released = max(
        (s.actual_release_date for s in sentences if s.actual_release_date), default=None
    )
    out = []
    for point, label in AccommodationPoint.choices:
        row = rows.get(point)
        due = None
        if released is not None:
            due = released if point == AccommodationPoint.AT_RELEASE else _three_months(released)
        if row is not None:
            text = f"{row.get_status_display()} (as at {row.as_at:%-d %B %Y})"
        elif due is None:
            text = "Not released yet"
        elif due > today:
            text = f"Due {due:%-d %B %Y}"
        else:
            text = f"Not recorded: due since {due:%-d %B %Y}"
        out.append(
            {
                "point": point,
                "label": label,
                "row": row,
                "text": text,
                "overdue": row is None and due is not None and due <= today,
                "may_change": row is not None
                and policy.may_change_row(user, person=case.person, row_agency_id=row.agency_id),
            }
        )
    return out


def get_accommodation_outcome(*, user, case: Case, pk) -> AccommodationOutcome:
    return _get(
        AccommodationOutcome.objects.for_user(user).filter(case=case).select_related("case"),
        pk,
        "Accommodation outcome not found",
    )
