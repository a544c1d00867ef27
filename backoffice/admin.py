"""Admin pages of the shared core: channels and their keys, the Xentral call log, alerts,
and the dashboard on the admin index."""

from django.contrib import admin, messages
from django.db import models
from django.utils import timezone

from backoffice.dashboard import dashboard_context
from backoffice.models import ApiKey, Channel, Scope, StaffAlert, XentralCall
from backoffice.services import api_key_create, api_key_revoke, staff_alerts_resolve

_index = admin.site.index


def _index_with_dashboard(request, extra_context=None):
    return _index(request, extra_context={**(extra_context or {}), "hub": dashboard_context()})


admin.site.index = _index_with_dashboard
admin.site.site_header = "Xentral Hub"
admin.site.site_title = "Xentral Hub"
admin.site.index_title = "Back office"


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are made by the "create an API key" action, which shows it once


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
    actions = ["create_api_key"]
    # Django 6's default already: a webhook URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "is_active", "project_id", "sales_channel_id")}),
        ("Customers", {"fields": ("allow_customer_creation",)}),
        (
            "Payment and shipping",
            {"fields": ("payment_map", "payment_default", "shipping_map", "shipping_default")},
        ),
        ("Webhook", {"fields": ("webhook_url", "webhook_secret")}),
    )

    @admin.action(description="Create an API key with every scope (shown once)")
    def create_api_key(self, request, queryset):
        for channel in queryset:
            _, raw_key = api_key_create(
                channel=channel, scopes=list(Scope.values), name=f"admin {timezone.now():%Y-%m-%d}"
            )
            self.message_user(
                request,
                f"New API key for {channel}: {raw_key} - copy it now, it is not shown again.",
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "channel",
        "name",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("channel", "revoked_at")
    search_fields = ("prefix", "name", "channel__name")
    readonly_fields = ("channel", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("channel", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


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
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    actions = ["resolve"]

    @admin.action(description="Mark as resolved")
    def resolve(self, request, queryset):
        staff_alerts_resolve(alerts=list(queryset), user=request.user)
