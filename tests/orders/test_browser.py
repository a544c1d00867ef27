"""Real browser: staff finds a failed order by its error, fixes it in the raw payload editor or
in the form (SKU suggested from the product index), sees it created and the edit on the timeline."""

import json

import pytest
from django.contrib.auth.models import Group, User

from catalog.index import products_sync
from orders.models import FulfilmentStatus, OrderRequest, OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.factories import ChannelFactory, OrderRequestFactory
from tests.orders.conftest import order_payload
from tests.screenshots import screenshot

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


def test_staff_fixes_a_failed_order_in_the_form_and_reads_the_diff(
    page, live_server, demo, channel
):
    products_sync(full=True)
    user = User.objects.create_user("erika", password="sicher-123456", is_staff=True)
    user.groups.add(Group.objects.get(name="Order operators"))
    payload = validated_payload(
        order_payload(reference="WEB-88", items=[{"sku": "ART-9999", "quantity": 1}]),
        allow_customer_creation=True,
    )
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == OrderStatus.FAILED

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "erika")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/orders/orderrequest/")
    page.click("#changelist-filter >> text=1 \N{MULTIPLICATION SIGN} unknown_sku")
    page.wait_for_url("**/?error_code=unknown_sku")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1
    assert "unknown_sku" in row.inner_text()
    assert "Item ART-9999 not found" in row.inner_text()
    screenshot(page, "orders_list_by_error")
    page.click("text=WEB-88")
    assert page.locator(".order-errors a.fix-link").inner_text() == "find the product"
    page.click("#fix-link")

    sku = page.locator("input[name=items-0-sku]")
    assert sku.input_value() == "ART-9999"
    sku.fill("")
    sku.press_sequentially("ART-00")
    page.wait_for_function("document.querySelectorAll('#sku-options option').length > 0")
    suggestions = page.locator("#sku-options option").evaluate_all("os => os.map(o => o.value)")
    assert suggestions[:3] == ["ART-001", "ART-002", "ART-003"]
    sku.fill("ART-005")
    page.fill("input[name=items-0-quantity]", "3")
    page.fill("input[name=customer-name]", "Max Mustermann-Schulz")
    # The channel's mapped codes after the "channel default" choice, plus the order's own code
    # when the channel does not map it.
    current = payload.get("shipping") or ""
    expected = ["", *sorted(channel.shipping_map)]
    if current and current not in channel.shipping_map:
        expected.append(current)
    options = page.locator("select[name=order-shipping] option")
    assert options.evaluate_all("os => os.map(o => o.value)") == expected
    screenshot(page, "orders_fix_form")
    page.click("input[name=_resubmit]")

    assert "created in Xentral" in page.locator(".messagelist").inner_text()
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert order.payload["items"][0]["sku"] == "ART-005"
    diff = page.locator("table.edit-diff tr").all_inner_texts()
    # PostgreSQL's jsonb keeps keys in its own order, so the rows are compared as a set.
    assert sorted(" ".join(r.split()) for r in diff) == [
        "customer.name Max Mustermann → Max Mustermann-Schulz",
        "items[0].quantity 1 → 3",
        "items[0].sku ART-9999 → ART-005",
    ]
    timeline = page.locator("table.edit-diff").locator("xpath=ancestor::tr[1]").inner_text()
    assert "erika" in timeline
    screenshot(page, "orders_fixed_with_diff")


def test_the_orders_list_fits_a_1280_pixel_window(page, live_server):
    """Every column in view at 1280 x 800 without scrolling sideways, with the long values
    staff meet: a long reference, channel name, e-mail and error message."""
    channel = ChannelFactory(name="Marketplace Europe (B2B portal)")
    long_error = {
        "field": "items[0].sku",
        "code": "unknown_external_number",
        "message": "Item MKT-EU-000000123456 not found for target 12 (and 3 more problems)",
    }
    for n in range(3):
        order = OrderRequestFactory(
            channel=channel,
            reference=f"MKT-EU-2026-11-30-{n:06d}",
            status=OrderStatus.FAILED,
            errors=[long_error, long_error],
        )
        OrderRequest.objects.filter(pk=order.pk).update(
            customer_email=f"purchasing.department.{n}@grosshandel-musterstadt.example.com"
        )
    OrderRequestFactory(
        channel=channel,
        status=OrderStatus.CREATED,
        xentral_order_number="200123",
        fulfilment_status=FulfilmentStatus.PARTLY_SHIPPED,
    )
    User.objects.create_superuser("boss", "boss@example.com", "sicher-123456")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/orders/orderrequest/")

    screenshot(page, "orders_list_1280")
    widths = page.evaluate(
        """() => { const results = document.querySelector('#changelist .results');
        return [document.documentElement.scrollWidth, results.scrollWidth,
                results.clientWidth]; }"""
    )
    assert widths[0] == 1280
    assert widths[1] == widths[2], "the table scrolls sideways"
    assert page.locator("#result_list tbody tr").count() == 4
    assert "Partly shipped" in page.locator("#result_list tbody").inner_text()
