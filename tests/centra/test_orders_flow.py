"""Centra orders end to end over HTTP, against the Centra stand-in and the Xentral sandbox: a
webhook brings the order into Xentral, Centra hears it confirmed, Xentral's dispatch comes back
as a completed Centra shipment with the tracking number; the safety net finds a missed webhook;
a held order waits; the same webhook twice makes one order."""

import pytest
import requests

from backoffice.models import Channel, StaffAlert
from connectors.centra.models import (
    CentraCall,
    CentraEvent,
    CentraEventStatus,
    CentraOrder,
    CentraOrderState,
    CentraShipment,
    CentraShipmentState,
)
from connectors.centra.orders_in import centra_orders_sync
from connectors.centra.orders_out import centra_backlog_sweep, centra_shipment_push
from orders.fulfilment_sync import fulfilment_poll
from orders.models import OrderRequest, OrderStatus
from tests.centra.conftest import work
from tests.lifecycle import control

pytestmark = pytest.mark.django_db(transaction=True)
IMPORT = "/api/v1/salesOrders/actions/import"


def _order_in(centra_sandbox, **extra) -> int:
    number = centra_sandbox.create_order(
        [{"sku": "ART-001", "quantity": 2, "unitPrice": 23.80},
         {"sku": "ART-002", "quantity": 1, "unitPrice": 11.90}],
        **extra,
    )  # fmt: skip
    centra_sandbox.wait_for_deliveries(1)
    work()
    return number


def _dispatch(sandbox, order: OrderRequest, tracking: str = "00340434161") -> None:
    control(sandbox, "POST", "dispatch", {"salesOrder": order.xentral_order_id, "carrier": "DHL",
                                          "trackingNumber": tracking})  # fmt: skip
    fulfilment_poll()
    work()


def test_a_centra_order_reaches_xentral_is_confirmed_and_its_shipment_completes(
    centra, centra_sandbox, demo
):
    number = _order_in(centra_sandbox)

    order = OrderRequest.objects.get(channel=centra.channel)
    assert (order.reference, order.status) == (str(number), OrderStatus.CREATED), order.errors
    assert order.payload["items"] == [
        {"sku": "ART-001", "quantity": "2.0000", "price": "23.8000"},
        {"sku": "ART-002", "quantity": "1.0000", "price": "11.9000"},
    ]
    assert order.payload["customer"]["email"] == "kunde@example.com"
    assert order.payload["prices"] == "gross"
    imported = demo.requests(path_prefix=IMPORT, method="POST")
    assert len(imported) == 1
    confirmed = centra_sandbox.order(number)
    assert (confirmed["status"], confirmed["isLocked"]) == ("CONFIRMED", True)
    binding = CentraOrder.objects.get()
    assert (binding.number, binding.state, binding.order_id) == (
        number,
        CentraOrderState.CONFIRMED,
        order.pk,
    )

    _dispatch(demo, order)

    shipped = centra_sandbox.order(number)
    assert shipped["status"] == "SHIPPED"
    assert shipped["shipments"] == [
        {
            "carrier": "DHL",
            "trackingNumber": "00340434161",
            "lines": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}],
            "completed": True,
        }
    ]
    link = CentraShipment.objects.get()
    assert link.state == CentraShipmentState.COMPLETED
    # Centra's own update webhooks (lock, confirm, shipment) name a settled order: no re-read.
    centra_sandbox.wait_for_deliveries(len(centra_sandbox.webhooks()["deliveries"]))
    work()
    assert set(CentraEvent.objects.values_list("status", flat=True)) == {
        CentraEventStatus.PROCESSED
    }
    operations = list(CentraCall.objects.order_by("at", "id").values_list("operation", flat=True))
    assert operations == [
        "OrdersByNumber",
        "LockOrders",
        "ConfirmOrder",
        "CreateShipment",
        "CompleteShipment",
    ]
    assert centra_sandbox.state()["calls"] == 5


def test_a_shipment_is_made_once_however_often_it_is_pushed(centra, centra_sandbox, demo):
    number = _order_in(centra_sandbox)
    order = OrderRequest.objects.get()
    _dispatch(demo, order)
    calls = centra_sandbox.state()["calls"]

    again = centra_shipment_push(shipment_id=order.shipments.get().pk)

    assert again.state == CentraShipmentState.COMPLETED
    assert len(centra_sandbox.order(number)["shipments"]) == 1
    assert centra_sandbox.state()["calls"] == calls


def test_a_lost_create_answer_is_found_and_completed_not_created_twice(
    centra, centra_sandbox, demo
):
    number = _order_in(centra_sandbox)
    order = OrderRequest.objects.get()
    centra_sandbox.set_faults(commitThenDropRate=1.0)
    control(demo, "POST", "dispatch", {"salesOrder": order.xentral_order_id, "carrier": "DHL",
                                       "trackingNumber": "T-1"})  # fmt: skip
    fulfilment_poll()
    work()
    lost = CentraShipment.objects.get()
    centra_sandbox.set_faults()

    done = centra_shipment_push(shipment_id=lost.shipment_id)

    assert (lost.state, lost.centra_id, lost.create_attempted) == (
        CentraShipmentState.PENDING,
        None,
        True,
    )
    assert done.state == CentraShipmentState.COMPLETED
    shipments = centra_sandbox.order(number)["shipments"]
    assert [(s["trackingNumber"], s["completed"]) for s in shipments] == [("T-1", True)]


def test_the_same_webhook_twice_makes_one_order(centra, centra_sandbox, demo, live_server):
    number = _order_in(centra_sandbox)
    delivery = centra_sandbox.webhooks()["deliveries"][0]

    again = requests.post(
        delivery["url"],
        data=delivery["body"].encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": delivery["signature"],
        },
        timeout=10,
    )
    work()

    assert (delivery["status"], again.status_code) == (200, 200)
    assert again.json() == {"events": 1, "new": 0}
    assert OrderRequest.objects.filter(reference=str(number)).count() == 1
    assert len(demo.requests(path_prefix=IMPORT, method="POST")) == 1


def test_a_held_order_waits_until_centra_releases_it(centra, centra_sandbox, demo):
    number = _order_in(centra_sandbox, on_hold=True)

    waiting = CentraOrder.objects.get()
    assert waiting.state == CentraOrderState.WAITING
    assert OrderRequest.objects.count() == 0

    centra_sandbox.release(number)
    centra_sandbox.wait_for_deliveries(2)
    work()

    order = OrderRequest.objects.get()
    assert (order.reference, order.status) == (str(number), OrderStatus.CREATED)
    assert CentraOrder.objects.get().state == CentraOrderState.CONFIRMED


def test_the_safety_net_finds_an_order_whose_webhook_was_missed(centra, centra_sandbox, demo):
    centra_sandbox.reset()  # no receiver: the webhook is lost, as Centra drops failed ones
    number = centra_sandbox.create_order([{"sku": "ART-003", "quantity": 1, "unitPrice": 5.0}])

    imported = centra_orders_sync(centra_id=centra.pk)
    work()

    assert imported == 1
    order = OrderRequest.objects.get()
    assert (order.reference, order.status) == (str(number), OrderStatus.CREATED)
    assert centra_sandbox.order(number)["status"] == "CONFIRMED"
    assert centra_orders_sync(centra_id=centra.pk) == 0


def test_a_cancellation_in_xentral_opens_a_staff_alert(centra, centra_sandbox, demo):
    number = _order_in(centra_sandbox)
    order = OrderRequest.objects.get()

    control(demo, "POST", "cancel", {"salesOrder": order.xentral_order_id})
    fulfilment_poll()
    work()

    alert = StaffAlert.objects.get(resolved_at__isnull=True)
    assert alert.message == (
        f"Order {number} of Centra EU was cancelled in Xentral: Centra order {number} is "
        "neither cancelled nor refunded automatically; settle it in Centra."
    )
    assert centra_sandbox.order(number)["status"] == "CONFIRMED"


def test_a_429_on_confirming_leaves_the_order_for_the_sweep(centra, centra_sandbox, demo):
    centra_sandbox.set_faults(
        retryAfter="seconds",
        failNext=[{"operation": "setOrdersLock", "status": 429, "retryAfterSeconds": 60}],
    )
    number = _order_in(centra_sandbox)

    waiting = CentraOrder.objects.get()
    assert (waiting.state, waiting.error) == (CentraOrderState.SUBMITTED, "")
    assert centra_sandbox.order(number)["status"] == "PENDING"

    assert centra_backlog_sweep() == 1

    assert CentraOrder.objects.get().state == CentraOrderState.CONFIRMED
    assert centra_sandbox.order(number)["status"] == "CONFIRMED"


def test_a_refused_shipment_is_kept_with_centras_words_and_not_sent_again(
    centra, centra_sandbox, demo
):
    number = _order_in(centra_sandbox)
    order = OrderRequest.objects.get()
    centra_sandbox.set_faults(
        failNext=[{"operation": "createShipment",
                   "userErrors": [{"message": "Order line is blocked", "path": ["input"]}]}]
    )  # fmt: skip

    _dispatch(demo, order)
    calls = centra_sandbox.state()["calls"]
    centra_backlog_sweep()

    link = CentraShipment.objects.get()
    assert (link.state, link.centra_id) == (CentraShipmentState.FAILED, None)
    assert link.error == "Centra refused CreateShipment: Order line is blocked (at input)"
    assert centra_sandbox.order(number)["shipments"] == []
    assert centra_sandbox.state()["calls"] == calls


def test_shipping_costs_and_a_discount_make_xentrals_total_centras(centra, centra_sandbox, demo):
    demo.seed(
        products=[
            {"name": "Shipping", "number": "SHIPPING", "isStockItem": False,
             "isShippingCostsProduct": True},
            {"name": "Voucher", "number": "VOUCHER", "isStockItem": False},
        ]
    )  # fmt: skip
    Channel.objects.filter(pk=centra.channel_id).update(
        shipping_cost_sku="SHIPPING", discount_sku="VOUCHER"
    )

    number = _order_in(centra_sandbox, shippingPrice=4.90, discount=5.0)

    order = OrderRequest.objects.get()
    assert order.status == OrderStatus.CREATED
    assert order.payload["shipping_costs"] == "4.9000"
    assert order.payload["discounts"] == [{"amount": "5.0000", "name": "Centra discount"}]
    centra_total = centra_sandbox.graphql(
        "query T($n: [Int!]) { orders(where: {number: $n}) { grandTotal { value } } }",
        {"n": [number]},
    ).json()["data"]["orders"][0]["grandTotal"]["value"]
    xentral = demo.api("GET", f"/api/v1/salesOrders/{order.xentral_order_id}").json()["data"]
    assert centra_total == 59.40
    assert xentral["total"] == {"amount": "59.40", "currency": "EUR"}
