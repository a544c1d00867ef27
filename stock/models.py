"""Stock state: warehouses cached from Xentral, snapshots of each product's stock with their
per-warehouse, per-channel and reservation rows, poll cycles and alerts."""

from django.conf import settings
from django.db import models

from catalog.models import Product

FIGURE = {"max_digits": 18, "decimal_places": 4}


class Warehouse(models.Model):
    xentral_id = models.CharField(max_length=20, unique=True)
    designation = models.CharField(max_length=200)
    project_id = models.CharField(max_length=20, blank=True, default="")
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["designation"]

    def __str__(self) -> str:
        return self.designation


class StorageLocation(models.Model):
    xentral_id = models.CharField(max_length=20, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="locations")
    designation = models.CharField(max_length=200)
    is_replenishment = models.BooleanField(default=False)
    is_consumption = models.BooleanField(default=False)
    is_restricted = models.BooleanField(default=False)
    production_access = models.BooleanField(default=False)
    is_pos = models.BooleanField(default=False)
    sort = models.IntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse", "sort", "designation"]

    def __str__(self) -> str:
        return f"{self.warehouse} / {self.designation}"


class StockSnapshot(models.Model):
    """A product's stock figures at one time; written only when something changed."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(db_index=True)
    physical = models.DecimalField(**FIGURE)
    reserved = models.DecimalField(**FIGURE)
    sellable = models.DecimalField(**FIGURE)
    calculated = models.DecimalField(**FIGURE)
    open_sales_orders = models.DecimalField(**FIGURE, default=0)
    pseudo = models.DecimalField(**FIGURE, null=True, blank=True)
    correction = models.DecimalField(**FIGURE, null=True, blank=True)
    producible = models.DecimalField(**FIGURE, null=True, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["product", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.product.number} at {self.taken_at:%Y-%m-%d %H:%M}"


class WarehouseStock(models.Model):
    snapshot = models.ForeignKey(StockSnapshot, on_delete=models.CASCADE, related_name="warehouses")
    warehouse_id = models.CharField(max_length=20)
    physical = models.DecimalField(**FIGURE)

    def __str__(self) -> str:
        return f"warehouse {self.warehouse_id}: {self.physical}"


class ChannelStock(models.Model):
    snapshot = models.ForeignKey(StockSnapshot, on_delete=models.CASCADE, related_name="channels")
    sales_channel_id = models.CharField(max_length=20)
    pseudo = models.DecimalField(**FIGURE, null=True, blank=True)
    correction = models.DecimalField(**FIGURE, null=True, blank=True)

    def __str__(self) -> str:
        return f"sales channel {self.sales_channel_id}"


class Reservation(models.Model):
    snapshot = models.ForeignKey(
        StockSnapshot, on_delete=models.CASCADE, related_name="reservations"
    )
    xentral_id = models.CharField(max_length=20)
    amount = models.DecimalField(**FIGURE)
    reason = models.CharField(max_length=255, blank=True, default="")
    project_id = models.CharField(max_length=20, blank=True, default="")
    customer_id = models.CharField(max_length=20, blank=True, default="")
    customer_name = models.CharField(max_length=255, blank=True, default="")
    customer_number = models.CharField(max_length=50, blank=True, default="")
    order = models.ForeignKey(
        "orders.OrderRequest", null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return f"{self.amount} for {self.reason}"


class ProductStock(models.Model):
    """The poller's bookkeeping per product: latest snapshot, when checked, thresholds."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock")
    latest = models.ForeignKey(StockSnapshot, null=True, blank=True, on_delete=models.SET_NULL)
    figures_hash = models.CharField(max_length=64, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    list_checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    stock_count_seen = models.DecimalField(**FIGURE, null=True, blank=True)
    needs_refresh = models.BooleanField(default=False, db_index=True)
    min_sellable = models.DecimalField(
        **FIGURE, null=True, blank=True, help_text="Alert below this; empty: the default."
    )
    parts = models.JSONField(null=True, blank=True, help_text="BOM parts, cached.")

    class Meta:
        verbose_name = "stock overview"
        verbose_name_plural = "stock overview"
        permissions = [("refresh_productstock", "Can refresh stock from Xentral")]

    def __str__(self) -> str:
        return self.product.number


class PollCycle(models.Model):
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    budget = models.PositiveIntegerField(default=0)
    products_checked = models.PositiveIntegerField(default=0)
    products_refreshed = models.PositiveIntegerField(default=0)
    calls_spent = models.PositiveIntegerField(default=0)
    snapshots_written = models.PositiveIntegerField(default=0)
    oldest_unchecked_age_s = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"poll at {self.started_at:%Y-%m-%d %H:%M}"


class AlertKind(models.TextChoices):
    LOW_STOCK = "low_stock", "Sellable below minimum"
    HIGH_RESERVATION = "high_reservation_ratio", "Most of the stock is reserved"
    DEMAND_ABOVE_SUPPLY = "demand_above_supply", "Open orders exceed sellable stock"
    JIT_SPLIT = "jit_no_single_warehouse", "No single warehouse holds every component"


class StockAlert(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    details = models.CharField(max_length=255, blank=True, default="")
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Seen by staff: an acknowledged alert stays open (it resolves by itself) but leaves the
    # dashboard's count.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        permissions = [("acknowledge_stockalert", "Can acknowledge stock alerts")]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_alert_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.number}: {self.get_kind_display()}"
