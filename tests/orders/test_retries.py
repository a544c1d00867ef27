"""Transient failures: accepted with 202, retried later, never two Xentral orders."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from backoffice.models import StaffAlert
from orders.errors import OrderErrorCode
from orders.models import CustomerLink, OrderEvent, OrderRequest, OrderStatus
from orders.retries import orders_retry_due
from tests.orders.conftest import imports, order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)
IMPORT = "/api/v1/salesOrders/actions/import"


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.ORDER_RETRY_BASE_S = 0.01
    settings.ORDER_RETRY_CAP_S = 0.05
    settings.ORDER_MAX_ATTEMPTS = 3


def _make_due() -> None:
    OrderRequest.objects.filter(status=OrderStatus.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_503_is_accepted_with_202_and_created_by_the_retry(hub, demo):
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 503}])

    before = timezone.now()
    response = hub.post_order(order_payload())

    assert response.status_code == 202
    assert response.headers["Location"] == response.json()["links"]["self"]
    order = OrderRequest.objects.get()
    assert order.status == OrderStatus.QUEUED
    assert order.attempts == 1
    # Full jitter within base * 2**attempts (0.02 s here), after the attempt itself.
    assert before <= order.next_attempt_at <= timezone.now() + timedelta(seconds=0.02)
    assert order.last_error.startswith(
        "XentralUnavailable: Xentral answered 503 to POST /api/v1/salesOrders/actions/import"
    )
    _make_due()

    assert orders_retry_due() == 1

    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert len(sales_orders(demo, "SHOP-12345")) == 1
    assert hub.get(f"/api/v1/orders/{order.pk}").json()["status"] == OrderStatus.CREATED


def test_commit_then_drop_is_found_by_lookup_and_never_imported_twice(hub, demo):
    demo.faults(commitThenDropRate=1.0, paths=[IMPORT])

    response = hub.post_order(order_payload())

    assert response.status_code == 202
    assert len(sales_orders(demo, "SHOP-12345")) == 1
    demo.faults()
    _make_due()
    orders_retry_due()

    order = OrderRequest.objects.get()
    assert order.status == OrderStatus.CREATED
    assert order.xentral_order_id == str(sales_orders(demo, "SHOP-12345")[0]["id"])
    assert len(imports(demo)) == 1
    assert demo.requests(path_prefix="/api/v1/salesOrders", method="GET")
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_an_adopted_order_of_a_new_customer_reads_the_customer_number_once(hub, demo):
    demo.faults(commitThenDropRate=1.0, paths=[IMPORT])
    payload = order_payload()
    payload["customer"]["email"] = "neu@example.com"
    response = hub.post_order(payload)
    demo.faults()
    demo.clear_requests()
    _make_due()

    orders_retry_due()

    assert response.status_code == 202
    order = OrderRequest.objects.get()
    [customer] = [c for c in demo.state()["customers"] if c["id"] == order.xentral_customer_id]
    assert (order.status, order.xentral_customer_number) == (
        OrderStatus.CREATED,
        customer["number"],
    )
    assert [(c["method"], c["path"]) for c in demo.requests()] == [
        ("GET", "/api/v1/salesOrders"),
        ("GET", f"/api/v2/customers/{customer['id']}"),
    ]
    link = CustomerLink.objects.get(value="neu@example.com")
    assert link.xentral_customer_number == customer["number"]


def test_connection_dropped_before_the_write_is_imported_on_retry(hub, demo):
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "drop": True}])

    response = hub.post_order(order_payload())
    _make_due()
    orders_retry_due()

    assert response.status_code == 202
    assert OrderRequest.objects.get().status == OrderStatus.CREATED
    assert len(imports(demo)) == 2
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_rate_limited_import_is_queued(hub, demo):
    # Two in a row: the client may retry one short 429 inline before giving up.
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 429}] * 2)

    response = hub.post_order(order_payload())

    assert response.status_code == 202
    assert response.json()["status"] == OrderStatus.QUEUED


def test_past_the_attempt_limit_the_order_fails_for_staff(hub, demo):
    demo.faults(errorRate=1.0, errorStatus=503, paths=[IMPORT])
    hub.post_order(order_payload())

    for _ in range(3):
        _make_due()
        orders_retry_due()

    order = OrderRequest.objects.get()
    assert order.status == OrderStatus.FAILED
    assert order.errors[0]["code"] == "xentral_unavailable"
    assert sales_orders(demo) == []


def test_rejected_token_keeps_order_queued_and_alerts_staff_once(hub, demo, settings):
    settings.XENTRAL_TOKEN = "wrong-token"

    first = hub.post_order(order_payload(reference="AUTH-1"))
    second = hub.post_order(order_payload(reference="AUTH-2"))

    assert first.status_code == 202
    assert second.status_code == 202
    assert first.json()["errors"][0]["code"] == OrderErrorCode.XENTRAL_CONFIGURATION
    assert "configuration" in first.json()["errors"][0]["message"]
    assert StaffAlert.objects.filter(kind=StaffAlert.Kind.XENTRAL_AUTH).count() == 1
    settings.XENTRAL_TOKEN = demo.token
    _make_due()
    orders_retry_due()
    assert set(OrderRequest.objects.values_list("status", flat=True)) == {OrderStatus.CREATED}


def test_stale_processing_claim_is_requeued_and_completed(hub, demo, channel):
    from orders.serializers import validated_payload
    from orders.services import order_submit

    payload = validated_payload(order_payload(), allow_customer_creation=True)
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 503}])
    order_submit(channel=channel, payload=payload)
    # A worker claimed it and died.
    OrderRequest.objects.update(
        status=OrderStatus.PROCESSING, claimed_at=timezone.now() - timedelta(hours=1)
    )

    orders_retry_due()
    _make_due()
    orders_retry_due()

    assert OrderRequest.objects.get().status == OrderStatus.CREATED
    assert OrderEvent.objects.filter(message__contains="interrupted").exists()
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def _race(hub, demo, clients: int) -> None:
    demo.faults(latencyMs=150)
    payload = order_payload(reference=f"RACE-{connection.vendor}")
    statuses: list[int] = []
    barrier = threading.Barrier(clients)

    def post():
        barrier.wait()
        statuses.append(hub.post_order(payload).status_code)

    threads = [threading.Thread(target=post) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(statuses) == clients
    assert set(statuses) <= {200, 201, 202}
    assert statuses.count(201) == 1
    assert len(imports(demo)) == 1
    assert len(sales_orders(demo, payload["reference"])) == 1
    assert OrderRequest.objects.count() == 1


def test_simultaneous_identical_requests_create_exactly_one_order(hub, demo):
    """Runs on whichever database the suite runs on (SQLite or PostgreSQL)."""
    _race(hub, demo, clients=8)


@pytest.mark.postgres
def test_simultaneous_identical_requests_on_postgresql_create_one_order(hub, demo):
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; CI's PostgreSQL pass runs this")
    _race(hub, demo, clients=16)
