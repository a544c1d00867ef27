"""Announces a product's changed stock figures to the apps above stock (a connector that pushes
stock to its platform) without importing them: every installed app with a `stock_changes`
module has its `stock_changed(product=, previous=, snapshot=)` called, inside the transaction
that wrote the snapshot. Handlers only record what is owed and enqueue work after commit; a
handler that fails is logged and does not undo the snapshot."""

import logging

from django.db import transaction

from backoffice.app_hooks import app_modules
from catalog.models import Product
from stock.models import StockSnapshot

logger = logging.getLogger(__name__)


def stock_changes_announce(
    *, product: Product, previous: StockSnapshot | None, snapshot: StockSnapshot
) -> None:
    """Call every app's handler with the product's snapshot before (None for its first) and
    the one just written."""
    for label, module in app_modules("stock_changes"):
        try:
            with transaction.atomic():
                module.stock_changed(product=product, previous=previous, snapshot=snapshot)
        except Exception:
            logger.exception("the %s handler of %s's stock change failed", label, product.number)
