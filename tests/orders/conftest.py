"""Fixtures of the order tests: a channel with a key, the hub over HTTP, the demo sandbox."""

import copy

import pytest
import requests
from django.core.cache import cache

from tests.factories import channel_with_key

BASE_PAYLOAD = {
    "reference": "SHOP-12345",
    "customer": {
        "email": "kunde@example.com",
        "number": None,
        "name": "Max Mustermann",
        "company": None,
        "vat_id": None,
        "phone": None,
        "street": "Musterstraße 1",
        "zip": "12345",
        "city": "Musterstadt",
        "country": "DE",
    },
    "delivery_address": None,
    "items": [{"sku": "ART-001", "quantity": 2, "price": None}, {"sku": "ART-002", "quantity": 1}],
    "shipping": "dhl_standard",
    "payment": "paypal",
    "payment_status": "paid",
    "currency": "EUR",
    "prices": "net",
    "notes": None,
    "custom_fields": {},
}


def order_payload(**overrides) -> dict:
    payload = copy.deepcopy(BASE_PAYLOAD)
    payload.update(overrides)
    return payload


class Hub:
    """The hub's order API over a real socket, as a channel calls it."""

    def __init__(self, base_url: str, key: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"

    def post_order(self, payload, **kwargs) -> requests.Response:
        return self.http.post(f"{self.base_url}/api/v1/orders", json=payload, timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.base_url}{path}", timeout=30, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_method_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(sandbox):
    sandbox.seed_demo()
    return sandbox


@pytest.fixture
def channel_and_key(db):
    return channel_with_key(name="Portal", sales_channel_id="1")


@pytest.fixture
def channel(channel_and_key):
    return channel_and_key[0]


@pytest.fixture
def hub(live_server, channel_and_key) -> Hub:
    return Hub(live_server.url, channel_and_key[1])


def imports(sandbox) -> list[dict]:
    return sandbox.requests(path_prefix="/api/v1/salesOrders/actions/import", method="POST")


def hub_calls(sandbox) -> list[dict]:
    return [
        r
        for r in sandbox.requests()
        if r.get("headers", {}).get("User-Agent", "").startswith("xentral-hub/")
    ]


def sales_orders(sandbox, reference: str | None = None) -> list[dict]:
    orders = sandbox.state()["salesOrders"]
    if reference is None:
        return orders
    return [o for o in orders if o.get("externalOrderNumber") == reference]
