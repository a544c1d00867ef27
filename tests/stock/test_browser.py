"""One real browser: a manager opens a product's stock page and finds who holds its stock."""

import pytest
from django.contrib.auth.models import User

from catalog.index import products_sync
from orders.serializers import validated_payload
from orders.services import order_submit
from stock.poller import stock_poll_cycle
from tests.factories import channel_with_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_finds_the_reservation_row_on_the_stock_page(page, live_server, sandbox):
    sandbox.seed(
        products=[{"name": "Mug", "number": "MUG", "stock": {"1": 10}}],
        customers=[{"firstname": "Erika", "lastname": "Muster", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    products_sync()
    channel, _ = channel_with_key()
    payload = validated_payload(
        {"reference": "B2B-4711", "customer": {"email": "e@example.com"},
         "items": [{"sku": "MUG", "quantity": 4}], "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    order_submit(channel=channel, payload=payload)
    stock_poll_cycle(budget=50)
    User.objects.create_superuser("manager", "m@example.com", "sicher-123456")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/stock/productstock/?q=MUG")
    page.click("text=MUG")
    row = page.locator("#reservations tr.reservation")
    assert row.count() == 1
    text = row.inner_text()
    assert "4" in text
    assert "Erika Muster" in text
    assert "B2B-4711" in text
    assert page.locator("svg.stock-chart").count() == 1
    page.click("#reservations >> text=B2B-4711")
    assert "/admin/orders/orderrequest/" in page.url
    assert "B2B-4711" in page.content()
