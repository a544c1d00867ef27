"""The order status machine: which changes are allowed, recording them, and claiming an order."""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.lifecycle import LifecycleChange, order_lifecycle_announce
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus, WebhookEvent
from orders.serializers import order_representation
from orders.webhooks import webhook_enqueue

TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.RECEIVED: {OrderStatus.PROCESSING, OrderStatus.FAILED, OrderStatus.CANCELLED},
    OrderStatus.QUEUED: {
        OrderStatus.PROCESSING,
        OrderStatus.FAILED,
        OrderStatus.RESOLVED,
        OrderStatus.CANCELLED,
    },
    OrderStatus.PROCESSING: {OrderStatus.CREATED, OrderStatus.QUEUED, OrderStatus.FAILED},
    OrderStatus.FAILED: {OrderStatus.PROCESSING, OrderStatus.RESOLVED, OrderStatus.CANCELLED},
    OrderStatus.CREATED: set(),
    OrderStatus.RESOLVED: set(),
    # The channel withdrew the order before it reached Xentral (orders/cancellation.py).
    OrderStatus.CANCELLED: set(),
}
IN_FLIGHT = (OrderStatus.RECEIVED, OrderStatus.PROCESSING, OrderStatus.QUEUED)
# The channel hears of every order the hub has decided.
WEBHOOK_FOR_STATUS = {
    OrderStatus.CREATED: WebhookEvent.ORDER_CREATED,
    OrderStatus.FAILED: WebhookEvent.ORDER_FAILED,
    OrderStatus.CANCELLED: WebhookEvent.ORDER_CANCELLED,
}


def hub_base_url() -> str:
    return getattr(settings, "HUB_BASE_URL", "http://localhost:8000")


def order_transition(
    *,
    order_id,
    to: str,
    sources: list[str] | None = None,
    user=None,
    message: str = "",
    kind: str = OrderEventKind.STATUS,
    data: dict | None = None,
    where: dict | None = None,
    fields: dict | None = None,
    order: OrderRequest | None = None,
) -> bool:
    """Move the order to `to` if it is in one of `sources` (conditional UPDATE, so only one
    caller wins) and record the event with who and why. Returns whether this caller moved it.
    `order`, the instance (with its channel) a caller holds, is updated to what was written
    and spares the reads for the announcements."""
    sources = sources or [s for s, targets in TRANSITIONS.items() if to in targets]
    bad = [s for s in sources if to not in TRANSITIONS[s]]
    if bad:
        raise ValueError(f"Order status cannot change from {bad} to {to}")
    written = {"status": to, "updated_at": timezone.now(), **(fields or {})}
    with transaction.atomic():
        moved = OrderRequest.objects.filter(
            pk=order_id, status__in=sources, **(where or {})
        ).update(**written)
        if not moved:
            return False
        if order is not None:
            for name, value in written.items():
                setattr(order, name, value)
        OrderEvent.objects.create(
            order_id=order_id,
            kind=kind,
            message=message or f"Status: {to}",
            data={"status": to, **(data or {})},
            user=user,
        )
        if to in WEBHOOK_FOR_STATUS:
            # One read serves both announcements when the caller holds no instance.
            order = order or OrderRequest.objects.select_related("channel").get(pk=order_id)
            _announce(order, WEBHOOK_FOR_STATUS[to], user)
            if to == OrderStatus.CREATED:
                order_lifecycle_announce(
                    order_id=order_id,
                    channel_kind=order.channel.kind,
                    change=LifecycleChange.CREATED,
                )
    return True


def _announce(order: OrderRequest, event: WebhookEvent, user) -> None:
    if not order.channel.webhook_url:
        return  # no hook, so no representation to build (it reads the shipments)
    webhook_enqueue(
        order=order,
        event=event,
        representation=order_representation(order, base_url=hub_base_url()),
        user=user,
    )


def order_claim(
    *,
    order_id,
    sources: list[str],
    user=None,
    message: str,
    where=None,
    fields=None,
    claimant: str = "",
) -> uuid.UUID | None:
    """Move the order to processing for this caller; the token proves the claim later.
    `claimant` names a worker, whose heartbeat tells when a claim is orphaned."""
    token = uuid.uuid4()
    claimed = order_transition(
        order_id=order_id,
        to=OrderStatus.PROCESSING,
        sources=sources,
        user=user,
        message=message,
        where=where,
        fields={
            "claim_token": token,
            "claimed_at": timezone.now(),
            "claimed_by": claimant,
            **(fields or {}),
        },
    )
    return token if claimed else None
