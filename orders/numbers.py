"""Order numbers read later ("number later" channels): the orders Xentral accepted whose number
the hub has not read yet, read in batches of up to 50 by `externalOrderId` and delivered to the
channel by the `order.updated` webhook."""

from django.db import transaction
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient, xentral_has_room
from backoffice.xentral.errors import XentralRateLimited, XentralUnavailable
from backoffice.xentral.params import MAX_PAGE_SIZE, filter_params
from orders.customers import customer_number_seen
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus, WebhookEvent
from orders.serializers import order_representation
from orders.transitions import hub_base_url
from orders.webhooks import webhook_enqueue

SALES_ORDERS_PATH = "/api/v1/salesOrders"


def orders_awaiting_number(*, limit: int) -> list[tuple[str, str]]:
    """(hub order id, Xentral order id) of created orders whose number is not read yet."""
    rows = (
        OrderRequest.objects.filter(status=OrderStatus.CREATED, xentral_order_number="")
        .exclude(xentral_order_id="")
        .order_by("created_at")
        .values_list("pk", "xentral_order_id")[:limit]
    )
    return [(str(pk), xentral_id) for pk, xentral_id in rows]


def order_numbers_read(*, limit: int = 500, client: XentralClient | None = None) -> int:
    """Read the numbers of up to `limit` orders, one list call per 50, while the budget has
    room (orders waiting to be created go first: they call this after their drain). Returns
    how many numbers were delivered. Safe to run twice: a number is stored once."""
    pending = orders_awaiting_number(limit=limit)
    client = client or XentralClient(purpose=Purpose.ORDER, wait_for_budget=False)
    delivered = 0
    for start in range(0, len(pending), MAX_PAGE_SIZE):
        if not xentral_has_room():
            break
        batch = dict(pending[start : start + MAX_PAGE_SIZE])
        params = {
            **filter_params(("externalOrderId", "in", list(batch))),
            "page[number]": 1,
            "page[size]": MAX_PAGE_SIZE,
        }
        try:
            found = client.get(SALES_ORDERS_PATH, params=params) or {}
        except (XentralRateLimited, XentralUnavailable):
            # Nothing to lose: the next sweep reads them.
            break
        for item in found.get("data") or []:
            order_id, number = str(item.get("externalOrderId") or ""), item.get("documentNumber")
            if order_id in batch and number and str(item.get("id")) == batch[order_id]:
                delivered += _number_store(order_id, str(number), item.get("customer"))
    return delivered


def _number_store(order_id: str, number: str, customer: dict | None) -> int:
    with transaction.atomic():
        stored = OrderRequest.objects.filter(
            pk=order_id, status=OrderStatus.CREATED, xentral_order_number=""
        ).update(xentral_order_number=number, updated_at=timezone.now())
        if not stored:
            return 0
        order = OrderRequest.objects.select_related("channel").get(pk=order_id)
        if order.xentral_customer_id and not order.xentral_customer_number:
            # A new customer's number comes with the order's, as for other channels.
            order.xentral_customer_number = customer_number_seen(
                customer_id=order.xentral_customer_id, seen=customer
            )
            OrderRequest.objects.filter(pk=order_id).update(
                xentral_customer_number=order.xentral_customer_number
            )
        OrderEvent.objects.create(
            order=order,
            kind=OrderEventKind.XENTRAL_CALL,
            message=f"Xentral order number {number}",
            data={"order_number": number},
        )
        webhook_enqueue(
            order=order,
            event=WebhookEvent.ORDER_UPDATED,
            representation=order_representation(order, base_url=hub_base_url()),
        )
    return 1
