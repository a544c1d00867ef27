"""A Centra shipment and its payment, end to end over HTTP against the Centra stand-in and the
Xentral sandbox: with capture on, the shipment is captured and completed; with capture off (or
a capture Centra could not make) Centra holds it unpaid, the binding says so and a staff alert
says what to do in Centra; staff's "Retry in Centra" (its own permission) then completes it
exactly once."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from backoffice.models import StaffAlert
from connectors.centra.models import CentraCall, CentraChannel, CentraShipment, CentraShipmentState
from connectors.centra.orders_out import centra_backlog_sweep
from orders.models import OrderRequest
from tests.centra.test_orders_flow import _dispatch, _order_in
from tests.staff import action_offered, staff_user

pytestmark = pytest.mark.django_db(transaction=True)
CHANGELIST = "/admin/centra/centrashipment/"
SHIPMENTS = """query S($n: [Int!]) { orders(where: {number: $n}) {
  shipments { id number isPaid isCaptured isShipped trackingNumber } } }"""
MARK_PAID = """mutation P($id: Int!) { updateShipment(id: $id, input: {isPaid: true}) {
  userErrors { message path } } }"""


def _shipments(centra_sandbox, number: int) -> list[dict]:
    answer = centra_sandbox.graphql(SHIPMENTS, {"n": [number]}).json()
    return answer["data"]["orders"][0]["shipments"]


def _operations() -> list[str]:
    return list(CentraCall.objects.order_by("at", "id").values_list("operation", flat=True))


def _retry(client, link: CentraShipment):
    return client.post(
        CHANGELIST, {"action": "retry_in_centra", "_selected_action": [link.pk]}, follow=True
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _shipped(centra, centra_sandbox, demo, *, capture: bool) -> tuple[int, CentraShipment]:
    CentraChannel.objects.filter(pk=centra.pk).update(capture_on_shipment=capture)
    number = _order_in(centra_sandbox)
    _dispatch(demo, OrderRequest.objects.get(), tracking="T-100")
    return number, CentraShipment.objects.get()


def test_with_capture_on_the_shipment_is_captured_and_completed(centra, centra_sandbox, demo):
    number, link = _shipped(centra, centra_sandbox, demo, capture=True)

    assert (link.state, link.error, link.alert_id) == (CentraShipmentState.COMPLETED, "", None)
    create = CentraCall.objects.get(operation="CreateShipment")
    assert create.variables["input"]["capture"] is True
    assert _shipments(centra_sandbox, number) == [
        {"id": link.centra_id, "number": f"{number}-1", "isPaid": True, "isCaptured": True,
         "isShipped": True, "trackingNumber": "T-100"}
    ]  # fmt: skip
    assert centra_sandbox.order(number)["status"] == "SHIPPED"
    assert StaffAlert.objects.count() == 0


def test_with_capture_off_centra_holds_the_shipment_unpaid_until_staff_act_then_retry_completes(
    centra, centra_sandbox, demo, client
):
    number, link = _shipped(centra, centra_sandbox, demo, capture=False)

    assert "capture" not in CentraCall.objects.get(operation="CreateShipment").variables["input"]
    assert (link.state, link.error) == (
        CentraShipmentState.UNPAID,
        f"Centra shipment {number}-1 is not paid",
    )
    assert link.alert.message == (
        f"Centra shipment {number}-1 of order {number} (Centra EU) is created but not paid, "
        "and Centra completes only paid shipments: the channel does not capture on shipment. "
        "In Centra, capture the shipment's payment or mark the shipment paid; then choose "
        "'Retry in Centra' for it under Centra shipments, and the hub completes it with its "
        "tracking number."
    )
    # Nothing more is sent: Centra completes only paid shipments, and the sweep leaves it.
    assert _operations() == ["OrdersByNumber", "LockOrders", "ConfirmOrder", "CreateShipment"]
    assert centra_backlog_sweep() == 0
    assert len(_operations()) == 4
    held = _shipments(centra_sandbox, number)
    assert [(s["isPaid"], s["isShipped"]) for s in held] == [(False, False)]
    assert centra_sandbox.order(number)["status"] == "PROCESSING"

    # Staff in Centra: the shipment is paid (captured there, or paid elsewhere).
    paid = centra_sandbox.graphql(MARK_PAID, {"id": link.centra_id}).json()
    assert paid["data"]["updateShipment"]["userErrors"] == []
    client.force_login(staff_user(groups=("Order operators",)))
    response = _retry(client, link)

    assert _messages(response) == [
        f"Centra order {number}, Xentral shipment {link.shipment.xentral_id}: completed in "
        f"Centra (shipment {link.centra_id})"
    ]
    link.refresh_from_db()
    assert (link.state, link.error) == (CentraShipmentState.COMPLETED, "")
    assert _operations()[4:] == ["CompleteShipment"]
    assert [(s["isShipped"], s["trackingNumber"]) for s in _shipments(centra_sandbox, number)] == [
        (True, "T-100")
    ]
    assert centra_sandbox.order(number)["status"] == "SHIPPED"
    assert link.alert.resolved_at is not None
    assert LogEntry.objects.get().change_message == (
        f"Retry in Centra: completed in Centra (shipment {link.centra_id})"
    )

    calls = centra_sandbox.state()["calls"]
    again = _retry(client, link)

    assert _messages(again) == [
        f"Centra order {number}, Xentral shipment {link.shipment.xentral_id}: already "
        "completed in Centra; nothing sent"
    ]
    assert centra_sandbox.state()["calls"] == calls
    assert len(_shipments(centra_sandbox, number)) == 1


def test_a_retry_while_still_unpaid_keeps_it_waiting_and_sends_no_second_shipment(
    centra, centra_sandbox, demo, client
):
    number, link = _shipped(centra, centra_sandbox, demo, capture=False)
    client.force_login(staff_user(groups=("Order operators",)))

    response = _retry(client, link)

    link.refresh_from_db()
    refusal = f"Shipment {number}-1 is not paid (at id)"
    assert link.state == CentraShipmentState.UNPAID
    assert link.error == (
        f"Centra shipment {number}-1 is not paid (Centra refused CompleteShipment: {refusal})"
    )
    assert _messages(response) == [
        f"Centra order {number}, Xentral shipment {link.shipment.xentral_id}: Created in "
        f"Centra, not paid there: waits for staff (see error): {link.error}"
    ]
    assert _operations()[4:] == ["CompleteShipment", "OrderShipments"]
    assert len(_shipments(centra_sandbox, number)) == 1
    assert StaffAlert.objects.filter(resolved_at__isnull=True).count() == 1


def test_a_capture_centra_could_not_make_is_captured_again_by_the_retry(
    centra, centra_sandbox, demo, client
):
    centra_sandbox.set_faults(captureFails=True)
    number, link = _shipped(centra, centra_sandbox, demo, capture=True)

    assert link.state == CentraShipmentState.UNPAID
    assert link.error == (
        f"Centra shipment {number}-1 is not paid (Centra warned on CreateShipment: Capture "
        "failed (at input.capture))"
    )
    assert link.alert.message == (
        f"Centra shipment {number}-1 of order {number} (Centra EU) is created but not paid, "
        "and Centra completes only paid shipments: Centra could not capture its payment. In "
        f"Centra, check order {number}'s payment (an expired or cancelled authorisation, the "
        "payment plugin), capture the shipment there or mark it paid; then choose 'Retry in "
        "Centra' for it under Centra shipments, and the hub completes it with its tracking "
        "number."
    )
    held = _shipments(centra_sandbox, number)
    assert [(s["isPaid"], s["isCaptured"]) for s in held] == [(False, False)]

    centra_sandbox.set_faults()  # the payment is sorted out in Centra
    client.force_login(staff_user(groups=("Order operators",)))
    _retry(client, link)

    link.refresh_from_db()
    assert link.state == CentraShipmentState.COMPLETED
    assert _operations()[4:] == [
        "CompleteShipment",  # refused: not paid
        "OrderShipments",
        "CaptureShipment",
        "CompleteShipment",
    ]
    done = _shipments(centra_sandbox, number)
    assert [(s["isCaptured"], s["isShipped"]) for s in done] == [(True, True)]


def test_a_refused_shipment_is_created_by_the_retry_once(centra, centra_sandbox, demo, client):
    centra_sandbox.set_faults(
        failNext=[{"operation": "createShipment",
                   "userErrors": [{"message": "Order line is blocked", "path": ["input"]}]}]
    )  # fmt: skip
    number, link = _shipped(centra, centra_sandbox, demo, capture=True)
    assert (link.state, link.centra_id) == (CentraShipmentState.FAILED, None)
    client.force_login(staff_user(groups=("Order operators",)))

    _retry(client, link)
    _retry(client, link)

    link.refresh_from_db()
    assert link.state == CentraShipmentState.COMPLETED
    assert _operations()[3:] == ["CreateShipment", "CreateShipment", "CompleteShipment"]
    assert [s["isShipped"] for s in _shipments(centra_sandbox, number)] == [True]


def test_retry_in_centra_needs_its_permission(centra, centra_sandbox, demo, client):
    _, link = _shipped(centra, centra_sandbox, demo, capture=False)
    calls = centra_sandbox.state()["calls"]
    client.force_login(staff_user("centra.view_centrashipment"))

    page = client.get(CHANGELIST)
    response = client.post(CHANGELIST, {"action": "retry_in_centra",
                                        "_selected_action": [link.pk]})  # fmt: skip

    assert page.status_code == 200
    assert not action_offered(page, "retry_in_centra")
    assert response.status_code == 200  # the changelist again: no such action for this user
    link.refresh_from_db()
    assert link.state == CentraShipmentState.UNPAID
    assert centra_sandbox.state()["calls"] == calls
    assert LogEntry.objects.count() == 0

    client.force_login(staff_user("centra.view_centrashipment", "centra.retry_centrashipment",
                                  username="retrier"))  # fmt: skip
    assert action_offered(client.get(CHANGELIST), "retry_in_centra")


def test_a_retry_that_meets_centras_rate_limit_is_finished_by_the_sweep(
    centra, centra_sandbox, demo, client
):
    number, link = _shipped(centra, centra_sandbox, demo, capture=False)
    centra_sandbox.graphql(MARK_PAID, {"id": link.centra_id})
    centra_sandbox.set_faults(
        retryAfter="seconds",
        failNext=[{"operation": "completeShipment", "status": 429, "retryAfterSeconds": 60}],
    )
    client.force_login(staff_user(groups=("Order operators",)))

    _retry(client, link)

    link.refresh_from_db()
    assert (link.state, link.error) == (
        CentraShipmentState.CREATED,
        "Centra's rate limit is reached (CompleteShipment)",
    )
    assert centra_backlog_sweep() == 1
    link.refresh_from_db()
    assert link.state == CentraShipmentState.COMPLETED
    assert [s["isShipped"] for s in _shipments(centra_sandbox, number)] == [True]


def test_a_retry_leaves_a_shipment_a_worker_is_sending_alone(centra, centra_sandbox, demo, client):
    number, link = _shipped(centra, centra_sandbox, demo, capture=False)
    CentraShipment.objects.filter(pk=link.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=5)
    )
    calls = centra_sandbox.state()["calls"]
    client.force_login(staff_user(groups=("Order operators",)))

    response = _retry(client, link)

    assert _messages(response) == [
        f"Centra order {number}, Xentral shipment {link.shipment.xentral_id}: being sent by a "
        "worker now; nothing sent"
    ]
    assert centra_sandbox.state()["calls"] == calls
    link.refresh_from_db()
    assert link.state == CentraShipmentState.UNPAID
