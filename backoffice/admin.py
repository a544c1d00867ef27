"""Admin pages of the shared core."""

from django.contrib import admin

from backoffice.models import ApiKey, Channel, StaffAlert, XentralCall


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_active",
        "project_id",
        "sales_channel_id",
        "allow_customer_creation",
    )
    list_filter = ("is_active", "allow_customer_creation")
    search_fields = ("name",)
    inlines = [ApiKeyInline]


@admin.register(XentralCall)
class XentralCallAdmin(admin.ModelAdmin):
    list_display = ("at", "method", "path", "status", "duration_ms", "purpose", "subject_type")
    list_filter = ("purpose", "method", "status")
    search_fields = ("path", "subject_id")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ("opened_at", "kind", "message", "resolved_at")
    list_filter = ("kind", "resolved_at")
