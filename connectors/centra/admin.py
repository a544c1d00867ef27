"""Admin pages of the Centra connector: each Centra channel's configuration (the API token
and webhook secret write-only), its webhook URL, a "Test connection" button, the read-only
logs of calls and webhook events, shipments with "Retry in Centra", and the stock each
product was last told in Centra."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from backoffice.models import ChannelKind
from connectors.centra.models import (
    CentraCall,
    CentraChannel,
    CentraEvent,
    CentraOrder,
    CentraShipment,
    CentraShipmentState,
    CentraStockItem,
)
from connectors.centra.orders_out import centra_shipment_retry
from connectors.centra.selectors import STOCK_PUSH_STATES, StockPushState, stock_push_state
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
                        "use_events_queue",
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
            "can_view_stock": request.user.has_perm("centra.view_centrastockitem"),
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


class StockPushStateFilter(admin.SimpleListFilter):
    title = "push state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state.value, state.label) for state in StockPushState]

    def queryset(self, request, queryset):
        condition = STOCK_PUSH_STATES.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class CentraWarehouseFilter(admin.SimpleListFilter):
    """The Centra warehouses the channels map to; an item is listed under each warehouse it
    holds a figure for."""

    title = "Centra warehouse"
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        mapped = CentraChannel.objects.values_list("warehouse_map", flat=True)
        ids = sorted({str(w) for m in mapped for w in (m or {}).values() if str(w).strip()})
        return [(w, f"warehouse {w}") for w in ids]

    def queryset(self, request, queryset):
        return queryset if not self.value() else queryset.filter(quantities__has_key=self.value())


@admin.register(CentraStockItem)
class CentraStockItemAdmin(ReadOnlyAdmin):
    """What each product was last told in Centra per Centra warehouse, and whether a push is
    owed, waiting to retry, or refused because Centra does not know the size."""

    list_display = (
        "sku",
        "ean",
        "centra",
        "held",
        "push_state",
        "pushed_at",
        "problem",
    )
    list_filter = ("centra", CentraWarehouseFilter, StockPushStateFilter)
    search_fields = ("product__number", "product__ean")
    search_help_text = "SKU or EAN"
    list_select_related = ("centra__channel", "product")
    ordering = ("product__number", "centra")

    @admin.display(description="SKU", ordering="product__number")
    def sku(self, obj) -> str:
        return obj.product.number

    @admin.display(description="EAN", ordering="product__ean")
    def ean(self, obj) -> str:
        return obj.product.ean

    @admin.display(description="Centra holds")
    def held(self, obj) -> str:
        return ", ".join(f"{w}: {q}" for w, q in sorted(obj.quantities.items())) or "-"

    @admin.display(description="push state", ordering="unknown_since")
    def push_state(self, obj) -> str:
        return stock_push_state(obj).label

    @admin.display(description="Centra answered")
    def problem(self, obj) -> str:
        if obj.next_attempt_at is not None and obj.due:
            when = timezone.localtime(obj.next_attempt_at).strftime("%H:%M:%S")
            return f"{obj.error} (next try {when})"
        return obj.error
