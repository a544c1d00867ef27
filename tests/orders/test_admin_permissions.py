"""Who may act on orders in the admin: resubmitting (one, edited, or in bulk) and marking
resolved need `orders.resubmit_orderrequest`; a viewer gets 403 and nothing changes. The
working paths with the permission are in test_admin.py (the "Order operators" group)."""

import json

import pytest
from django.urls import reverse

from orders.models import OrderEvent, OrderStatus
from tests.factories import OrderRequestFactory
from tests.staff import action_offered, staff_user

pytestmark = pytest.mark.django_db

ORDERS = reverse("admin:orders_orderrequest_changelist")


def test_an_order_viewer_gets_403_from_the_resubmit_and_resolve_pages(client):
    order = OrderRequestFactory(status=OrderStatus.FAILED)
    client.force_login(staff_user("orders.view_orderrequest"))

    pages = [
        client.get(reverse(f"admin:orders_orderrequest_{name}", args=[order.pk]))
        for name in ("resubmit", "resolve")
    ]

    assert [page.status_code for page in pages] == [403, 403]


def test_an_order_viewer_cannot_resubmit_in_bulk(client, sandbox):
    order = OrderRequestFactory(status=OrderStatus.FAILED)
    events_before = OrderEvent.objects.count()
    client.force_login(staff_user("orders.view_orderrequest"))

    listing = client.get(ORDERS)
    client.post(ORDERS, {"action": "resubmit_selected", "_selected_action": [str(order.pk)]})

    order.refresh_from_db()
    assert not action_offered(listing, "resubmit_selected")
    assert order.status == OrderStatus.FAILED
    assert OrderEvent.objects.count() == events_before
    assert sandbox.requests() == []


def test_an_order_operator_opens_the_resubmit_and_resolve_pages(client):
    order = OrderRequestFactory(status=OrderStatus.FAILED)
    client.force_login(staff_user(groups=("Order operators",)))

    listing = client.get(ORDERS)
    resubmit = client.get(reverse("admin:orders_orderrequest_resubmit", args=[order.pk]))
    resolve = client.get(reverse("admin:orders_orderrequest_resolve", args=[order.pk]))

    assert action_offered(listing, "resubmit_selected")
    assert resubmit.status_code == 200
    assert json.loads(resubmit.context["form"].initial["payload"]) == order.payload
    assert resolve.status_code == 200
