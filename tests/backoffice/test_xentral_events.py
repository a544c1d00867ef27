"""Xentral events in: the hub's registration, signed deliveries from the sandbox, replays."""

import hashlib
import hmac
import json
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from backoffice.models import XentralEvent, XentralEventStatus, XentralWebhook
from backoffice.xentral.events import (
    SIGNATURE_HEADER,
    xentral_event_signature_valid,
    xentral_events_process_pending,
)
from tests.factories import ProductFactory
from tests.lifecycle import control

pytestmark = pytest.mark.django_db(transaction=True)
HUB_EVENTS = [
    "com.xentral.salesOrder.updated.v1",
    "com.xentral.salesOrder.dispatched.v1",
    "com.xentral.shipment.created.v1",
    "com.xentral.reservation.changed.v1",
    "com.xentral.storageItem.movement.v1",
]


def subscribe(url: str) -> str:
    out = StringIO()
    call_command("xentral_webhooks", "--subscribe", "--url", url, stdout=out)
    return out.getvalue()


def receiver_url(live_server) -> str:
    return f"{live_server.url}/api/v1/xentral/events"


def signed_post(live_server, body: dict, key: str) -> requests.Response:
    raw = json.dumps(body).encode()
    signature = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
    return requests.post(
        receiver_url(live_server),
        data=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        timeout=10,
    )


def test_subscribing_twice_leaves_one_registration_with_the_events_the_hub_uses(
    sandbox, live_server
):
    url = receiver_url(live_server)
    subscribe(url)
    first_key = XentralWebhook.objects.get().signature_key

    output = subscribe(url)

    hooks = sandbox.api("GET", "/api/v1/webhooks").json()["data"]
    registration = XentralWebhook.objects.get()
    assert hooks == [
        {"id": registration.xentral_id, "name": "Xentral Hub", "url": url,
         "events": [{"id": e} for e in HUB_EVENTS]}
    ]  # fmt: skip
    assert registration.signature_key == first_key
    assert len(first_key) >= 32
    assert registration.events == HUB_EVENTS
    assert f"Subscribed webhook {registration.xentral_id} -> {url}" in output
    calls = [
        (c["method"], c["path"])
        for c in sandbox.requests(path_prefix="/api/v1/webhook")
        if c["headers"].get("User-Agent", "").startswith("xentral-hub/")
    ]
    assert calls == [
        ("GET", "/api/v1/webhookEventTypes"),
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhookEventTypes"),
        ("GET", "/api/v1/webhooks"),
        ("PATCH", f"/api/v1/webhooks/{registration.xentral_id}"),
    ]


def test_only_event_types_xentral_offers_are_subscribed(sandbox, live_server, settings):
    settings.XENTRAL_WEBHOOK_EVENTS = ["com.xentral.nothing.v1", "com.xentral.shipment.created.v1"]
    subscribe(receiver_url(live_server))
    assert sandbox.api("GET", "/api/v1/webhooks").json()["data"][0]["events"] == [
        {"id": "com.xentral.shipment.created.v1"}
    ]


def test_a_signed_event_from_xentral_is_stored_answered_at_once_and_processed(sandbox, live_server):
    sandbox.seed(products=[{"number": "EV-1", "name": "Event product"}])
    ProductFactory(number="EV-1", xentral_id="1")
    subscribe(receiver_url(live_server))

    control(sandbox, "POST", "reservation", {"number": "EV-1", "amount": 3})

    deliveries = control(sandbox, "GET", "webhook-deliveries")
    assert [(d["type"], d["status"]) for d in deliveries] == [
        ("com.xentral.reservation.changed.v1", 202)
    ]
    event = XentralEvent.objects.get()
    assert event.type == "com.xentral.reservation.changed.v1"
    assert event.body["productId"] == 1
    assert event.status == XentralEventStatus.RECEIVED
    assert xentral_events_process_pending() == 1
    event.refresh_from_db()
    assert (event.status, event.error) == (XentralEventStatus.PROCESSED, "")
    assert event.processed_at is not None


def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(sandbox, live_server):
    subscribe(receiver_url(live_server))
    body = {"type": "com.xentral.salesOrder.updated.v1", "body": {"id": 1}}

    wrong = signed_post(live_server, body, key="not-the-hubs-key-at-all")
    missing = requests.post(receiver_url(live_server), json=body, timeout=10)

    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert wrong.headers["Content-Type"] == "application/problem+json"
    assert wrong.json()["title"] == "Missing or invalid signature."
    assert XentralEvent.objects.count() == 0


def test_a_replayed_event_is_ignored(sandbox, live_server):
    subscribe(receiver_url(live_server))
    key = XentralWebhook.objects.get().signature_key
    body = {"type": "com.xentral.salesOrder.updated.v1", "body": {"id": 7, "updatedAt": "x"}}

    first = signed_post(live_server, body, key)
    replay = signed_post(live_server, body, key)

    assert (first.status_code, replay.status_code) == (202, 200)
    assert replay.json() == {"id": first.json()["id"], "duplicate": True}
    assert XentralEvent.objects.count() == 1
    assert xentral_events_process_pending() == 1
    assert xentral_events_process_pending() == 0


def test_signature_check_is_hmac_sha256_of_the_raw_body():
    raw = b'{"type":"x"}'
    good = hmac.new(b"k" * 32, raw, hashlib.sha256).hexdigest()
    assert xentral_event_signature_valid(raw=raw, signature=good, key="k" * 32)
    assert xentral_event_signature_valid(raw=raw, signature=f"sha256={good}", key="k" * 32)
    assert not xentral_event_signature_valid(raw=raw + b" ", signature=good, key="k" * 32)
    assert not xentral_event_signature_valid(raw=raw, signature="", key="k" * 32)


def test_the_dashboard_shows_the_registration_and_the_last_event(
    sandbox, live_server, admin_client
):
    url = receiver_url(live_server)
    subscribe(url)
    before = admin_client.get("/admin/").content.decode()
    key = XentralWebhook.objects.get().signature_key
    signed_post(live_server, {"type": "com.xentral.salesOrder.updated.v1", "body": {"id": 1}}, key)
    after = admin_client.get("/admin/").content.decode()

    assert f"subscribed as webhook 1 (5 event types) to {url}; last event never." in before
    received_at = timezone.localtime(XentralEvent.objects.get().received_at)
    assert f"last event {received_at:%Y-%m-%d %H:%M:%S}." in after
