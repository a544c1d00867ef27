"""Webhooks to channels: signed, sent after the order is decided, retried when refused."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from orders.errors import OrderErrorCode
from orders.models import (
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    WebhookDelivery,
    WebhookEvent,
    WebhookStatus,
)
from orders.webhooks import (
    MAX_WEBHOOK_ATTEMPTS,
    WEBHOOK_RETRY_BASE_S,
    sign,
    webhook_deliver,
    webhooks_deliver_due,
)
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
def receiver(channel, settings):
    # The receiver listens on loopback, which the outbound policy refuses unless allowed.
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
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
    # The scheme itself is pinned by the fixed vectors below; here: the exact bytes sent are
    # signed with the channel's secret and the timestamp the delivery recorded.
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Hub-Signature"] == sign(
        secret=SECRET, timestamp=delivery.signature_timestamp, body=raw
    )
    body = json.loads(raw)
    assert body["event"] == WebhookEvent.ORDER_CREATED
    assert body["order"]["id"] == created["id"]
    assert body["order"]["xentral"] == created["xentral"]
    assert delivery.status == WebhookStatus.DELIVERED
    assert delivery.response_code == 200
    event = OrderEvent.objects.get(kind=OrderEventKind.WEBHOOK_DELIVERED)
    assert str(event.order_id) == created["id"]
    assert event.message == f"Webhook order.created to {receiver.url} delivered (HTTP 200)"
    assert event.data["delivery_id"] == delivery.pk
    assert event.at is not None
    assert event.user is None


def test_failed_order_sends_order_failed(hub, demo, receiver):
    hub.post_order(order_payload(items=[{"sku": "NOPE-1", "quantity": 1}]))

    _deliver_all()

    [(_, raw)] = receiver.received
    assert json.loads(raw)["event"] == WebhookEvent.ORDER_FAILED
    assert json.loads(raw)["order"]["errors"] == [
        {
            "field": "items[0].sku",
            "code": OrderErrorCode.UNKNOWN_SKU,
            "message": "Item NOPE-1 not found",
        }
    ]


def test_refused_delivery_is_retried_with_backoff_then_delivered(hub, demo, receiver):
    receiver.status = 500
    hub.post_order(order_payload())
    before = timezone.now()
    _deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.PENDING
    assert delivery.attempts == 1
    # Full jitter after the first refusal: somewhere within base * 2 from now.
    ceiling = timedelta(seconds=WEBHOOK_RETRY_BASE_S * 2)
    assert before <= delivery.next_attempt_at <= timezone.now() + ceiling
    assert delivery.last_error.startswith("HTTP 500")
    retry = OrderEvent.objects.get(kind=OrderEventKind.WEBHOOK_RETRY)
    assert retry.message.startswith(f"Webhook order.created to {receiver.url} refused (HTTP 500")
    assert retry.data["attempts"] == 1

    receiver.status = 204
    _deliver_all()

    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.DELIVERED
    assert delivery.attempts == 2
    assert len(receiver.received) == 2
    kinds = list(
        OrderEvent.objects.filter(kind__startswith="webhook").values_list("kind", flat=True)
    )
    assert kinds == [OrderEventKind.WEBHOOK_RETRY, OrderEventKind.WEBHOOK_DELIVERED]


def test_delivery_refused_to_the_last_attempt_is_given_up_and_recorded(hub, demo, receiver):
    receiver.status = 503
    hub.post_order(order_payload())
    WebhookDelivery.objects.update(attempts=MAX_WEBHOOK_ATTEMPTS - 1)

    _deliver_all()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.FAILED
    assert delivery.next_attempt_at is None
    event = OrderEvent.objects.get(kind=OrderEventKind.WEBHOOK_FAILED)
    assert event.message.startswith(
        f"Webhook order.created to {receiver.url} given up after {MAX_WEBHOOK_ATTEMPTS} attempts"
    )


def test_webhook_of_a_staff_resubmission_names_the_staff_member(
    hub, demo, receiver, django_user_model
):
    from orders.services import order_resubmit

    hub.post_order(order_payload(items=[{"sku": "NOPE-1", "quantity": 1}]))
    _deliver_all()
    staff = django_user_model.objects.create_user("operator", is_staff=True)
    order = OrderRequest.objects.get()

    order_resubmit(
        order_id=order.pk,
        payload=dict(order.payload, items=[{"sku": "ART-003", "quantity": "1"}]),
        user=staff,
    )
    _deliver_all()

    [first, second] = OrderEvent.objects.filter(kind=OrderEventKind.WEBHOOK_DELIVERED)
    assert first.user is None
    assert first.data["event"] == WebhookEvent.ORDER_FAILED
    assert second.user == staff
    assert second.data["event"] == WebhookEvent.ORDER_CREATED


def test_delivery_is_safe_to_run_twice(hub, demo, receiver):
    hub.post_order(order_payload())
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    webhook_deliver(delivery_id=delivery.pk)
    webhook_deliver(delivery_id=delivery.pk)

    assert len(receiver.received) == 1


def test_webhook_to_a_private_address_is_refused_and_never_sent(hub, demo, receiver, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    hub.post_order(order_payload())

    _deliver_all()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.PENDING
    assert delivery.response_code is None
    assert delivery.last_error == (
        "Refused by the outbound policy: Plain http is allowed only for hosts in "
        "OUTBOUND_ALLOWED_HOSTS; use https."
    )
    retry = OrderEvent.objects.get(kind=OrderEventKind.WEBHOOK_RETRY)
    assert retry.message.startswith(f"Webhook order.created to {receiver.url} refused (Refused")


def test_no_webhook_without_a_url(hub, demo):
    hub.post_order(order_payload())

    assert not WebhookDelivery.objects.exists()


def test_signature_matches_a_fixed_test_vector():
    # Computed once outside the hub: HMAC-SHA256("s3cret", b'1700000000.' + body), hex.
    body = b'{"event":"order.created"}'

    assert sign(secret="s3cret", timestamp=1700000000, body=body) == (
        "t=1700000000,v1=e79e916b4f5615b1b195fd13ef492f13630909fe2b156bbc6de0a20e8e0669df"
    )


def test_signature_keys_with_the_utf8_bytes_of_the_secret():
    body = b'{"event":"order.created"}'

    assert sign(secret=SECRET, timestamp=1700000000, body=body) == (
        "t=1700000000,v1=ce83602348e3a6b16872900ba9711ef0cb1c61aa6b1e78b8ba440d9c5daa7b38"
    )
