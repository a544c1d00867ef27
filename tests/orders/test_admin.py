"""Staff review of orders in the admin: find, read, correct, resubmit, resolve."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from orders.models import OrderEvent, OrderRequest, OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.orders.conftest import order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)


def _staff(username: str, *, operator: bool) -> User:
    user = User.objects.create_user(username, password="pw-123456", is_staff=True)
    if operator:
        user.groups.add(Group.objects.get(name="Order operators"))
    else:
        from django.contrib.auth.models import Permission

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
    changelist = reverse("admin:orders_orderrequest_changelist")

    by_sku = operator_client.get(changelist, {"q": "ART-9999"})
    attention = operator_client.get(changelist, {"attention": "yes"})

    assert failed_order.reference in by_sku.content.decode()
    assert failed_order.reference in attention.content.decode()


def test_order_page_shows_errors_timeline_and_xentral_calls(operator_client, failed_order):
    page = operator_client.get(reverse("admin:orders_orderrequest_change", args=[failed_order.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Item ART-9999 not found" in html
    assert "unknown_sku" in html
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
    event = OrderEvent.objects.get(order=failed_order, kind="resubmitted")
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
        order=failed_order, kind="resubmitted", user__username="operator"
    ).exists()


def test_mark_resolved_records_reason_and_user(operator_client, failed_order):
    operator_client.post(
        reverse("admin:orders_orderrequest_resolve", args=[failed_order.pk]),
        {"reason": "entered by phone"},
    )

    failed_order.refresh_from_db()
    assert failed_order.status == OrderStatus.RESOLVED
    event = OrderEvent.objects.get(order=failed_order, kind="resolved")
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


def test_dashboard_attention_counts_failed_orders(failed_order):
    from orders.dashboard import attention

    [item] = [a for a in attention() if a["label"] == "Failed orders"]
    assert item["count"] == 1
    assert "status__exact=failed" in item["url"]
