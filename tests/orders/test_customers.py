"""Customers exactly once, with their address; a channel orders by customer number only with
that right; every problem of an order is answered at once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.models import XentralFeatureOff
from catalog.index import resolve_skus
from orders.errors import OrderErrorCode, violation_errors
from orders.models import CustomerLink, CustomerLinkStatus, OrderRequest, OrderStatus
from orders.retries import orders_retry_due
from tests.factories import channel_with_key
from tests.orders.conftest import Hub, hub_calls, order_payload

pytestmark = pytest.mark.django_db(transaction=True)
CUSTOMERS = "/api/v2/customers"


def _new_customer(email: str) -> dict:
    return {**order_payload()["customer"], "email": email, "name": "Max Muster"}


def _customers(demo, email: str) -> list[dict]:
    return [
        c
        for c in demo.state()["customers"]
        if ((c.get("contactDetails") or {}).get("email") or "").lower() == email.lower()
    ]


def _addresses(demo, customer_id) -> list[dict]:
    return [
        a for a in demo.state()["customerAddresses"] if str(a["customer"]["id"]) == str(customer_id)
    ]


def _drain() -> None:
    OrderRequest.objects.filter(status=OrderStatus.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    orders_retry_due(max_seconds=10)


def test_a_lost_create_answer_and_a_second_order_in_another_case_leave_one_customer(hub, demo):
    demo.faults(commitThenDropRate=1.0, paths=[CUSTOMERS], methods=["POST"])
    first = hub.post_order(
        order_payload(reference="C-1", customer=_new_customer("max.m@example.com"))
    )
    demo.faults()

    second = hub.post_order(
        order_payload(reference="C-2", customer=_new_customer("Max.M@Example.com"))
    )
    _drain()

    assert (first.status_code, second.status_code) == (202, 201)
    [customer] = _customers(demo, "max.m@example.com")
    assert customer["contactDetails"]["email"] == "max.m@example.com"
    assert [(a["street"], a["zip"], a["city"]) for a in _addresses(demo, customer["id"])] == [
        ("Musterstraße 1", "12345", "Musterstadt")
    ]
    orders = OrderRequest.objects.order_by("reference")
    assert [(o.status, o.xentral_customer_id) for o in orders] == [
        (OrderStatus.CREATED, str(customer["id"])),
        (OrderStatus.CREATED, str(customer["id"])),
    ]
    assert list(CustomerLink.objects.values_list("value", "xentral_customer_id", "status")) == [
        ("max.m@example.com", str(customer["id"]), CustomerLinkStatus.COMPLETE)
    ]
    customer_writes = [
        (c["method"], c["path"]) for c in hub_calls(demo) if c["path"].startswith(CUSTOMERS)
    ]
    assert customer_writes == [
        ("GET", CUSTOMERS),
        ("POST", CUSTOMERS),
        ("GET", CUSTOMERS),
        ("POST", f"{CUSTOMERS}/{customer['id']}/addresses"),
    ]
    assert [o.xentral_customer_number for o in orders] == [customer["number"]] * 2


def test_parallel_first_orders_of_a_new_customer_create_one(hub, demo):
    demo.faults(latencyMs=150, paths=[CUSTOMERS])
    payloads = [
        order_payload(reference=f"P-{i}", customer=_new_customer("neu@example.com"))
        for i in range(4)
    ]

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(r.status_code for r in pool.map(hub.post_order, payloads))
    demo.faults()
    _drain()

    assert statuses[0] == 201
    assert set(statuses) <= {201, 202}
    [customer] = _customers(demo, "neu@example.com")
    assert len(_addresses(demo, customer["id"])) == 1
    posts = [c for c in hub_calls(demo) if c["method"] == "POST" and c["path"] == CUSTOMERS]
    assert len(posts) == 1
    assert set(OrderRequest.objects.values_list("status", "xentral_customer_id")) == {
        (OrderStatus.CREATED, str(customer["id"]))
    }
    assert OrderRequest.objects.filter(attempts__gt=0).count() == 0


def test_a_channel_without_the_right_cannot_order_by_customer_number(hub, demo, channel):
    payload = order_payload(customer={"number": "10001", "email": None, "name": "Max Muster"})

    response = hub.post_order(payload)

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("customer.number", OrderErrorCode.CUSTOMER_NUMBER_NOT_ALLOWED)
    ]
    assert not [c for c in hub_calls(demo) if c["path"].startswith(CUSTOMERS)]
    assert response.json()["order"]["xentral"]["customer_id"] is None


def test_a_found_customers_ids_are_shown_only_to_a_channel_with_the_right(hub, demo, channel):
    response = hub.post_order(order_payload())
    channel.allow_customer_number = True
    channel.save()
    again = hub.get(f"/api/v1/orders/{response.json()['id']}")

    assert response.status_code == 201
    assert response.json()["xentral"]["customer_id"] is None
    assert response.json()["xentral"]["customer_number"] is None
    assert again.json()["xentral"]["customer_id"] == OrderRequest.objects.get().xentral_customer_id


def test_three_kinds_of_problem_get_one_answer_naming_all(live_server, demo):
    _, key = channel_with_key(name="Strict", allow_customer_creation=False)
    payload = order_payload(
        shipping="rocket",
        items=[{"sku": "ART-001", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}],
        customer={"email": "unknown@example.com", "name": "Nobody"},
    )

    response = Hub(live_server.url, key).post_order(payload)

    assert response.status_code == 422
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("customer.email", OrderErrorCode.CUSTOMER_NOT_FOUND),
        ("items[1].sku", OrderErrorCode.UNKNOWN_SKU),
        ("shipping", OrderErrorCode.UNMAPPED_SHIPPING),
    ]
    assert {c["method"] for c in hub_calls(demo)} == {"GET"}
    order = OrderRequest.objects.get()
    assert [e["field"] for e in order.errors] == [e["field"] for e in response.json()["errors"]]


def test_xentral_violations_are_named_by_the_payloads_fields():
    violations = {
        "positions": {"1": {"quantity": ["Must be positive."], "product": {"id": ["Unknown."]}}},
        "delivery": {"shippingMethod": {"id": ["Unknown shipping method."]}},
        "financials": {"billingAddress": {"zipCode": ["Too long."]}},
        "project": {"id": ["Unknown project."]},
    }

    errors = violation_errors(violations, ["Order is locked."])

    assert [(e["field"], e["message"]) for e in errors] == [
        ("items[1].quantity", "Xentral: Must be positive."),
        ("items[1].sku", "Xentral: Unknown."),
        ("shipping", "Xentral: Unknown shipping method."),
        ("customer.zip", "Xentral: Too long."),
        ("project.id", "Xentral: Unknown project."),
        ("", "Xentral: Order is locked."),
    ]


V3_CUSTOMERS = "/api/v3/customers"


def _cold_order(hub, reference: str, email: str):
    return hub.post_order(order_payload(reference=reference, customer=_new_customer(email)))


def _hub_paths(demo) -> list[tuple[str, str]]:
    return [(c["method"], c["path"]) for c in hub_calls(demo)]


def _warm(hub, demo) -> None:
    """Indexed SKUs and known methods: an order of the known customer goes first."""
    resolve_skus(["ART-001", "ART-002"])
    assert hub.post_order(order_payload(reference="WARM-1")).status_code == 201
    demo.clear_requests()


def test_with_v3_customers_a_cold_order_costs_exactly_four_calls(hub, demo, settings):
    settings.XENTRAL_V3_CUSTOMERS = True
    _warm(hub, demo)

    response = _cold_order(hub, "V3-1", "neu@example.com")

    assert response.status_code == 201
    order = OrderRequest.objects.get(reference="V3-1")
    [customer] = _customers(demo, "neu@example.com")
    assert _hub_paths(demo) == [
        ("GET", CUSTOMERS),
        ("POST", V3_CUSTOMERS),
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{order.xentral_order_id}"),
    ]
    [created] = demo.requests(path_prefix=V3_CUSTOMERS, method="POST")
    assert created["body"] == {
        "primaryAddress": {
            "name": "Max Muster",
            "street": "Musterstraße 1",
            "zipCode": "12345",
            "city": "Musterstadt",
            "country": "DE",
            "email": "neu@example.com",
        },
        "mainProject": {"id": "1"},
    }
    assert (order.xentral_customer_id, order.xentral_customer_number) == (
        str(customer["id"]),
        customer["number"],
    )
    assert [(a["street"], a["zipCode"]) for a in _addresses(demo, customer["id"])] == [
        ("Musterstraße 1", "12345")
    ]
    assert CustomerLink.objects.values_list("xentral_customer_number", "status").get(
        value="neu@example.com"
    ) == (customer["number"], CustomerLinkStatus.COMPLETE)


def test_a_403_from_v3_customers_falls_back_to_v2_and_is_not_tried_for_a_day(hub, demo, settings):
    settings.XENTRAL_V3_CUSTOMERS = True
    _warm(hub, demo)
    demo.faults(failNext=[{"method": "POST", "path": V3_CUSTOMERS, "status": 403}])

    first = _cold_order(hub, "V3-1", "erste@example.com")
    first_calls = _hub_paths(demo)
    demo.clear_requests()
    second = _cold_order(hub, "V3-2", "zweite@example.com")

    assert (first.status_code, second.status_code) == (201, 201)
    [one] = _customers(demo, "erste@example.com")
    [two] = _customers(demo, "zweite@example.com")
    orders = {o.reference: o for o in OrderRequest.objects.exclude(reference="WARM-1")}
    assert first_calls == [
        ("GET", CUSTOMERS),
        ("POST", V3_CUSTOMERS),
        ("POST", CUSTOMERS),
        ("POST", f"{CUSTOMERS}/{one['id']}/addresses"),
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{orders['V3-1'].xentral_order_id}"),
    ]
    assert _hub_paths(demo) == [
        ("GET", CUSTOMERS),
        ("POST", CUSTOMERS),
        ("POST", f"{CUSTOMERS}/{two['id']}/addresses"),
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{orders['V3-2'].xentral_order_id}"),
    ]
    assert (orders["V3-1"].xentral_customer_number, orders["V3-2"].xentral_customer_number) == (
        one["number"],
        two["number"],
    )
    switch = XentralFeatureOff.objects.get()
    assert (switch.instance, switch.feature) == (settings.XENTRAL_URL, "v3_customer_create")
    assert timedelta(hours=23, minutes=59) < switch.until - timezone.now() <= timedelta(days=1)


def test_v3_customers_are_used_again_once_the_day_is_over(hub, demo, settings):
    settings.XENTRAL_V3_CUSTOMERS = True
    XentralFeatureOff.objects.create(
        instance=settings.XENTRAL_URL,
        feature="v3_customer_create",
        until=timezone.now() - timedelta(seconds=1),
    )
    _warm(hub, demo)

    response = _cold_order(hub, "V3-1", "neu@example.com")

    assert response.status_code == 201
    order = OrderRequest.objects.get(reference="V3-1")
    assert _hub_paths(demo) == [
        ("GET", CUSTOMERS),
        ("POST", V3_CUSTOMERS),
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{order.xentral_order_id}"),
    ]
