"""Writes to the agency directory (administrators only)."""

from django.db import transaction

from agencies.models import Agency, SourceCategory
from audit.models import Action
from audit.services import access_event_record
from consent import policy
from core.errors import ApplicationError, Forbidden


@transaction.atomic
def agency_source_category_set(*, user, agency: Agency, source_category: str) -> Agency:
    """Set how an agency's referrals are counted in reports (an administrator; audited)."""
    if not policy.is_administrator(user):
        raise Forbidden("Only an administrator can change an agency's source category.")
    if source_category not in SourceCategory.values:
        raise ApplicationError("Select a source category from the list", field="source_category")
    Agency.objects.filter(pk=agency.pk).update(source_category=source_category)
    agency.refresh_from_db()
    access_event_record(
        user=user, action=Action.CHANGE, obj=agency, detail={"source_category": source_category}
    )
    return agency
