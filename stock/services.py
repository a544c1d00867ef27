"""Writes of the stock app: cache warehouses, take snapshots, run a poll cycle inside the
stock budget, evaluate alerts, prune history."""

import hashlib
import json
import logging
import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from backoffice.xentral.params import MAX_PAGE_SIZE, filter_params
from catalog.models import Product, ProductKind
from stock.models import (
    AlertKind,
    ChannelStock,
    PollCycle,
    ProductStock,
    Reservation,
    StockAlert,
    StockSnapshot,
    StorageLocation,
    Warehouse,
    WarehouseStock,
)

logger = logging.getLogger(__name__)

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


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _client(client: XentralClient | None, subject=None) -> XentralClient:
    return client or XentralClient(purpose=Purpose.STOCK, subject=subject)


# --- warehouses ------------------------------------------------------------------------------
def warehouses_sync(*, client: XentralClient | None = None) -> tuple[int, int]:
    """Cache warehouses and their storage locations (with flags); returns the counts."""
    client = _client(client)
    warehouses = locations = 0
    for item in client.paginate("/api/v1/warehouses"):
        warehouse, _ = Warehouse.objects.update_or_create(
            xentral_id=str(item["id"]),
            defaults={
                "designation": item.get("designation") or item.get("name") or f"#{item['id']}",
                "project_id": str((item.get("project") or {}).get("id") or ""),
            },
        )
        warehouses += 1
        for loc in client.paginate(f"/api/v1/warehouses/{warehouse.xentral_id}/storageLocations"):
            StorageLocation.objects.update_or_create(
                xentral_id=str(loc["id"]),
                defaults={
                    "warehouse": warehouse,
                    "designation": loc.get("designation") or loc.get("name") or f"#{loc['id']}",
                    "is_replenishment": bool(loc.get("isReplenishmentLocation")),
                    "is_consumption": bool(loc.get("isConsumptionLocation")),
                    "is_restricted": bool(loc.get("isRestrictedLocation")),
                    "production_access": bool(loc.get("productionAccess")),
                    "is_pos": bool(loc.get("isPosLocation")),
                    "sort": int(loc.get("sort") or 0),
                },
            )
            locations += 1
    return warehouses, locations


def storage_location_items(*, location: StorageLocation, client=None) -> list[dict]:
    """What lies on a location, with batch, best-before and serial numbers: one call, on
    demand (never in the poller)."""
    client = _client(client)
    path = (
        f"/api/v2/warehouses/{location.warehouse.xentral_id}/storageLocations/"
        f"{location.xentral_id}/items"
    )
    # The v2 operation takes no paging parameters: one call answers the whole location.
    return (client.get(path) or {}).get("data") or []


# --- snapshots -------------------------------------------------------------------------------
def _stock_for(product: Product) -> ProductStock:
    stock, _ = ProductStock.objects.get_or_create(product=product)
    return stock


def snapshot_take(*, product: Product, client: XentralClient | None = None) -> StockSnapshot | None:
    """Read the product's stock (and its reservations when some are held); write a snapshot
    only when a figure changed, else just move `checked_at`. Returns the new snapshot."""
    client = _client(client, subject=product)
    stock = _stock_for(product)
    data = (client.get(f"/api/v1/products/{product.xentral_id}/stocks") or {}).get("data") or {}
    totals = data.get("totals") or {}
    reservations = []
    if _dec(totals.get("reserved")) or (stock.latest and stock.latest.reserved):
        path = f"/api/v1/products/{product.xentral_id}/reservations"
        reservations = list(client.paginate(path))
    figures = {
        "totals": {k: str(_dec(totals.get(k))) for k in FIGURES},
        "warehouses": sorted(
            (str(w["id"]), str(_dec(w.get("physical")))) for w in data.get("warehouses") or []
        ),
        "channels": sorted(
            (str(c["id"]), str(_dec(c.get("pseudo"))), str(_dec(c.get("correction"))))
            for c in data.get("salesChannels") or []
        ),
        "reservations": sorted(
            (str(r["id"]), str(_dec(r.get("amount"))), r.get("reason") or "") for r in reservations
        ),
    }
    digest = hashlib.sha256(json.dumps(figures, sort_keys=True).encode()).hexdigest()
    now = timezone.now()
    # The list's stockCount is the physical total: what the next list check compares with.
    seen = _dec(totals.get("physical"))
    if digest == stock.figures_hash and stock.latest is not None:
        ProductStock.objects.filter(pk=stock.pk).update(
            checked_at=now, list_checked_at=now, needs_refresh=False, stock_count_seen=seen
        )
        return None
    with transaction.atomic():
        snapshot = StockSnapshot.objects.create(
            product=product,
            taken_at=now,
            physical=_dec(totals.get("physical")) or 0,
            reserved=_dec(totals.get("reserved")) or 0,
            sellable=_dec(totals.get("sellable")) or 0,
            calculated=_dec(totals.get("calculated")) or 0,
            open_sales_orders=_dec(totals.get("openSalesOrders")) or 0,
            pseudo=_dec(totals.get("pseudo")),
            correction=_dec(totals.get("correction")),
            producible=_dec(totals.get("producible")),
        )
        WarehouseStock.objects.bulk_create(
            WarehouseStock(
                snapshot=snapshot, warehouse_id=str(w["id"]), physical=_dec(w.get("physical")) or 0
            )
            for w in data.get("warehouses") or []
        )
        ChannelStock.objects.bulk_create(
            ChannelStock(
                snapshot=snapshot,
                sales_channel_id=str(c["id"]),
                pseudo=_dec(c.get("pseudo")),
                correction=_dec(c.get("correction")),
            )
            for c in data.get("salesChannels") or []
        )
        Reservation.objects.bulk_create(_reservation_rows(snapshot, reservations))
        stock.latest = snapshot
        stock.figures_hash = digest
        stock.checked_at = now
        stock.needs_refresh = False
        stock.stock_count_seen = seen
        stock.save(
            update_fields=[
                "latest",
                "figures_hash",
                "checked_at",
                "needs_refresh",
                "stock_count_seen",
            ]
        )
    alerts_evaluate(stock=stock, client=client)
    return snapshot


def _reservation_rows(snapshot: StockSnapshot, reservations: list[dict]) -> list[Reservation]:
    from orders.models import OrderRequest

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
                amount=_dec(item.get("amount")) or 0,
                reason=(item.get("reason") or "")[:255],
                project_id=str((item.get("project") or {}).get("id") or ""),
                customer_id=str(customer.get("id") or ""),
                customer_name=(customer.get("name") or "")[:255],
                customer_number=str(customer.get("number") or ""),
                order=orders.get(numbers.get(item["id"])),
            )
        )
    return rows


# --- polling ---------------------------------------------------------------------------------
def cycle_budget() -> int:
    """Calls one cycle (run every minute) may spend: the stock share of a minute's limit,
    less what stock already used in the current window."""
    per_minute = settings.XENTRAL_RATE_LIMIT * settings.XENTRAL_BUDGET_SHARES["stock"]
    per_minute *= 60 / settings.XENTRAL_RATE_WINDOW_S
    from backoffice.xentral.budget import budget_usage

    return max(0, int(per_minute) - budget_usage().get(Purpose.STOCK, 0))


def _max_age(stock: ProductStock) -> timedelta:
    low = stock.latest is not None and stock.latest.sellable < _min_sellable(stock)
    minutes = settings.STOCK_LOW_MAX_AGE_MIN if low else settings.STOCK_MAX_AGE_MIN
    return timedelta(minutes=minutes)


def stock_poll_cycle(
    *, budget: int | None = None, client: XentralClient | None = None, skus: list[str] | None = None
) -> PollCycle:
    """One poll: refresh what matters most within `budget` calls: (1) products ordered
    through the hub since the last cycle, (2) products whose list `stockCount` changed (one list
    call checks 50), (3) the stalest, low-stock ones sooner. Never exceeds the budget."""
    # No silent retries inside the cycle: every attempt must be a planned call.
    client = _client(client).bound()
    client.get_retries = 0
    client.max_inline_wait_s = -1
    started = timezone.now()
    last = PollCycle.objects.order_by("-started_at").first()
    cycle = PollCycle.objects.create(started_at=started)
    budget = cycle_budget() if budget is None else budget
    spent = 0
    refreshed: set[int] = set()
    checked: set[int] = set()
    snapshots = 0

    def left() -> int:
        return budget - spent

    def refresh(stock: ProductStock) -> bool:
        nonlocal snapshots, spent
        # A refresh costs one call, two when reservations must be read too.
        cost = 2 if stock.latest is None or stock.latest.reserved else 1
        if stock.product_id in refreshed:
            return True
        if left() < cost:
            return False
        product_client = client.bound(subject=stock.product)
        try:
            if snapshot_take(product=stock.product, client=product_client):
                snapshots += 1
        except XentralError as error:
            if error.retryable:
                raise  # Xentral is down or rate limiting: the rest of the plan would fail too
            # One product's failure (e.g. deleted in Xentral) must not starve the others.
            logger.warning("stock of %s not read: %s", stock.product.number, error)
        finally:
            spent += product_client.calls_made
        refreshed.add(stock.product_id)
        checked.add(stock.product_id)
        return True

    stocks = _ensure_stock_rows(skus)

    def plan() -> None:
        nonlocal spent
        _mark_ordered(since=last.started_at if last else started - timedelta(days=1))
        queue = list(stocks.filter(needs_refresh=True).select_related("product", "latest"))
        queue += list(
            stocks.filter(latest__isnull=True, needs_refresh=False).select_related("product")
        )
        for stock in queue:
            if not refresh(stock):
                break
        # (2) one list call tells whether 50 products' physical stock moved.
        while left() >= 2:
            unchecked = stocks.filter(Q(list_checked_at__lt=started) | Q(list_checked_at=None))
            batch = list(
                unchecked.select_related("product", "latest").order_by(
                    "list_checked_at", "checked_at"
                )[:MAX_PAGE_SIZE]
            )
            if not batch:
                break
            before = client.calls_made
            try:
                changed = _list_check(batch, client)
            finally:
                spent += client.calls_made - before
            checked.update(s.product_id for s in batch)
            for stock in changed:
                if not refresh(stock):
                    break
        # (3) the stalest, even if stockCount did not move (reservations change without it).
        now = timezone.now()
        soonest = timedelta(minutes=min(settings.STOCK_MAX_AGE_MIN, settings.STOCK_LOW_MAX_AGE_MIN))
        due = stocks.filter(Q(checked_at__lt=now - soonest) | Q(checked_at=None))
        for stock in due.select_related("product", "latest").order_by("checked_at").iterator():
            if left() < 1:
                break
            if stock.checked_at and now - stock.checked_at < _max_age(stock):
                continue
            if not refresh(stock):
                break

    try:
        plan()
    except XentralError as error:
        # Xentral down or limiting: stop here; the cycle is still recorded with what it spent.
        logger.warning("stock poll stopped early: %s", error)
    oldest = stocks.order_by("checked_at").values_list("checked_at", flat=True).first()
    cycle.finished_at = timezone.now()
    cycle.budget = budget
    cycle.products_checked = len(checked)
    cycle.products_refreshed = len(refreshed)
    cycle.calls_spent = spent
    cycle.snapshots_written = snapshots
    cycle.oldest_unchecked_age_s = (
        int((cycle.finished_at - oldest).total_seconds()) if oldest else None
    )
    cycle.save()
    return cycle


def _ensure_stock_rows(skus: list[str] | None):
    products = Product.objects.filter(is_stock_item=True).exclude(kind=ProductKind.MATRIX_PARENT)
    if skus:
        products = products.filter(number__in=skus)
    missing = products.filter(stock__isnull=True)
    ProductStock.objects.bulk_create(
        [ProductStock(product=p) for p in missing], ignore_conflicts=True
    )
    return ProductStock.objects.filter(product__in=products)


def _mark_ordered(*, since) -> None:
    try:
        from orders.selectors import product_ids_ordered_since
    except ImportError:
        return
    ids = product_ids_ordered_since(since=since)
    if ids:
        ProductStock.objects.filter(product__xentral_id__in=ids).update(needs_refresh=True)


def _list_check(batch: list[ProductStock], client: XentralClient) -> list[ProductStock]:
    ids = [s.product.xentral_id for s in batch]
    params = {**filter_params(("id", "in", ids)), "page[number]": 1, "page[size]": MAX_PAGE_SIZE}
    items = {
        str(i["id"]): i
        for i in (client.get("/api/v2/products", params=params) or {}).get("data") or []
    }
    changed = []
    for stock in batch:
        count = _dec((items.get(stock.product.xentral_id) or {}).get("stockCount"))
        if count != stock.stock_count_seen:
            if stock.stock_count_seen is not None:
                changed.append(stock)
            ProductStock.objects.filter(pk=stock.pk).update(stock_count_seen=count)
    # One statement for the whole batch; only the few that moved need a row of their own.
    ProductStock.objects.filter(pk__in=[s.pk for s in batch]).update(list_checked_at=timezone.now())
    return changed


def stock_refresh(*, products: list[Product], client: XentralClient | None = None) -> int:
    """Refresh these products now (the admin's "refresh now"); returns snapshots written."""
    client = _client(client)
    return sum(1 for p in products if snapshot_take(product=p, client=client.bound(subject=p)))


def snapshots_prune(*, older_than_days: int) -> int:
    """Drop history older than N days, keeping every product's latest snapshot."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    keep = ProductStock.objects.exclude(latest=None).values_list("latest_id", flat=True)
    deleted, _ = StockSnapshot.objects.filter(taken_at__lt=cutoff).exclude(pk__in=keep).delete()
    return deleted


# --- alerts ----------------------------------------------------------------------------------
def _min_sellable(stock: ProductStock) -> Decimal:
    if stock.min_sellable is not None:
        return stock.min_sellable
    return Decimal(str(settings.STOCK_MIN_SELLABLE_DEFAULT))


def alerts_evaluate(*, stock: ProductStock, client: XentralClient | None = None) -> None:
    """Open and resolve the product's alerts from its latest snapshot."""
    snapshot = stock.latest
    if snapshot is None:
        return
    minimum = _min_sellable(stock)
    ratio = settings.STOCK_RESERVED_RATIO
    conditions = {
        AlertKind.LOW_STOCK: (
            snapshot.sellable < minimum,
            f"sellable {snapshot.sellable:f} below the minimum {minimum:f}",
        ),
        AlertKind.HIGH_RESERVATION: (
            snapshot.physical > 0 and snapshot.reserved / snapshot.physical > Decimal(str(ratio)),
            f"{snapshot.reserved:f} of {snapshot.physical:f} reserved",
        ),
        AlertKind.DEMAND_ABOVE_SUPPLY: (
            snapshot.sellable <= settings.STOCK_NEAR_ZERO
            and snapshot.open_sales_orders >= settings.STOCK_HIGH_OPEN_ORDERS,
            f"sellable {snapshot.sellable:f}, open sales orders {snapshot.open_sales_orders:f}",
        ),
    }
    if stock.product.kind in (ProductKind.JIT, ProductKind.BOM):
        conditions[AlertKind.JIT_SPLIT] = _jit_split(stock, client)
    for kind, (active, details) in conditions.items():
        _alert_set(stock.product, kind, active, details)


def _jit_split(stock: ProductStock, client) -> tuple[bool, str]:
    if stock.parts is None:
        client = _client(client, subject=stock.product)
        parts = list(client.paginate(f"/api/v1/products/{stock.product.xentral_id}/parts"))
        stock.parts = [
            {"id": str(p["part"]["id"]), "amount": str(p.get("amount", 1))} for p in parts
        ]
        ProductStock.objects.filter(pk=stock.pk).update(parts=stock.parts)
    if not stock.parts:
        return False, ""
    holdings: dict[str, set[str]] = {}
    for part in stock.parts:
        component = (
            ProductStock.objects.filter(product__xentral_id=part["id"])
            .select_related("latest")
            .first()
        )
        if component is None or component.latest is None:
            return False, ""  # not known yet; judged once every component has a snapshot
        holdings[part["id"]] = {
            w.warehouse_id
            for w in component.latest.warehouses.all()
            if w.physical >= Decimal(part["amount"])
        }
    common = set.intersection(*holdings.values())
    return not common, "no warehouse holds every component for one kit"


def _alert_set(product: Product, kind: str, active: bool, details: str) -> None:
    open_alert = StockAlert.objects.filter(product=product, kind=kind, resolved_at__isnull=True)
    if not active:
        open_alert.update(resolved_at=timezone.now())
        return
    if open_alert.exists():
        return
    try:
        with transaction.atomic():
            alert = StockAlert.objects.create(product=product, kind=kind, details=details)
    except IntegrityError:
        return  # opened by a concurrent poll
    if settings.STOCK_ALERT_EMAILS:
        send_mail(
            f"Stock alert: {product.number} - {alert.get_kind_display()}",
            f"{product.number} ({product.name}): {details}",
            None,
            settings.STOCK_ALERT_EMAILS,
            fail_silently=True,
        )
