"""Wholesale orders end to end over HTTP: a Centra wholesale order (a B2B account's buyer)
reaches Xentral as an order of the account's company with its lines and purchase order number,
and is confirmed in Centra like a direct-to-consumer order."""

import pytest

from connectors.centra.models import CentraOrder, CentraOrderState
from orders.models import OrderRequest, OrderStatus
from tests.centra.conftest import work

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wholesale_order_reaches_xentral_as_the_accounts_company_with_its_lines(
    centra, centra_sandbox, demo
):
    number = centra_sandbox.create_order(
        [{"sku": "ART-004", "quantity": 12, "unitPrice": 8.50},
         {"sku": "ART-005", "quantity": 6, "unitPrice": 14.00}],
        email="Einkauf@Haendler.example", wholesale=True, purchaseOrderNumber="PO-4711",
    )  # fmt: skip
    centra_sandbox.wait_for_deliveries(1)
    work()

    order = OrderRequest.objects.get(reference=str(number))
    assert (order.status, order.errors) == (OrderStatus.CREATED, [])
    typename = centra_sandbox.graphql(
        "query T($n: [Int!]) { orders(where: {number: $n}) { __typename store { type } } }",
        {"n": [number]},
    ).json()["data"]["orders"]
    assert typename == [{"__typename": "WholesaleOrder", "store": {"type": "WHOLESALE"}}]
    assert order.payload["customer"] == {
        "email": "einkauf@haendler.example",
        "name": "Erika Musterfrau",
        "company": "Demo wholesale account",
        "phone": "+49 30 1234567",
        "street": "Musterstraße 1",
        "zip": "12345",
        "city": "Musterstadt",
        "country": "DE",
    }
    assert order.payload["notes"] == "Purchase order PO-4711"
    state = demo.state()
    (customer,) = [c for c in state["customers"] if c["id"] == order.xentral_customer_id]
    assert (customer["customerType"], customer["name"], customer["contactDetails"]["email"]) == (
        "company",
        "Demo wholesale account",
        "einkauf@haendler.example",
    )
    (xentral,) = [o for o in state["salesOrders"] if o["id"] == order.xentral_order_id]
    numbers = {p["id"]: p["number"] for p in state["products"]}
    assert [(numbers[p["product"]["id"]], p["quantity"]) for p in xentral["positions"]] == [
        ("ART-004", 12),
        ("ART-005", 6),
    ]
    assert xentral["financials"]["billingAddress"]["name"] == "Demo wholesale account"
    assert xentral["financials"]["billingAddress"]["contactPerson"] == "Erika Musterfrau"
    assert (xentral["total"], xentral["comment"]) == ("186.00", "Purchase order PO-4711")
    confirmed = centra_sandbox.order(number)
    assert (confirmed["status"], confirmed["isLocked"]) == ("CONFIRMED", True)
    assert CentraOrder.objects.get().state == CentraOrderState.CONFIRMED
