"""Failed orders read and fixed in the admin without a browser: the error columns, counts by
error code, links to each error's fix, SKU suggestions and the fix form's validation."""

import html
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from catalog.models import ProductKind
from orders.models import OrderEvent, OrderEventKind, OrderStatus
from tests.factories import ChannelFactory, OrderRequestFactory, ProductFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:orders_orderrequest_changelist"


def failed(channel, code: str, message: str, **details):
    error = {"field": "items[0].sku", "code": code, "message": message, **details}
    return OrderRequestFactory(channel=channel, status=OrderStatus.FAILED, errors=[error])


@pytest.fixture
def operator(client):
    user = User.objects.create_user("operator", password="pw-123456", is_staff=True)
    user.groups.add(Group.objects.get(name="Order operators"))
    client.force_login(user)
    return client


@pytest.fixture
def viewer():
    user = User.objects.create_user("viewer", password="pw-123456", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_orderrequest"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def channel():
    return ChannelFactory(
        name="Portal", payment_map={"paypal": "1", "invoice": "2"}, shipping_map={"dhl": "3"}
    )


def test_the_list_shows_error_code_and_message_and_counts_by_code(operator, channel):
    for sku in ("A-1", "A-2"):
        failed(channel, "unknown_sku", f"Item {sku} not found", sku=sku)
    failed(channel, "unmapped_payment", "No Xentral payment method matches 'cash'")
    OrderRequestFactory(channel=channel, status=OrderStatus.CREATED)
    page = operator.get(reverse(CHANGELIST))
    html = page.content.decode()
    assert "<code>unknown_sku</code>" in html
    assert "Item A-2 not found" in html
    filter_spec = next(f for f in page.context["cl"].filter_specs if f.title == "error code")
    assert filter_spec.lookup_choices == [
        ("unknown_sku", "2 \N{MULTIPLICATION SIGN} unknown_sku"),
        ("unmapped_payment", "1 \N{MULTIPLICATION SIGN} unmapped_payment"),
    ]
    only_sku = operator.get(reverse(CHANGELIST), {"error_code": "unknown_sku"})
    assert only_sku.context["cl"].result_count == 2


def test_each_error_links_to_its_fix(operator, channel):
    sku = failed(channel, "unknown_sku", "Item A-1 not found", sku="A-1")
    payment = failed(channel, "unmapped_payment", "No Xentral payment method matches 'cash'")
    foreign = OrderRequestFactory(
        channel=channel,
        status=OrderStatus.FAILED,
        errors=[
            {
                "field": "items[0].external_number",
                "code": "unknown_external_number",
                "message": "Item F-9 not found for target 2",
                "external_number": "F-9",
                "target": "2",
            }
        ],
    )
    links = {  # the order pages, by reference
        order.reference: operator.get(
            reverse("admin:orders_orderrequest_change", args=[order.pk])
        ).content.decode()
        for order in (sku, payment, foreign)
    }
    products = reverse("admin:catalog_product_changelist")
    assert f'href="{products}?q=A-1">find the product</a>' in links[sku.reference]
    channel_page = reverse("admin:backoffice_channel_change", args=[channel.pk])
    assert f'href="{channel_page}">map it on the channel</a>' in links[payment.reference]
    mapping = reverse("admin:catalog_externalreference_add")
    assert (
        f'href="{mapping}?number=F-9&amp;target_id=2">map this foreign number</a>'
        in links[foreign.reference]
    )


def test_sku_suggestions_come_from_the_product_index(operator, viewer):
    ProductFactory(number="MUG-RED", name="Red mug")
    ProductFactory(number="MUG-BLUE", name="Blue mug")
    ProductFactory(number="TEA", name="Tea for the mug")
    ProductFactory(number="MUG", name="Mug", kind=ProductKind.MATRIX_PARENT)
    ProductFactory(number="MUG-OLD", name="Old mug", is_disabled=True)
    url = reverse("admin:orders_sku_search")
    answer = operator.get(url, {"q": "mug"}).json()
    assert answer == {
        "products": [
            {"number": "MUG-BLUE", "name": "Blue mug"},
            {"number": "MUG-RED", "name": "Red mug"},
            {"number": "TEA", "name": "Tea for the mug"},
        ]
    }
    assert viewer.get(url, {"q": "mug"}).status_code == 403


def form_data(order, **changes) -> dict:
    """The fix form as the browser posts it, prefilled from the order, with `changes`."""
    customer = order.payload["customer"]
    data = {f"customer-{k}": v or "" for k, v in customer.items()}
    items = order.payload["items"]
    data.update({"items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": len(items)})
    for index, item in enumerate(items):
        data.update({f"items-{index}-{k}": v for k, v in item.items()})
    data.update({"order-shipping": "", "order-payment": "", "order-notes": ""})
    data.update(changes)
    return data


def test_an_invalid_fix_is_shown_and_nothing_is_resubmitted(operator, channel):
    order = failed(channel, "unknown_sku", "Item ART-001 not found", sku="ART-001")
    url = reverse("admin:orders_orderrequest_fix", args=[order.pk])
    page = operator.get(url)
    assert page.status_code == 200
    assert [c for c, _ in page.context["forms"].methods.fields["payment"].choices] == [
        "",
        "invoice",
        "paypal",
    ]
    answer = operator.post(url, form_data(order, **{"customer-email": "", "items-0-quantity": "0"}))
    assert answer.status_code == 200
    errors = {(e["field"], e["code"]) for e in answer.context["payload_errors"]}
    assert errors == {("customer.email", "required"), ("items[0].quantity", "invalid")}
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert not OrderEvent.objects.filter(order=order, kind=OrderEventKind.RESUBMITTED).exists()


def test_a_viewer_cannot_open_the_fix_form(viewer, channel):
    order = failed(channel, "unknown_sku", "Item A-1 not found", sku="A-1")
    assert viewer.get(reverse("admin:orders_orderrequest_fix", args=[order.pk])).status_code == 403


def test_an_order_operator_can_open_every_fix_link(operator, channel):
    orders = [
        failed(channel, "unknown_sku", "Item A-1 not found", sku="A-1"),
        failed(
            channel,
            "unknown_external_number",
            "Item X-1 not found for target 1",
            external_number="X-1",
            target="1",
        ),
        failed(channel, "unmapped_payment", "No Xentral payment method matches 'cash'"),
    ]
    links = []
    for order in orders:
        page = operator.get(reverse("admin:orders_orderrequest_change", args=[order.pk]))
        links += re.findall(r'class="fix-link" href="([^"]+)"', page.content.decode())

    answers = {html.unescape(link): operator.get(html.unescape(link)).status_code for link in links}

    assert answers == {
        "/admin/catalog/product/?q=A-1": 200,
        "/admin/catalog/externalreference/add/?number=X-1&target_id=1": 200,
        "/admin/catalog/externalreference/health/?target=1": 200,
        f"/admin/backoffice/channel/{channel.pk}/change/": 200,
    }
