from django.db import connection
from django.db.models import Q

from audit.models import AccessEvent


def _shown(person_id: int) -> Q:
    """Events of list and search pages that showed the person (detail["people"])."""
    if connection.vendor == "postgresql":
        return Q(detail__people__contains=[person_id])  # the audit_people_shown GIN index
    ids = AccessEvent.objects.filter(detail__has_key="people").values_list("id", "detail")
    return Q(pk__in=[pk for pk, detail in ids if person_id in (detail.get("people") or [])])


def access_log_for_person(*, person, limit: int | None = 50):
    """Everything that viewed, changed, exported or listed the person, newest first."""
    qs = (
        AccessEvent.objects.filter(Q(person=person) | _shown(person.pk))
        .select_related("user", "agency")
        .order_by("-at", "-id")
    )
    return qs[:limit] if limit else qs


def access_log_for_user(*, staff_user, agency):
    """What one member of staff has accessed while acting for the manager's agency."""
    return (
        AccessEvent.objects.filter(user=staff_user, agency=agency)
        .select_related("user", "agency", "person")
        .order_by("-at", "-id")
    )
