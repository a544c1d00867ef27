"""Reading fulfilment from Xentral: the status of up to 50 orders per call, then the delivery
notes and shipments of those that moved. Polling runs it on its own budget share; Xentral's
events run it for the orders they name; a channel's cancel runs it before deciding."""

import logging
from datetime import UTC, datetime

from django.db.models import F
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.budget import budget_usage, purpose_per_minute
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from backoffice.xentral.params import MAX_PAGE_SIZE, filter_params
from catalog.models import Product
from orders.fulfilment import ShipmentSeen, order_fulfilment_record
from orders.models import FulfilmentStatus, OrderRequest, OrderStatus, Shipment

logger = logging.getLogger(__name__)

PAGE = {"page[number]": 1, "page[size]": MAX_PAGE_SIZE}


class BudgetSpent(Exception):
    """The poll's share of this window is used up; the next cycle goes on."""


class Allowance:
    """Calls a poll may still make (None: no limit of its own, the client's purpose decides)."""

    def __init__(self, calls: int | None):
        self.calls = calls

    def take(self, count: int = 1) -> None:
        if self.calls is None:
            return
        if self.calls < count:
            raise BudgetSpent
        self.calls -= count


def open_orders():
    """Orders created in Xentral that have not finished shipping or been cancelled."""
    return OrderRequest.objects.filter(
        status=OrderStatus.CREATED,
        fulfilment_status__in=[FulfilmentStatus.OPEN, FulfilmentStatus.PARTLY_SHIPPED],
    ).exclude(xentral_order_number="")


def fulfilment_refresh(
    *, orders: list[OrderRequest], client: XentralClient, allowance: Allowance | None = None,
    force: bool = False,
) -> int:  # fmt: skip
    """Read and record the fulfilment of `orders` (any number, 50 per status call); returns
    how many changed. `force` reads delivery notes even when the status looks unchanged."""
    allowance = allowance or Allowance(None)
    changed = 0
    for start in range(0, len(orders), MAX_PAGE_SIZE):
        changed += _refresh_batch(orders[start : start + MAX_PAGE_SIZE], client, allowance, force)
    return changed


def _refresh_batch(batch, client, allowance, force) -> int:
    allowance.take()
    params = filter_params(("documentNumber", "in", [o.xentral_order_number for o in batch]))
    items = client.get("/api/v1/salesOrders", params={**params, **PAGE}) or {}
    seen = {str(i.get("documentNumber")): i for i in items.get("data") or []}
    moved = []
    for order in batch:
        item = seen.get(order.xentral_order_number)
        if item is None:
            continue
        state = (str(item.get("status") or ""), str(item.get("updatedAt") or ""))
        if (
            force
            or state != (order.xentral_status, order.xentral_updated_at)
            or not (order.fulfilment_checked_at)
        ):
            moved.append((order, state))
        else:
            OrderRequest.objects.filter(pk=order.pk).update(fulfilment_checked_at=timezone.now())
    if not moved:
        return 0
    shipments = _shipments_of([o for o, _ in moved], client, allowance)
    changed = 0
    for order, (status, updated_at) in moved:
        change = order_fulfilment_record(
            order_id=order.pk,
            xentral_status=status,
            xentral_updated_at=updated_at,
            shipments=shipments.get(order.xentral_order_id, []),
        )
        changed += change.changed
    return changed


def _shipments_of(orders, client, allowance) -> dict[str, list[ShipmentSeen]]:
    """New shipments per Xentral order id: one list call for the delivery notes of all, then
    each unknown note's lines and shipments (two calls per new note)."""
    allowance.take()
    params = filter_params(("salesOrderId", "in", [o.xentral_order_id for o in orders]))
    notes = list(client.paginate("/api/v1/deliveryNotes", params=params))
    known = set(
        Shipment.objects.filter(order__in=orders).values_list("delivery_note_id", flat=True)
    )
    found: dict[str, list[ShipmentSeen]] = {}
    for note in notes:
        if str(note["id"]) in known or note.get("status") == "canceled":
            continue
        allowance.take(2)
        view = (client.get(f"/api/v1/deliveryNotes/{note['id']}") or {}).get("data") or {}
        lines = _lines(view.get("positions") or [])
        listed = client.get(f"/api/v1/deliveryNotes/{note['id']}/shipments") or {}
        order_id = str((note.get("salesOrder") or {}).get("id"))
        for shipment in listed.get("data") or []:
            tracking = shipment.get("tracking") or {}
            found.setdefault(order_id, []).append(
                ShipmentSeen(
                    xentral_id=str(shipment["id"]),
                    delivery_note_id=str(note["id"]),
                    carrier=tracking.get("carrier") or "",
                    tracking_number=tracking.get("number") or "",
                    tracking_url=tracking.get("link") or "",
                    shipped_at=_parse_time(shipment.get("sentAtTimestamp")),
                    lines=lines,
                )
            )
    return found


def _lines(positions: list[dict]) -> list[dict]:
    numbers = dict(
        Product.objects.filter(
            xentral_id__in=[str((p.get("product") or {}).get("id")) for p in positions]
        ).values_list("xentral_id", "number")
    )
    lines = []
    for position in positions:
        product = position.get("product") or {}
        sku = product.get("number") or numbers.get(str(product.get("id"))) or str(product.get("id"))
        lines.append({"sku": sku, "quantity": float(position.get("quantity") or 0)})
    return lines


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fulfilment_client(subject=None) -> XentralClient:
    client = XentralClient(purpose=Purpose.FULFILMENT, subject=subject)
    # No silent retries inside a poll: every attempt must be a planned call.
    client.get_retries = 0
    client.max_inline_wait_s = -1
    return client


def poll_budget() -> int:
    """Calls this minute's poll may spend: the fulfilment share less what it already used."""
    per_minute = int(purpose_per_minute(Purpose.FULFILMENT) or 0)
    return max(0, per_minute - budget_usage().get(Purpose.FULFILMENT, 0))


def fulfilment_poll(*, budget: int | None = None, client: XentralClient | None = None) -> int:
    """One poll cycle over the open orders, least recently checked first, within the budget
    share; returns how many orders changed."""
    allowance = Allowance(poll_budget() if budget is None else budget)
    client = client or fulfilment_client()
    # Least recently checked first (never checked first of all), so a share too small for
    # every open order in one cycle still reaches each in turn.
    orders = list(
        open_orders().order_by(F("fulfilment_checked_at").asc(nulls_first=True), "created_at")[
            : MAX_PAGE_SIZE * 20
        ]
    )
    changed = 0
    for start in range(0, len(orders), MAX_PAGE_SIZE):
        try:
            changed += _refresh_batch(
                orders[start : start + MAX_PAGE_SIZE], client, allowance, False
            )
        except BudgetSpent:
            break
        except XentralError as error:
            logger.warning("fulfilment poll stopped early: %s", error)
            break
    return changed
