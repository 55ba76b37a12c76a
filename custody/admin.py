from django.contrib import admin

from custody.models import BenefitDeliveryCentre


@admin.register(BenefitDeliveryCentre)
class BenefitDeliveryCentreAdmin(admin.ModelAdmin):
    """The directory claim closures pick from, maintained by administrators (no case data). A centre
    no longer used is made inactive rather than deleted: closures keep pointing at it."""

    list_display = ["name", "region", "secure_email", "phone", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name", "secure_email"]

    def has_delete_permission(self, request, obj=None):
        return False
