"""Webhooks as Centra's plugin delivers them, to a real receiver over HTTP, and the events
queue over GraphQL."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from connectors.centra.sandbox.webhooks import form_body, sign
from tests.centra_sandbox.test_orders_and_shipments import (
    COMPLETE,
    CONFIRM,
    CREATE,
    mutate,
    read_order,
)


def test_signature_matches_centras_test_vector():
    """docs.centra.com/plugins/centra-webhook: secret test123, t 12345678."""
    assert sign("test123", 12345678, "payload=%7B%22x%22%3A%22test%22%7D") == (
        "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
    )


def test_form_body_is_the_urlencoded_json():
    assert form_body({"x": "test"}) == "payload=%7B%22x%22%3A%22test%22%7D"


class Receiver:
    def __init__(self, status: int = 200):
        self.received: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append({"headers": dict(self.headers), "raw": raw})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
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
def receiver():
    running = Receiver()
    yield running
    running.close()


def verify(delivery: dict, secret: str) -> dict:
    header = delivery["headers"]["X-Centra-Signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.{delivery['raw']}".encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return json.loads(parse_qs(delivery["raw"])["payload"][0])


def test_a_new_order_is_delivered_signed_and_form_encoded(centra_sandbox, receiver):
    centra_sandbox.register_webhook(receiver.url, "s3cret")
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    deliveries = centra_sandbox.wait_for_deliveries(1)
    assert [(d["status"], d["attempt"]) for d in deliveries] == [(200, 1)]
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    payload = verify(delivery, "s3cret")
    assert [(e["type"], e["action"], e["id"]) for e in payload["events"]] == [
        ("order", "insert", number)
    ]


def test_release_and_confirm_send_updates(centra_sandbox, receiver):
    number = centra_sandbox.create_order(
        [{"sku": "ART-001", "quantity": 1, "unitPrice": 10}], on_hold=True
    )
    centra_sandbox.register_webhook(receiver.url, "s3cret")
    centra_sandbox.release(number)
    centra_sandbox.graphql(
        "mutation c($n: Int!) { confirmOrder(input: {order: {number: $n}}) "
        "{ userErrors { message } } }",
        {"n": number},
    )
    centra_sandbox.wait_for_deliveries(2)
    actions = [verify(d, "s3cret")["events"] for d in receiver.received]
    assert [[(e["action"], e["id"]) for e in events] for events in actions] == [
        [("update", number)],
        [("update", number)],
    ]


def test_a_failed_delivery_is_not_retried_by_default(centra_sandbox):
    failing = Receiver(status=500)
    try:
        centra_sandbox.register_webhook(failing.url, "s3cret")
        centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
        deliveries = centra_sandbox.wait_for_deliveries(1)
        assert [(d["status"], d["attempt"]) for d in deliveries] == [(500, 1)]
        assert len(failing.received) == 1
    finally:
        failing.close()


def test_retries_when_registered_with_them(centra_sandbox):
    failing = Receiver(status=503)
    try:
        centra_sandbox.register_webhook(failing.url, "s3cret", retries=1)
        centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
        deliveries = centra_sandbox.wait_for_deliveries(2)
        assert [(d["status"], d["attempt"]) for d in deliveries] == [(503, 1), (503, 2)]
    finally:
        failing.close()


EVENTS = """{ events(where: {objectType: [Order]}) { id objectType changeType objectReference
  object { __typename ... on Order { number status } } } }"""


def test_the_events_queue_returns_unconfirmed_events_until_confirmed(centra_sandbox):
    listen = centra_sandbox.graphql("""mutation { setEventListeners(input: [{objectType: Order,
        changeTypes: [CREATED]}]) { eventListeners { objectType changeTypes }
        userErrors { message } } }""").json()["data"]["setEventListeners"]
    assert listen == {
        "eventListeners": [{"objectType": "Order", "changeTypes": ["CREATED"]}],
        "userErrors": [],
    }
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    events = centra_sandbox.graphql(EVENTS).json()["data"]["events"]
    assert [
        (e["objectType"], e["changeType"], e["objectReference"], e["object"]) for e in events
    ] == [
        (
            "Order",
            "CREATED",
            number,
            {"__typename": "DirectToConsumerOrder", "number": number, "status": "PENDING"},
        )
    ]
    assert centra_sandbox.graphql(EVENTS).json()["data"]["events"] == events
    confirmed = centra_sandbox.graphql(
        "mutation c($ids: [Int!]!) { confirmEvents(input: {eventsIds: $ids}) "
        "{ userErrors { message } } }",
        {"ids": [events[0]["id"]]},
    )
    assert confirmed.json()["data"] == {"confirmEvents": {"userErrors": []}}
    assert centra_sandbox.graphql(EVENTS).json()["data"]["events"] == []


LISTEN = """mutation l($input: [EventListenerSetInput!]!) { setEventListeners(input: $input) {
  eventListeners { objectType changeTypes } userErrors { message } } }"""
QUEUE = """query q($where: EventFilter) { events(where: $where) { objectType changeType
  objectReference market { id } } }"""


def test_events_are_queued_only_for_listened_change_types_and_filter_by_market(centra_sandbox):
    """[EVT] "Set listeners": only listened types reach the queue, a second call adds change
    types without dropping the first; "Fetch events": filters by store and market."""
    first = centra_sandbox.graphql(
        LISTEN, {"input": [{"objectType": "Order", "changeTypes": ["CREATED"]}]}
    ).json()["data"]["setEventListeners"]
    line = [{"sku": "ART-001", "quantity": 1, "unitPrice": 10}]
    held = centra_sandbox.create_order(line, on_hold=True)
    centra_sandbox.release(held)  # an UPDATED nobody listens to yet
    added = centra_sandbox.graphql(
        LISTEN, {"input": [{"objectType": "Order", "changeTypes": ["UPDATED"]}]}
    ).json()["data"]["setEventListeners"]
    centra_sandbox.hold(held)
    nordic = centra_sandbox.create_order(line, market=3)

    queued = centra_sandbox.graphql(QUEUE).json()["data"]["events"]
    in_nordics = centra_sandbox.graphql(QUEUE, {"where": {"marketId": [3]}}).json()["data"]

    assert first["eventListeners"] == [{"objectType": "Order", "changeTypes": ["CREATED"]}]
    assert added == {
        "eventListeners": [{"objectType": "Order", "changeTypes": ["CREATED", "UPDATED"]}],
        "userErrors": [],
    }
    assert [(e["changeType"], e["objectReference"], e["market"]) for e in queued] == [
        ("CREATED", held, {"id": 1}),
        ("UPDATED", held, {"id": 1}),
        ("CREATED", nordic, {"id": 3}),
    ]
    assert in_nordics["events"] == [
        {
            "objectType": "Order",
            "changeType": "CREATED",
            "objectReference": nordic,
            "market": {"id": 3},
        }
    ]


def test_the_change_that_ships_an_order_is_a_completed_event_not_an_update(centra_sandbox):
    """[EVT]: moving to Completed is "technically, it's an update, but ... we provide a new
    change type"."""
    centra_sandbox.graphql(LISTEN, {"input": [{"objectType": "Order"}]})
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    created = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 1}]}
    )
    mutate(centra_sandbox, COMPLETE, {"id": created["createShipment"]["shipment"]["id"]})

    queued = centra_sandbox.graphql(QUEUE).json()["data"]["events"]
    assert [e["changeType"] for e in queued] == ["CREATED", "UPDATED", "UPDATED", "COMPLETED"]
