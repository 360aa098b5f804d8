"""Django admin (platform superusers): the platform's shared sender numbers, and what was sent."""

from django.contrib import admin

from vocapp.tenancy.admin import UnscopedAdmin

from .models import Message, SenderNumber


@admin.register(SenderNumber)
class SenderNumberAdmin(admin.ModelAdmin):
    """Shared numbers (no organization) serve every organization on the platform's account."""

    list_display = ["number", "label", "organization", "account", "active"]
    list_filter = ["active"]
    search_fields = ["number", "label"]
    fields = ["number", "label", "account", "active"]


@admin.register(Message)
class MessageAdmin(UnscopedAdmin):
    list_display = ["created_at", "organization", "channel", "to", "status", "error_code"]
    list_filter = ["channel", "status"]
    search_fields = ["provider_id"]
    readonly_fields = [field.name for field in Message._meta.fields]
