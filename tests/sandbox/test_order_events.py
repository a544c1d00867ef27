"""The sandbox's sales order events: an import delivers `salesOrder.created` and, for each
product whose reservation it changed, `reservation.changed` to the webhooks subscribed to them,
signed; the cancel action follows its document (only `created` or `completed` orders)."""

import hashlib
import hmac
import json

import pytest

from tests.lifecycle import control
from tests.orders.test_webhooks import Receiver

KEY = "k" * 32
EVENTS = ["com.xentral.salesOrder.created.v1", "com.xentral.reservation.changed.v1"]


@pytest.fixture
def hook(sandbox):
    receiver = Receiver(status=202)
    answer = sandbox.api("POST", "/api/v1/webhooks", json={
        "name": "hub", "url": receiver.url, "signatureKey": KEY,
        "events": [{"id": e} for e in EVENTS],
    })  # fmt: skip
    assert answer.status_code == 201
    yield receiver
    receiver.close()


@pytest.fixture
def shop(sandbox):
    seeded = sandbox.seed(
        products=[
            {"name": "Mug", "number": "MUG", "stock": {"1": 10}},
            {"name": "Cup", "number": "CUP", "stock": {"1": 0}},
        ],
        customers=[{"firstname": "Erika", "lastname": "Muster", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    return seeded["products"], seeded["customers"][0]


def _import(sandbox, products, customer) -> str:
    body = {
        "date": "2026-11-30", "project": {"id": "1"}, "customer": {"id": customer["id"]},
        "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
        "delivery": {"shippingMethod": {"id": "1"}},
        "positions": [{"product": {"id": p["id"]}, "quantity": 2} for p in products],
    }  # fmt: skip
    answer = sandbox.api("POST", "/api/v1/salesOrders/actions/import", json=body)
    assert answer.status_code == 201
    return answer.headers["Location"].rsplit("/", 1)[-1]


def _events(receiver) -> list[tuple[str, dict]]:
    """(type, body without its time stamp) of each delivery, after checking its signature."""
    seen = []
    for headers, raw in receiver.received:
        expected = hmac.new(KEY.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-Xentral-Signature"] == expected
        event = json.loads(raw)
        assert isinstance(event["body"].pop("updatedAt"), str)
        seen.append((event["type"], event["body"]))
    return seen


def test_an_import_delivers_created_and_the_reservations_it_changed(sandbox, shop, hook):
    (mug, cup), customer = shop

    order_id = _import(sandbox, [mug, cup], customer)

    # CUP has nothing sellable, so nothing of it is reserved and its reservation is unchanged.
    assert _events(hook) == [
        ("com.xentral.salesOrder.created.v1", {"id": int(order_id)}),
        ("com.xentral.reservation.changed.v1", {"productId": int(mug["id"])}),
    ]


def test_an_import_without_auto_reservation_changes_no_reservation(sandbox, shop, hook):
    (mug, _), customer = shop
    sandbox.seed(projects=[{"id": "1", "autoReservation": False}])

    order_id = _import(sandbox, [mug], customer)

    assert _events(hook) == [("com.xentral.salesOrder.created.v1", {"id": int(order_id)})]


def test_the_cancel_action_refuses_a_released_order_as_its_document_says(sandbox, shop, hook):
    (mug, _), customer = shop
    order_id = _import(sandbox, [mug], customer)
    hook.received.clear()

    refused = sandbox.api("POST", f"/api/v1/salesOrders/{order_id}/actions/cancel", json={})
    [order] = [o for o in sandbox.state()["salesOrders"] if o["id"] == order_id]

    assert refused.status_code == 409
    assert refused.json() == {
        "type": "https://api.xentral.biz/problems/conflict",
        "title": "Sales order is released and cannot be canceled.",
        "messages": ["Status: released"],
    }
    assert order["status"] == "released"
    assert hook.received == []


def test_staff_cancel_a_released_order_in_xentral(sandbox, shop, hook):
    (mug, _), customer = shop
    order_id = _import(sandbox, [mug], customer)
    hook.received.clear()

    answer = control(sandbox, "POST", "cancel", {"salesOrder": order_id})

    assert answer["status"] == "canceled"
    assert _events(hook) == [
        ("com.xentral.reservation.changed.v1", {"productId": int(mug["id"])}),
    ]
