"""Reads of the stock app: available-to-promise for a channel, the overview, a product's page."""

from decimal import Decimal

from django.db.models import F, Q

from backoffice.models import Channel
from stock.models import ProductStock, StockSnapshot


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


def stock_for_skus(skus: list[str]) -> dict[str, ProductStock]:
    rows = (
        ProductStock.objects.filter(product__number__in=skus, latest__isnull=False)
        .select_related("product", "latest")
        .prefetch_related("latest__warehouses", "latest__channels")
    )
    return {row.product.number: row for row in rows}


def stock_overview(*, low: bool = False, reserved: bool = False, warehouse: str = ""):
    rows = ProductStock.objects.select_related("product", "latest")
    if low:
        rows = rows.filter(Q(latest__sellable__lt=F("min_sellable")) | Q(latest__sellable__lte=0))
    if reserved:
        rows = rows.filter(latest__reserved__gt=0)
    if warehouse:
        rows = rows.filter(
            latest__warehouses__warehouse_id=warehouse, latest__warehouses__physical__gt=0
        )
    return rows


def product_history(*, product, limit: int = 200) -> list[StockSnapshot]:
    return list(
        reversed(StockSnapshot.objects.filter(product=product).order_by("-taken_at")[:limit])
    )
