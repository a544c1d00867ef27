"""Snapshots of a product's stock: read from Xentral, written only when a figure changed, with
their warehouse, sales channel and reservation rows; old history pruned."""

import hashlib
import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backoffice.xentral.client import XentralClient
from catalog.models import Product
from orders.models import OrderRequest
from stock.alerts import alerts_evaluate
from stock.changes import stock_changes_announce, stock_changes_batch
from stock.models import (
    ChannelStock,
    ProductStock,
    Reservation,
    StockSnapshot,
    WarehouseStock,
)
from stock.xentral import stock_client

# Xentral names the sales order a reservation holds stock for in its reason.
ORDER_REASON = re.compile(r"^Sales order (\S+)$")
FIGURES = (
    "physical",
    "reserved",
    "sellable",
    "calculated",
    "openSalesOrders",
    "pseudo",
    "correction",
    "producible",
)


def figure(value: Any) -> Decimal | None:
    """A figure from Xentral's JSON as a Decimal (through str, so 0.1 stays 0.1); None stays."""
    return None if value is None else Decimal(str(value))


def snapshot_take(*, product: Product, client: XentralClient | None = None) -> StockSnapshot | None:
    """Read the product's stock (and its reservations when some are held); write a snapshot
    only when a figure changed, else just move `checked_at`. Returns the new snapshot."""
    client = stock_client(client, subject=product)
    stock, _ = ProductStock.objects.get_or_create(product=product)
    data = (client.get(f"/api/v1/products/{product.xentral_id}/stocks") or {}).get("data") or {}
    totals = data.get("totals") or {}
    reservations = []
    if figure(totals.get("reserved")) or (stock.latest and stock.latest.reserved):
        path = f"/api/v1/products/{product.xentral_id}/reservations"
        reservations = list(client.paginate(path))
    digest = _figures_hash(data, reservations)
    now = timezone.now()
    # The list's stockCount is the physical total: what the next list check compares with.
    seen = figure(totals.get("physical"))
    if digest == stock.figures_hash and stock.latest is not None:
        ProductStock.objects.filter(pk=stock.pk).update(
            checked_at=now, list_checked_at=now, needs_refresh=False, stock_count_seen=seen
        )
        # Unchanged figures still open a low-stock alert once the grace period is over.
        alerts_evaluate(stock=stock, client=client)
        return None
    previous = stock.latest
    with transaction.atomic():
        snapshot = _snapshot_write(product=product, data=data, reservations=reservations, at=now)
        stock.latest = snapshot
        stock.figures_hash = digest
        stock.checked_at = now
        # Read just now, so this cycle's list check has nothing to ask about it either.
        stock.list_checked_at = now
        stock.needs_refresh = False
        stock.stock_count_seen = seen
        stock.save(
            update_fields=[
                "latest",
                "figures_hash",
                "checked_at",
                "list_checked_at",
                "needs_refresh",
                "stock_count_seen",
            ]
        )
        stock_changes_announce(product=product, previous=previous, snapshot=snapshot)
    alerts_evaluate(stock=stock, client=client)
    return snapshot


def _figures_hash(data: dict, reservations: list[dict]) -> str:
    totals = data.get("totals") or {}
    figures = {
        "totals": {k: str(figure(totals.get(k))) for k in FIGURES},
        "warehouses": sorted(
            (str(w["id"]), str(figure(w.get("physical")))) for w in data.get("warehouses") or []
        ),
        "channels": sorted(
            (str(c["id"]), str(figure(c.get("pseudo"))), str(figure(c.get("correction"))))
            for c in data.get("salesChannels") or []
        ),
        "reservations": sorted(
            (str(r["id"]), str(figure(r.get("amount"))), r.get("reason") or "")
            for r in reservations
        ),
    }
    return hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()


def _snapshot_write(*, product: Product, data: dict, reservations: list[dict], at) -> StockSnapshot:
    totals = data.get("totals") or {}
    snapshot = StockSnapshot.objects.create(
        product=product,
        taken_at=at,
        physical=figure(totals.get("physical")) or 0,
        reserved=figure(totals.get("reserved")) or 0,
        sellable=figure(totals.get("sellable")) or 0,
        calculated=figure(totals.get("calculated")) or 0,
        open_sales_orders=figure(totals.get("openSalesOrders")) or 0,
        pseudo=figure(totals.get("pseudo")),
        correction=figure(totals.get("correction")),
        producible=figure(totals.get("producible")),
    )
    WarehouseStock.objects.bulk_create(
        WarehouseStock(
            snapshot=snapshot, warehouse_id=str(w["id"]), physical=figure(w.get("physical")) or 0
        )
        for w in data.get("warehouses") or []
    )
    ChannelStock.objects.bulk_create(
        ChannelStock(
            snapshot=snapshot,
            sales_channel_id=str(c["id"]),
            pseudo=figure(c.get("pseudo")),
            correction=figure(c.get("correction")),
        )
        for c in data.get("salesChannels") or []
    )
    Reservation.objects.bulk_create(_reservation_rows(snapshot=snapshot, reservations=reservations))
    return snapshot


def _reservation_rows(*, snapshot: StockSnapshot, reservations: list[dict]) -> list[Reservation]:
    """Unsaved rows for Xentral's reservations, linked to the hub order a reason names."""
    numbers = {}
    for item in reservations:
        match = ORDER_REASON.match(item.get("reason") or "")
        if match:
            numbers[item["id"]] = match[1]
    orders = {
        o.xentral_order_number: o
        for o in OrderRequest.objects.filter(xentral_order_number__in=set(numbers.values()))
    }
    rows = []
    for item in reservations:
        customer = item.get("customer") or {}
        rows.append(
            Reservation(
                snapshot=snapshot,
                xentral_id=str(item["id"]),
                amount=figure(item.get("amount")) or 0,
                reason=(item.get("reason") or "")[:255],
                project_id=str((item.get("project") or {}).get("id") or ""),
                customer_id=str(customer.get("id") or ""),
                customer_name=(customer.get("name") or "")[:255],
                customer_number=str(customer.get("number") or ""),
                order=orders.get(numbers.get(item["id"])),
            )
        )
    return rows


def stock_refresh(*, products: list[Product], client: XentralClient | None = None) -> int:
    """Refresh these products now (the admin's "refresh now"); returns snapshots written."""
    client = stock_client(client)
    with stock_changes_batch():
        return sum(1 for p in products if snapshot_take(product=p, client=client.bound(subject=p)))


def snapshots_prune(*, older_than_days: int) -> int:
    """Drop history older than N days, keeping every product's latest snapshot."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    keep = ProductStock.objects.exclude(latest=None).values_list("latest_id", flat=True)
    deleted, _ = StockSnapshot.objects.filter(taken_at__lt=cutoff).exclude(pk__in=keep).delete()
    return deleted
