"""Re-offences and recalls on the case timeline: one query, only where the acting agency sees the
offence part of the record (Reoffence.objects.for_user)."""

from django.urls import reverse

from core.timeline import Entry
from reporting.models import Reoffence, ReoffenceKind


def timeline_entries(*, user, case) -> list[Entry]:
    url = reverse("reporting:reoffence_list", args=[case.pk])
    entries = []
    for fact in Reoffence.objects.for_user(user).filter(case=case).order_by("offence_date", "id"):
        proven = fact.kind == ReoffenceKind.PROVEN
        entries.append(
            Entry(
                at=fact.offence_date,
                kind="reoffending",
                title="Proven re-offence" if proven else "Recalled to custody",
                detail=(
                    f"Disposal {fact.disposal_date:%-d %B %Y}. "
                    if proven and fact.disposal_date
                    else ""
                )
                + f"Source: {fact.get_source_display()}.",
                agency=case.owning_agency.name,
                url=url,
            )
        )
    return entries
