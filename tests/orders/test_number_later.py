""" "Number later" channels: the hub answers once Xentral accepted the import, reads the order
numbers in batches on the next sweep and delivers each by the `order.updated` webhook."""

import json

import pytest

from catalog.index import resolve_skus
from orders.models import CustomerLink, OrderRequest, OrderStatus, WebhookEvent
from orders.tasks import retry_due_orders
from tests.orders.conftest import hub_calls, order_payload, sales_orders
from tests.orders.test_webhooks import SECRET, Receiver, _deliver_all

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(channel, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    channel.webhook_url, channel.webhook_secret = receiver.url, SECRET
    channel.save()
    yield receiver
    receiver.close()


@pytest.fixture
def number_later(channel):
    channel.number_later = True
    channel.save()
    return channel


def _number_reads(sandbox) -> list[dict]:
    return [
        c
        for c in hub_calls(sandbox)
        if c["method"] == "GET" and c["path"].startswith("/api/v1/salesOrders")
    ]


def test_the_answer_comes_without_the_number_and_the_webhook_brings_it(
    hub, demo, number_later, receiver
):
    response = hub.post_order(order_payload())

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == OrderStatus.CREATED
    assert body["xentral"]["order_number"] is None
    [created] = sales_orders(demo, "SHOP-12345")
    assert body["xentral"]["order_id"] == created["id"]
    assert _number_reads(demo) == []
    _deliver_all()

    retry_due_orders()
    _deliver_all()

    [read] = _number_reads(demo)
    assert read["path"] == "/api/v1/salesOrders"
    assert read["query"]["filter[0][key]"] == "externalOrderId"
    events = [json.loads(raw) for _, raw in receiver.received]
    assert [e["event"] for e in events] == [WebhookEvent.ORDER_CREATED, WebhookEvent.ORDER_UPDATED]
    assert events[0]["order"]["xentral"]["order_number"] is None
    assert events[1]["order"]["xentral"]["order_number"] == created["documentNumber"]
    shown = hub.get(f"/api/v1/orders/{body['id']}").json()
    assert shown["xentral"]["order_number"] == created["documentNumber"]


def test_numbers_are_read_fifty_at_a_time_once(hub, demo, number_later):
    answers = [hub.post_order(order_payload(reference=f"SHOP-{n}")) for n in range(51)]
    assert {a.status_code for a in answers} == {201}
    demo.clear_requests()

    retry_due_orders()
    retry_due_orders()

    reads = _number_reads(demo)
    assert [len(r["query"]["filter[0][value][]"]) for r in reads] == [50, 1]
    assert [r["query"]["filter[0][op]"] for r in reads] == ["in", "in"]
    numbers = {o["externalOrderNumber"]: o["documentNumber"] for o in sales_orders(demo)}
    stored = dict(OrderRequest.objects.values_list("reference", "xentral_order_number"))
    assert stored == numbers


def test_a_new_customers_number_comes_with_the_order_number_in_the_sweep(hub, demo, number_later):
    resolve_skus(["ART-001", "ART-002"])
    assert hub.post_order(order_payload(reference="WARM-1")).status_code == 201
    demo.clear_requests()
    payload = order_payload(reference="COLD-1")
    payload["customer"]["email"] = "neu@example.com"

    response = hub.post_order(payload)
    answered = [(c["method"], c["path"]) for c in hub_calls(demo)]
    demo.clear_requests()
    retry_due_orders()

    customer_id = OrderRequest.objects.get(reference="COLD-1").xentral_customer_id
    assert response.status_code == 201
    assert answered == [
        ("GET", "/api/v2/customers"),
        ("POST", "/api/v2/customers"),
        ("POST", f"/api/v2/customers/{customer_id}/addresses"),
        ("POST", "/api/v1/salesOrders/actions/import"),
    ]
    assert [(c["method"], c["path"]) for c in hub_calls(demo)] == [("GET", "/api/v1/salesOrders")]
    [customer] = [c for c in demo.state()["customers"] if c["id"] == customer_id]
    order = OrderRequest.objects.get(reference="COLD-1")
    assert (order.xentral_order_number, order.xentral_customer_number) == (
        sales_orders(demo, "COLD-1")[0]["documentNumber"],
        customer["number"],
    )
    assert (
        CustomerLink.objects.get(value="neu@example.com").xentral_customer_number
        == (customer["number"])
    )
