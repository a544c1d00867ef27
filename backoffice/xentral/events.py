"""Xentral events in: verify a delivery, store it once, and hand it to the apps' handlers.

Xentral does not document how it signs webhook deliveries. The hub assumes a hex HMAC-SHA256
of the raw request body with the registration's `signatureKey`, sent in `X-Xentral-Signature`
(docs/xentral-fidelity.md); `xentral_event_signature_valid` is the one place to change when
Xentral documents its scheme. Events are thin (`{"type", "body": {ids, timestamps}}`), so
handlers re-read through REST; polling stays the ground truth.

Apps register handlers in an `xentral_events` module (found through the app hooks) with
`HANDLERS = {"com.xentral.<name>.v1": handler}`; a handler takes the event's body.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.app_hooks import app_modules
from backoffice.backoff import backoff_delay
from backoffice.models import XentralEvent, XentralEventStatus, XentralWebhook

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Xentral-Signature"
MAX_EVENT_BYTES = 64 * 1024


def xentral_event_signature_valid(*, raw: bytes, signature: str, key: str) -> bool:
    """The hub's assumption of Xentral's scheme: hex HMAC-SHA256 of the raw body, keyed with
    the webhook's `signatureKey` (an optional `sha256=` prefix is accepted)."""
    if not key or not signature:
        return False
    expected = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().removeprefix("sha256="))


class EventRejected(Exception):
    """The delivery is not accepted; `status` is what the receiver answers."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Received:
    event: XentralEvent
    duplicate: bool


def xentral_event_receive(*, raw: bytes, signature: str) -> Received:
    """Verify and store one delivery (nothing is stored when the signature is wrong); a
    repeated delivery is recognised by the SHA-256 of its raw body and not stored again."""
    if len(raw) > MAX_EVENT_BYTES:
        raise EventRejected(413, "The event is larger than the hub accepts.")
    keys = XentralWebhook.objects.values_list("signature_key", flat=True)
    if not any(xentral_event_signature_valid(raw=raw, signature=signature, key=k) for k in keys):
        raise EventRejected(401, "Missing or invalid signature.")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise EventRejected(400, "The event is not JSON.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise EventRejected(400, "The event has no type.")
    digest = hashlib.sha256(raw).hexdigest()
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    try:
        with transaction.atomic():
            event = XentralEvent.objects.create(
                body_sha256=digest, type=payload["type"][:120], body=body, raw=raw.decode()
            )
    except IntegrityError:
        return Received(XentralEvent.objects.get(body_sha256=digest), duplicate=True)
    transaction.on_commit(lambda: _enqueue(event.pk))
    return Received(event, duplicate=False)


def _enqueue(event_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task("backoffice.tasks.process_xentral_event", event_id, task_name=f"xev-{event_id}")
    except Exception:
        # The event is stored; the every-minute sweep processes what the broker missed.
        logger.exception("could not enqueue Xentral event %s", event_id)


def event_handlers() -> dict[str, list[Callable[[dict], None]]]:
    """Every app's handlers by event type."""
    handlers: dict[str, list[Callable[[dict], None]]] = {}
    for _, module in app_modules("xentral_events"):
        for type_, handler in getattr(module, "HANDLERS", {}).items():
            handlers.setdefault(type_, []).append(handler)
    return handlers


def _handler_name(handler: Callable) -> str:
    return f"{handler.__module__}.{handler.__name__}"


def xentral_event_process(*, event_id: int) -> XentralEvent:
    """Run the handlers of one received event once (a conditional update claims it). On a
    retry only the handlers that failed run again; a failure is retried with backoff until
    `XENTRAL_EVENT_MAX_ATTEMPTS`, then the event stays failed for staff."""
    claimed = XentralEvent.objects.filter(
        pk=event_id, status=XentralEventStatus.RECEIVED, processed_at=None
    ).update(processed_at=timezone.now())
    event = XentralEvent.objects.get(pk=event_id)
    if not claimed:
        return event
    handlers = event_handlers().get(event.type, [])
    if event.failed_handlers:
        handlers = [h for h in handlers if _handler_name(h) in event.failed_handlers]
    errors, failed = [], []
    for handler in handlers:
        try:
            handler(event.body)
        except Exception as exc:  # one app's failure must not keep the event from the others
            logger.exception("handler %s failed for Xentral event %s", handler, event_id)
            failed.append(_handler_name(handler))
            errors.append(f"{_handler_name(handler)}: {exc}")
    event.attempts += 1
    event.failed_handlers = failed
    event.error = "\n".join(errors)[:2000]
    event.status = XentralEventStatus.FAILED if failed else XentralEventStatus.PROCESSED
    event.next_attempt_at = None
    if failed and event.attempts < settings.XENTRAL_EVENT_MAX_ATTEMPTS:
        delay = backoff_delay(
            event.attempts,
            base_s=settings.XENTRAL_EVENT_RETRY_BASE_S,
            cap_s=settings.XENTRAL_EVENT_RETRY_CAP_S,
        )
        event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    event.save(update_fields=["status", "error", "attempts", "failed_handlers", "next_attempt_at"])
    return event


def _requeue(events) -> list[int]:
    """Failed events back to received (a conditional update, so an event another process put
    back already is not taken twice); returns the ids."""
    ids = list(events.filter(status=XentralEventStatus.FAILED).values_list("pk", flat=True))
    XentralEvent.objects.filter(pk__in=ids, status=XentralEventStatus.FAILED).update(
        status=XentralEventStatus.RECEIVED, processed_at=None, next_attempt_at=None
    )
    return ids


def xentral_events_retry(*, event_ids: list[int]) -> int:
    """Staff's "retry now": the chosen failed events run their failed handlers again at once
    (handed to a worker), whether or not their retries were used up; returns how many."""
    with transaction.atomic():
        ids = _requeue(XentralEvent.objects.filter(pk__in=event_ids))
        for event_id in ids:
            transaction.on_commit(lambda event_id=event_id: _enqueue(event_id))
    return len(ids)


def xentral_events_process_pending() -> int:
    """Put back failed events whose retry is due, then process every received event not yet
    claimed (the every-minute sweep; tests call it too)."""
    _requeue(XentralEvent.objects.filter(next_attempt_at__lte=timezone.now()))
    pending = XentralEvent.objects.filter(
        status=XentralEventStatus.RECEIVED, processed_at=None
    ).order_by("received_at", "id")
    ids = list(pending.values_list("pk", flat=True)[:500])
    for event_id in ids:
        xentral_event_process(event_id=event_id)
    return len(ids)
