"""Reads of the orders app, for the API, the admin and the other apps."""

from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from backoffice.models import Channel
from orders.models import OrderEvent, OrderRequest, OrderStatus


def orders_for_channel(
    *, channel: Channel, reference: str | None = None, status: str | None = None
) -> QuerySet[OrderRequest]:
    orders = OrderRequest.objects.filter(channel=channel)
    if reference:
        orders = orders.filter(reference=reference)
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at")


def order_for_channel(*, channel: Channel, order_id) -> OrderRequest | None:
    return OrderRequest.objects.filter(channel=channel, pk=order_id).first()


def orders_needing_attention() -> QuerySet[OrderRequest]:
    """Failed orders, and queued ones whose retry is overdue (the sweeper is not running)."""
    overdue = timezone.now() - timedelta(minutes=5)
    return OrderRequest.objects.filter(
        Q(status=OrderStatus.FAILED)
        | Q(status=OrderStatus.QUEUED, next_attempt_at__lt=overdue)
        | Q(status=OrderStatus.QUEUED, errors__icontains="xentral_configuration")
    )


def product_ids_ordered_since(*, since: datetime) -> set[str]:
    """Xentral product ids in hub orders created in Xentral since then (stock polls these)."""
    from catalog.models import Product

    skus: set[str] = set()
    for payload in OrderRequest.objects.filter(
        status=OrderStatus.CREATED, updated_at__gte=since
    ).values_list("payload", flat=True):
        skus.update(item["sku"] for item in payload.get("items", []) if item.get("sku"))
    return set(Product.objects.filter(number__in=skus).values_list("xentral_id", flat=True))


def unknown_skus_seen() -> list[dict]:
    """SKUs that made orders fail as unknown: `{sku, orders, last_seen}`, most orders first."""
    seen: dict[str, dict] = {}
    events = OrderEvent.objects.filter(kind="failed", data__icontains="unknown_sku").values(
        "order_id", "at", "data"
    )
    for event in events:
        for error in event["data"].get("errors", []):
            if error.get("code") != "unknown_sku":
                continue
            sku = error["message"].removeprefix("Item ").removesuffix(" not found")
            entry = seen.setdefault(sku, {"sku": sku, "orders": set(), "last_seen": event["at"]})
            entry["orders"].add(event["order_id"])
            entry["last_seen"] = max(entry["last_seen"], event["at"])
    rows = [{**e, "orders": len(e["orders"])} for e in seen.values()]
    return sorted(rows, key=lambda r: (-r["orders"], r["sku"]))


def order_status_counts() -> dict[str, int]:
    rows = OrderRequest.objects.values("status").annotate(n=Count("pk"), last=Max("created_at"))
    return {row["status"]: row["n"] for row in rows}
