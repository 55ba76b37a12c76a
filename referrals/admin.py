from django.contrib import admin

from referrals.models import Provision


@admin.register(Provision)
class ProvisionAdmin(admin.ModelAdmin):
    """The catalogue is maintained by administrators; referrals (personal data) are not in the admin."""

    list_display = ["name", "agency", "agency_kind", "setting", "response_working_days", "active"]
    list_filter = ["setting", "agency_kind", "active"]
    search_fields = ["name", "agency__name"]
