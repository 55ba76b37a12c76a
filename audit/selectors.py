from audit.models import AccessEvent


def access_log_for_person(*, person, limit: int | None = 50):
    qs = (
        AccessEvent.objects.filter(person=person)
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
