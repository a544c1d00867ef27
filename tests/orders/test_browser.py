"""One real browser: staff finds a failed order, corrects the SKU, resubmits, sees it created."""

import json

import pytest
from django.contrib.auth.models import Group, User

from orders.models import OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.orders.conftest import order_payload

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_staff_fixes_failed_order_in_the_browser(page, live_server, demo, channel):
    user = User.objects.create_user("erika", password="sicher-123456", is_staff=True)
    user.groups.add(Group.objects.get(name="Order operators"))
    payload = validated_payload(
        order_payload(reference="WEB-77", items=[{"sku": "ART-9999", "quantity": 1}]),
        allow_customer_creation=True,
    )
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == OrderStatus.FAILED

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "erika")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/orders/orderrequest/?status__exact=failed")
    page.click("text=WEB-77")
    assert page.locator(".order-errors").inner_text().count("ART-9999") == 1
    page.click("#resubmit-link")
    editor = page.locator("textarea[name=payload]")
    corrected = json.loads(editor.input_value())
    corrected["items"][0]["sku"] = "ART-005"
    editor.fill(json.dumps(corrected, indent=2))
    page.click("input[name=_resubmit]")

    assert "created in Xentral" in page.locator(".messagelist").inner_text()
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert order.xentral_order_number in page.content()
