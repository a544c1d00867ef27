"""The stock poller: one cycle a minute refreshes what matters most within the stock budget."""

import logging
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from backoffice.models import Purpose, XentralWebhook
from backoffice.xentral.budget import budget_usage, purpose_per_minute
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from backoffice.xentral.params import MAX_PAGE_SIZE, filter_params
from catalog.models import Product, ProductKind
from orders.selectors import product_ids_ordered_since
from stock.changes import stock_changes_batch
from stock.models import PollCycle, ProductStock
from stock.selectors import stale_q
from stock.snapshots import figure, snapshot_take
from stock.xentral import stock_client

logger = logging.getLogger(__name__)

# Subscribed to both, the hub hears of every stock change Xentral announces.
STOCK_EVENTS = {"com.xentral.storageItem.movement.v1", "com.xentral.reservation.changed.v1"}


def cycle_budget() -> int:
    """Calls one cycle (run every minute) may spend: the stock share of a minute's limit,
    less what stock already used in the current window."""
    per_minute = int(purpose_per_minute(Purpose.STOCK))
    return max(0, per_minute - budget_usage().get(Purpose.STOCK, 0))


def stock_poll_cycle(
    *, budget: int | None = None, client: XentralClient | None = None, skus: list[str] | None = None
) -> PollCycle:
    """One poll: refresh what matters most within `budget` calls: (1) products ordered
    through the hub since the last cycle, (2) products whose list `stockCount` changed (one list
    call checks 50), (3) the stalest, low-stock ones sooner. Never exceeds the budget."""
    # No silent retries inside the cycle: every attempt must be a planned call.
    client = stock_client(client).bound()
    client.get_retries = 0
    client.max_inline_wait_s = -1
    started = timezone.now()
    last = PollCycle.objects.order_by("-started_at").first()
    cycle = PollCycle.objects.create(started_at=started)
    budget = cycle_budget() if budget is None else budget
    stocks = _ensure_stock_rows(skus)
    plan = PollPlan(client=client, budget=budget, stocks=stocks, started=started)
    try:
        # One cycle is one batch of stock announcements (see stock.changes).
        with stock_changes_batch():
            plan.run(ordered_since=last.started_at if last else started - timedelta(days=1))
    except XentralError as error:
        # Xentral down or limiting: stop here; the cycle is still recorded with what it spent.
        logger.warning("stock poll stopped early: %s", error)
    oldest = stocks.order_by("checked_at").values_list("checked_at", flat=True).first()
    cycle.finished_at = timezone.now()
    cycle.budget = budget
    cycle.products_checked = len(plan.checked)
    cycle.products_refreshed = len(plan.refreshed)
    cycle.calls_spent = plan.spent
    cycle.snapshots_written = plan.snapshots
    cycle.oldest_unchecked_age_s = (
        int((cycle.finished_at - oldest).total_seconds()) if oldest else None
    )
    cycle.save()
    return cycle


class PollPlan:
    """One cycle's work in priority order, and what it spent, checked, refreshed and wrote."""

    def __init__(
        self,
        *,
        client: XentralClient,
        budget: int,
        stocks: QuerySet[ProductStock],
        started: datetime,
    ):
        self.client = client
        self.budget = budget
        self.stocks = stocks
        self.started = started
        self.spent = 0
        self.snapshots = 0
        self.refreshed: set[int] = set()
        self.checked: set[int] = set()

    def left(self) -> int:
        return self.budget - self.spent

    def run(self, *, ordered_since: datetime) -> None:
        self.refresh_ordered_and_new(ordered_since=ordered_since)
        self.refresh_changed()
        self.refresh_stalest()

    def refresh(self, stock: ProductStock) -> bool:
        """Re-read one product; False when the budget cannot pay for it (the plan stops)."""
        # A refresh costs one call, two when reservations must be read too.
        cost = 2 if stock.latest is None or stock.latest.reserved else 1
        if stock.product_id in self.refreshed:
            return True
        if self.left() < cost:
            return False
        product_client = self.client.bound(subject=stock.product)
        try:
            if snapshot_take(product=stock.product, client=product_client):
                self.snapshots += 1
        except XentralError as error:
            if error.retryable:
                raise  # Xentral is down or rate limiting: the rest of the plan would fail too
            # One product's failure (e.g. deleted in Xentral) must not starve the others.
            logger.warning("stock of %s not read: %s", stock.product.number, error)
        finally:
            self.spent += product_client.calls_made
        self.refreshed.add(stock.product_id)
        self.checked.add(stock.product_id)
        return True

    def refresh_ordered_and_new(self, *, ordered_since: datetime) -> None:
        """(1) Products ordered through the hub since the last cycle, then those never read."""
        _mark_ordered(since=ordered_since)
        queue = list(self.stocks.filter(needs_refresh=True).select_related("product", "latest"))
        queue += list(
            self.stocks.filter(latest__isnull=True, needs_refresh=False).select_related("product")
        )
        for stock in queue:
            if not self.refresh(stock):
                return

    def refresh_changed(self) -> None:
        """(2) One list call tells whether 50 products' physical stock moved; re-read those.
        While Xentral's stock events are subscribed they name what moved, so the list check
        is a safety net that sweeps every product once per `STOCK_EVENTS_SWEEP_MIN`."""
        batches = sweep_batches(self.stocks.count())
        while self.left() >= 2 and (batches is None or batches > 0):
            if batches is not None:
                batches -= 1
            unchecked = self.stocks.filter(
                Q(list_checked_at__lt=self.started) | Q(list_checked_at=None)
            )
            batch = list(
                unchecked.select_related("product", "latest").order_by(
                    "list_checked_at", "checked_at"
                )[:MAX_PAGE_SIZE]
            )
            if not batch:
                return
            before = self.client.calls_made
            try:
                changed = _list_check(batch, self.client)
            finally:
                self.spent += self.client.calls_made - before
            self.checked.update(s.product_id for s in batch)
            for stock in changed:
                if not self.refresh(stock):
                    break

    def refresh_stalest(self) -> None:
        """(3) The stalest, even if stockCount did not move (reservations change without it)."""
        due = self.stocks.filter(stale_q()).select_related("product", "latest")
        for stock in due.order_by("checked_at").iterator():
            if self.left() < 1 or not self.refresh(stock):
                return


def sweep_batches(products: int) -> int | None:
    """List calls one cycle may spend on the safety-net sweep while events cover stock
    (None: no limit of its own, every product is list-checked each cycle)."""
    registration = XentralWebhook.objects.order_by("pk").first()
    if registration is None or not STOCK_EVENTS.issubset(registration.events):
        return None
    return math.ceil(products / MAX_PAGE_SIZE / max(1.0, settings.STOCK_EVENTS_SWEEP_MIN))


def _ensure_stock_rows(skus: list[str] | None) -> QuerySet[ProductStock]:
    products = Product.objects.filter(is_stock_item=True).exclude(kind=ProductKind.MATRIX_PARENT)
    if skus:
        products = products.filter(number__in=skus)
    missing = products.filter(stock__isnull=True)
    ProductStock.objects.bulk_create(
        [ProductStock(product=p) for p in missing], ignore_conflicts=True
    )
    return ProductStock.objects.filter(product__in=products)


def _mark_ordered(*, since: datetime) -> None:
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
        count = figure((items.get(stock.product.xentral_id) or {}).get("stockCount"))
        if count != stock.stock_count_seen:
            if stock.stock_count_seen is not None:
                changed.append(stock)
            ProductStock.objects.filter(pk=stock.pk).update(stock_count_seen=count)
    # One statement for the whole batch; only the few that moved need a row of their own.
    ProductStock.objects.filter(pk__in=[s.pk for s in batch]).update(list_checked_at=timezone.now())
    return changed
