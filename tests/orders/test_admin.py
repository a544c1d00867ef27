"""Staff review of orders in the admin: find, read, correct, resubmit, resolve."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django.utils import timezone

from orders import selectors
from orders.dashboard import attention
from orders.errors import OrderErrorCode
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus
from orders.selectors import AttentionReason
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.factories import OrderRequestFactory
from tests.orders.conftest import order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)


def _staff(username: str, *, operator: bool) -> User:
    user = User.objects.create_user(username, password="pw-123456", is_staff=True)
    if operator:
        user.groups.add(Group.objects.get(name="Order operators"))
    else:
        user.user_permissions.add(Permission.objects.get(codename="view_orderrequest"))
    return user


@pytest.fixture
def failed_order(demo, channel) -> OrderRequest:
    payload = validated_payload(
        order_payload(items=[{"sku": "ART-9999", "quantity": 1}]), allow_customer_creation=True
    )
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == OrderStatus.FAILED
    return order


@pytest.fixture
def operator_client(client):
    client.force_login(_staff("operator", operator=True))
    return client


def test_failed_order_is_listed_and_searchable_by_sku(operator_client, failed_order):
    done = OrderRequestFactory(channel=failed_order.channel, status=OrderStatus.CREATED)
    changelist = reverse("admin:orders_orderrequest_changelist")

    by_sku = operator_client.get(changelist, {"q": "ART-9999"})
    needing = operator_client.get(changelist, {"attention": "yes"})
    overdue = operator_client.get(changelist, {"attention": AttentionReason.OVERDUE})

    assert failed_order.reference in by_sku.content.decode()
    assert done.reference not in by_sku.content.decode()
    assert failed_order.reference in needing.content.decode()
    assert done.reference not in needing.content.decode()
    assert failed_order.reference not in overdue.content.decode()


def test_order_page_shows_errors_timeline_and_xentral_calls(operator_client, failed_order):
    page = operator_client.get(reverse("admin:orders_orderrequest_change", args=[failed_order.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Item ART-9999 not found" in html
    assert OrderErrorCode.UNKNOWN_SKU.value in html
    assert "Received from the channel" in html
    assert "/api/v2/products" in html
    assert "Edit payload and resubmit" in html


def test_operator_corrects_payload_and_resubmits(operator_client, failed_order, demo):
    payload = dict(failed_order.payload, items=[{"sku": "ART-003", "quantity": "1.0000"}])

    response = operator_client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed_order.pk]),
        {"payload": json.dumps(payload)},
        follow=True,
    )

    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.CREATED
    assert "created in Xentral" in response.content.decode()
    event = OrderEvent.objects.get(order=failed_order, kind=OrderEventKind.RESUBMITTED)
    assert event.user.username == "operator"
    assert event.data["previous_payload"]["items"][0]["sku"] == "ART-9999"
    assert len(sales_orders(demo, failed_order.reference)) == 1


def test_invalid_corrected_payload_is_refused_with_the_api_errors(operator_client, failed_order):
    payload = dict(failed_order.payload, items=[{"sku": "ART-003", "quantity": 0, "x": 1}])

    response = operator_client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed_order.pk]),
        {"payload": json.dumps(payload)},
    )

    html = response.content.decode()
    assert "items[0].x" in html
    assert "unknown_field" in html
    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.FAILED


def test_resubmit_while_xentral_is_down_leaves_the_order_queued(
    operator_client, failed_order, demo
):
    demo.faults(
        failNext=[{"method": "POST", "path": "/api/v1/salesOrders/actions/import", "status": 503}]
    )
    payload = dict(failed_order.payload, items=[{"sku": "ART-003", "quantity": "1"}])

    operator_client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed_order.pk]),
        {"payload": json.dumps(payload)},
    )

    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.QUEUED


def test_bulk_resubmit_runs_every_selected_order(operator_client, failed_order, demo):
    OrderRequest.objects.filter(pk=failed_order.pk).update(
        payload=dict(failed_order.payload, items=[{"sku": "ART-004", "quantity": "1"}])
    )

    operator_client.post(
        reverse("admin:orders_orderrequest_changelist"),
        {"action": "resubmit_selected", "_selected_action": [str(failed_order.pk)]},
    )

    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.CREATED
    assert OrderEvent.objects.filter(
        order=failed_order, kind=OrderEventKind.RESUBMITTED, user__username="operator"
    ).exists()


def test_mark_resolved_records_reason_and_user(operator_client, failed_order):
    operator_client.post(
        reverse("admin:orders_orderrequest_resolve", args=[failed_order.pk]),
        {"reason": "entered by phone"},
    )

    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.RESOLVED
    event = OrderEvent.objects.get(order=failed_order, kind=OrderEventKind.RESOLVED)
    assert event.user.username == "operator"
    assert event.data["reason"] == "entered by phone"


def test_staff_outside_order_operators_may_only_view(client, failed_order):
    client.force_login(_staff("viewer", operator=False))

    page = client.get(reverse("admin:orders_orderrequest_change", args=[failed_order.pk]))
    resubmit = client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed_order.pk]),
        {"payload": json.dumps(failed_order.payload)},
    )
    resolve = client.post(
        reverse("admin:orders_orderrequest_resolve", args=[failed_order.pk]), {"reason": "x"}
    )

    assert page.status_code == 200
    assert "Edit payload and resubmit" not in page.content.decode()
    assert resubmit.status_code == 403
    assert resolve.status_code == 403
    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.FAILED


def test_dashboard_attention_counts_what_the_admin_filter_lists(
    operator_client, failed_order, channel
):
    overdue = OrderRequestFactory(
        channel=channel,
        status=OrderStatus.QUEUED,
        next_attempt_at=timezone.now() - timedelta(minutes=10),
    )
    OrderRequestFactory(channel=channel, status=OrderStatus.QUEUED, next_attempt_at=timezone.now())
    OrderRequestFactory(channel=channel, status=OrderStatus.CREATED)

    items = attention()

    assert [(item["label"], item["count"]) for item in items] == [
        ("Failed orders", 1),
        ("Orders past due (queued or never picked up)", 1),
    ]
    failed_page = operator_client.get(items[0]["url"]).content.decode()
    overdue_page = operator_client.get(items[1]["url"]).content.decode()
    assert failed_order.reference in failed_page
    assert overdue.reference not in failed_page
    assert overdue.reference in overdue_page
    assert failed_order.reference not in overdue_page


def test_queued_order_waiting_for_configuration_needs_attention(channel):
    waiting = OrderRequestFactory(
        channel=channel,
        status=OrderStatus.QUEUED,
        next_attempt_at=timezone.now() + timedelta(minutes=10),
        errors=[{"field": "", "code": "tax_configuration", "message": "No rate"}],
    )
    OrderRequestFactory(
        channel=channel,
        status=OrderStatus.QUEUED,
        next_attempt_at=timezone.now() + timedelta(minutes=10),
        errors=[{"field": "", "code": "xentral_unavailable", "message": "tax_configuration"}],
    )

    assert [item["count"] for item in attention()] == [1]
    assert list(selectors.orders_needing_attention()) == [waiting]


def test_changed_reference_is_refused_next_to_the_payload(operator_client, failed_order, demo):
    payload = dict(
        failed_order.payload, reference="OTHER-1", items=[{"sku": "ART-003", "quantity": "1"}]
    )

    response = operator_client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed_order.pk]),
        {"payload": json.dumps(payload)},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The reference cannot change: the order is SHOP-12345, the payload says OTHER-1" in html
    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.FAILED
    assert failed_order.payload["items"] == [{"sku": "ART-9999", "quantity": "1.0000"}]
    assert not OrderEvent.objects.filter(kind=OrderEventKind.RESUBMITTED).exists()
