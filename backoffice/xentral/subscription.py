"""The hub's webhook registration at Xentral: subscribe (idempotently) and describe it."""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Purpose, XentralEvent, XentralWebhook
from backoffice.xentral.client import XentralClient

WEBHOOKS_PATH = "/api/v1/webhooks"


def receiver_url() -> str:
    return f"{settings.HUB_BASE_URL.rstrip('/')}{reverse('xentral-events')}"


def _registration(url: str) -> XentralWebhook:
    """The one registration row; its key is generated once and saved before any remote call."""
    with transaction.atomic():
        registration = XentralWebhook.objects.select_for_update().order_by("pk").first()
        if registration is None:
            registration = XentralWebhook.objects.create(
                url=url, signature_key=secrets.token_urlsafe(32)
            )
    return registration


def xentral_webhook_subscribe(
    *, url: str | None = None, client: XentralClient | None = None
) -> XentralWebhook:
    """Register the hub for the events it uses that Xentral offers. Lists first: an existing
    registration of the hub (by id, else by URL) is updated, never duplicated."""
    client = client or XentralClient(purpose=Purpose.SYNC)
    url = url or receiver_url()
    offered = {t["id"] for t in (client.get("/api/v1/webhookEventTypes") or {}).get("data") or []}
    events = [e for e in settings.XENTRAL_WEBHOOK_EVENTS if e in offered]
    registration = _registration(url)
    existing = (client.get(WEBHOOKS_PATH) or {}).get("data") or []
    ours = next((w for w in existing if w["id"] == registration.xentral_id), None) or next(
        (w for w in existing if w["url"] == url), None
    )
    body = {
        "name": registration.name,
        "url": url,
        "signatureKey": registration.signature_key,
        "events": [{"id": e} for e in events],
    }
    if ours is None:
        registration.xentral_id = client.create(WEBHOOKS_PATH, body)
    else:
        client.patch(f"{WEBHOOKS_PATH}/{ours['id']}", body)
        registration.xentral_id = ours["id"]
    registration.url = url
    registration.events = events
    registration.subscribed_at = timezone.now()
    registration.save()
    return registration


def xentral_webhook_status() -> dict:
    """What the dashboard shows: the registration and when the last event arrived."""
    registration = XentralWebhook.objects.order_by("pk").first()
    last = XentralEvent.objects.order_by("-received_at").values_list("received_at", flat=True)
    return {
        "registration": registration,
        "last_event_at": last.first(),
    }
