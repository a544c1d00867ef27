"""Centra's webhook deliveries in: `POST /api/v1/centra/<channel id>/webhook`.

Centra's webhook plugin posts `application/x-www-form-urlencoded` with the JSON in one field,
`payload={"events": [{"type", "action", "date", "id"}]}`, signed in `X-Centra-Signature` (see
signature.py). The hub verifies the signature over the raw body before reading anything, stores
each event once (a delivery repeated, or an event delivered twice, adds nothing), answers at
once and leaves the fetching to a worker. A bad or stale signature is 401 and nothing is kept.
"""

import json
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.api.problems import problem_http_response
from connectors.centra.models import CentraChannel, CentraEvent
from connectors.centra.signature import SIGNATURE_HEADER, signature_valid
from connectors.centra.tasks import events_enqueue

MAX_DELIVERY_BYTES = 256 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class DeliveryRejected(Exception):
    """The delivery is not accepted; `status` is what the receiver answers."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Delivery:
    events: list[CentraEvent]
    new: list[CentraEvent]


def _events_of(raw: bytes) -> list[dict]:
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise DeliveryRejected(400, "The body is not a form (payload=...).") from None
    if len(form.get("payload", [])) != 1:
        raise DeliveryRejected(400, "The form has no single 'payload' field.")
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        raise DeliveryRejected(400, "'payload' is not JSON.") from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise DeliveryRejected(400, "'payload' has no 'events' list.")
    for event in events:
        if not isinstance(event, dict) or not {"type", "action", "id"} <= event.keys():
            raise DeliveryRejected(400, "Each event needs 'type', 'action' and 'id'.")
    return events


def centra_delivery_receive(*, centra: CentraChannel, raw: bytes, signature: str) -> Delivery:
    """Verify one delivery and store its events once (nothing is stored when the signature is
    wrong or stale); new order events are handed to a worker after commit."""
    if len(raw) > MAX_DELIVERY_BYTES:
        raise DeliveryRejected(413, "The delivery is larger than the hub accepts.")
    if not signature_valid(
        secret=centra.webhook_secret,
        header=signature,
        raw=raw,
        tolerance_s=settings.CENTRA_WEBHOOK_TOLERANCE_S,
    ):
        raise DeliveryRejected(401, "Missing, invalid or stale X-Centra-Signature.")
    stored, new = [], []
    with transaction.atomic():
        for event in _events_of(raw):
            row, created = CentraEvent.objects.get_or_create(
                centra=centra,
                type=str(event["type"])[:30],
                action=str(event["action"])[:30],
                object_id=str(event["id"])[:64],
                date=str(event.get("date") or "")[:40],
            )
            stored.append(row)
            if created:
                new.append(row)
        if new:
            transaction.on_commit(lambda: events_enqueue(centra_id=centra.pk))
    return Delivery(stored, new)


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, channel_id: int) -> HttpResponse:
    centra = (
        CentraChannel.objects.filter(channel_id=channel_id, channel__is_active=True)
        .select_related("channel")
        .first()
    )
    if centra is None:
        return problem_http_response(status_code=404, detail=f"No Centra channel {channel_id}.")
    content_type = request.content_type or ""
    if content_type != FORM_TYPE:
        return problem_http_response(
            status_code=415, detail=f"Centra's webhooks are {FORM_TYPE}, not '{content_type}'."
        )
    try:
        delivery = centra_delivery_receive(
            centra=centra, raw=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
    except DeliveryRejected as rejected:
        return problem_http_response(status_code=rejected.status, detail=str(rejected))
    return JsonResponse({"events": len(delivery.events), "new": len(delivery.new)})
