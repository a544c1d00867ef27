"""Centra's events queue as the second safety net, over HTTP against both stand-ins: with the
webhook lost and the updatedAt sync not run, the queue brings the order into Xentral; each
event is confirmed exactly once and only after its order was handled; a Centra fault leaves
the events queued; a channel without the setting makes no events call."""

import pytest

from connectors.centra.events_queue import centra_events_queue_read, centra_events_queue_read_all
from connectors.centra.models import (
    CentraCall,
    CentraChannel,
    CentraEvent,
    CentraEventSource,
    CentraEventStatus,
)
from orders.models import OrderRequest, OrderStatus
from tests.centra.conftest import work

pytestmark = pytest.mark.django_db(transaction=True)
QUEUED = "{ events { id changeType objectReference } }"


def _enable(centra) -> None:
    CentraChannel.objects.filter(pk=centra.pk).update(use_events_queue=True)


def _queued(centra_sandbox) -> list[dict]:
    return centra_sandbox.graphql(QUEUED).json()["data"]["events"]


def _calls() -> list[tuple[str, dict | None]]:
    return list(CentraCall.objects.order_by("at", "id").values_list("operation", "variables"))


def test_the_events_queue_finds_an_order_whose_webhook_was_lost_and_confirms_each_event_once(
    centra, centra_sandbox, demo
):
    centra_sandbox.reset()  # no receiver: the webhook is lost, as Centra drops failed ones
    _enable(centra)
    assert centra_events_queue_read(centra_id=centra.pk) == 0  # subscribes; nothing queued yet
    number = centra_sandbox.create_order([{"sku": "ART-003", "quantity": 1, "unitPrice": 5.0}])
    (created,) = _queued(centra_sandbox)

    first = centra_events_queue_read(centra_id=centra.pk)
    work()  # the order's lock and confirmation: two updates Centra queues
    updates = _queued(centra_sandbox)
    second = centra_events_queue_read(centra_id=centra.pk)
    third = centra_events_queue_read(centra_id=centra.pk)

    assert created["changeType"] == "CREATED"
    assert created["objectReference"] == number
    assert (first, second, third) == (1, 2, 0)
    order = OrderRequest.objects.get()
    assert (order.reference, order.status) == (str(number), OrderStatus.CREATED)
    assert centra_sandbox.order(number)["status"] == "CONFIRMED"
    assert [e["changeType"] for e in updates] == ["UPDATED", "UPDATED"]
    assert _queued(centra_sandbox) == []
    assert _calls() == [
        ("ListenToOrderEvents", {}),
        ("OrderEvents", {"limit": 100}),
        ("OrderEvents", {"limit": 100}),
        ("OrdersByNumber", {"numbers": [number], "limit": 1}),
        ("ConfirmEvents", {"ids": [created["id"]]}),
        ("LockOrders", {"orders": [{"number": number}]}),
        ("ConfirmOrder", {"number": number}),
        # The updates name an order already in the pipeline: confirmed without a read.
        ("OrderEvents", {"limit": 100}),
        ("ConfirmEvents", {"ids": [e["id"] for e in updates]}),
        ("OrderEvents", {"limit": 100}),
    ]
    stored = CentraEvent.objects.order_by("id").values_list("source", "action", "status")
    assert list(stored) == [
        (CentraEventSource.QUEUE, "created", CentraEventStatus.PROCESSED),
        (CentraEventSource.QUEUE, "updated", CentraEventStatus.PROCESSED),
    ]
    assert CentraChannel.objects.get().last_synced_at is None  # the updatedAt sync never ran


def test_an_event_whose_order_cannot_be_read_stays_queued_until_it_can(
    centra, centra_sandbox, demo
):
    centra_sandbox.reset()
    _enable(centra)
    centra_events_queue_read(centra_id=centra.pk)
    number = centra_sandbox.create_order([{"sku": "ART-003", "quantity": 1, "unitPrice": 5.0}])
    centra_sandbox.set_faults(failNext=[{"operation": "orders", "status": 503}])

    failed = centra_events_queue_read(centra_id=centra.pk)
    left = _queued(centra_sandbox)
    orders_meanwhile = OrderRequest.objects.count()
    centra_sandbox.set_faults()
    retried = centra_events_queue_read(centra_id=centra.pk)

    assert failed == 0
    assert [(e["changeType"], e["objectReference"]) for e in left] == [("CREATED", number)]
    assert orders_meanwhile == 0
    assert retried == 1
    assert OrderRequest.objects.get().status == OrderStatus.CREATED
    confirms = [v["ids"] for op, v in _calls() if op == "ConfirmEvents"]
    assert confirms == [[left[0]["id"]]]


def test_a_channel_without_the_events_queue_makes_no_events_call(centra, centra_sandbox, demo):
    centra_sandbox.reset()
    centra_sandbox.create_order([{"sku": "ART-003", "quantity": 1, "unitPrice": 5.0}])

    read = centra_events_queue_read_all()

    assert read == 0
    assert CentraCall.objects.count() == 0
    assert centra_sandbox.state()["calls"] == 0
    assert CentraChannel.objects.get().events_listening_since is None
