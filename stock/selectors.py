"""Reads of the stock app: what low stock and stale mean, available-to-promise for a channel,
the overview's filters and a product's page."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.models import Channel
from catalog.models import Product, ProductKind
from stock.models import (
    FIGURE,
    ProductStock,
    Reservation,
    StockAlert,
    StockSnapshot,
    Warehouse,
    WarehouseStock,
)

# --- low stock: what can be sold below the product's minimum ---------------------------------
#: Kits are sold as far as they can be built: Xentral's `producible`, not their own sellable.
KITS = (ProductKind.BOM, ProductKind.JIT)


def min_sellable(stock: ProductStock) -> Decimal:
    """The product's own minimum, else `STOCK_MIN_SELLABLE_DEFAULT`."""
    if stock.min_sellable is not None:
        return stock.min_sellable
    return Decimal(str(settings.STOCK_MIN_SELLABLE_DEFAULT))


def sellable_figure(stock: ProductStock) -> tuple[str, Decimal] | None:
    """`(name, value)` of the figure judged against the minimum: `producible` for a BOM or JIT
    product when Xentral reports it, else `sellable`; None for a product never read."""
    snapshot = stock.latest
    if snapshot is None:
        return None
    if stock.product.kind in KITS and snapshot.producible is not None:
        return "producible", snapshot.producible
    return "sellable", snapshot.sellable


def is_low_stock(stock: ProductStock) -> bool:
    """The judged figure below the minimum; a product never read is not low (nothing known)."""
    judged = sellable_figure(stock)
    return judged is not None and judged[1] < min_sellable(stock)


def low_stock_q() -> Q:
    """`is_low_stock` as a filter on `ProductStock` rows."""
    default = Value(
        Decimal(str(settings.STOCK_MIN_SELLABLE_DEFAULT)), output_field=DecimalField(**FIGURE)
    )
    minimum = Coalesce(F("min_sellable"), default)
    kit = Q(product__kind__in=KITS, latest__producible__isnull=False)
    return (kit & Q(latest__producible__lt=minimum)) | (~kit & Q(latest__sellable__lt=minimum))


def in_alert_grace(stock: ProductStock, *, now: datetime | None = None) -> bool:
    """Within `STOCK_ALERT_GRACE_H` of the product's first snapshot: a product just created
    (imported with no stock yet) is not low stock yet, so an import opens no flood of alerts."""
    first = (
        StockSnapshot.objects.filter(product_id=stock.product_id)
        .order_by("taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
    grace = timedelta(hours=settings.STOCK_ALERT_GRACE_H)
    return first is not None and (now or timezone.now()) - first < grace


# --- stale: not confirmed by Xentral within the product's maximum age ------------------------
def stale_q(*, now: datetime | None = None) -> Q:
    """Rows not confirmed by Xentral within their maximum age at `now`, or never checked:
    `STOCK_LOW_MAX_AGE_MIN` for low stock (re-read sooner), else `STOCK_MAX_AGE_MIN`."""
    now = now or timezone.now()
    low = low_stock_q()
    low_cutoff = now - timedelta(minutes=settings.STOCK_LOW_MAX_AGE_MIN)
    cutoff = now - timedelta(minutes=settings.STOCK_MAX_AGE_MIN)
    return (
        Q(checked_at=None)
        | (low & Q(checked_at__lt=low_cutoff))
        | (~low & Q(checked_at__lt=cutoff))
    )


# --- the overview ----------------------------------------------------------------------------
def stocks_low(rows: QuerySet[ProductStock]) -> QuerySet[ProductStock]:
    return rows.filter(low_stock_q())


def stocks_stale(rows: QuerySet[ProductStock]) -> QuerySet[ProductStock]:
    return rows.filter(stale_q())


def stocks_reserved(rows: QuerySet[ProductStock]) -> QuerySet[ProductStock]:
    return rows.filter(latest__reserved__gt=0)


def stocks_in_warehouse(
    rows: QuerySet[ProductStock], *, warehouse_id: str
) -> QuerySet[ProductStock]:
    """Rows whose latest snapshot has stock in that warehouse."""
    return rows.filter(
        latest__warehouses__warehouse_id=warehouse_id, latest__warehouses__physical__gt=0
    )


def warehouse_names() -> dict[str, str]:
    """Xentral warehouse id -> its designation, for every warehouse cached."""
    return dict(Warehouse.objects.values_list("xentral_id", "designation"))


def sales_channel_names() -> dict[str, str]:
    """Xentral sales channel id -> the hub channels that sell through it (Xentral's own sales
    channel names are not cached)."""
    names: dict[str, list[str]] = {}
    for sales_channel_id, name in Channel.objects.exclude(sales_channel_id="").values_list(
        "sales_channel_id", "name"
    ):
        names.setdefault(sales_channel_id, []).append(name)
    return {key: ", ".join(sorted(value)) for key, value in names.items()}


def warehouse_choices() -> list[tuple[str, str]]:
    """`(xentral id, designation)` of every warehouse known, cached or only seen in
    snapshots (before, or without, a warehouse sync), in id order."""
    names = warehouse_names()
    seen = WarehouseStock.objects.values_list("warehouse_id", flat=True).distinct()
    ids = sorted(set(names) | set(seen), key=lambda i: (len(i), i))
    return [(i, names.get(i, f"#{i}")) for i in ids]


# --- a product -------------------------------------------------------------------------------
def alerts_open(*, product: Product | None = None) -> QuerySet[StockAlert]:
    alerts = StockAlert.objects.filter(resolved_at__isnull=True)
    return alerts if product is None else alerts.filter(product=product)


def alerts_unacknowledged() -> QuerySet[StockAlert]:
    """Open alerts no one has acknowledged yet: what the dashboard counts."""
    return alerts_open().filter(acknowledged_at__isnull=True)


def reservations_of(snapshot: StockSnapshot | None) -> QuerySet[Reservation] | list:
    if snapshot is None:
        return []
    return snapshot.reservations.select_related("order")


def product_history(*, product: Product, limit: int = 200) -> list[StockSnapshot]:
    """The product's latest `limit` snapshots, oldest first (for the chart)."""
    return list(
        reversed(StockSnapshot.objects.filter(product=product).order_by("-taken_at")[:limit])
    )


# --- the channels' API -----------------------------------------------------------------------
def stocks_by_sku(*, skus: list[str]) -> dict[str, ProductStock]:
    """The known stock of these SKUs by SKU; a product never read counts as unknown."""
    rows = (
        ProductStock.objects.filter(product__number__in=skus, latest__isnull=False)
        .select_related("product", "latest")
        .prefetch_related("latest__warehouses", "latest__channels")
    )
    return {row.product.number: row for row in rows}


def available_for_channel(*, snapshot: StockSnapshot, channel: Channel) -> Decimal:
    """The channel's sales channel `pseudo` stock when Xentral sets one, else
    max(0, sellable + that sales channel's correction). A channel without a sales channel id
    gets the product-level pseudo/correction."""
    pseudo, correction = snapshot.pseudo, snapshot.correction
    if channel.sales_channel_id:
        row = next(
            (c for c in snapshot.channels.all() if c.sales_channel_id == channel.sales_channel_id),
            None,
        )
        pseudo, correction = (row.pseudo, row.correction) if row else (None, None)
    if pseudo is not None:
        return pseudo
    return max(Decimal(0), snapshot.sellable + (correction or 0))
