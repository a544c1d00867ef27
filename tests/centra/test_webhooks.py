"""Centra's webhook deliveries over HTTP: the documented signature (and its test vector), a bad
or stale signature refused with nothing stored, a repeated delivery stored once."""

import json
import time
from urllib.parse import urlencode

import pytest
import requests

from connectors.centra.models import CentraEvent, CentraEventStatus
from connectors.centra.services import centra_channel_create, webhook_path
from connectors.centra.signature import signature_compute, signature_header, signature_valid
from tests.task_queue import queue_purge, queue_size

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec-centra"


def test_the_documented_test_vector_passes():
    raw = b"payload=%7B%22x%22%3A%22test%22%7D"

    digest = signature_compute(secret="test123", timestamp="12345678", raw=raw)
    valid = signature_valid(
        secret="test123",
        header=f"t=12345678,v1={digest}",
        raw=raw,
        tolerance_s=300,
        now=12345678 + 299,
    )

    assert digest == "0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
    assert valid is True


@pytest.fixture
def centra(db):
    return centra_channel_create(
        name="Centra EU",
        graphql_url="https://brand.centra.com/graphql",
        api_token="token",
        webhook_secret=SECRET,
    )


def _body(*events: dict) -> bytes:
    return urlencode({"payload": json.dumps({"events": list(events)})}).encode()


def _post(live_server, centra, raw: bytes, signature: str, **headers) -> requests.Response:
    return requests.post(
        f"{live_server.url}{webhook_path(centra)}",
        data=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": signature,
            **headers,
        },
        timeout=10,
    )


ORDER_EVENT = {"type": "order", "action": "insert", "date": "2026-11-30 10:00:00.1", "id": 14}


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=00",
        "garbage",
        signature_header(secret="another-secret", raw=_body(ORDER_EVENT)),
        signature_header(secret=SECRET, raw=_body(ORDER_EVENT), timestamp=int(time.time()) - 301),
        signature_header(secret=SECRET, raw=_body(ORDER_EVENT), timestamp=int(time.time()) + 3600),
        signature_header(secret=SECRET, raw=_body({**ORDER_EVENT, "id": 15})),
    ],
    ids=["missing", "wrong", "unparsable", "other-secret", "stale", "future", "other-body"],
)
def test_a_bad_or_stale_signature_is_401_and_nothing_is_stored(live_server, centra, signature):
    queue_purge()

    answer = _post(live_server, centra, _body(ORDER_EVENT), signature)

    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == "Missing, invalid or stale X-Centra-Signature."
    assert CentraEvent.objects.count() == 0
    assert queue_size() == 0


def test_the_same_delivery_twice_stores_each_event_once(live_server, centra):
    queue_purge()
    raw = _body(ORDER_EVENT, {"type": "shipment", "action": "update", "date": "x", "id": 3})

    first = _post(live_server, centra, raw, signature_header(secret=SECRET, raw=raw))
    again = _post(live_server, centra, raw, signature_header(secret=SECRET, raw=raw))

    assert (first.status_code, first.json()) == (200, {"events": 2, "new": 2})
    assert (again.status_code, again.json()) == (200, {"events": 2, "new": 0})
    stored = sorted(CentraEvent.objects.values_list("type", "action", "object_id", "status"))
    assert stored == [
        ("order", "insert", "14", CentraEventStatus.RECEIVED),
        ("shipment", "update", "3", CentraEventStatus.RECEIVED),
    ]
    assert queue_size() == 1


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "detail"),
    [
        (b'{"events": []}', "application/json", 415,
         "Centra's webhooks are application/x-www-form-urlencoded, not 'application/json'."),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded", 400,
         "'payload' is not JSON."),
        (b"other=1", "application/x-www-form-urlencoded", 400,
         "The form has no single 'payload' field."),
        (_body({"type": "order"}), "application/x-www-form-urlencoded", 400,
         "Each event needs 'type', 'action' and 'id'."),
    ],
    ids=["json", "payload-not-json", "no-payload", "event-without-id"],
)  # fmt: skip
def test_a_malformed_delivery_is_a_clear_problem(live_server, centra, raw, content_type, status,
                                                 detail):  # fmt: skip
    answer = _post(
        live_server,
        centra,
        raw,
        signature_header(secret=SECRET, raw=raw),
        **{"Content-Type": content_type},
    )

    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == detail
    assert CentraEvent.objects.count() == 0


def test_an_unknown_channel_is_404(live_server, centra):
    raw = _body(ORDER_EVENT)
    answer = requests.post(
        f"{live_server.url}/api/v1/centra/999999/webhook",
        data=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": signature_header(secret=SECRET, raw=raw),
        },
        timeout=10,
    )

    assert answer.status_code == 404
    assert answer.json()["detail"] == "No Centra channel 999999."
