"""Stock admin for managers: the overview, a product's stock page with breakdowns and history
chart, warehouses and storage locations (items on demand), alerts and poll cycles."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from backoffice.xentral.errors import XentralError
from stock.alerts import stock_alerts_acknowledge
from stock.charts import stock_history_svg
from stock.models import PollCycle, ProductStock, StockAlert, StorageLocation, Warehouse
from stock.selectors import (
    alerts_open,
    product_history,
    reservations_of,
    stocks_in_warehouse,
    stocks_low,
    stocks_reserved,
    stocks_stale,
    warehouse_choices,
)
from stock.snapshots import stock_refresh
from stock.warehouses import storage_location_items

REFRESH_PERMISSION = "stock.refresh_productstock"
ACKNOWLEDGE_PERMISSION = "stock.acknowledge_stockalert"


class StockLevel(models.TextChoices):
    LOW = "low", "Low stock (sellable below minimum)"
    RESERVED = "reserved", "Has reservations"
    STALE = "stale", "Stale (not re-read within its maximum age)"


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return StockLevel.choices

    def queryset(self, request, queryset):
        if self.value() == StockLevel.LOW:
            return stocks_low(queryset)
        if self.value() == StockLevel.RESERVED:
            return stocks_reserved(queryset)
        if self.value() == StockLevel.STALE:
            return stocks_stale(queryset)
        return queryset


class WarehouseFilter(admin.SimpleListFilter):
    title = "warehouse"
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        return warehouse_choices()

    def queryset(self, request, queryset):
        if self.value():
            return stocks_in_warehouse(queryset, warehouse_id=self.value())
        return queryset


def _figure(name: str, label: str):
    def show(self, obj):
        return getattr(obj.latest, name) if obj.latest else None

    show.short_description = label
    show.admin_order_field = f"latest__{name}"
    return show


@admin.register(ProductStock)
class StockOverviewAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "physical", "reserved", "sellable", "open_orders", "checked_at")
    list_filter = (StockLevelFilter, WarehouseFilter)
    search_fields = ("product__number", "product__ean", "product__name")
    list_select_related = ("product", "latest")
    ordering = ("product__number",)
    actions = ["refresh_now"]
    physical = _figure("physical", "physical")
    reserved = _figure("reserved", "reserved")
    sellable = _figure("sellable", "sellable")
    open_orders = _figure("open_sales_orders", "open sales orders")

    @admin.display(description="SKU", ordering="product__number")
    def sku(self, obj):
        return obj.product.number

    @admin.display(description="name", ordering="product__name")
    def name(self, obj):
        return obj.product.name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_refresh_permission(self, request) -> bool:
        """A refresh spends the stock share of the Xentral rate budget."""
        return request.user.has_perm(REFRESH_PERMISSION)

    @admin.action(description="Refresh now from Xentral", permissions=["refresh"])
    def refresh_now(self, request, queryset):
        try:
            written = stock_refresh(products=[row.product for row in queryset])
        except XentralError as exc:
            self.message_user(request, f"Xentral: {exc.problem_text}", messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} refreshed, {written} new snapshots.")

    def get_urls(self):
        return [
            path(
                "<int:object_id>/page/",
                self.admin_site.admin_view(self.stock_page),
                name="stock_product_page",
            ),
            path(
                "<int:object_id>/refresh/",
                self.admin_site.admin_view(self.refresh_view),
                name="stock_product_refresh",
            ),
            *super().get_urls(),
        ]

    def refresh_view(self, request, object_id):
        """Refresh-now from the product's own page; back to that page with the outcome."""
        if request.method != "POST" or not self.has_refresh_permission(request):
            raise PermissionDenied
        row = get_object_or_404(ProductStock.objects.select_related("product"), pk=object_id)
        self.refresh_now(request, ProductStock.objects.filter(pk=row.pk))
        return HttpResponseRedirect(reverse("admin:stock_productstock_change", args=[row.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not object_id.isdigit():
            raise Http404
        return self.stock_page(request, int(object_id))

    def stock_page(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        row = get_object_or_404(
            ProductStock.objects.select_related("product", "latest"), pk=object_id
        )
        snapshot = row.latest
        reservations = [
            {"row": reservation, "order_url": _order_url(reservation.order_id)}
            for reservation in reservations_of(snapshot)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Stock of {row.product.number}",
            "row": row,
            "snapshot": snapshot,
            "warehouses": snapshot.warehouses.all() if snapshot else [],
            "channels": snapshot.channels.all() if snapshot else [],
            "reservations": reservations,
            "alerts": alerts_open(product=row.product),
            "chart": mark_safe(stock_history_svg(product_history(product=row.product))),
            "refresh_url": reverse("admin:stock_product_refresh", args=[row.pk])
            if self.has_refresh_permission(request)
            else "",
        }
        return TemplateResponse(request, "admin/stock/product_stock.html", context)


def _order_url(order_id: int | None) -> str | None:
    """The hub order's admin page, when the orders admin is installed."""
    if order_id is None:
        return None
    try:
        return reverse("admin:orders_orderrequest_change", args=[order_id])
    except NoReverseMatch:
        return None


class MirroredFromXentral(admin.ModelAdmin):
    """Rows the hub caches or records itself: read here, never added, edited or deleted."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Warehouse)
class WarehouseAdmin(MirroredFromXentral):
    list_display = ("designation", "xentral_id", "project_id", "synced_at")


@admin.register(StorageLocation)
class StorageLocationAdmin(MirroredFromXentral):
    list_display = (
        "designation",
        "warehouse",
        "is_replenishment",
        "is_consumption",
        "is_restricted",
        "production_access",
        "is_pos",
        "sort",
        "items_link",
    )
    list_filter = ("warehouse", "is_replenishment", "is_consumption", "is_restricted", "is_pos")
    search_fields = ("designation",)

    @admin.display(description="items")
    def items_link(self, obj):
        return format_html(
            '<a href="{}">show items</a>', reverse("admin:stock_location_items", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/items/",
                self.admin_site.admin_view(self.items_view),
                name="stock_location_items",
            ),
            *super().get_urls(),
        ]

    def items_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied  # the page reads Xentral on demand
        location = get_object_or_404(
            StorageLocation.objects.select_related("warehouse"), pk=object_id
        )
        error = ""
        try:
            items = storage_location_items(location=location)
        except XentralError as exc:
            items, error = [], exc.problem_text
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Items on {location}",
            "items": items,
            "error": error,
        }
        return TemplateResponse(request, "admin/stock/location_items.html", context)


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin):
    list_display = ("product", "kind", "details", "opened_at", "acknowledged", "resolved_at")
    list_filter = (
        "kind",
        ("resolved_at", admin.EmptyFieldListFilter),
        ("acknowledged_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("product__number", "product__name")
    list_select_related = ("product", "acknowledged_by")
    actions = ["acknowledge"]

    def has_add_permission(self, request) -> bool:
        return False  # the hub opens and resolves alerts from the figures

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_acknowledge_permission(self, request) -> bool:
        return request.user.has_perm(ACKNOWLEDGE_PERMISSION)

    @admin.display(description="acknowledged")
    def acknowledged(self, obj):
        if obj.acknowledged_at is None:
            return "-"
        return f"{obj.acknowledged_by or 'someone'}, {obj.acknowledged_at:%Y-%m-%d %H:%M}"

    @admin.action(description="Acknowledge the selected alerts", permissions=["acknowledge"])
    def acknowledge(self, request, queryset):
        count = stock_alerts_acknowledge(alerts=list(queryset), user=request.user)
        self.message_user(request, f"{count} alert(s) acknowledged.")


@admin.register(PollCycle)
class PollCycleAdmin(MirroredFromXentral):
    list_display = (
        "started_at",
        "budget",
        "products_checked",
        "products_refreshed",
        "calls_spent",
        "snapshots_written",
        "oldest_unchecked_age_s",
    )
