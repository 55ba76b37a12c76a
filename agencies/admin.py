from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, Region, Site, StaffMembership, User


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "source_category", "is_active"]
    list_filter = ["kind", "region", "source_category"]
    search_fields = ["name"]
    inlines = [SiteInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "site", "is_active"]
    list_filter = ["role", "agency__kind"]
    autocomplete_fields = ["user", "agency"]
