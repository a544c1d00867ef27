"""An order's life after Xentral created it: open -> partly_shipped -> shipped, or cancelled.

`order_fulfilment_record` is the one function that changes it: it takes what Xentral says
(status, shipments with their delivery note's lines), stores new shipments, moves the
fulfilment status only along allowed transitions, writes an order event for each step and
queues the channel's webhook once per change (`order.shipped` per new shipment,
`order.cancelled`, `order.updated` for anything else).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.lifecycle import LifecycleChange, order_lifecycle_announce
from orders.models import (
    FulfilmentStatus,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    Shipment,
    WebhookEvent,
)
from orders.serializers import order_representation
from orders.transitions import hub_base_url
from orders.webhooks import webhook_enqueue

FULFILMENT_TRANSITIONS: dict[str, set[str]] = {
    FulfilmentStatus.OPEN: {
        FulfilmentStatus.PARTLY_SHIPPED,
        FulfilmentStatus.SHIPPED,
        FulfilmentStatus.CANCELLED,
    },
    FulfilmentStatus.PARTLY_SHIPPED: {FulfilmentStatus.SHIPPED, FulfilmentStatus.CANCELLED},
    FulfilmentStatus.SHIPPED: set(),
    FulfilmentStatus.CANCELLED: set(),
}
# Xentral's V1 sales order statuses (created|released|canceled|completed).
XENTRAL_CANCELED = "canceled"
XENTRAL_COMPLETED = "completed"


@dataclass
class ShipmentSeen:
    """A shipment as read from Xentral, with the lines of its delivery note."""

    xentral_id: str
    delivery_note_id: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None
    lines: list[dict] = field(default_factory=list)


@dataclass
class FulfilmentChange:
    status_before: str
    status_after: str
    new_shipments: list[Shipment]

    @property
    def changed(self) -> bool:
        return bool(self.new_shipments) or self.status_before != self.status_after


def _ordered(order: OrderRequest) -> dict[str, float]:
    ordered: dict[str, float] = {}
    for item in order.payload.get("items") or []:
        ordered[item["sku"]] = ordered.get(item["sku"], 0.0) + float(item["quantity"])
    return ordered


def _shipped_status(order: OrderRequest, xentral_status: str) -> str:
    """Shipped when every ordered quantity went out (or Xentral completed the order)."""
    shipped: dict[str, float] = {}
    shipments = list(order.shipments.all())
    for shipment in shipments:
        for line in shipment.lines:
            shipped[line["sku"]] = shipped.get(line["sku"], 0.0) + float(line["quantity"])
    if not shipments:
        return FulfilmentStatus.OPEN
    if xentral_status == XENTRAL_COMPLETED:
        return FulfilmentStatus.SHIPPED
    complete = all(shipped.get(sku, 0.0) >= qty for sku, qty in _ordered(order).items())
    return FulfilmentStatus.SHIPPED if complete else FulfilmentStatus.PARTLY_SHIPPED


def order_fulfilment_record(
    *,
    order_id,
    xentral_status: str,
    xentral_updated_at: str = "",
    shipments: list[ShipmentSeen] = (),
    cancelled: bool = False,
    user=None,
    message: str = "",
) -> FulfilmentChange:
    """Apply what Xentral says about one order; safe to run twice and concurrently (a shipment
    is stored once by its Xentral id; the status moves by a conditional update)."""
    with transaction.atomic():
        order = OrderRequest.objects.select_for_update().select_related("channel").get(pk=order_id)
        before = order.fulfilment_status
        new = [s for s in (_store(order, seen) for seen in shipments) if s is not None]
        if cancelled or xentral_status == XENTRAL_CANCELED:
            target = FulfilmentStatus.CANCELLED
        else:
            target = _shipped_status(order, xentral_status)
        after = before
        if target != before and target in FULFILMENT_TRANSITIONS[before]:
            moved = OrderRequest.objects.filter(pk=order_id, fulfilment_status=before).update(
                fulfilment_status=target, updated_at=timezone.now()
            )
            after = target if moved else before
        OrderRequest.objects.filter(pk=order_id).update(
            xentral_status=xentral_status or order.xentral_status,
            xentral_updated_at=xentral_updated_at or order.xentral_updated_at,
            fulfilment_checked_at=timezone.now(),
        )
        change = FulfilmentChange(before, after, new)
        if change.changed:
            _announce(order_id, change, user=user, message=message)
    return change


def _store(order: OrderRequest, seen: ShipmentSeen) -> Shipment | None:
    if Shipment.objects.filter(xentral_id=seen.xentral_id).exists():
        return None
    try:
        with transaction.atomic():
            return Shipment.objects.create(
                order=order,
                xentral_id=seen.xentral_id,
                delivery_note_id=seen.delivery_note_id,
                carrier=seen.carrier,
                tracking_number=seen.tracking_number,
                tracking_url=seen.tracking_url,
                shipped_at=seen.shipped_at,
                lines=seen.lines,
            )
    except IntegrityError:  # another worker stored it first; it announces it
        return None


def _announce(order_id, change: FulfilmentChange, *, user, message: str) -> None:
    """Order events for the timeline and one channel webhook per change."""
    order = OrderRequest.objects.select_related("channel").get(pk=order_id)
    representation = order_representation(order, base_url=hub_base_url())
    for shipment in change.new_shipments:
        lines = ", ".join(f"{line['quantity']:g} x {line['sku']}" for line in shipment.lines)
        OrderEvent.objects.create(
            order_id=order_id,
            kind=OrderEventKind.SHIPPED,
            user=user,
            message=f"Shipped with {shipment.carrier} {shipment.tracking_number}: {lines}",
            data={"shipment": shipment.xentral_id, "tracking_number": shipment.tracking_number,
                  "carrier": shipment.carrier, "lines": shipment.lines},
        )  # fmt: skip
        webhook_enqueue(
            order=order, event=WebhookEvent.ORDER_SHIPPED, representation=representation, user=user
        )
        order_lifecycle_announce(
            order_id=order_id,
            channel_kind=order.channel.kind,
            change=LifecycleChange.SHIPPED,
            shipment_id=shipment.pk,
        )
    if change.status_before != change.status_after:
        cancelled = change.status_after == FulfilmentStatus.CANCELLED
        OrderEvent.objects.create(
            order_id=order_id,
            kind=OrderEventKind.CANCELLED if cancelled else OrderEventKind.FULFILMENT,
            user=user,
            message=message or f"Fulfilment: {change.status_before} -> {change.status_after}",
            data={"fulfilment": {"from": change.status_before, "to": change.status_after}},
        )
        if cancelled:
            webhook_enqueue(
                order=order,
                event=WebhookEvent.ORDER_CANCELLED,
                representation=representation,
                user=user,
            )
            order_lifecycle_announce(
                order_id=order_id,
                channel_kind=order.channel.kind,
                change=LifecycleChange.CANCELLED,
            )
        elif not change.new_shipments:
            webhook_enqueue(
                order=order,
                event=WebhookEvent.ORDER_UPDATED,
                representation=representation,
                user=user,
            )
