"""Case timeline entries: applications, interviews, job starts and ends, retention checks and
support given (four queries)."""

import datetime

from django.urls import reverse

from core.timeline import Entry
from employers.models import (
    Application,
    CheckStatus,
    EmploymentSpell,
    RetentionCheck,
    SupportGiven,
)


def timeline_entries(*, user, case) -> list[Entry]:
    entries: list[Entry] = []
    applications = (
        Application.objects.for_user(user)
        .filter(case=case)
        .select_related("vacancy", "vacancy__employer", "agency")
    )
    for app in applications:
        title = f"{app.vacancy.title} at {app.vacancy.employer.name}"
        url = reverse("employers:application_edit", args=[app.pk])
        entries.append(
            Entry(
                at=app.created_at,
                kind="job",
                title=f"Job interest: {title}",
                detail=f"Status: {app.get_status_display()}",
                agency=app.agency.name,
                url=url,
            )
        )
        if app.interview_at:
            entries.append(
                Entry(
                    at=app.interview_at,
                    kind="job",
                    title=f"Interview: {title}",
                    agency=app.agency.name,
                    url=url,
                )
            )
    spells = (
        EmploymentSpell.objects.for_user(user)
        .filter(case=case)
        .select_related("employer", "agency")
    )
    for spell in spells:
        where = f" at {spell.employer.name}" if spell.employer else ""
        url = reverse("employers:spell_detail", args=[spell.pk])
        entries.append(
            Entry(
                at=spell.start_date,
                kind="job",
                title=f"{spell.get_kind_display()}: {spell.job_title}{where}",
                detail=f"{spell.get_contract_type_display()}",
                agency=spell.agency.name,
                url=url,
            )
        )
        if spell.end_date:
            entries.append(
                Entry(
                    at=spell.end_date,
                    kind="job",
                    title=f"Job ended: {spell.job_title}{where}",
                    detail=spell.get_end_reason_display(),
                    agency=spell.agency.name,
                    url=url,
                )
            )
    checks = (
        RetentionCheck.objects.for_user(user)
        .filter(spell__case=case, status=CheckStatus.RECORDED)
        .select_related("spell")
    )
    for check in checks:
        entries.append(
            Entry(
                at=check.checked_on or datetime.date.min,
                kind="job",
                title=f"{check.milestone_weeks}-week retention check: {check.get_outcome_display()}",
                detail=check.spell.job_title,
                url=reverse("employers:spell_detail", args=[check.spell_id]),
            )
        )
    support = (
        SupportGiven.objects.for_user(user)
        .filter(case=case)
        .select_related("agency", "employer", "spell")
    )
    for row in support:
        to = f" to {row.employer.name}" if row.to_employer and row.employer else ""
        entries.append(
            Entry(
                at=row.given_on,
                kind="support",
                title=f"Support given{to}: {row.get_kind_display().lower()}",
                detail=(f"{row.spell.job_title}. " if row.spell else "") + row.note[:200],
                agency=row.agency.name,
                url=reverse("employers:support_list", args=[row.person_id]),
            )
        )
    return entries
