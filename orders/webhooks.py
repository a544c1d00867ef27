"""Signed webhooks to channels: the signature scheme and the delivery with backoff."""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.backoff import backoff_delay
from backoffice.outbound import OutboundRefused, outbound_post
from orders.models import (
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    WebhookDelivery,
    WebhookEvent,
    WebhookStatus,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature"
MAX_WEBHOOK_ATTEMPTS = 8
WEBHOOK_RETRY_BASE_S = 30.0
WEBHOOK_RETRY_CAP_S = 3600.0


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 over b"<t>." + body>`; receivers recompute and compare."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def webhook_enqueue(
    *, order: OrderRequest, event: WebhookEvent, representation: dict, user=None
) -> WebhookDelivery | None:
    """Record a delivery for the channel's URL (if any) and hand it to a worker after commit;
    `user` is who decided the order, so the delivery's events name them."""
    url = order.channel.webhook_url
    if not url:
        return None
    delivery = WebhookDelivery.objects.create(
        order=order,
        event=event,
        url=url,
        body={"event": str(event), "order": representation},
        next_attempt_at=timezone.now(),
        triggered_by=user,
    )
    transaction.on_commit(lambda: _enqueue_task(delivery.pk))
    return delivery


def _enqueue_task(delivery_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task("orders.tasks.deliver_webhook", delivery_id, task_name=f"webhook-{delivery_id}")
    except Exception:
        # The order is already committed; the sweeper schedule delivers what the broker missed.
        logger.exception("could not enqueue webhook delivery %s", delivery_id)


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery:
    """Send one pending delivery; on failure schedule the next attempt (safe to run twice)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_S * 3))
    delivery = WebhookDelivery.objects.select_related("order__channel", "triggered_by").get(
        pk=delivery_id
    )
    if not claimed:
        return delivery
    raw = json.dumps(delivery.body, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "xentral-hub/1.0",
        SIGNATURE_HEADER: sign(
            secret=delivery.order.channel.webhook_secret, timestamp=timestamp, body=raw
        ),
    }
    code, error = _send(delivery.url, body=raw, headers=headers)
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = error
    delivery.signature_timestamp = timestamp
    if not error:
        delivery.status = WebhookStatus.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_WEBHOOK_ATTEMPTS:
        delivery.status = WebhookStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delay = backoff_delay(
            delivery.attempts, base_s=WEBHOOK_RETRY_BASE_S, cap_s=WEBHOOK_RETRY_CAP_S
        )
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.save()
    _record_outcome(delivery)
    return delivery


def _send(url: str, *, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST under the hub's outbound policy: `(status, error)`, the error empty on a 2xx."""
    try:
        result = outbound_post(
            url, body=body, headers=headers, deadline_s=settings.WEBHOOK_TIMEOUT_S
        )
    except OutboundRefused as exc:
        return None, f"Refused by the outbound policy: {exc}"[:500]
    if result.status is None:
        return None, result.error[:500]
    if not 200 <= result.status < 300:
        return result.status, f"HTTP {result.status}: {result.excerpt}"
    return result.status, ""


def _record_outcome(delivery: WebhookDelivery) -> None:
    """The order's timeline shows every delivery attempt's outcome, like its status changes."""
    if delivery.status == WebhookStatus.DELIVERED:
        kind, what = OrderEventKind.WEBHOOK_DELIVERED, f"delivered (HTTP {delivery.response_code})"
    elif delivery.status == WebhookStatus.FAILED:
        kind = OrderEventKind.WEBHOOK_FAILED
        what = f"given up after {delivery.attempts} attempts: {delivery.last_error}"
    else:
        kind = OrderEventKind.WEBHOOK_RETRY
        what = f"refused ({delivery.last_error}); retry at {delivery.next_attempt_at.isoformat()}"
    OrderEvent.objects.create(
        order_id=delivery.order_id,
        kind=kind,
        user=delivery.triggered_by,
        message=f"Webhook {delivery.event} to {delivery.url} {what}"[:2000],
        data={
            "delivery_id": delivery.pk,
            "event": delivery.event,
            "attempts": delivery.attempts,
            "response_code": delivery.response_code,
        },
    )


def webhooks_deliver_due() -> int:
    """Deliver every pending delivery that is due; the sweeper schedule calls this."""
    due = WebhookDelivery.objects.filter(
        status=WebhookStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:200]
    count = 0
    for delivery_id in list(due):
        webhook_deliver(delivery_id=delivery_id)
        count += 1
    return count
