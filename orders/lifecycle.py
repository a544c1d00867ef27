"""Lifecycle hooks per channel kind: a connector (connectors/<platform>) hears when an order of
one of its channels is created in Xentral, shipped or cancelled, without `orders` importing it.

A connector declares `HANDLERS = {"<channel kind>": handler}` in an `order_lifecycle` module,
found through the app hooks; `register` adds one by hand. A handler receives a
`LifecycleEvent` after the change is committed, should only queue its work (it runs inside the
caller's request or task), and its failure is logged, never the order's.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction

from backoffice.app_hooks import app_hook_entries

logger = logging.getLogger(__name__)


class LifecycleChange(models.TextChoices):
    CREATED = "created", "Created in Xentral"
    SHIPPED = "shipped", "A shipment left Xentral's warehouse"
    CANCELLED = "cancelled", "Cancelled in Xentral"


@dataclass(frozen=True)
class LifecycleEvent:
    order_id: str
    channel_kind: str
    change: str
    shipment_id: int | None = None


Handler = Callable[[LifecycleEvent], None]
_registered: dict[str, list[Handler]] = {}


def register(kind: str, handler: Handler) -> None:
    handlers = _registered.setdefault(kind, [])
    if handler not in handlers:
        handlers.append(handler)


def handlers_for(kind: str) -> list[Handler]:
    found = list(_registered.get(kind, []))
    found += [h for h in app_hook_entries("order_lifecycle", "HANDLERS", kind) if h not in found]
    return found


def order_lifecycle_announce(
    *, order_id, channel_kind: str, change: str, shipment_id: int | None = None
) -> None:
    """Tell the channel kind's handlers once the caller's transaction commits."""
    event = LifecycleEvent(str(order_id), channel_kind, change, shipment_id)
    handlers = handlers_for(channel_kind)
    if handlers:
        transaction.on_commit(lambda: _run(handlers, event))


def _run(handlers: list[Handler], event: LifecycleEvent) -> None:
    for handler in handlers:
        try:
            handler(event)
        except Exception:
            logger.exception("lifecycle handler %s failed for %s", handler, event)
