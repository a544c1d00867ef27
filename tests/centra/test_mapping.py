"""A Centra order as the unified order: sizes matched by EAN, then SKU, then an external
reference; cancelled units left out; gross unit prices; a bundle as its items carrying the
bundle's value; addresses, currency and the channel's shipping and payment mapping."""

import pytest

from catalog.models import ExternalReference
from connectors.centra.mapping import centra_order_map
from connectors.centra.services import centra_channel_create
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "firstName": "Erika", "lastName": "Muster", "companyName": "", "address1": "Hauptstr. 5",
    "address2": "Hinterhaus", "city": "Köln", "zipCode": "50667", "stateOrProvince": None,
    "country": {"code": "DE"}, "email": "", "phoneNumber": "0221 123", "cellPhoneNumber": "",
    "vatNumber": "",
}  # fmt: skip


def _line(line_id, sku, ean, quantity, price, typename="ProductOrderLine", **extra):
    return {
        "__typename": typename, "id": line_id, "quantity": quantity, "productNumber": sku,
        "productName": sku, "unitPrice": {"value": price},
        "lineValue": {"value": round(price * quantity, 2)},
        "productSize": {"SKU": sku, "EAN": ean}, **extra,
    }  # fmt: skip


def _order(lines) -> dict:
    return {
        "number": 1042, "status": "PENDING", "isOnHold": False, "isWaitingForPayment": False,
        "grandTotal": {"value": 100.0, "currency": {"code": "SEK"}},
        "shippingPriceGroup": {"shippingOption": {"uri": "dhl-standard"}},
        "paymentMethod": {"uri": "klarna-checkout"},
        "shippingAddress": ADDRESS,
        "billingAddress": {**ADDRESS, "address1": "Rechnungsweg 1", "address2": None},
        "otherComment": "Bitte klingeln",
        "lines": lines,
        "customer": {"email": "Erika@Example.com", "firstName": "Erika", "lastName": "Muster"},
    }  # fmt: skip


def test_a_centra_order_maps_to_the_unified_order_with_its_line_bindings(settings):
    centra = centra_channel_create(
        name="Centra EU", graphql_url="https://brand.centra.com/graphql", api_token="t",
        webhook_secret="s", shipping_map={"dhl-standard": "dhl_standard"},
        payment_map={"klarna-checkout": "klarna"},
    )  # fmt: skip
    centra.channel.sales_channel_id = "7"
    by_ean = ProductFactory(number="SHIRT-M", ean="4000000000017")
    ProductFactory(number="CAP-1")
    referenced = ProductFactory(number="SOCK-BLUE")
    ExternalReference.objects.create(target_id="7", number="C-SOCK-1", product=referenced)
    bundle_items = [
        _line(21, "CAP-1", "", 1, 0.0, "BundleItemOrderLine"),
        _line(22, "SHIRT-M", "4000000000017", 1, 0.0, "BundleItemOrderLine"),
    ]
    lines = [
        _line(11, "C-SHIRT-M", "4000000000017", 2, 29.95),
        _line(12, "CAP-1", "", 1, 15.0),
        _line(13, "C-SOCK-1", "", 3, 4.99),
        _line(14, "UNKNOWN-1", "", 1, 9.0),
        _line(15, "CAP-1", "", 0, 15.0),
        _line(16, "SET-1", "", 1, 40.0, "BundleOrderLine", items=bundle_items),
    ]

    mapped = centra_order_map(centra=centra, order=_order(lines))

    assert mapped.payload == {
        "reference": "1042",
        "customer": {
            "email": "erika@example.com", "name": "Erika Muster", "phone": "0221 123",
            "street": "Rechnungsweg 1", "zip": "50667", "city": "Köln", "country": "DE",
        },
        "delivery_address": {
            "name": "Erika Muster", "street": "Hauptstr. 5, Hinterhaus",
            "zip": "50667", "city": "Köln", "country": "DE",
        },
        "items": [
            {"sku": "SHIRT-M", "quantity": 2, "price": "29.95"},
            {"sku": "CAP-1", "quantity": 1, "price": "15.0"},
            {"external_number": "C-SOCK-1", "target": "7", "quantity": 3, "price": "4.99"},
            {"sku": "UNKNOWN-1", "quantity": 1, "price": "9.0"},
            {"sku": "CAP-1", "quantity": 1, "price": "40.00"},
            {"sku": "SHIRT-M", "quantity": 1, "price": "0.00"},
        ],
        "shipping": "dhl_standard",
        "payment": "klarna",
        "currency": "SEK",
        "prices": "gross",
        "notes": "Bitte klingeln",
    }  # fmt: skip
    assert mapped.lines == [
        {"line_id": 11, "sku": by_ean.number, "quantity": 2},
        {"line_id": 12, "sku": "CAP-1", "quantity": 1},
        {"line_id": 13, "sku": "SOCK-BLUE", "quantity": 3},
        {"line_id": 14, "sku": "UNKNOWN-1", "quantity": 1},
        {"line_id": 21, "sku": "CAP-1", "quantity": 1},
        {"line_id": 22, "sku": "SHIRT-M", "quantity": 1},
    ]
