"""Data for access by section (ADR 0012).

- Consent and referral categories of the first form map onto today's sections and sensitive parts
  (consent.sections.LEGACY_CATEGORIES), so nothing given before is widened or lost.
- Open involvements get what was chosen for them: an accepted referral's "information to share",
  everything the consent covers for a share or a hand-off (as before sections existed).
- Named access is pinned to the agency that named the user (the person's owning agency).
- Then every person's access rows are rebuilt from the rule. That step runs today's
  consent.policy on purpose (the rule is code, not data); on an empty database it does nothing.
"""

from django.db import migrations

LEGACY_CATEGORIES = {
    "identity": ["identity"],
    "employment": ["employment"],
    "benefits": ["benefits"],
    "assessment": ["assessment", "plan"],
    "offence": ["offence", "custody"],
    "health": ["health", "drugs", "alcohol"],
}
SENSITIVE = {"offence", "health", "drugs", "alcohol"}
TODAYS = {
    "identity", "custody", "benefits", "case", "assessment", "plan", "notes", "referrals",
    "employment", "offence", "health", "drugs", "alcohol",
}


def _map(categories):
    out = []
    for category in categories or []:
        for new in LEGACY_CATEGORIES.get(category, [category] if category in TODAYS else []):
            if new not in out:
                out.append(new)
    return out


def forwards(apps, schema_editor):
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    Referral = apps.get_model("referrals", "Referral")
    CaseInvolvement = apps.get_model("consent", "CaseInvolvement")
    Grant = apps.get_model("consent", "RestrictedPersonUserPermission")
    Case = apps.get_model("casework", "Case")
    Person = apps.get_model("casework", "Person")
    for consent in ConsentRecord.objects.all():
        categories = _map(consent.data_categories)
        if not categories and consent.employment_support:
            # an empty list used to mean "everything the purposes cover"
            categories = [c for c in TODAYS if c not in SENSITIVE] + (
                sorted(SENSITIVE) if consent.sensitive_categories else []
            )
        if categories != consent.data_categories:
            ConsentRecord.objects.filter(pk=consent.pk).update(data_categories=categories)
    for referral in Referral.objects.exclude(share_categories=[]):
        Referral.objects.filter(pk=referral.pk).update(
            share_categories=_map(referral.share_categories)
        )
    for involvement in CaseInvolvement.objects.filter(basis="referral", categories=[]):
        referral = (
            Referral.objects.filter(
                case_id=involvement.case_id,
                to_agency_id=involvement.agency_id,
                status__in=["accepted", "started", "completed"],
            )
            .order_by("-answered_at", "-id")
            .first()
        )
        if referral is not None and referral.share_categories:
            CaseInvolvement.objects.filter(pk=involvement.pk).update(
                categories=list(referral.share_categories)
            )
    for grant in Grant.objects.filter(agency__isnull=True):
        case = (
            Case.objects.filter(person_id=grant.content_object_id)
            .order_by("end_date", "-start_date")
            .first()
        )
        agency_id = case.owning_agency_id if case else None
        if agency_id is None:
            agency_id = (
                Person.objects.filter(pk=grant.content_object_id)
                .values_list("created_by_agency_id", flat=True)
                .first()
            )
        Grant.objects.filter(pk=grant.pk).update(agency_id=agency_id)
    if Person.objects.exists():
        from consent.access_rebuild import rebuild_all

        rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_access_by_section"),
        ("casework", "0008_sensitive_note_part_and_restriction_reason"),
        ("custody", "0002_marker_end_reasons"),
        ("referrals", "0003_consent_withdrawn_reason"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
