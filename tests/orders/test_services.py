"""The order services' own rules: who may resubmit what, and that a reference never changes."""

import pytest

from orders.errors import OrderNotResubmittable, ReferenceCannotChange
from orders.models import OrderEvent, OrderEventKind, OrderStatus
from orders.services import ResubmitVia, order_is_resubmittable, order_resubmit
from tests.factories import OrderRequestFactory
from tests.orders.conftest import imports

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("status", "staff", "channel"),
    [
        (OrderStatus.FAILED, True, True),
        (OrderStatus.QUEUED, True, False),
        (OrderStatus.RECEIVED, False, False),
        (OrderStatus.PROCESSING, False, False),
        (OrderStatus.CREATED, False, False),
        (OrderStatus.RESOLVED, False, False),
    ],
)
def test_which_statuses_staff_and_channels_may_resubmit(status, staff, channel):
    order = OrderRequestFactory.build(status=status)

    assert order_is_resubmittable(order=order, via=ResubmitVia.STAFF) is staff
    assert order_is_resubmittable(order=order, via=ResubmitVia.CHANNEL) is channel


def test_resubmit_with_another_reference_is_refused_and_changes_nothing(demo):
    order = OrderRequestFactory(status=OrderStatus.FAILED, reference="REF-1")
    payload = dict(order.payload, reference="REF-2")

    with pytest.raises(ReferenceCannotChange) as refused:
        order_resubmit(order_id=order.pk, payload=payload)

    assert str(refused.value) == (
        "The reference cannot change: the order is REF-1, the payload says REF-2"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.payload["reference"] == "REF-1"
    assert not OrderEvent.objects.filter(kind=OrderEventKind.RESUBMITTED).exists()
    assert imports(demo) == []


def test_resubmit_of_a_created_order_is_refused(demo):
    order = OrderRequestFactory(status=OrderStatus.CREATED, reference="REF-3")

    with pytest.raises(OrderNotResubmittable) as refused:
        order_resubmit(order_id=order.pk)

    assert str(refused.value) == "Order REF-3 cannot be resubmitted while it is created"
    assert imports(demo) == []
