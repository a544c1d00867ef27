"""The order lifecycle after Xentral: shipped (in parts), cancelled in Xentral or by the
channel, seen through Xentral's events or, with events failing, through polling."""

import json
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Purpose, XentralCall, XentralEvent, XentralEventStatus
from backoffice.xentral.events import xentral_events_process_pending
from orders.dashboard import attention
from orders.fulfilment_sync import fulfilment_poll
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus, WebhookDelivery
from orders.webhooks import sign
from tests.lifecycle import control
from tests.orders.conftest import order_payload
from tests.orders.test_webhooks import SECRET, Receiver, _deliver_all
from tests.staff import staff_user

pytestmark = pytest.mark.django_db(transaction=True)
IMPORT = "/api/v1/salesOrders/actions/import"
DHL_LINK = "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode="


@pytest.fixture
def receiver(channel, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    channel.webhook_url = receiver.url
    channel.webhook_secret = SECRET
    channel.save()
    yield receiver
    receiver.close()


@pytest.fixture
def events_on(live_server, demo):
    url = f"{live_server.url}/api/v1/xentral/events"
    call_command("xentral_webhooks", "--subscribe", "--url", url, stdout=StringIO())


def created(hub, reference: str = "SHOP-1") -> dict:
    body = hub.post_order(order_payload(reference=reference)).json()
    assert body["status"] == OrderStatus.CREATED
    return body


def dispatch(sandbox, order: dict, carrier: str, tracking: str, lines=None) -> dict:
    body = {"salesOrder": order["xentral"]["order_id"], "carrier": carrier,
            "trackingNumber": tracking}  # fmt: skip
    if lines is not None:
        body["lines"] = lines
    return control(sandbox, "POST", "dispatch", body)


def product_id(sandbox, number: str) -> str:
    return next(p["id"] for p in sandbox.state()["products"] if p["number"] == number)


def received(receiver) -> list[tuple[str, dict]]:
    """(event, fulfilment) of each webhook the channel got, in the order the hub queued them,
    after checking each one's signature."""
    _deliver_all()
    by_body = {raw: headers for headers, raw in receiver.received}
    seen = []
    for delivery in WebhookDelivery.objects.order_by("id"):
        raw = json.dumps(delivery.body, separators=(",", ":")).encode()
        signature = by_body[raw]["X-Hub-Signature"]
        timestamp = int(signature.split(",")[0].removeprefix("t="))
        assert signature == sign(secret=SECRET, timestamp=timestamp, body=raw)
        seen.append((delivery.body["event"], delivery.body["order"]["fulfilment"]))
    assert len(seen) == len(receiver.received)
    return seen


def test_dispatch_in_xentral_shows_as_shipped_in_the_api_timeline_and_a_signed_webhook(
    hub, demo, receiver, events_on, client
):
    order = created(hub)

    dispatch(demo, order, "DHL", "00340434161")
    # the import's 2 reservations; then dispatched, 2 reservations, 2 stock movements,
    # shipment created, order updated
    assert xentral_events_process_pending() == 9

    fulfilment = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]
    shipped_at = fulfilment["shipments"][0]["shipped_at"]
    assert fulfilment == {
        "status": "shipped",
        "shipments": [
            {
                "carrier": "DHL",
                "tracking_number": "00340434161",
                "tracking_url": f"{DHL_LINK}00340434161",
                "shipped_at": shipped_at,
                "lines": [{"sku": "ART-001", "quantity": 2.0}, {"sku": "ART-002", "quantity": 1.0}],
            }
        ],
    }
    assert shipped_at is not None
    assert received(receiver) == [
        ("order.created", {"status": "open", "shipments": []}),
        ("order.shipped", fulfilment),
    ]
    kinds = list(
        OrderEvent.objects.filter(
            kind__in=[OrderEventKind.SHIPPED, OrderEventKind.FULFILMENT]
        ).values_list("kind", "message")
    )
    assert kinds == [
        (OrderEventKind.SHIPPED, "Shipped with DHL 00340434161: 2 x ART-001, 1 x ART-002"),
        (OrderEventKind.FULFILMENT, "Fulfilment: open -> shipped"),
    ]
    client.force_login(staff_user("orders.view_orderrequest", "orders.view_orderevent"))
    page = client.get(reverse("admin:orders_orderrequest_change", args=[order["id"]]))
    assert "Shipped with DHL 00340434161: 2 x ART-001, 1 x ART-002" in page.content.decode()


def test_a_partial_shipment_then_the_rest(hub, demo, receiver, events_on):
    order = created(hub)

    dispatch(demo, order, "DPD", "P-1", [{"product": product_id(demo, "ART-001"), "quantity": 1}])
    xentral_events_process_pending()
    partly = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]
    dispatch(demo, order, "DPD", "P-2")
    xentral_events_process_pending()
    done = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]

    assert partly["status"] == "partly_shipped"
    assert [s["lines"] for s in partly["shipments"]] == [[{"sku": "ART-001", "quantity": 1.0}]]
    assert done["status"] == "shipped"
    assert [(s["tracking_number"], s["lines"]) for s in done["shipments"]] == [
        ("P-1", [{"sku": "ART-001", "quantity": 1.0}]),
        ("P-2", [{"sku": "ART-001", "quantity": 1.0}, {"sku": "ART-002", "quantity": 1.0}]),
    ]
    assert [event for event, _ in received(receiver)] == [
        "order.created",
        "order.shipped",
        "order.shipped",
    ]


def test_a_cancellation_in_xentral_reaches_the_channel(hub, demo, receiver, events_on):
    order = created(hub)

    answer = control(demo, "POST", "cancel", {"salesOrder": order["xentral"]["order_id"]})
    xentral_events_process_pending()

    assert answer["status"] == "canceled"
    fulfilment = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]
    assert fulfilment == {"status": "cancelled", "shipments": []}
    assert received(receiver)[1:] == [("order.cancelled", fulfilment)]


def test_the_channel_cancels_before_the_order_reached_xentral(hub, demo, receiver):
    demo.faults(failNext=[{"method": "GET", "path": "/api/v2/products", "status": 503}] * 9)
    order = hub.post_order(order_payload()).json()
    assert order["status"] == OrderStatus.QUEUED

    answer = hub.http.post(f"{hub.base_url}/api/v1/orders/{order['id']}/cancel", timeout=30)

    assert answer.status_code == 200
    assert answer.json()["status"] == OrderStatus.CANCELLED
    assert answer.json()["fulfilment"] == {"status": "cancelled", "shipments": []}
    assert demo.requests(path_prefix="/api/v1/salesOrders") == []
    assert OrderRequest.objects.get().next_attempt_at is None
    assert received(receiver) == [("order.cancelled", {"status": "cancelled", "shipments": []})]


def test_xentral_refuses_to_cancel_a_released_order_and_staff_cancel_it_there(
    hub, demo, receiver, events_on
):
    """Xentral's cancel action takes only orders in status created or completed (its
    document), and a V1 import releases the order: the channel hears why, staff read it on the
    timeline, and once staff cancel the order in Xentral the channel is told as usual."""
    order = created(hub)
    sales_order = order["xentral"]["order_id"]

    answer = hub.http.post(f"{hub.base_url}/api/v1/orders/{order['id']}/cancel", timeout=30)
    still = next(o for o in demo.state()["salesOrders"] if o["id"] == sales_order)["status"]
    control(demo, "POST", "cancel", {"salesOrder": sales_order})
    xentral_events_process_pending()

    number = order["xentral"]["order_number"]
    reason = (
        f"Xentral refused to cancel {number} (status released): Sales order is released and "
        "cannot be canceled.; Status: released. Its cancel action takes only orders in status "
        "created or completed; staff can cancel it in Xentral."
    )
    assert answer.status_code == 409
    assert answer.json()["errors"] == [{"field": "id", "code": "refused", "message": reason}]
    assert answer.json()["order"]["fulfilment"] == {"status": "open", "shipments": []}
    cancels = demo.requests(path_prefix=f"/api/v1/salesOrders/{sales_order}/actions/cancel")
    assert [(c["method"], c["status"]) for c in cancels] == [("POST", 409)]
    assert still == "released"
    assert OrderEvent.objects.filter(order_id=order["id"], message=reason).count() == 1
    fulfilment = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]
    assert fulfilment == {"status": "cancelled", "shipments": []}
    assert [event for event, _ in received(receiver)] == ["order.created", "order.cancelled"]


def test_the_channel_cannot_cancel_a_shipped_order(hub, demo):
    order = created(hub)
    sales_order = order["xentral"]["order_id"]
    # No events: the hub learns of the shipment when it asks Xentral before cancelling.
    dispatch(demo, order, "DHL", "T-9")

    answer = hub.http.post(f"{hub.base_url}/api/v1/orders/{order['id']}/cancel", timeout=30)

    assert answer.status_code == 409
    assert answer.json()["errors"][0]["code"] == "shipped"
    assert answer.json()["detail"].startswith("Shipment T-9 (DHL) left the warehouse at ")
    assert answer.json()["order"]["fulfilment"]["status"] == "shipped"
    assert demo.requests(path_prefix=f"/api/v1/salesOrders/{sales_order}/actions/cancel") == []


def test_with_deliveries_failing_polling_finds_the_same_changes_within_its_budget(
    hub, demo, receiver, events_on, settings
):
    settings.XENTRAL_RATE_LIMIT = 100  # the fulfilment share: 10 calls a minute
    shipped, cancelled = created(hub, "S-1"), created(hub, "S-2")
    created(hub, "S-3")  # stays open
    delivered_before = len(control(demo, "GET", "webhook-deliveries"))  # the imports' events
    control(demo, "PUT", "webhook-faults", {"failDeliveries": True})
    fulfilment_poll()  # first sight of the three orders
    XentralCall.objects.all().delete()
    dispatch(demo, shipped, "UPS", "1Z")
    control(demo, "POST", "cancel", {"salesOrder": cancelled["xentral"]["order_id"]})

    assert fulfilment_poll() == 2

    statuses = {o.reference: o.fulfilment_status for o in OrderRequest.objects.all()}
    assert statuses == {"S-1": "shipped", "S-2": "cancelled", "S-3": "open"}
    calls = list(
        XentralCall.objects.filter(purpose=Purpose.FULFILMENT).order_by("id").values_list(
            "method", "path"
        )
    )  # fmt: skip
    assert calls == [
        ("GET", "/api/v1/salesOrders"),
        ("GET", "/api/v1/deliveryNotes"),
        ("GET", "/api/v1/deliveryNotes/1"),
        ("GET", "/api/v1/deliveryNotes/1/shipments"),
    ]
    failed = control(demo, "GET", "webhook-deliveries")[delivered_before:]
    assert failed != []
    assert all(d["status"] is None for d in failed)
    assert [e for e, _ in received(receiver)].count("order.shipped") == 1
    assert fulfilment_poll() == 0  # nothing open moved: one status call for the open order
    assert XentralCall.objects.filter(purpose=Purpose.FULFILMENT).count() == 5
    assert WebhookDelivery.objects.filter(event="order.cancelled").count() == 1


def test_polling_stops_at_its_share_of_the_budget(hub, demo, settings):
    order = created(hub)
    dispatch(demo, order, "DHL", "B-1")

    assert fulfilment_poll(budget=2) == 0  # status + notes list; the note itself must wait
    assert OrderRequest.objects.get().fulfilment_status == "open"
    assert fulfilment_poll(budget=4) == 1
    assert OrderRequest.objects.get().fulfilment_status == "shipped"


def test_dashboard_flags_orders_not_shipped_after_n_days_and_the_list_filters_them(
    hub, demo, client, settings
):
    settings.ORDER_UNSHIPPED_AFTER_DAYS = 3
    old, shipped = created(hub, "OLD-1"), created(hub, "OLD-2")
    created(hub, "NEW-1")
    OrderRequest.objects.filter(pk__in=[old["id"], shipped["id"]]).update(
        created_at=timezone.now() - timedelta(days=4)
    )
    dispatch(demo, shipped, "DHL", "D-1")
    fulfilment_poll()
    client.force_login(staff_user("orders.view_orderrequest"))

    [item] = [i for i in attention() if i["label"].startswith("Created in Xentral")]
    listed = client.get(item["url"]).content.decode()
    dashboard = client.get(reverse("admin:index")).content.decode()

    assert (item["label"], item["count"]) == ("Created in Xentral, not shipped after 3 days", 1)
    assert "OLD-1" in listed
    assert "OLD-2" not in listed
    assert "NEW-1" not in listed
    assert "Created in Xentral, not shipped after 3 days" in dashboard
    assert "Xentral events:" in dashboard
    assert "not subscribed" in dashboard


def test_the_order_list_filters_by_fulfilment(hub, demo, events_on):
    shipped = created(hub, "SHOP-SHIPPED")
    partly = created(hub, "SHOP-PARTLY")
    created(hub, "SHOP-OPEN")
    dispatch(demo, shipped, "DHL", "T-1")
    dispatch(demo, partly, "DPD", "P-1",
             [{"product": product_id(demo, "ART-001"), "quantity": 1}])  # fmt: skip
    xentral_events_process_pending()

    def references(**params) -> list[str]:
        answer = hub.get("/api/v1/orders", params=params)
        assert answer.status_code == 200
        return sorted(o["reference"] for o in answer.json()["data"])

    assert references(fulfilment="shipped") == ["SHOP-SHIPPED"]
    assert references(fulfilment="partly_shipped") == ["SHOP-PARTLY"]
    assert references(fulfilment="open", status="created") == ["SHOP-OPEN"]
    assert references(fulfilment="cancelled") == []


def test_an_unknown_fulfilment_filter_is_a_problem(hub):
    answer = hub.get("/api/v1/orders", params={"fulfilment": "lost", "status": "gone"})

    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"field": "status", "code": "invalid", "message": "Unknown status 'gone'"},
        {"field": "fulfilment", "code": "invalid", "message": "Unknown fulfilment 'lost'"},
    ]


def test_the_schema_documents_the_fulfilment_filter(hub):
    schema = hub.get("/api/v1/schema", params={"format": "json"}).json()

    [parameter] = [p for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]
                   if p["name"] == "fulfilment"]  # fmt: skip
    assert parameter["in"] == "query"
    assert sorted(parameter["schema"]["enum"]) == ["cancelled", "open", "partly_shipped", "shipped"]


def test_an_event_whose_handler_failed_is_retried_with_backoff_until_the_order_ships(
    hub, demo, events_on, settings
):
    settings.XENTRAL_EVENT_RETRY_BASE_S = settings.XENTRAL_EVENT_RETRY_CAP_S = 0.05
    order = created(hub)
    # Xentral answers 503 to every sales-order read: the handler cannot read the order.
    demo.faults(errorRate=1.0, errorStatus=503, paths=["/api/v1/salesOrders"], methods=["GET"])
    dispatch(demo, order, "DHL", "T-7")
    xentral_events_process_pending()
    failed = XentralEvent.objects.filter(status=XentralEventStatus.FAILED).order_by("type")
    during = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]["status"]
    first = [(e.type, e.attempts, e.failed_handlers, e.next_attempt_at is not None) for e in failed]

    demo.faults()
    time.sleep(0.1)
    xentral_events_process_pending()

    handler = "orders.xentral_events._sales_order_changed"
    assert first == [
        ("com.xentral.salesOrder.dispatched.v1", 1, [handler], True),
        ("com.xentral.salesOrder.updated.v1", 1, [handler], True),
        ("com.xentral.shipment.created.v1", 1, [handler], True),
    ]
    assert during == "open"
    retried = XentralEvent.objects.filter(pk__in=[e.pk for e in failed]).order_by("type")
    assert [(e.status, e.attempts, e.failed_handlers) for e in retried] == [
        (XentralEventStatus.PROCESSED, 2, []),
    ] * 3
    fulfilment = hub.get(f"/api/v1/orders/{order['id']}").json()["fulfilment"]
    assert (fulfilment["status"], fulfilment["shipments"][0]["tracking_number"]) == (
        "shipped",
        "T-7",
    )


def test_an_event_is_left_failed_for_staff_once_its_retries_are_used_up(
    hub, demo, events_on, settings
):
    settings.XENTRAL_EVENT_MAX_ATTEMPTS = 1
    order = created(hub)
    demo.faults(errorRate=1.0, errorStatus=503, paths=["/api/v1/salesOrders"], methods=["GET"])
    dispatch(demo, order, "DHL", "T-8")

    xentral_events_process_pending()

    failed = XentralEvent.objects.filter(status=XentralEventStatus.FAILED)
    assert sorted((e.type, e.attempts, e.next_attempt_at) for e in failed) == [
        ("com.xentral.salesOrder.dispatched.v1", 1, None),
        ("com.xentral.salesOrder.updated.v1", 1, None),
        ("com.xentral.shipment.created.v1", 1, None),
    ]
    assert "503" in failed.first().error
