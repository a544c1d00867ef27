"""Reads of the orders app, for the API, the admin and the other apps."""

from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from backoffice.models import Channel, XentralCall
from catalog.models import Product
from orders.errors import CONFIGURATION_CODES, WAIT_CODES, OrderErrorCode
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus

# A queued order whose retry is this late means the sweeper is not running.
RETRY_OVERDUE = timedelta(minutes=5)
# An order persisted but never claimed this long (its process died) is overdue too.
RECEIVED_OVERDUE = timedelta(minutes=5)
# An order persisted but never claimed (the process died in between) is picked up after this.
STALE_RECEIVED = timedelta(minutes=2)


class AttentionReason(models.TextChoices):
    """Why an order needs staff: the one definition the admin filter and dashboard share."""

    FAILED = "failed", "Failed orders"
    OVERDUE = "overdue", "Orders past due (queued or never picked up)"
    CONFIGURATION = "configuration", "Orders waiting for the hub's configuration"


def _attention_conditions() -> dict[str, Q]:
    # A hold for configuration stores exactly one error: its code says why the order waits.
    waiting = Q(errors__0__code__in=[str(code) for code in CONFIGURATION_CODES])
    return {
        AttentionReason.FAILED: Q(status=OrderStatus.FAILED),
        AttentionReason.OVERDUE: _overdue_condition(),
        AttentionReason.CONFIGURATION: Q(status=OrderStatus.QUEUED) & waiting,
    }


def orders_needing_attention(*, reason: str | None = None) -> QuerySet[OrderRequest]:
    """Orders staff should act on: all of them, or those for one `AttentionReason`."""
    conditions = _attention_conditions()
    condition = conditions[reason] if reason else reduce(or_, conditions.values())
    return OrderRequest.objects.filter(condition)


def _overdue_condition() -> Q:
    now = timezone.now()
    return Q(status=OrderStatus.QUEUED, next_attempt_at__lt=now - RETRY_OVERDUE) | Q(
        status=OrderStatus.RECEIVED, created_at__lt=now - RECEIVED_OVERDUE
    )


def orders_overdue() -> QuerySet[OrderRequest]:
    """Queued orders past due and orders never claimed, by the margins above: while any
    exist, no worker is draining the queue."""
    return OrderRequest.objects.filter(_overdue_condition())


def orders_waiting_for_rate_limit() -> QuerySet[OrderRequest]:
    """Queued orders that only wait a moment (for room in the rate limit, or for another
    order creating their customer): nothing failed."""
    return OrderRequest.objects.filter(
        status=OrderStatus.QUEUED, errors__0__code__in=[str(c) for c in WAIT_CODES]
    )


def orders_want_budget() -> bool:
    """Are orders waiting to be sent within the next rate window? Bulk work shrinks then."""
    horizon = timezone.now() + timedelta(seconds=settings.XENTRAL_RATE_WINDOW_S)
    held = [str(code) for code in CONFIGURATION_CODES]
    # A plain exclude() would drop orders without errors too (SQL NULL in a JSON path).
    not_held = Q(errors__0__code__isnull=True) | ~Q(errors__0__code__in=held)
    return OrderRequest.objects.filter(
        not_held, status=OrderStatus.QUEUED, next_attempt_at__lte=horizon
    ).exists()


def orders_due(*, now: datetime, limit: int) -> list[tuple]:
    """`(order id, status)` of the orders to try now: queued ones past their time and ones
    never claimed. Round-robin across channels (the channel with the oldest order first),
    first in, first out within a channel, so one channel's burst never starves another."""
    due = Q(status=OrderStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=OrderStatus.RECEIVED, created_at__lt=now - STALE_RECEIVED
    )
    per_channel: dict[int, list[tuple]] = {}
    channels = (
        OrderRequest.objects.filter(due)
        .values("channel_id")
        .annotate(oldest=models.Min("created_at"))
        .order_by("oldest")
    )
    for row in channels:
        per_channel[row["channel_id"]] = list(
            OrderRequest.objects.filter(due, channel_id=row["channel_id"])
            .order_by("created_at", "pk")
            .values_list("pk", "status")[:limit]
        )
    queues = list(per_channel.values())
    ordered: list[tuple] = []
    for turn in range(max((len(q) for q in queues), default=0)):
        ordered += [queue[turn] for queue in queues if turn < len(queue)]
    return ordered[:limit]


def order_next_rate_window_wait(*, now: datetime) -> float | None:
    """Seconds until the next order waiting only for the rate limit is due (None: none)."""
    next_at = (
        orders_waiting_for_rate_limit()
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if next_at is None else max(0.0, (next_at - now).total_seconds())


def orders_for_channel(
    *,
    channel: Channel,
    reference: str | None = None,
    status: str | None = None,
    fulfilment: str | None = None,
) -> QuerySet[OrderRequest]:
    orders = OrderRequest.objects.filter(channel=channel)
    if reference:
        orders = orders.filter(reference=reference)
    if status:
        orders = orders.filter(status=status)
    if fulfilment:
        orders = orders.filter(fulfilment_status=fulfilment)
    return orders.order_by("-created_at")


def order_for_channel(*, channel: Channel, order_id) -> OrderRequest | None:
    return OrderRequest.objects.filter(channel=channel, pk=order_id).first()


def xentral_calls_for_order(*, order: OrderRequest) -> QuerySet[XentralCall]:
    return XentralCall.objects.filter(
        subject_type="orders.orderrequest", subject_id=str(order.pk)
    ).order_by("at", "id")


def product_ids_ordered_since(*, since: datetime) -> set[str]:
    """Xentral product ids in hub orders created in Xentral since then (stock polls these)."""
    skus: set[str] = set()
    for payload in OrderRequest.objects.filter(
        status=OrderStatus.CREATED, updated_at__gte=since
    ).values_list("payload", flat=True):
        skus.update(item["sku"] for item in payload.get("items", []) if item.get("sku"))
    return set(Product.objects.filter(number__in=skus).values_list("xentral_id", flat=True))


def unknown_skus_seen() -> list[dict]:
    """SKUs that made orders fail as unknown: `{sku, orders, last_seen}`, most orders first.
    Read from the `sku` stored on each `unknown_sku` error of the failure events."""
    seen: dict[str, dict] = {}
    events = OrderEvent.objects.filter(
        kind=OrderEventKind.FAILED, data__icontains=f'"{OrderErrorCode.UNKNOWN_SKU}"'
    ).values("order_id", "at", "data")
    for event in events:
        for error in event["data"].get("errors", []):
            sku = error.get("sku")
            if error.get("code") != OrderErrorCode.UNKNOWN_SKU or not sku:
                continue
            entry = seen.setdefault(sku, {"sku": sku, "orders": set(), "last_seen": event["at"]})
            entry["orders"].add(event["order_id"])
            entry["last_seen"] = max(entry["last_seen"], event["at"])
    rows = [{**e, "orders": len(e["orders"])} for e in seen.values()]
    return sorted(rows, key=lambda r: (-r["orders"], r["sku"]))


def error_code_counts(orders: QuerySet[OrderRequest]) -> list[tuple[str, int]]:
    """`(code, n)` of the orders' first error (the one that stopped them), most frequent first."""
    rows = (
        orders.exclude(errors=[])
        .annotate(code=KT("errors__0__code"))
        .exclude(code=None)
        .values("code")
        .annotate(n=models.Count("pk"))
        .order_by("-n", "code")
    )
    return [(row["code"], row["n"]) for row in rows]
