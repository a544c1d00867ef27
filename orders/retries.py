"""The retry sweeper: due queued orders, stale claims and orders persisted but never claimed."""

from datetime import timedelta

from django.utils import timezone

from orders.models import OrderRequest, OrderStatus
from orders.services import order_process
from orders.transitions import order_claim, order_transition

STALE_CLAIM = timedelta(minutes=5)
# An order persisted but never claimed (the process died in between) is picked up after this.
STALE_RECEIVED = timedelta(minutes=2)


def orders_retry_due(*, limit: int = 100) -> int:
    """Claim and process every queued order that is due (and re-queue stale claims); the
    every-minute schedule calls this. Returns how many orders were attempted."""
    now = timezone.now()
    for order_id in OrderRequest.objects.filter(
        status=OrderStatus.PROCESSING, claimed_at__lt=now - STALE_CLAIM
    ).values_list("pk", flat=True):
        order_transition(
            order_id=order_id,
            to=OrderStatus.QUEUED,
            sources=[OrderStatus.PROCESSING],
            message="Processing was interrupted; queued again",
            where={"claimed_at__lt": now - STALE_CLAIM},
            fields={"next_attempt_at": now},
        )
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
        token = order_claim(order_id=order_id, sources=[source], message="Retry", where=where)
        if token is not None:
            attempted += 1
            order_process(order_id=order_id, claim_token=token)
    return attempted
