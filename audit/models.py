from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    EXPORT = "export", "Exported"
    DOWNLOAD = "download", "Downloaded"
    SHARE = "share", "Shared"
    WITHDRAW = "withdraw", "Withdrew"
    GRANT = "grant", "Granted access"
    REVOKE = "revoke", "Revoked access"
    ANONYMISE = "anonymise", "Anonymised"
    DISCLOSE = "disclose", "Disclosed"


class AppendOnlyError(TypeError):
    """An attempt to change or remove an access event through the ORM."""

    def __init__(self, what="change"):
        super().__init__(
            f"Access events are append-only ({what} refused); retention goes through "
            "audit.retention.access_event_redact"
        )


class AccessEventQuerySet(models.QuerySet):
    """Every way the ORM writes to existing rows is refused, for `objects` and the base manager alike
    (Meta.base_manager_name), so related-object access and Model.save() cannot get round it."""

    def update(self, **kwargs):
        raise AppendOnlyError("update")

    def _update(self, values):  # Model.save() of an existing row, F() updates
        raise AppendOnlyError("update")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("update")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("update")

    def delete(self):
        raise AppendOnlyError("delete")

    def _raw_delete(self, using):  # the deletion collector's fast path
        raise AppendOnlyError("delete")

    def select_for_update(self, *args, **kwargs):  # the application role has no UPDATE privilege
        raise AppendOnlyError("lock")


class AccessEvent(models.Model):
    """One view, change, export or download of personal data. Append-only (a trigger enforces it)."""

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )
    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        base_manager_name = "objects"  # the base manager refuses updates and deletes too
        indexes = [
            models.Index(fields=["person", "-at"], name="audit_person_at"),
            models.Index(fields=["user", "-at"], name="audit_user_at"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("save of an existing event")
        if kwargs.get("update_fields") or kwargs.get("force_update"):
            raise AppendOnlyError("update")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("delete")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id}"


class ArchivedMonth(models.Model):
    """One month of access events moved out of the database (PostgreSQL partitions older than
    AUDIT_ONLINE_MONTHS): a gzip JSON-lines file in default storage, one event a line. A manager's
    access-log search reads it on request (audit/archive.py). Rows here are never changed."""

    month = models.DateField(unique=True)  # the first day of the month (UTC)
    path = models.CharField(max_length=200)
    events = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    archived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m} ({self.events} events)"
