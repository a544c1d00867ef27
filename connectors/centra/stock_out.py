"""Stock out to Centra: physical stock per mapped Centra warehouse, less what other channels'
orders hold reserved in Xentral, pushed with `setStock` by EAN (else SKU) in batches, when a
product's figure changed for a reason other than this channel's own orders, plus a nightly
full resync. Decisions and their reasons: docs/centra.md, "Stock out"."""

import logging
import math
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, prefetch_related_objects
from django.utils import timezone
from django_q.tasks import async_task

from backoffice.models import ChannelKind
from catalog.models import Product, ProductKind
from connectors.centra.client import CentraClient
from connectors.centra.errors import (
    CentraError,
    CentraRateLimited,
    CentraUserError,
    CentraUserWarning,
)
from connectors.centra.models import CentraChannel, CentraStockItem, CentraStockSync
from stock.models import ProductStock, StockSnapshot

logger = logging.getLogger(__name__)

DESCRIPTION = "Xentral stock"
CLAIM_LEASE = timedelta(minutes=5)
# A queued push task older than this was lost by the broker: the sweeper takes over.
QUEUED_STALE = timedelta(minutes=2)
# What `centra_quantities` and `reserved_split` read of a snapshot.
SNAPSHOT_PARTS = ("warehouses", "reservations__order")


def batch_size() -> int:
    """Sizes per `setStock` (one mutation whatever its length)."""
    return int(getattr(settings, "CENTRA_STOCK_BATCH", 100))


def settle_s() -> float:
    """How long a push task waits for a burst of changes (a poll cycle) to gather."""
    return float(getattr(settings, "CENTRA_STOCK_SETTLE_S", 5.0))


# --- what Centra is told ---------------------------------------------------------------------
def centra_warehouses(centra: CentraChannel) -> list[str]:
    """The mapped Centra warehouse ids, in mapping order, each once."""
    return list(dict.fromkeys(str(v) for v in centra.warehouse_map.values() if str(v).strip()))


def reserved_split(*, centra: CentraChannel, snapshot: StockSnapshot) -> tuple[Decimal, Decimal]:
    """(reserved for this channel's own orders, reserved for anything else): a reservation is
    the channel's own only when it names a hub order that came from this channel. Callers with
    more than one snapshot prefetch `SNAPSHOT_PARTS`, so this reads no rows itself."""
    own = other = Decimal(0)
    for reservation in snapshot.reservations.all():
        if reservation.order is not None and reservation.order.channel_id == centra.channel_id:
            own += reservation.amount
        else:
            other += reservation.amount
    return own, other


def centra_quantities(*, centra: CentraChannel, snapshot: StockSnapshot) -> dict[str, int]:
    """Centra warehouse id -> the physical quantity to set: the mapped Xentral warehouses'
    physical stock less *all* of other channels' reservations in each (Xentral does not say
    which warehouse will ship them), rounded down, never below 0."""
    physical: dict[str, Decimal] = defaultdict(Decimal)
    for row in snapshot.warehouses.all():
        target = centra.warehouse_map.get(row.warehouse_id)
        if target is not None and str(target).strip():
            physical[str(target)] += row.physical
    _, other = reserved_split(centra=centra, snapshot=snapshot)
    return {w: max(0, math.floor(physical[w] - other)) for w in centra_warehouses(centra)}


def own_orders_explain(
    *, centra: CentraChannel, previous: StockSnapshot, snapshot: StockSnapshot
) -> bool:
    """True when the change is this channel's own orders shipping: the physical stock fell by
    exactly what its own reservations fell by, and nothing else reserved moved. Centra counts
    its own shipments itself (CENTRA.md §3), so such a change is not pushed."""
    own_before, other_before = reserved_split(centra=centra, snapshot=previous)
    own_after, other_after = reserved_split(centra=centra, snapshot=snapshot)
    shipped = own_before - own_after
    return (
        shipped > 0
        and other_before == other_after
        and previous.physical - snapshot.physical == shipped
    )


def size_input(product: Product, duplicate_eans: set[str]) -> dict:
    """How Centra finds the size: its EAN (a barcode both systems share), else the SKU."""
    if product.ean and product.ean not in duplicate_eans:
        return {"EAN": product.ean}
    return {"SKU": product.number}


def pushing_channels():
    return CentraChannel.objects.filter(
        channel__is_active=True, channel__kind=ChannelKind.CENTRA
    ).exclude(warehouse_map={})


def pushable_products():
    return Product.objects.filter(is_stock_item=True).exclude(kind=ProductKind.MATRIX_PARENT)


# --- the hook: a snapshot changed --------------------------------------------------------------
def centra_stock_changed(
    *, product: Product, previous: StockSnapshot | None, snapshot: StockSnapshot
) -> None:
    """For each Centra channel: owe a push when the figure it is told changed for a reason
    other than its own orders; for its own orders, only move what Centra is believed to hold."""
    if not product.is_stock_item or product.kind == ProductKind.MATRIX_PARENT:
        return  # as pushable_products(), without a query per snapshot
    # Read once, not once per channel and comparison.
    prefetch_related_objects([s for s in (previous, snapshot) if s is not None], *SNAPSHOT_PARTS)
    for centra in pushing_channels():
        new = centra_quantities(centra=centra, snapshot=snapshot)
        if previous is not None and new == centra_quantities(centra=centra, snapshot=previous):
            continue
        item, _ = CentraStockItem.objects.get_or_create(centra=centra, product=product)
        if previous is not None and own_orders_explain(
            centra=centra, previous=previous, snapshot=snapshot
        ):
            CentraStockItem.objects.filter(pk=item.pk, due=False).update(quantities=new)
            continue
        owed = CentraStockItem.objects.filter(pk=item.pk, unknown_since__isnull=True).update(
            due=True, version=F("version") + 1
        )
        if owed:
            stock_push_request(centra=centra)


def stock_push_request(*, centra: CentraChannel) -> None:
    """Enqueue one push task per burst: none while one is queued and not yet started."""
    sync, _ = CentraStockSync.objects.get_or_create(centra=centra)
    now = timezone.now()
    queued = CentraStockSync.objects.filter(pk=sync.pk).filter(
        Q(push_queued_at__isnull=True) | Q(push_queued_at__lt=now - QUEUED_STALE)
    )
    if queued.update(push_queued_at=now):
        transaction.on_commit(
            lambda: async_task(
                "connectors.centra.tasks.push_stock",
                centra.pk,
                task_name=f"centra-stock-{centra.pk}",
            )
        )


# --- pushing -------------------------------------------------------------------------------------
@dataclass
class PushResult:
    calls: int = 0
    sizes_sent: int = 0
    unknown: list[str] = field(default_factory=list)
    unknown_ids: set[int] = field(default_factory=set)
    stopped: str = ""
    retry_after: float | None = None


def centra_stock_push_queued(*, centra_id: int) -> PushResult:
    """The queued task: let the burst settle, free the queue for later changes, push."""
    time.sleep(settle_s())
    CentraStockSync.objects.filter(centra_id=centra_id).update(push_queued_at=None)
    centra = CentraChannel.objects.select_related("channel").get(pk=centra_id)
    return centra_stock_push(centra=centra)


def centra_stock_push(*, centra: CentraChannel, client: CentraClient | None = None) -> PushResult:
    """Push every due item of the channel, `batch_size()` products at a time, one `setStock` per
    Centra warehouse whose figure Centra does not hold yet. A 429, an outage or a refused
    batch stops the run; what was not pushed stays due with a later attempt time."""
    client = client or CentraClient(centra, subject=centra)
    result = PushResult()
    duplicate_eans = set(
        Product.objects.exclude(ean="")
        .values("ean")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("ean", flat=True)
    )
    while not result.stopped:
        token, items = _claim(centra=centra)
        if not items:
            break
        try:
            _push_items(centra, client, items, duplicate_eans, result)
        finally:
            CentraStockItem.objects.filter(claim=token).update(claim="", claimed_until=None)
    CentraStockSync.objects.update_or_create(
        centra=centra,
        defaults={"last_push_at": timezone.now(), "last_error": result.stopped},
    )
    return result


def _claim(*, centra: CentraChannel) -> tuple[str, list[CentraStockItem]]:
    now = timezone.now()
    token = uuid.uuid4().hex
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ids = list(
        CentraStockItem.objects.filter(centra=centra, due=True)
        .filter(Q(unknown_since__isnull=True) | Q(force=True))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(free)
        .order_by("pk")
        .values_list("pk", flat=True)[: batch_size()]
    )
    CentraStockItem.objects.filter(pk__in=ids).filter(free).update(
        claim=token, claimed_until=now + CLAIM_LEASE
    )
    return token, list(CentraStockItem.objects.filter(claim=token).select_related("product"))


def _push_items(centra, client, items, duplicate_eans, result: PushResult) -> None:
    latest = dict(
        ProductStock.objects.filter(product_id__in=[i.product_id for i in items]).values_list(
            "product_id", "latest_id"
        )
    )
    snapshots = StockSnapshot.objects.prefetch_related(*SNAPSHOT_PARTS).in_bulk(
        [s for s in latest.values() if s]
    )
    pending: dict[int, dict] = {}
    for item in items:
        snapshot = snapshots.get(latest.get(item.product_id))
        if snapshot is None:  # never read: nothing is known to tell Centra
            _settle(item, {})
            continue
        target = centra_quantities(centra=centra, snapshot=snapshot)
        pending[item.pk] = {
            "item": item,
            "target": target,
            "held": dict(item.quantities),
            "size": size_input(item.product, duplicate_eans),
        }
    for warehouse in centra_warehouses(centra):
        rows = [
            p
            for p in pending.values()
            if p["item"].force or p["held"].get(warehouse) != p["target"][warehouse]
        ]
        done = _set_stock(client, warehouse, rows, result)
        for pk in result.unknown_ids:
            pending.pop(pk, None)
        if not done:
            _defer(pending.values(), result)
            return
        for p in rows:
            p["held"][warehouse] = p["target"][warehouse]
    for p in pending.values():
        _settle(p["item"], p["held"], sent_as=_describe(p["size"]))


def _set_stock(client, warehouse: str, rows: list[dict], result: PushResult) -> bool:
    """Send `rows` to one warehouse in batches; sizes Centra does not know are marked and left
    out, the rest sent again. False when the run must stop."""
    for start in range(0, len(rows), batch_size()):
        batch = rows[start : start + batch_size()]
        while batch:
            variables = {
                "input": {
                    "warehouse": {"id": int(warehouse)},
                    "description": DESCRIPTION,
                    "stockQuantityType": "PHYSICAL",
                    "productSizes": [
                        {"productSize": r["size"], "quantity": r["target"][warehouse]}
                        for r in batch
                    ],
                }
            }
            result.calls += 1
            try:
                client.mutate("SetStock", variables)
            except CentraUserWarning as warning:  # applied; Centra raised what it had to
                logger.info("Centra warned on setStock: %s", warning)
            except CentraUserError as error:
                unknown = _unknown_rows(error, batch)
                if not unknown:
                    result.stopped = str(error)
                    return False
                for row in unknown:
                    _mark_unknown(row, error)
                    result.unknown.append(row["item"].product.number)
                    result.unknown_ids.add(row["item"].pk)
                batch = [r for r in batch if r not in unknown]
                continue
            except CentraRateLimited as error:
                result.stopped, result.retry_after = str(error), error.retry_after
                return False
            except CentraError as error:
                result.stopped = str(error)
                return False
            result.sizes_sent += len(batch)
            batch = []
    return True


def _unknown_rows(error: CentraUserError, batch: list[dict]) -> list[dict]:
    """The rows a userError's path names (`input.productSizes.<i>.productSize`); empty when
    any problem names something else (the warehouse, the whole input)."""
    named = []
    for problem in error.problems:
        path = [str(p) for p in problem.get("path") or []]
        if "productSizes" not in path or path.index("productSizes") + 1 >= len(path):
            return []
        index = path[path.index("productSizes") + 1]
        if not index.isdigit() or int(index) >= len(batch) or "quantity" in path:
            return []
        named.append(batch[int(index)])
    return named


def _mark_unknown(row: dict, error: CentraUserError) -> None:
    item = row["item"]
    message = "; ".join(str(p.get("message")) for p in error.problems)
    CentraStockItem.objects.filter(pk=item.pk).update(
        unknown_since=timezone.now(),
        due=False,
        force=False,
        sent_as=_describe(row["size"]),
        error=message[:2000],
    )


def _describe(size: dict) -> str:
    return " ".join(f"{k} {v}" for k, v in size.items())


def _settle(item: CentraStockItem, held: dict, *, sent_as: str = "") -> None:
    """The item's push is done: Centra holds `held`; the debt is cleared unless a newer
    change arrived meanwhile."""
    now = timezone.now()
    fields = {
        "quantities": held,
        "attempts": 0,
        "next_attempt_at": None,
        "error": "",
        "unknown_since": None,
        "pushed_at": now,
    }
    if sent_as:
        fields["sent_as"] = sent_as
    CentraStockItem.objects.filter(pk=item.pk).update(**fields)
    CentraStockItem.objects.filter(pk=item.pk, version=item.version).update(due=False, force=False)


def _defer(pending, result: PushResult) -> None:
    """Keep what could not be pushed due, for a later attempt (Retry-After when Centra gave
    one, else exponential backoff); what some warehouses already got is kept."""
    now = timezone.now()
    for p in pending:
        item = p["item"]
        attempts = item.attempts + 1
        wait = result.retry_after
        if wait is None:
            wait = min(3600, 30 * 2 ** (attempts - 1))
        CentraStockItem.objects.filter(pk=item.pk).update(
            quantities=p["held"],
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=wait),
            error=result.stopped[:2000],
        )


# --- schedules -------------------------------------------------------------------------------
def centra_stock_push_due() -> int:
    """The every-minute sweeper: push what is due (retries, lost tasks) for every channel;
    returns the calls made."""
    calls = 0
    now = timezone.now()
    for centra in pushing_channels().select_related("channel"):
        due = CentraStockItem.objects.filter(centra=centra, due=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if due.filter(Q(unknown_since__isnull=True) | Q(force=True)).exists():
            calls += centra_stock_push(centra=centra).calls
    return calls


def centra_stock_resync(*, centra: CentraChannel) -> int:
    """Owe Centra every product's figure once, in every mapped warehouse, whatever it is
    believed to hold (sizes it did not know are tried again); returns the items owed. The
    pushes run in batches like any other and resume after a 429."""
    read = pushable_products().filter(stock__latest__isnull=False)
    CentraStockItem.objects.bulk_create(
        [CentraStockItem(centra=centra, product=p) for p in read], ignore_conflicts=True
    )
    owed = CentraStockItem.objects.filter(centra=centra, product__in=read).update(
        due=True, force=True, version=F("version") + 1, next_attempt_at=None, attempts=0
    )
    CentraStockSync.objects.update_or_create(
        centra=centra, defaults={"last_resync_at": timezone.now()}
    )
    return owed


def centra_stock_resync_all() -> int:
    """The nightly resync: every Centra channel's products owed, then pushed."""
    calls = 0
    for centra in pushing_channels().select_related("channel"):
        centra_stock_resync(centra=centra)
        calls += centra_stock_push(centra=centra).calls
    return calls
