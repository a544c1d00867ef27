"""The stock app's announcement of a changed snapshot (stock.changes), heard by the Centra
connector: it decides whether a Centra channel is owed a push and enqueues it."""

from catalog.models import Product
from connectors.centra.stock_out import centra_stock_changed
from stock.models import StockSnapshot


def stock_changed(
    *, product: Product, previous: StockSnapshot | None, snapshot: StockSnapshot
) -> None:
    centra_stock_changed(product=product, previous=previous, snapshot=snapshot)
