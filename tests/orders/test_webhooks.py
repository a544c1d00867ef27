"""Webhooks to channels: signed, sent after the order is decided, retried when refused."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from orders.models import WebhookDelivery, WebhookStatus
from orders.webhooks import sign, webhook_deliver, webhooks_deliver_due
from tests.orders.conftest import order_payload

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec-ümlaut-test"


class Receiver:
    """A tiny HTTP endpoint in a thread that records what it receives."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(channel):
    receiver = Receiver()
    channel.webhook_url = receiver.url
    channel.webhook_secret = SECRET
    channel.save()
    yield receiver
    receiver.close()


def _deliver_all():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    return webhooks_deliver_due()


def test_created_order_is_posted_signed_and_the_signature_verifies(hub, demo, receiver):
    created = hub.post_order(order_payload()).json()

    _deliver_all()

    [(headers, raw)] = receiver.received
    stamp, _, signature = headers["X-Hub-Signature"].partition(",")
    timestamp = stamp.removeprefix("t=")
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    assert signature == f"v1={expected.hexdigest()}"
    body = json.loads(raw)
    assert body["event"] == "order.created"
    assert body["order"]["id"] == created["id"]
    assert body["order"]["xentral"] == created["xentral"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.DELIVERED
    assert delivery.response_code == 200


def test_failed_order_sends_order_failed(hub, demo, receiver):
    hub.post_order(order_payload(items=[{"sku": "NOPE-1", "quantity": 1}]))

    _deliver_all()

    [(_, raw)] = receiver.received
    assert json.loads(raw)["event"] == "order.failed"
    assert json.loads(raw)["order"]["errors"][0]["code"] == "unknown_sku"


def test_refused_delivery_is_retried_with_backoff_then_delivered(hub, demo, receiver):
    receiver.status = 500
    hub.post_order(order_payload())
    _deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() - timedelta(seconds=1)
    assert delivery.last_error.startswith("HTTP 500")

    receiver.status = 204
    _deliver_all()

    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.DELIVERED
    assert delivery.attempts == 2
    assert len(receiver.received) == 2


def test_delivery_is_safe_to_run_twice(hub, demo, receiver):
    hub.post_order(order_payload())
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    webhook_deliver(delivery_id=delivery.pk)
    webhook_deliver(delivery_id=delivery.pk)

    assert len(receiver.received) == 1


def test_no_webhook_without_a_url(hub, demo):
    hub.post_order(order_payload())

    assert not WebhookDelivery.objects.exists()


def test_signature_matches_the_documented_scheme():
    body = b'{"event":"order.created"}'
    digest = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()

    assert sign(secret="s3cret", timestamp=1700000000, body=body) == f"t=1700000000,v1={digest}"
