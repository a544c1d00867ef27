"""Stock admin for managers: the overview, a product's stock page with breakdowns and history
chart, warehouses and storage locations (items on demand), alerts and poll cycles."""

from datetime import timedelta

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from backoffice.xentral.errors import XentralError
from stock.charts import stock_history_svg
from stock.models import (
    PollCycle,
    ProductStock,
    StockAlert,
    StorageLocation,
    Warehouse,
    WarehouseStock,
)
from stock.selectors import product_history
from stock.snapshots import stock_refresh
from stock.warehouses import storage_location_items


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [
            ("low", "Low stock (open alert)"),
            ("reserved", "Has reservations"),
            ("stale", "Not checked for an hour"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(
                product__stock_alerts__kind="low_stock", product__stock_alerts__resolved_at=None
            )
        if self.value() == "reserved":
            return queryset.filter(latest__reserved__gt=0)
        if self.value() == "stale":
            cutoff = timezone.now() - timedelta(hours=1)
            return queryset.filter(checked_at__lt=cutoff) | queryset.filter(checked_at=None)
        return queryset


class WarehouseFilter(admin.SimpleListFilter):
    title = "warehouse"
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        # Warehouses seen in snapshots count too, before (or without) a warehouse sync.
        names = dict(Warehouse.objects.values_list("xentral_id", "designation"))
        seen = WarehouseStock.objects.values_list("warehouse_id", flat=True).distinct()
        ids = sorted(set(names) | set(seen), key=lambda i: (len(i), i))
        return [(i, names.get(i, f"#{i}")) for i in ids]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                latest__warehouses__warehouse_id=self.value(), latest__warehouses__physical__gt=0
            )
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
    list_filter = (LowStockFilter, WarehouseFilter)
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

    @admin.action(description="Refresh now from Xentral", permissions=["view"])
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
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.stock_page(request, int(object_id))

    def stock_page(self, request, object_id):
        row = get_object_or_404(
            ProductStock.objects.select_related("product", "latest"), pk=object_id
        )
        snapshot = row.latest
        reservations = []
        if snapshot is not None:
            for reservation in snapshot.reservations.select_related("order"):
                url = None
                if reservation.order_id:
                    try:
                        url = reverse(
                            "admin:orders_orderrequest_change", args=[reservation.order_id]
                        )
                    except NoReverseMatch:
                        url = None
                reservations.append({"row": reservation, "order_url": url})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Stock of {row.product.number}",
            "row": row,
            "snapshot": snapshot,
            "warehouses": snapshot.warehouses.all() if snapshot else [],
            "channels": snapshot.channels.all() if snapshot else [],
            "reservations": reservations,
            "alerts": row.product.stock_alerts.filter(resolved_at=None),
            "chart": mark_safe(stock_history_svg(product_history(product=row.product))),
        }
        return TemplateResponse(request, "admin/stock/product_stock.html", context)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("designation", "xentral_id", "project_id", "synced_at")


@admin.register(StorageLocation)
class StorageLocationAdmin(admin.ModelAdmin):
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
    list_display = ("product", "kind", "details", "opened_at", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("product__number", "product__name")


@admin.register(PollCycle)
class PollCycleAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "budget",
        "products_checked",
        "products_refreshed",
        "calls_spent",
        "snapshots_written",
        "oldest_unchecked_age_s",
    )
