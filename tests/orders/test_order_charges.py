"""What an order carries beyond its lines: shipping costs and order-level discounts reach
Xentral on the channel's shipping cost and discount products, and Xentral's total is what the
shop charged."""

import pytest
import requests

from orders.errors import OrderErrorCode, payload_field
from orders.models import OrderRequest
from tests.orders.conftest import imports, order_payload
from tests.support import SANDBOX_TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def charge_products(demo, channel) -> dict:
    seeded = demo.seed(
        products=[
            {"name": "Shipping", "number": "SHIPPING", "isStockItem": False,
             "isShippingCostsProduct": True},
            {"name": "Voucher", "number": "VOUCHER", "isStockItem": False},
        ]
    )  # fmt: skip
    channel.shipping_cost_sku, channel.discount_sku = "SHIPPING", "VOUCHER"
    channel.save()
    return {p["number"]: p["id"] for p in seeded["products"]}


def _xentral_order(sandbox, order_id: str) -> dict:
    """The sales order as Xentral's single view answers it."""
    response = requests.get(
        f"{sandbox.url}/api/v1/salesOrders/{order_id}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}", "Accept": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()["data"]


def _errors(response) -> list[tuple[str, str]]:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_gross_shipping_costs_and_a_discount_arrive_and_the_total_is_what_the_shop_charged(
    hub, demo, charge_products
):
    # The shop charged 2 x 11.90 + 4.90 shipping - 5.00 voucher = 23.70
    payload = order_payload(
        prices="gross",
        items=[{"sku": "ART-001", "quantity": 2, "price": "11.90"}],
        shipping_costs="4.90",
        discounts=[{"amount": "5.00", "name": "SUMMER"}],
    )

    response = hub.post_order(payload)

    assert response.status_code == 201
    [sent] = imports(demo)
    assert sent["body"]["delivery"]["shippingCosts"] == [
        {
            "shippingCostProduct": {"id": charge_products["SHIPPING"]},
            "quantity": 1,
            "price": {"amount": "4.1176", "currency": "EUR"},
        }
    ]
    assert sent["body"]["discountPositions"] == [
        {
            "discountProduct": {"id": charge_products["VOUCHER"], "name": "SUMMER"},
            "quantity": 1,
            "value": {"amount": "4.2017", "currency": "EUR"},
        }
    ]
    assert sent["body"]["setTotalAmount"] == {
        "isActive": True,
        "totalGrossAmountFromExternal": 23.7,
        "maximumDifferenceToCalculatedSum": 0.05,
    }
    order = _xentral_order(demo, response.json()["xentral"]["order_id"])
    assert order["total"] == {"amount": "23.70", "currency": "EUR"}
    assert order["netSales"] == {"amount": "19.92", "currency": "EUR"}


def test_gross_total_survives_the_cent_lost_to_net_rounding(hub, demo):
    # 9.99 gross is 8.3950 net; 100 x 8.3950 x 1.19 = 999.005, which Xentral rounds to 999.01
    payload = order_payload(
        prices="gross", items=[{"sku": "ART-001", "quantity": 100, "price": "9.99"}]
    )

    response = hub.post_order(payload)

    [sent] = imports(demo)
    assert sent["body"]["setTotalAmount"]["totalGrossAmountFromExternal"] == 999.0
    order = _xentral_order(demo, response.json()["xentral"]["order_id"])
    assert order["total"]["amount"] == "999.00"


def test_net_prices_or_a_line_without_price_send_no_total(hub, demo):
    hub.post_order(order_payload(items=[{"sku": "ART-001", "quantity": 1, "price": "10"}]))
    gross = order_payload(
        reference="SHOP-2",
        prices="gross",
        items=[
            {"sku": "ART-001", "quantity": 1, "price": "11.90"},
            {"sku": "ART-002", "quantity": 1},
        ],
    )
    hub.post_order(gross)

    assert ["setTotalAmount" in sent["body"] for sent in imports(demo)] == [False, False]


def test_net_shipping_costs_and_two_discounts_are_sent_as_given(hub, demo, charge_products):
    payload = order_payload(
        items=[{"sku": "ART-001", "quantity": 2, "price": "10.00"}],
        shipping_costs=4,
        discounts=[{"amount": "2.00"}, {"amount": "1.00", "name": None}],
    )

    response = hub.post_order(payload)

    assert response.status_code == 201
    [sent] = imports(demo)
    assert sent["body"]["delivery"]["shippingCosts"][0]["price"] == {
        "amount": "4.0000",
        "currency": "EUR",
    }
    assert [d["value"]["amount"] for d in sent["body"]["discountPositions"]] == [
        "2.0000",
        "1.0000",
    ]
    assert [d["discountProduct"] for d in sent["body"]["discountPositions"]] == [
        {"id": charge_products["VOUCHER"]},
        {"id": charge_products["VOUCHER"]},
    ]
    order = _xentral_order(demo, response.json()["xentral"]["order_id"])
    # 20.00 + 4.00 - 3.00 = 21.00 net, 24.99 with 19 %
    assert (order["netSales"]["amount"], order["total"]["amount"]) == ("21.00", "24.99")


def test_free_shipping_and_no_discount_send_neither_and_need_no_products(hub, demo):
    response = hub.post_order(order_payload(shipping_costs="0.00", discounts=[]))

    assert response.status_code == 201
    [sent] = imports(demo)
    assert "shippingCosts" not in sent["body"]["delivery"]
    assert "discountPositions" not in sent["body"]


def test_a_channel_without_charge_products_fails_naming_both_before_any_write(hub, demo):
    payload = order_payload(
        shipping_costs="4.90",
        discounts=[{"amount": "1.00"}],
        items=[{"sku": "NOPE-1", "quantity": 1}],
    )

    response = hub.post_order(payload)

    assert response.status_code == 422
    assert _errors(response) == [
        ("items[0].sku", OrderErrorCode.UNKNOWN_SKU),
        ("shipping_costs", OrderErrorCode.CHANNEL_CONFIGURATION),
        ("discounts", OrderErrorCode.CHANNEL_CONFIGURATION),
    ]
    assert response.json()["errors"][1]["message"] == (
        "Channel Portal has no shipping cost product (shipping_cost_sku); staff must set one"
    )
    assert imports(demo) == []
    assert demo.requests(path_prefix="/api/v2/customers", method="POST") == []


def test_a_charge_product_xentral_lacks_fails_naming_it(hub, demo, channel):
    channel.shipping_cost_sku = "NO-SUCH-SHIPPING"
    channel.save()

    response = hub.post_order(order_payload(shipping_costs="4.90"))

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {
        "field": "shipping_costs",
        "code": OrderErrorCode.CHANNEL_CONFIGURATION,
        "message": "The shipping cost product NO-SUCH-SHIPPING of channel Portal is not found "
        "in Xentral",
    }
    assert imports(demo) == []


def test_xentral_violations_of_charges_are_named_by_the_payload_fields():
    assert payload_field("discountPositions.1.value") == "discounts[1].amount"
    assert payload_field("discountPositions.0.discountProduct.id") == "discounts[0]"
    assert payload_field("delivery.shippingCosts.0.price.amount") == "shipping_costs"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"shipping_costs": "-1.00"}, [("shipping_costs", "invalid")]),
        ({"shipping_costs": "four"}, [("shipping_costs", "invalid")]),
        ({"shipping_costs": "1.23456"}, [("shipping_costs", "invalid")]),
        ({"shipping_costs": "12345678901"}, [("shipping_costs", "invalid")]),
        ({"discounts": {"amount": "1.00"}}, [("discounts", "invalid")]),
        ({"discounts": [{"name": "SUMMER"}]}, [("discounts[0].amount", "required")]),
        ({"discounts": [{"amount": "0"}]}, [("discounts[0].amount", "invalid")]),
        ({"discounts": [{"amount": "-5"}]}, [("discounts[0].amount", "invalid")]),
        ({"discounts": [{"amount": "1", "name": "x" * 256}]}, [("discounts[0].name", "invalid")]),
        ({"discounts": [{"amount": "1", "name": 5}]}, [("discounts[0].name", "invalid")]),
        ({"discounts": [{"amount": "1", "code": "X"}]}, [("discounts[0].code", "unknown_field")]),
        ({"discounts": [{"amount": "1"}] * 21}, [("discounts", "invalid")]),
    ],
)
def test_shipping_costs_and_discounts_are_validated_naming_the_field(hub, changes, expected):
    response = hub.post_order(order_payload(**changes))

    assert response.status_code == 400
    assert _errors(response) == expected
    assert not OrderRequest.objects.exists()


def test_discounts_above_what_the_order_is_worth_are_refused(hub):
    payload = order_payload(
        items=[{"sku": "ART-001", "quantity": 2, "price": "10.00"}],
        shipping_costs="4.90",
        discounts=[{"amount": "20.00"}, {"amount": "5.00"}],
    )

    response = hub.post_order(payload)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "discounts",
            "code": "invalid",
            "message": "The discounts (25.00) exceed what the order is worth (24.90)",
        }
    ]


def test_the_schema_describes_shipping_costs_and_discounts(live_server):
    schema = requests.get(
        f"{live_server.url}/api/v1/schema", headers={"Accept": "application/json"}, timeout=30
    ).json()["components"]["schemas"]

    payload = schema["OrderPayloadRequest"]["properties"]
    assert payload["shipping_costs"]["anyOf"][1] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 9_999_999_999,
    }
    assert payload["discounts"]["items"] == {"$ref": "#/components/schemas/DiscountRequest"}
    assert payload["discounts"]["maxItems"] == 20
    assert schema["DiscountRequest"]["required"] == ["amount"]
    assert set(schema["DiscountRequest"]["properties"]) == {"amount", "name"}
