from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from agencies.models import Agency, ApiToken, Region, Site, StaffMembership, User
from agencies.security import user_access_changed

ADMINISTRATOR_NO_MEMBERSHIP = (
    "An administrator (staff status or superuser) cannot hold a staff membership: administrators "
    "see no case data. Use a separate account for casework."
)


def is_administrator(user) -> bool:
    return bool(user is not None and (user.is_staff or user.is_superuser))


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not is_administrator(self.instance):
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and data.get("is_active", True):
                raise ValidationError(ADMINISTRATOR_NO_MEMBERSHIP)


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    actions = ["issue_two_factor_code"]

    @admin.action(description="Issue a two-factor set-up code (shown once)")
    def issue_two_factor_code(self, request, queryset):
        from agencies.enrolment import two_factor_enrolment_issue

        for user in queryset:
            _, code = two_factor_enrolment_issue(user=user, issued_by=request.user)
            self.message_user(
                request,
                f"Set-up code for {user.username}: {code} (works once, for 3 days; give it to "
                "them in person or by phone, not by email)",
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"is_active", "is_staff", "is_superuser"} & set(form.changed_data):
            user_access_changed(user=obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if change and (formset.changed_objects or formset.deleted_objects):
            user_access_changed(user=form.instance)


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


class StaffMembershipForm(forms.ModelForm):
    class Meta:
        model = StaffMembership
        fields = ["user", "agency", "role", "site", "is_active"]

    def clean(self):
        data = super().clean()
        if is_administrator(data.get("user")) and data.get("is_active", True):
            raise ValidationError(ADMINISTRATOR_NO_MEMBERSHIP)
        return data


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    form = StaffMembershipForm
    list_display = ["user", "agency", "role", "site", "is_active"]
    list_filter = ["role", "agency__kind"]
    autocomplete_fields = ["user", "agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            user_access_changed(user=obj.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        user_access_changed(user=obj.user)

    def delete_queryset(self, request, queryset):
        users = list(User.objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for user in users:
            user_access_changed(user=user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens without their keys (only a digest is stored): who, when, and revoke."""

    list_display = ["id", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__username"]
    fields = ["user", "two_factor", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        from agencies.tokens import api_token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, reason="administrator")
