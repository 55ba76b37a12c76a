from django.contrib import admin
from django.utils import timezone

from casework.models import PossibleDuplicate


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(admin.ModelAdmin):
    """Records that may be the same person, found when an agency added one with an identifier on a
    record it cannot see. Only record numbers and the shared identifier kinds are shown here (no
    names: personal data stays out of the admin); an administrator checks them in Resettle and
    records what was decided."""

    list_display = ["id", "person_id", "other_id", "basis", "found_at", "resolved_at"]
    list_filter = ["resolved_at"]
    fields = ["person_id", "other_id", "basis", "found_at", "resolved_at", "resolution"]
    readonly_fields = ["person_id", "other_id", "basis", "found_at", "resolved_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if obj.resolution and obj.resolved_at is None:
            obj.resolved_at = timezone.now()
        super().save_model(request, obj, form, change)
