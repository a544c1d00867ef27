"""Announces a product's changed stock figures to the apps above stock (a connector that pushes
stock to its platform) without importing them: every installed app with a `stock_changes`
module has its `stock_changed(product=, previous=, snapshot=)` called, inside the transaction
that wrote the snapshot. Handlers only record what is owed and enqueue work after commit; a
handler that fails is logged and does not undo the snapshot.

A module may also define `listening() -> bool`, a cheap check whether it wants announcements
at all (a connector with no channel configured does not). It is asked once per batch of
announcements (`stock_changes_batch()`, a poll cycle) or once per announcement outside one, so
a hub without such a channel pays no query per snapshot."""

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import transaction

from backoffice.app_hooks import app_modules
from catalog.models import Product
from stock.models import StockSnapshot

logger = logging.getLogger(__name__)

# App label -> whether its handler listens, for the batch under way (None: no batch).
_listening: ContextVar[dict[str, bool] | None] = ContextVar("stock_changes_listening", default=None)


@contextlib.contextmanager
def stock_changes_batch() -> Iterator[None]:
    """Announcements made inside ask each handler whether it listens once, not per snapshot.
    A handler that starts listening during the batch hears the next batch's changes."""
    token = _listening.set({})
    try:
        yield
    finally:
        _listening.reset(token)


def _listens(label: str, module) -> bool:
    check = getattr(module, "listening", None)
    if check is None:
        return True
    batch = _listening.get()
    if batch is None:
        return check()
    if label not in batch:
        batch[label] = check()
    return batch[label]


def stock_changes_announce(
    *, product: Product, previous: StockSnapshot | None, snapshot: StockSnapshot
) -> None:
    """Call every listening app's handler with the product's snapshot before (None for its
    first) and the one just written."""
    for label, module in app_modules("stock_changes"):
        try:
            if not _listens(label, module):
                continue
            with transaction.atomic():
                module.stock_changed(product=product, previous=previous, snapshot=snapshot)
        except Exception:
            logger.exception("the %s handler of %s's stock change failed", label, product.number)
