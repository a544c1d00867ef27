"""The stock app's announcement of a changed snapshot (stock.changes), heard by the Centra
connector: it decides whether a Centra channel is owed a push and enqueues it."""

from catalog.models import Product
from connectors.centra.stock_out import centra_stock_changed, pushing_channels
from stock.models import StockSnapshot


def listening() -> bool:
    """Only an active Centra channel with a warehouse map is told stock: without one the
    announcement costs nothing (asked once per batch of announcements)."""
    return pushing_channels().exists()


def stock_changed(
    *, product: Product, previous: StockSnapshot | None, snapshot: StockSnapshot
) -> None:
    centra_stock_changed(product=product, previous=previous, snapshot=snapshot)
