"""The retry sweeper: due queued orders, orphaned claims and orders persisted but never claimed."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from backoffice.heartbeat import dead_workers, worker_heartbeat_record, worker_name
from orders.models import OrderRequest, OrderStatus
from orders.services import order_process
from orders.transitions import order_claim, order_transition

STALE_CLAIM = timedelta(minutes=5)
# An order persisted but never claimed (the process died in between) is picked up after this.
STALE_RECEIVED = timedelta(minutes=2)


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


def orders_retry_due(*, limit: int = 100) -> int:
    """Claim and process every queued order that is due (and re-queue orphaned claims); the
    every-minute schedule calls this. Returns how many orders were attempted."""
    worker = worker_name()
    worker_heartbeat_record(worker=worker)
    now = timezone.now()
    orders_release_orphaned_claims(now=now)
    due = list(
        OrderRequest.objects.filter(status=OrderStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    stale = list(
        OrderRequest.objects.filter(
            status=OrderStatus.RECEIVED, created_at__lt=now - STALE_RECEIVED
        ).values_list("pk", flat=True)[:limit]
    )
    attempted = 0
    claims = [(order_id, OrderStatus.QUEUED, {"next_attempt_at__lte": now}) for order_id in due]
    claims += [(order_id, OrderStatus.RECEIVED, {}) for order_id in stale]
    for order_id, source, where in claims:
        token = order_claim(
            order_id=order_id, sources=[source], message="Retry", where=where, claimant=worker
        )
        if token is not None:
            attempted += 1
            order_process(order_id=order_id, claim_token=token)
    return attempted
