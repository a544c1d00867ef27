"""Real browser: a manager opens a product's stock page, finds who holds its stock, reads the
chart's dates and the warehouses by name."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from catalog.index import products_sync
from catalog.models import Product
from orders.serializers import validated_payload
from orders.services import order_submit
from stock.models import StockSnapshot
from stock.poller import stock_poll_cycle
from stock.snapshots import snapshot_take
from stock.warehouses import warehouses_sync
from tests.factories import channel_with_key
from tests.screenshots import screenshot

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
    page.wait_for_url(re.compile(r"/change/"))
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


def test_manager_reads_the_chart_dates_and_warehouse_names(page, live_server, sandbox, settings):
    settings.TIME_ZONE = "UTC"
    sandbox.seed(
        warehouses=[{"designation": "Hamburg"}, {"designation": "Leipzig"}],
        products=[{"name": "Kettle", "number": "KETTLE", "stock": {"2": 12, "3": 3}}],
    )
    products_sync()
    warehouses_sync()
    product = Product.objects.get(number="KETTLE")
    snapshot_take(product=product)
    sandbox.set_stock("KETTLE", "2", 20)
    snapshot_take(product=product)
    first, second = StockSnapshot.objects.filter(product=product).order_by("taken_at")
    StockSnapshot.objects.filter(pk=first.pk).update(
        taken_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    )
    StockSnapshot.objects.filter(pk=second.pk).update(
        taken_at=datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
    )
    User.objects.create_superuser("manager", "m@example.com", "sicher-123456")

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/stock/productstock/?q=KETTLE")
    page.click("text=KETTLE")
    page.wait_for_url(re.compile(r"/change/"))
    warehouses = page.locator("#warehouses tr.warehouse").all_inner_texts()
    assert [" ".join(w.split()) for w in warehouses] == ["Hamburg (#2) 20", "Leipzig (#3) 3"]
    assert page.locator("#totals").inner_text().split("\n")[0].split() == ["physical", "23"]
    dates = page.locator("svg.stock-chart text.x-tick").all_text_contents()
    assert dates == ["02 Nov 2026", "08 Nov 2026", "14 Nov 2026", "20 Nov 2026", "26 Nov 2026"]
    hovers = page.locator("svg.stock-chart circle.point title").all_text_contents()
    assert hovers == [
        "2026-11-02 09:00: physical 15, sellable 15, reserved 0",
        "2026-11-26 15:30: physical 23, sellable 23, reserved 0",
    ]
    assert "what can still be promised" in page.locator("#stock-terms").inner_text()
    screenshot(page, "stock_product_page")
