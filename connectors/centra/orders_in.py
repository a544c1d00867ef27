"""Orders in from Centra: stored webhook events are read in batches through GraphQL, each
order mapped to the unified order and submitted through the order pipeline (same idempotency
by reference, review and resubmission); orders on hold or waiting for payment wait until Centra
updates them. The safety net asks Centra for orders updated since its last success."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from connectors.centra.client import CentraClient
from connectors.centra.errors import CentraError
from connectors.centra.mapping import centra_order_map
from connectors.centra.models import (
    CentraChannel,
    CentraEvent,
    CentraEventStatus,
    CentraOrder,
    CentraOrderState,
)
from orders.serializers import validated_payload
from orders.services import order_submit

logger = logging.getLogger(__name__)

BATCH = 50
ORDER_EVENT_TYPES = {"order"}
# The safety net reads a little before its last success, as clocks and commits differ.
SYNC_OVERLAP = timedelta(minutes=2)
SYNC_PAGE = 100


def centra_orders_fetch(*, client: CentraClient, numbers: list[int]) -> list[dict]:
    """The orders with these numbers, `BATCH` per call."""
    found = []
    for start in range(0, len(numbers), BATCH):
        batch = numbers[start : start + BATCH]
        data = client.query("OrdersByNumber", {"numbers": batch, "limit": len(batch)})
        found.extend(data.get("orders") or [])
    return found


def _held(centra: CentraChannel, order: dict) -> bool:
    return centra.wait_while_on_hold and bool(
        order.get("isOnHold") or order.get("isWaitingForPayment")
    )


def centra_order_import(*, centra: CentraChannel, order: dict) -> CentraOrder:
    """Bind and submit one Centra order as read from Centra; safe to run again (a replay of
    the same payload is the same order; a changed one resubmits a failed order)."""
    number = int(order["number"])
    binding, _ = CentraOrder.objects.get_or_create(
        centra=centra, number=number, defaults={"state": CentraOrderState.WAITING}
    )
    if binding.order_id is not None and binding.state == CentraOrderState.CONFIRMED:
        return binding
    fields = {"centra_updated_at": str(order.get("updatedAt") or "")}
    if _held(centra, order):
        CentraOrder.objects.filter(pk=binding.pk).update(
            state=CentraOrderState.WAITING, error="", **fields
        )
        binding.refresh_from_db()
        return binding
    mapped = centra_order_map(centra=centra, order=order)
    try:
        payload = validated_payload(
            mapped.payload, allow_customer_creation=centra.channel.allow_customer_creation
        )
    except serializers.ValidationError as exc:
        CentraOrder.objects.filter(pk=binding.pk).update(
            state=CentraOrderState.INVALID, error=str(exc.detail)[:2000], **fields
        )
        binding.refresh_from_db()
        return binding
    # The lines and the project are bound before the submission, so a shipment of an order
    # created now finds them whatever happens after, and the import reads the project.
    rule, project = mapped.project or ("", "")
    CentraOrder.objects.filter(pk=binding.pk).update(
        lines=mapped.lines, project_id=project, project_rule=rule, **fields
    )
    result = order_submit(channel=centra.channel, payload=payload)
    CentraOrder.objects.filter(pk=binding.pk, order__isnull=True).update(order=result.order)
    CentraOrder.objects.filter(pk=binding.pk).exclude(state=CentraOrderState.CONFIRMED).update(
        state=CentraOrderState.SUBMITTED, error=""
    )
    binding.refresh_from_db()
    return binding


def centra_events_process(*, centra_id: int) -> int:
    """Read the orders named by the channel's received events and import them; other event
    types are ignored. Returns the number of orders imported. A Centra fault leaves the events
    received for the next run (the schedule sweeps them)."""
    centra = CentraChannel.objects.select_related("channel").get(pk=centra_id)
    pending = CentraEvent.objects.filter(centra=centra, status=CentraEventStatus.RECEIVED)
    pending.exclude(type__in=ORDER_EVENT_TYPES).update(
        status=CentraEventStatus.IGNORED, processed_at=timezone.now()
    )
    events = list(pending.filter(type__in=ORDER_EVENT_TYPES))
    bad = [e.pk for e in events if not e.object_id.isdigit()]
    if bad:
        CentraEvent.objects.filter(pk__in=bad).update(
            status=CentraEventStatus.FAILED, error="The order number is not a number."
        )
    events = [e for e in events if e.object_id.isdigit()]
    # Centra's updates of an order already in the pipeline (our own lock, confirm and
    # shipments among them) are not passed on: no need to read it again.
    settled = _settled(centra, [int(e.object_id) for e in events])
    done_now = [e.pk for e in events if int(e.object_id) in settled]
    CentraEvent.objects.filter(pk__in=done_now).update(
        status=CentraEventStatus.PROCESSED, processed_at=timezone.now()
    )
    events = [e for e in events if int(e.object_id) not in settled]
    numbers = sorted({int(e.object_id) for e in events})
    if not numbers:
        return 0
    client = CentraClient(centra, subject=centra)
    try:
        orders = centra_orders_fetch(client=client, numbers=numbers)
    except CentraError as exc:
        logger.warning("Centra %s: reading orders failed: %s", centra, exc)
        if not exc.retryable:
            CentraEvent.objects.filter(pk__in=[e.pk for e in events]).update(error=str(exc))
        return 0
    for order in orders:
        centra_order_import(centra=centra, order=order)
    seen = {int(o["number"]) for o in orders}
    now = timezone.now()
    for event in events:
        done = int(event.object_id) in seen
        CentraEvent.objects.filter(pk=event.pk).update(
            status=CentraEventStatus.PROCESSED if done else CentraEventStatus.FAILED,
            error="" if done else "Centra has no order with this number.",
            processed_at=now,
        )
    return len(orders)


def centra_events_process_pending() -> int:
    """Every channel's received events (what a lost task left behind)."""
    channels = (
        CentraEvent.objects.filter(status=CentraEventStatus.RECEIVED)
        .values_list("centra_id", flat=True)
        .distinct()
    )
    return sum(centra_events_process(centra_id=pk) for pk in channels)


def centra_orders_sync(*, centra_id: int) -> int:
    """The safety net: orders updated since the last success (less an overlap) are read and
    imported, because Centra's webhook retries are off by default. Returns orders imported."""
    centra = CentraChannel.objects.select_related("channel").get(pk=centra_id)
    started = timezone.now()
    # A new channel starts from its creation, not from Centra's whole history.
    since = centra.last_synced_at or centra.created_at
    where = {"updatedAt": {"from": (since - SYNC_OVERLAP).isoformat(timespec="seconds")}}
    client = CentraClient(centra, subject=centra)
    numbers, page = [], 1
    while True:
        data = client.query(
            "OrdersUpdatedSince", {"where": where, "limit": SYNC_PAGE, "page": page}
        )
        rows = data.get("orders") or []
        numbers.extend(int(row["number"]) for row in rows)
        if len(rows) < SYNC_PAGE:
            break
        page += 1
    known = _settled(centra, numbers)
    todo = [n for n in numbers if n not in known]
    imported = 0
    for order in centra_orders_fetch(client=client, numbers=todo):
        centra_order_import(centra=centra, order=order)
        imported += 1
    with transaction.atomic():
        CentraChannel.objects.filter(pk=centra.pk).update(last_synced_at=started)
    return imported


def _settled(centra: CentraChannel, numbers: list[int]) -> set[int]:
    """Orders already in the pipeline need no second read (a later Centra change to them is
    not passed on once submitted)."""
    return set(
        CentraOrder.objects.filter(
            centra=centra,
            number__in=numbers,
            state__in=[CentraOrderState.SUBMITTED, CentraOrderState.CONFIRMED],
        ).values_list("number", flat=True)
    )


def centra_orders_sync_all() -> int:
    return sum(
        centra_orders_sync(centra_id=pk)
        for pk in CentraChannel.objects.filter(channel__is_active=True).values_list("pk", flat=True)
    )
