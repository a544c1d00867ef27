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

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.app_hooks import app_modules
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


def xentral_event_process(*, event_id: int) -> XentralEvent:
    """Run the handlers of one received event once (a conditional update claims it)."""
    claimed = XentralEvent.objects.filter(
        pk=event_id, status=XentralEventStatus.RECEIVED, processed_at=None
    ).update(processed_at=timezone.now())
    event = XentralEvent.objects.get(pk=event_id)
    if not claimed:
        return event
    errors = []
    for handler in event_handlers().get(event.type, []):
        try:
            handler(event.body)
        except Exception as exc:  # one app's failure must not keep the event from the others
            logger.exception("handler %s failed for Xentral event %s", handler, event_id)
            errors.append(f"{handler.__module__}.{handler.__name__}: {exc}")
    event.status = XentralEventStatus.FAILED if errors else XentralEventStatus.PROCESSED
    event.error = "\n".join(errors)[:2000]
    event.save(update_fields=["status", "error"])
    return event


def xentral_events_process_pending() -> int:
    """Process every received event not yet claimed (the sweep and tests call this)."""
    pending = XentralEvent.objects.filter(
        status=XentralEventStatus.RECEIVED, processed_at=None
    ).order_by("received_at", "id")
    ids = list(pending.values_list("pk", flat=True)[:500])
    for event_id in ids:
        xentral_event_process(event_id=event_id)
    return len(ids)
