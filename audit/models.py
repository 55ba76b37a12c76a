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


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Access events are append-only")

    def delete(self):
        raise TypeError("Access events are append-only")


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
        indexes = [
            models.Index(fields=["person", "-at"], name="audit_person_at"),
            models.Index(fields=["user", "-at"], name="audit_user_at"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Access events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Access events are append-only")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id}"
