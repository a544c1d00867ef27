"""The order API's refusals: nothing invalid or unauthorised is stored or sent to Xentral."""

import pytest
import requests

from backoffice.api.throttling import ChannelRateThrottle
from backoffice.models import Scope
from orders.models import OrderRequest
from tests.factories import channel_with_key
from tests.orders.conftest import order_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _errors(response) -> list[dict]:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.json()["errors"]


def test_missing_email_and_number_is_required_error_naming_the_field(hub):
    payload = order_payload()
    payload["customer"]["email"] = None

    response = hub.post_order(payload)

    assert response.status_code == 400
    assert {
        "field": "customer.email",
        "code": "required",
        "message": "Required field 'email' is missing",
    } in _errors(response)
    assert not OrderRequest.objects.exists()


def test_every_problem_is_listed_with_paths_and_codes(hub):
    payload = order_payload(reference="", currency="euro", colour="red")
    payload["items"] = [{"sku": "ART-001", "quantity": 1}, {"sku": "", "quantity": 0, "size": "L"}]
    payload["customer"]["country"] = "Germany"
    payload["customer"]["fax"] = "123"

    response = hub.post_order(payload)

    assert response.status_code == 400
    found = {(e["field"], e["code"]) for e in _errors(response)}
    assert {
        ("reference", "required"),
        ("currency", "invalid"),
        ("colour", "unknown_field"),
        ("items[1].size", "unknown_field"),
        ("items[1].quantity", "invalid"),
        ("customer.country", "invalid"),
        ("customer.fax", "unknown_field"),
    } <= found
    assert not OrderRequest.objects.exists()


def test_address_fields_are_required_when_the_customer_may_be_created(hub):
    payload = order_payload()
    payload["customer"].update(street=None, city="")

    response = hub.post_order(payload)

    assert response.status_code == 400
    found = {(e["field"], e["code"]) for e in _errors(response)}
    assert found == {("customer.street", "required"), ("customer.city", "required")}


def test_items_must_not_be_empty_nor_exceed_500(hub):
    empty = hub.post_order(order_payload(items=[]))
    too_many = hub.post_order(order_payload(items=[{"sku": "ART-001", "quantity": 1}] * 501))

    assert empty.status_code == 400
    assert _errors(empty)[0]["field"] == "items"
    assert too_many.status_code == 400
    assert _errors(too_many)[0]["field"] == "items"


def test_item_needs_sku_or_external_number_with_target(hub):
    payload = order_payload(items=[{"quantity": 1}, {"external_number": "X-1", "quantity": 1}])

    response = hub.post_order(payload)

    found = {(e["field"], e["code"]) for e in _errors(response)}
    assert response.status_code == 400
    assert found == {("items[0].sku", "required"), ("items[1].target", "required")}


def test_delivery_address_rejects_unknown_fields_and_needs_name(hub):
    payload = order_payload(
        delivery_address={
            "street": "Weg 2",
            "zip": "1",
            "city": "B",
            "country": "DE",
            "floor": "3",
        }
    )

    response = hub.post_order(payload)

    found = {(e["field"], e["code"]) for e in _errors(response)}
    assert {
        ("delivery_address.name", "required"),
        ("delivery_address.floor", "unknown_field"),
    } <= found


def test_missing_key_is_401_with_bearer_challenge(live_server):
    response = requests.post(f"{live_server.url}/api/v1/orders", json=order_payload(), timeout=10)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_and_revoked_keys_are_401(live_server, channel_and_key):
    channel, key = channel_and_key
    wrong = requests.post(
        f"{live_server.url}/api/v1/orders",
        json=order_payload(),
        headers={"Authorization": "Bearer xh_nothing_here"},
        timeout=10,
    )
    channel.api_keys.update(revoked_at="2026-01-01T00:00:00Z")
    revoked = requests.post(
        f"{live_server.url}/api/v1/orders",
        json=order_payload(),
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )

    assert wrong.status_code == 401
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")


def test_key_without_write_scope_is_403(live_server):
    _, key = channel_with_key(scopes=[Scope.ORDERS_READ])

    response = requests.post(
        f"{live_server.url}/api/v1/orders",
        json=order_payload(),
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )

    assert response.status_code == 403
    assert not OrderRequest.objects.exists()


def test_key_without_read_scope_cannot_list(live_server):
    _, key = channel_with_key(scopes=[Scope.ORDERS_WRITE])

    response = requests.get(
        f"{live_server.url}/api/v1/orders", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )

    assert response.status_code == 403


def test_non_json_body_is_415(hub):
    response = hub.http.post(
        f"{hub.base_url}/api/v1/orders",
        data="reference=SHOP-1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )

    assert response.status_code == 415


def test_body_over_one_mebibyte_is_413(hub):
    payload = order_payload(notes="x" * (1024 * 1024 + 10))

    response = hub.post_order(payload)

    assert response.status_code == 413
    assert not OrderRequest.objects.exists()


def test_over_the_channel_rate_is_429(hub, monkeypatch):
    monkeypatch.setattr(ChannelRateThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(ChannelRateThrottle, "get_rate", lambda self: "3/min")

    statuses = [hub.get("/api/v1/orders").status_code for _ in range(5)]

    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_schema_and_docs_describe_the_order_endpoints(live_server):
    schema = requests.get(
        f"{live_server.url}/api/v1/schema", headers={"Accept": "application/json"}, timeout=30
    )
    docs = requests.get(f"{live_server.url}/api/v1/docs", timeout=30)

    assert schema.status_code == 200
    assert docs.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/orders" in paths
    assert "/api/v1/orders/{id}" in paths
    assert set(paths["/api/v1/orders"]) >= {"get", "post"}
    assert "422" in paths["/api/v1/orders"]["post"]["responses"]


def test_a_channel_cannot_choose_the_xentral_project(hub):
    """The project is the channel's, or a connector's per-order choice (orders/projects.py):
    never the payload's, so a posted `project` is refused, not silently dropped."""
    response = hub.post_order(order_payload(project="2"))

    assert response.status_code == 400
    assert _errors(response) == [
        {"field": "project", "code": "unknown_field", "message": "Unknown field 'project'"}
    ]
    assert not OrderRequest.objects.exists()
