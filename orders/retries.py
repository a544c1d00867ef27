"""The retry sweeper: due queued orders, orphaned claims and orders persisted but never claimed,
drained round-robin across channels at the pace the shared rate budget allows."""

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backoffice.heartbeat import dead_workers, worker_heartbeat_record, worker_name
from backoffice.xentral.client import xentral_has_room, xentral_room_wait
from orders.attempt_outcomes import order_drain_soon
from orders.errors import OrderErrorCode
from orders.models import OrderRequest, OrderStatus
from orders.selectors import order_next_rate_window_wait, orders_due
from orders.services import order_process
from orders.transitions import order_claim, order_transition

STALE_CLAIM = timedelta(minutes=5)
# Past the window's turn, so the first call of the new window is counted in it.
WINDOW_MARGIN_S = 0.05


def orders_release_orphaned_claims(*, now=None) -> int:
    """Queue again what a dead process was processing: claims older than five minutes, and
    sooner the claims of a worker whose heartbeat says it is dead."""
    now = now or timezone.now()
    orphaned = Q(claimed_at__lt=now - STALE_CLAIM)
    dead = dead_workers(now=now)
    if dead:
        orphaned |= Q(claimed_by__in=dead)
    released = 0
    for order_id, claim_token in OrderRequest.objects.filter(
        orphaned, status=OrderStatus.PROCESSING
    ).values_list("pk", "claim_token"):
        released += order_transition(
            order_id=order_id,
            to=OrderStatus.QUEUED,
            sources=[OrderStatus.PROCESSING],
            message="Processing was interrupted; queued again",
            where={"claim_token": claim_token},
            fields={"next_attempt_at": now},
        )
    return released


def _waits_for_rate_limit(order: OrderRequest) -> bool:
    return (
        order.status == OrderStatus.QUEUED
        and bool(order.errors)
        and order.errors[0].get("code") == OrderErrorCode.RATE_LIMITED
    )


def _attempt_batch(batch: list[tuple], *, worker: str, now) -> tuple[int, bool]:
    """Claim and process the batch in order; stops when the budget has no room. Returns
    (orders attempted, whether it stopped for the budget)."""
    attempted = 0
    for order_id, status in batch:
        if not xentral_has_room():
            return attempted, True
        where = {"next_attempt_at__lte": now} if status == OrderStatus.QUEUED else {}
        token = order_claim(
            order_id=order_id, sources=[status], message="Retry", where=where, claimant=worker
        )
        if token is None:
            continue
        attempted += 1
        order = order_process(order_id=order_id, claim_token=token, from_worker=True)
        if _waits_for_rate_limit(order):
            return attempted, True
    return attempted, False


def orders_retry_due(
    *,
    limit: int = 100,
    max_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Drain what is due (the every-minute schedule runs this; a web request that found no
    room starts one too). While orders only wait for the rate limit, keep going window after
    window, for up to `max_seconds` (ORDER_SWEEP_MAX_S). Returns how many were attempted."""
    worker = worker_name()
    max_seconds = settings.ORDER_SWEEP_MAX_S if max_seconds is None else max_seconds
    deadline = time.monotonic() + max_seconds
    attempted = 0
    while True:
        worker_heartbeat_record(worker=worker)
        now = timezone.now()
        orders_release_orphaned_claims(now=now)
        batch = orders_due(now=now, limit=limit)
        done, out_of_budget = _attempt_batch(batch, worker=worker, now=now)
        attempted += done
        if out_of_budget:
            # Until Xentral's window or ours turns, whichever holds the calls back (a short
            # `Retry-After` is not waited out to the end of our window).
            pause = xentral_room_wait() + WINDOW_MARGIN_S
        elif batch and done:
            continue
        else:
            pause = order_next_rate_window_wait(now=timezone.now())
            if pause is None:
                return attempted
        if time.monotonic() + pause > deadline:
            # Hand over rather than leave a gap until the next scheduled sweep.
            if order_next_rate_window_wait(now=timezone.now()) is not None:
                order_drain_soon()
            return attempted
        sleep(pause)
