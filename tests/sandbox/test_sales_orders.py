"""Sales orders answer as Xentral's documents describe them: list items without positions,
the single view with positions, documented filters only, nested import validation, and
auto-reservation as a per-project setting."""

from urllib.parse import urlsplit

import pytest

IMPORT = {
    "date": "2026-11-23",
    "externalOrderNumber": "SHOP-1",
    "externalOrderId": "hub-uuid-1",
    "project": {"id": "1"},
    "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
    "delivery": {"shippingMethod": {"id": "1"}},
}


@pytest.fixture
def shop(sandbox):
    seeded = sandbox.seed(
        products=[{"name": "Mug", "number": "MUG", "stock": {"1": 10}}],
        customers=[{"firstname": "Erika", "lastname": "Muster", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    return seeded["products"][0], seeded["customers"][0]


def _body(product, customer, **changes) -> dict:
    position = {"product": {"id": product["id"]}, "quantity": 2,
                "price": {"amount": "9.99", "currency": "EUR"}}  # fmt: skip
    return {**IMPORT, "customer": {"id": customer["id"]}, "positions": [position], **changes}


def _import(sandbox, body):
    return sandbox.api("POST", "/api/v1/salesOrders/actions/import", json=body)


def test_list_items_carry_no_positions_and_the_view_does(sandbox, shop):
    product, customer = shop
    order_id = _import(sandbox, _body(product, customer)).headers["Location"].rsplit("/", 1)[-1]
    [item] = sandbox.api("GET", "/api/v1/salesOrders").json()["data"]
    assert "positions" not in item
    assert item["customer"] == {"id": customer["id"], "number": customer["number"]}
    view = sandbox.api("GET", f"/api/v1/salesOrders/{order_id}").json()["data"]
    [position] = view["positions"]
    assert position == {
        "id": position["id"], "quantity": 2, "sort": 1, "hasChildren": False, "parent": None,
        "product": {"id": product["id"], "name": "Mug", "number": "MUG"},
        "price": {"amount": "9.99"},
    }  # fmt: skip
    assert view["customer"] == {"id": customer["id"], "number": customer["number"]}


def test_orders_are_found_by_external_order_id_and_unknown_keys_are_400(sandbox, shop):
    product, customer = shop
    _import(sandbox, _body(product, customer))
    params = {"filter[0][key]": "externalOrderId", "filter[0][op]": "equals",
              "filter[0][value]": "hub-uuid-1"}  # fmt: skip
    [found] = sandbox.api("GET", "/api/v1/salesOrders", params=params).json()["data"]
    assert found["externalOrderNumber"] == "SHOP-1"
    unknown = {**params, "filter[0][key]": "id"}
    response = sandbox.api("GET", "/api/v1/salesOrders", params=unknown)
    assert response.status_code == 400
    assert response.json()["messages"] == ["Filter key 'id' is not allowed."]


@pytest.mark.parametrize(
    ("change", "violations"),
    [
        ({"positions": [{"product": {"id": "1"}, "quantity": "2"}]},
         {"positions": {"0": {"quantity": ["This value should be of type number."]}}}),
        ({"positions": [{"product": {"id": "1"}, "quantity": 1, "colour": "red"}]},
         {"positions": {"0": {"colour": ["This field was not expected."]}}}),
        ({"positions": [{"product": {"id": "1"}, "quantity": 1,
                         "price": {"amount": "1.00", "currency": "EURO"}}]},
         {"positions": {"0": {"price": {"currency": [
             "The value must be one of: EUR, USD, JPY, BGN, CZK, DKK, GBP, HUF, PLN, RON, SEK, "
             "CHF, ISK, NOK, HRK, RUB, TRY, AUD, BRL, CAD, CNY, HKD, IDR, ILS, INR, KRW, MXN, "
             "MYR, NZD, PHP, SGD, THB, ZAR, ARS, CLP, SAR, AED, QAR."]}}}}),
        ({"delivery": {"shippingMethod": {"id": "1"},
                       "shippingAddress": {"name": "E", "country": "DE", "zip": "1"}}},
         {"delivery": {"shippingAddress": {"zip": ["This field was not expected."]}}}),
        ({"financials": {"paymentMethod": {"id": "1"}}},
         {"financials": {"currency": ["Field 'currency' is required."]}}),
    ],
)  # fmt: skip
def test_import_validates_nested_fields_as_documented(sandbox, shop, change, violations):
    product, customer = shop
    response = _import(sandbox, _body(product, customer, **change))
    assert response.status_code == 400
    assert response.json()["violations"] == violations
    assert sandbox.state()["salesOrders"] == []


def test_auto_reservation_is_a_project_setting(sandbox, shop):
    product, customer = shop
    sandbox.seed(projects=[{"id": "1", "autoReservation": False}])
    assert _import(sandbox, _body(product, customer)).status_code == 201
    totals = sandbox.api("GET", f"/api/v1/products/{product['id']}/stocks").json()["data"]["totals"]
    assert (totals["reserved"], totals["openSalesOrders"]) == (0, 2)
    sandbox.seed(projects=[{"id": "1", "autoReservation": True}])
    _import(sandbox, _body(product, customer, externalOrderNumber="SHOP-2"))
    totals = sandbox.api("GET", f"/api/v1/products/{product['id']}/stocks").json()["data"]["totals"]
    assert (totals["reserved"], totals["openSalesOrders"]) == (2, 4)


@pytest.fixture
def charge_products(sandbox):
    seeded = sandbox.seed(
        products=[
            {"name": "Shipping", "number": "SHIPPING", "isStockItem": False,
             "isShippingCostsProduct": True},
            {"name": "Voucher", "number": "VOUCHER", "isStockItem": False},
            {"name": "Book", "number": "BOOK", "salesTax": "reduced"},
        ]
    )  # fmt: skip
    return {p["number"]: p for p in seeded["products"]}


def _shipping(product, amount: str) -> dict:
    return {"shippingCostProduct": {"id": product["id"]}, "quantity": 1,
            "price": {"amount": amount, "currency": "EUR"}}  # fmt: skip


def _discount(product, amount: str) -> dict:
    return {"discountProduct": {"id": product["id"]}, "quantity": 1,
            "value": {"amount": amount, "currency": "EUR"}}  # fmt: skip


def test_shipping_costs_and_discounts_are_stored_and_make_the_total(sandbox, shop, charge_products):
    product, customer = shop
    delivery = {"shippingMethod": {"id": "1"},
                "shippingCosts": [_shipping(charge_products["SHIPPING"], "4.00")]}  # fmt: skip
    body = _body(product, customer, delivery=delivery,
                 discountPositions=[_discount(charge_products["VOUCHER"], "2.00")])  # fmt: skip
    order_id = _import(sandbox, body).headers["Location"].rsplit("/", 1)[-1]

    view = sandbox.api("GET", f"/api/v1/salesOrders/{order_id}").json()["data"]
    [item] = sandbox.api("GET", "/api/v1/salesOrders").json()["data"]

    # 2 x 9.99 + 4.00 - 2.00 = 21.98 net; all at 19 %: 26.1562 -> 26.16
    assert view["netSales"] == {"amount": "21.98", "currency": "EUR"}
    assert view["total"] == {"amount": "26.16", "currency": "EUR"}
    assert (item["netSales"], item["total"]) == (21.98, 26.16)
    [cost] = view["delivery"]["shippingCosts"]
    assert cost == {"id": cost["id"], **_shipping(charge_products["SHIPPING"], "4.00")}
    [stored] = sandbox.state()["salesOrders"]
    assert stored["discountPositions"] == [_discount(charge_products["VOUCHER"], "2.00")]


def test_total_takes_each_lines_rate_position_discounts_and_the_documented_rates(
    sandbox, shop, charge_products
):
    _, customer = shop
    book = charge_products["BOOK"]
    positions = [{"product": {"id": book["id"]}, "quantity": 3, "discount": 0.1,
                  "price": {"amount": "10.00", "currency": "EUR"}}]  # fmt: skip
    body = _body(book, customer, positions=positions,
                 financials={"paymentMethod": {"id": "1"}, "currency": "EUR",
                             "tax": {"reducedTaxRate": 5}})  # fmt: skip
    order_id = _import(sandbox, body).headers["Location"].rsplit("/", 1)[-1]

    view = sandbox.api("GET", f"/api/v1/salesOrders/{order_id}").json()["data"]

    # 3 x 10.00 less 10 % = 27.00 net, at the reduced rate given (5 %): 28.35
    assert (view["netSales"]["amount"], view["total"]["amount"]) == ("27.00", "28.35")


def test_set_total_amount_takes_the_shops_total_within_the_allowed_difference(sandbox, shop):
    product, customer = shop
    close = {"isActive": True, "maximumDifferenceToCalculatedSum": 0.05,
             "totalGrossAmountFromExternal": 23.80}  # fmt: skip
    far = {**close, "totalGrossAmountFromExternal": 25.00}
    near = _import(sandbox, _body(product, customer, setTotalAmount=close))
    far = _import(sandbox, _body(product, customer, setTotalAmount=far,
                                 externalOrderNumber="SHOP-2"))  # fmt: skip

    totals = [
        sandbox.api("GET", urlsplit(answer.headers["Location"]).path).json()["data"]["total"]
        for answer in (near, far)
    ]

    # 2 x 9.99 x 1.19 = 23.7762 -> 23.78: 23.80 is within 0.05, 25.00 is not
    assert totals == [
        {"amount": "23.80", "currency": "EUR"},
        {"amount": "23.78", "currency": "EUR"},
    ]


@pytest.mark.parametrize(
    ("change", "violations"),
    [
        ({"delivery": {"shippingMethod": {"id": "1"}, "shippingCosts": [
            {"shippingCostProduct": {"id": "999"}, "quantity": 1}]}},
         {"delivery": {"shippingCosts": {"0": {"shippingCostProduct": {
             "id": ["No shippingCostProduct with id 999 exists."]}}}}}),
        ({"delivery": {"shippingMethod": {"id": "1"}, "shippingCosts": [
            {"shippingCostProduct": {"id": "1"}, "quantity": 1, "amount": "4.90"}]}},
         {"delivery": {"shippingCosts": {"0": {"amount": ["This field was not expected."]}}}}),
        ({"delivery": {"shippingMethod": {"id": "1"}, "shippingCosts": [
            {"shippingCostProduct": {"id": "1"}, "quantity": 0}]}},
         {"delivery": {"shippingCosts": {"0": {"quantity": [
             "This value should be greater than 0."]}}}}),
        ({"discountPositions": [{"discountProduct": {"id": "999"}, "quantity": 1}]},
         {"discountPositions": {"0": {"discountProduct": {
             "id": ["No discountProduct with id 999 exists."]}}}}),
        ({"discountPositions": [{"discountProduct": {"id": "1"}, "quantity": 1,
                                 "price": {"amount": "2.00"}}]},
         {"discountPositions": {"0": {"price": ["This field was not expected."]}}}),
        ({"discountPositions": [{"discountProduct": {"id": "1"}, "quantity": 1,
                                 "tax": {"vatCategory": "normal"}}]},
         {"discountPositions": {"0": {"tax": {"taxText": ["Field 'taxText' is required."]}}}}),
    ],
)  # fmt: skip
def test_import_validates_shipping_costs_and_discounts_as_documented(
    sandbox, shop, change, violations
):
    product, customer = shop
    response = _import(sandbox, _body(product, customer, **change))
    assert response.status_code == 400
    assert response.json()["violations"] == violations
    assert sandbox.state()["salesOrders"] == []


def test_orders_are_found_by_external_order_ids_in_an_array_and_only_so(sandbox, shop):
    product, customer = shop
    for n in (1, 2, 3):
        _import(sandbox, _body(product, customer, externalOrderId=f"hub-{n}"))
    listed = {"filter[0][key]": "externalOrderId", "filter[0][op]": "in",
              "filter[0][value][]": ["hub-1", "hub-3", "hub-9"]}  # fmt: skip

    found = sandbox.api("GET", "/api/v1/salesOrders", params=listed).json()["data"]
    scalar = sandbox.api("GET", "/api/v1/salesOrders", params={
        **{k: v for k, v in listed.items() if k != "filter[0][value][]"},
        "filter[0][value]": "hub-1"})  # fmt: skip
    array_for_equals = sandbox.api(
        "GET", "/api/v1/salesOrders", params={**listed, "filter[0][op]": "equals"}
    )

    assert sorted(o["externalOrderId"] for o in found) == ["hub-1", "hub-3"]
    assert scalar.status_code == 400
    assert scalar.json()["messages"] == ["Operator 'in' takes an array: filter[0][value][]."]
    assert array_for_equals.status_code == 400
    assert array_for_equals.json()["messages"] == [
        "Operator 'equals' takes one value, not an array."
    ]
