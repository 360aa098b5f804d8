"""Django admin: for platform superusers only, across organizations (hence ``unscoped``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiKey, AuditEvent, Membership, Organization, Team, User


class PlatformAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


admin.site.__class__ = PlatformAdminSite


class UnscopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.objects.unscoped().select_related("organization")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []
    list_filter = ["is_superuser", "is_active"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(AuditEvent)
class AuditEventAdmin(UnscopedAdmin):
    list_display = ["created_at", "organization", "actor_label", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "object_repr", "organization__slug"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(UnscopedAdmin):
    list_display = ["name", "organization", "prefix", "scopes", "last_used_at", "revoked_at"]
    readonly_fields = ["organization", "prefix", "secret_hash", "created_by", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Team)
class TeamAdmin(UnscopedAdmin):
    list_display = ["name", "organization", "lead"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
