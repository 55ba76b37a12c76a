"""Writing the audit trail. Call inside the transaction of the change or read it records."""

from django.db import models

from audit.models import AccessEvent, Action


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    return str(type(obj).__name__).lower(), ""


def access_event_record(
    *,
    user,
    action: str,
    person=None,
    obj=None,
    detail: dict | None = None,
    system: str | None = None,
) -> AccessEvent:
    """Append one AccessEvent. Refuses to log without an actor: a signed-in user, or a named system job."""
    if user is None or not getattr(user, "is_authenticated", False):
        if not system:
            raise ValueError("an access event needs an actor (user or system job)")
        user = None
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    acting = getattr(user, "acting", None) if user else None
    object_type, object_id = _describe(obj if obj is not None else person)
    payload = dict(detail or {})
    if system:
        payload["system"] = system
    return AccessEvent.objects.create(
        user=user,
        agency=acting.agency if acting else None,
        person=person,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=payload,
    )


def access_list_record(
    *, user, action: str, page: str, people, detail: dict | None = None
) -> AccessEvent:
    """One event for a list or search page, naming the people it showed (in the order shown)."""
    ids = list(dict.fromkeys(int(pk) for pk in people))
    payload = {"page": page, "people": ids, "shown": len(ids), **(detail or {})}
    return access_event_record(user=user, action=action, detail=payload)
