"""Admin pages of the Centra connector: each Centra channel's configuration (the API token
and webhook secret write-only), its webhook URL, a "Test connection" button, and the read-only
logs of calls and webhook events."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from backoffice.models import ChannelKind
from connectors.centra.models import (
    CentraCall,
    CentraChannel,
    CentraEvent,
    CentraOrder,
    CentraShipment,
    CentraShipmentState,
)
from connectors.centra.orders_out import centra_shipment_retry
from connectors.centra.services import centra_connection_test, webhook_url

TEST_PERMISSION = "centra.test_centrachannel"
RETRY_PERMISSION = "centra.retry_centrashipment"


class CentraChannelForm(forms.ModelForm):
    """The token and the secret are write-only: never sent back to the browser; left empty,
    the stored value stays."""

    api_token = forms.CharField(
        label="API token",
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Integration API token from Centra (System > API Tokens). Never shown "
        "again; leave empty to keep the current token.",
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Endpoint secret of Centra's webhook plugin. Leave empty to keep it.",
    )

    class Meta:
        model = CentraChannel
        fields = (
            "channel",
            "graphql_url",
            "api_token",
            "webhook_secret",
            "token_expires_on",
            "project_map",
            "payment_map",
            "shipping_map",
            "warehouse_map",
            "confirm_orders",
            "capture_on_shipment",
            "wait_while_on_hold",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "channel" in self.fields:
            self.fields["channel"].queryset = self.fields["channel"].queryset.filter(
                kind=ChannelKind.CENTRA
            )
            self.fields["channel"].help_text = "A channel of kind Centra."

    def _kept(self, name: str) -> str:
        value = self.cleaned_data.get(name) or getattr(self.instance, name, "")
        if not value:
            raise forms.ValidationError("Required.")
        return value

    def clean_api_token(self) -> str:
        return self._kept("api_token")

    def clean_webhook_secret(self) -> str:
        return self._kept("webhook_secret")


@admin.register(CentraChannel)
class CentraChannelAdmin(admin.ModelAdmin):
    form = CentraChannelForm
    list_display = (
        "channel",
        "graphql_url",
        "token_expires_on",
        "confirm_orders",
        "last_synced_at",
    )
    search_fields = ("channel__name", "graphql_url")
    readonly_fields = ("webhook_address", "token_state", "secret_state", "last_synced_at")
    change_form_template = "admin/centra/centrachannel/change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_fieldsets(self, request, obj=None):
        editable = self.has_change_permission(request, obj) if obj else True
        secrets = ("api_token", "webhook_secret") if editable else ("token_state", "secret_state")
        return (
            (None, {"fields": ("channel", "graphql_url", *secrets, "token_expires_on")}),
            ("Webhook", {"fields": ("webhook_address",)}),
            (
                "Orders",
                {
                    "fields": (
                        "project_map",
                        "payment_map",
                        "shipping_map",
                        "confirm_orders",
                        "capture_on_shipment",
                        "wait_while_on_hold",
                        "last_synced_at",
                    )
                },
            ),
            ("Stock", {"fields": ("warehouse_map",)}),
        )

    @admin.display(description="webhook URL (enter it in Centra's webhook plugin)")
    def webhook_address(self, obj) -> str:
        return webhook_url(obj) if obj and obj.pk else "shown once saved"

    @admin.display(description="API token")
    def token_state(self, obj) -> str:
        return "set" if obj and obj.api_token else "not set"

    @admin.display(description="webhook secret")
    def secret_state(self, obj) -> str:
        return "set" if obj and obj.webhook_secret else "not set"

    def has_test_permission(self, request) -> bool:
        return request.user.has_perm(TEST_PERMISSION)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/test-connection/",
                self.admin_site.admin_view(require_POST(self.test_connection_view)),
                name="centra_centrachannel_test",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_test_connection": self.has_test_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def test_connection_view(self, request, object_id):
        """One cheap query with the stored endpoint and token; the answer is a message."""
        if not self.has_test_permission(request):
            raise PermissionDenied
        centra = get_object_or_404(CentraChannel, pk=object_id)
        result = centra_connection_test(centra=centra)
        level = messages.SUCCESS if result.ok else messages.ERROR
        prefix = "Connection works." if result.ok else "Connection failed."
        self.message_user(request, f"{prefix} {result.message}", level)
        return HttpResponseRedirect(reverse("admin:centra_centrachannel_change", args=[centra.pk]))


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the hub records of its exchanges with Centra is evidence, not edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CentraCall)
class CentraCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "centra", "operation", "kind", "status", "duration_ms", "error")
    list_filter = ("kind", "operation", "status")
    search_fields = ("operation", "subject_id")
    date_hierarchy = "at"


@admin.register(CentraEvent)
class CentraEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "centra", "type", "action", "object_id", "status")
    list_filter = ("status", "type", "action")
    search_fields = ("object_id",)


@admin.register(CentraOrder)
class CentraOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "centra", "state", "order", "confirmed_at", "error")
    list_filter = ("state", "centra")
    search_fields = ("=number",)


@admin.register(CentraShipment)
class CentraShipmentAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "centra_order", "centra_id", "state", "completed_at", "error")
    list_filter = ("state",)
    actions = ["retry_in_centra"]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm(RETRY_PERMISSION)

    @admin.action(description="Retry in Centra", permissions=["retry"])
    def retry_in_centra(self, request, queryset):
        """Send each selected shipment to Centra again now (a refused or unpaid one too);
        one message per row says what happened."""
        for link in queryset.order_by("pk"):
            link, outcome = centra_shipment_retry(link_id=link.pk)
            completed = link.state == CentraShipmentState.COMPLETED
            self.log_change(request, link, f"Retry in Centra: {outcome}")
            self.message_user(
                request,
                f"Centra order {link.centra_order.number}, Xentral shipment "
                f"{link.shipment.xentral_id}: {outcome}",
                messages.SUCCESS if completed else messages.WARNING,
            )
