"""Sandbox endpoints for V1 sales orders: the import (creates and releases, reserving stock
where the project's auto-reservation is on, computes the net and gross totals, and delivers
`salesOrder.created` and each changed product's `reservation.changed` to the webhooks), the list
(no positions) and the view."""

from decimal import ROUND_HALF_UP, Decimal

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, parse_filters
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import Arr, Enum, Obj, check_reference, raise_if
from backoffice.xentral.sandbox.validation import shape_problems as problems_of
from backoffice.xentral.sandbox.webhooks import deliver, event

CURRENCIES = (
    "EUR", "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK",
    "NOK", "HRK", "RUB", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW",
    "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR", "ARS", "CLP", "SAR", "AED", "QAR",
)  # fmt: skip
REF = Obj({"id": "string"}, required=("id",))
NULLABLE_REF = Obj({"id": "string"}, required=("id",), nullable=True)
MONEY = Obj({"amount": "string", "currency": Enum(*CURRENCIES)})
SALUTATION = Enum("mr", "mrs", "company", "other")
SHIPPING_ADDRESS_FIELDS = {
    "type": SALUTATION, "name": "string", "department": "string", "contactPerson": "string",
    "subDepartment": "string", "street": "string", "zipCode": "string", "city": "string",
    "state": "string", "country": "string", "addressSupplement": "string", "gln": "string",
    "title": "string", "email": "string",
}  # fmt: skip
BILLING_ADDRESS_FIELDS = {**SHIPPING_ADDRESS_FIELDS, "fax": "string", "phoneNumber": "string",
                          "mobile": "string", "salutation": "string"}  # fmt: skip
TAX_LINE = Obj({"vatCategory": Enum("reduced", "normal", "exempt", nullable=True),
                "rate": "number?", "taxText": "string?"}, closed=False)  # fmt: skip
PRODUCT_REF = Obj(
    {"id": "string", "name": "string", "description": "string", "number": "string?",
     "freeFields": Arr(Obj({"id": "string", "value": "string"}, required=("id", "value")),
                       nullable=True)},
    required=("id",),
)  # fmt: skip
# A shipping cost's or discount's `tax` requires `taxText` (a position's does not).
TAX_WITH_TEXT = Obj({"vatCategory": Enum("reduced", "normal", "exempt", nullable=True),
                     "rate": "number?", "taxText": "string?"}, required=("taxText",),
                    closed=False)  # fmt: skip
SHIPPING_COST = Obj(
    {"id": "string", "quantity": "number", "comment": "string",
     "shippingCostProduct": PRODUCT_REF, "tax": TAX_WITH_TEXT, "price": MONEY,
     "discount": "number", "webId": "string"},
    required=("shippingCostProduct", "quantity"),
)  # fmt: skip
DISCOUNT_POSITION = Obj(
    {"quantity": "number", "discountProduct": PRODUCT_REF, "tax": TAX_WITH_TEXT,
     "value": MONEY, "webId": "string"},
    required=("discountProduct", "quantity"),
)  # fmt: skip
POSITION = Obj(
    {
        "id": "string", "quantity": "number", "comment": "string", "product": PRODUCT_REF,
        "tax": TAX_LINE, "price": MONEY, "discount": "number", "webId": "string",
        "desiredDeliveryDate": "date?", "desiredDeliveryDateAsCalendarWeek": "boolean",
        "desiredQualityControlAttributes": Obj(
            {"batch": "string?", "bestBeforeDate": "date?"}, closed=False, nullable=True
        ),
    },
    required=("product", "quantity"),
)  # fmt: skip
FINANCIALS = Obj(
    {
        "paymentMethod": REF,
        "currency": "string",
        "costCenter": Obj({"id": "string", "number": "string?"}, required=("id", "number"),
                          nullable=True),
        "billingAddress": Obj(BILLING_ADDRESS_FIELDS, required=("name", "country")),
        "tax": Obj({"taxation": Enum("domestic", "eu", "export", "taxfreedomestic"),
                    "vatId": "string", "taxDisplay": Enum("gross", "net", "auto"),
                    "noTaxInfoText": "boolean", "normalTaxRate": "number",
                    "reducedTaxRate": "number"}),
        "paymentTerms": Obj({"paymentTargetDiscount": "number", "paymentTargetDays": "integer",
                             "paymentTargetDiscountDays": "integer",
                             "directDebitDate": "date?"}),
    },
    required=("paymentMethod", "currency"),
)  # fmt: skip
# The documents combine three open objects (allOf) for the delivery block.
DELIVERY = Obj(
    {
        "autoShipping": "boolean", "fastLane": "boolean", "storageCountry": "string?",
        "shippingCosts": Arr(SHIPPING_COST),
        "preferredWarehouse": NULLABLE_REF,
        "shippingAddress": Obj(SHIPPING_ADDRESS_FIELDS, required=("name", "country")),
        "shippingMethod": REF, "deliveryTerms": NULLABLE_REF,
    },
    required=("shippingMethod",),
    closed=False,
)  # fmt: skip
IMPORT = Obj(
    {
        "desiredDeliveryDate": "date?", "reservationDate": "date?",
        "desiredDeliveryDateAsCalendarWeek": "boolean", "editor": "string",
        "salesRepresentativeId": "integer", "date": "date", "externalOrderNumber": "string",
        "externalOrderId": "string", "transactionNumber": "string",
        "customerOrderNumber": "string",
        "autoCreateDocuments": Enum("deliveryNote+invoice", "deliveryNote", "invoice"),
        "vatCheck": "boolean", "bodyIntroduction": "string", "bodyOutroduction": "string",
        "internalDesignation": "string", "comment": "string",
        "tags": Arr(Obj({"id": "string"}, closed=False)), "customer": REF, "project": REF,
        "salesChannel": REF, "language": Obj({"iso2": "string?"}, required=("iso2",)),
        "financials": FINANCIALS, "delivery": DELIVERY, "positions": Arr(POSITION),
        "discountPositions": Arr(DISCOUNT_POSITION),
        "setTotalAmount": Obj({"isActive": "boolean",
                               "maximumDifferenceToCalculatedSum": "number",
                               "totalGrossAmountFromExternal": "number"}, nullable=True),
    },
    required=("date", "customer", "project", "financials", "delivery", "positions"),
)  # fmt: skip
# Documented keys the sandbox filters on (the documented operators hold for every key).
ORDER_OPS = {"equals", "notEquals", "in", "notIn", "greaterThan", "lessThan",
             "greaterThanOrEquals", "lessThanOrEquals"}  # fmt: skip
ORDER_FIELDS = {
    "externalOrderNumber": lambda o: o.get("externalOrderNumber"),
    "externalOrderId": lambda o: o.get("externalOrderId"),
    "documentNumber": lambda o: o.get("documentNumber"),
    "transactionNumber": lambda o: o.get("transactionNumber"),
    "customerOrderNumber": lambda o: o.get("customerOrderNumber"),
    "status": lambda o: o.get("status"),
    "customerId": lambda o: o["customer"]["id"],
    "orderDate": lambda o: o.get("date"),
    "createdAt": lambda o: o.get("createdAt"),
    "updatedAt": lambda o: o.get("updatedAt"),
}
ORDER_FILTERS = dict.fromkeys(ORDER_FIELDS, ORDER_OPS)
TOP_REFERENCES = (("customer", "customers"), ("project", "projects"),
                  ("salesChannel", "salesChannels"))  # fmt: skip
NESTED_REFERENCES = (("financials", "paymentMethod", "paymentMethods"),
                     ("delivery", "shippingMethod", "shippingMethods"))  # fmt: skip
TEXTS = ("externalOrderNumber", "transactionNumber", "customerOrderNumber", "externalOrderId",
         "comment")  # fmt: skip


def sales_order_import(app, request, body):
    state = app.state
    with state.lock:
        found = problems_of(body, IMPORT) or {}
        if isinstance(found, list):
            raise_if({"body": found})
        _check_references(state, body, found)
        raise_if(found)
        products = {str(p["product"]["id"]) for p in body["positions"]}
        reserved = {p: state.reserved(p) for p in products}
        order = _store_order(state, body)
        events = [event("salesOrder.created", id=order["id"])] + [
            event("reservation.changed", productId=p)
            for p in sorted(products) if state.reserved(p) != reserved[p]
        ]  # fmt: skip
        app.changed()
    deliver(app, events)
    return r.created(app.url(f"/api/v1/salesOrders/{order['id']}"))


def _check_references(state, body: dict, found: dict) -> None:
    """That what the body references exists (checked where its shape was right)."""
    for field, collection in TOP_REFERENCES:
        if field in body and field not in found:
            check_reference(body, field, lambda i, c=collection: state.get(c, i), found)
    for block, field, collection in NESTED_REFERENCES:
        if block in found or not isinstance(body.get(block), dict):
            continue
        problems: dict = {}
        check_reference(body[block], field, lambda i, c=collection: state.get(c, i), problems)
        if problems:
            found[block] = problems
    _check_lines(state, body, "positions", "product", found)
    _check_lines(state, body, "discountPositions", "discountProduct", found)
    delivery, problems = body.get("delivery"), found.get("delivery")
    if isinstance(delivery, dict) and (problems is None or isinstance(problems, dict)):
        problems = problems or {}
        _check_lines(state, delivery, "shippingCosts", "shippingCostProduct", problems)
        if problems:
            found["delivery"] = problems


def _check_lines(state, body: dict, field: str, product_field: str, found: dict) -> None:
    """Each line's product exists and its quantity is above zero."""
    if not isinstance(body.get(field), list):
        return
    problems = found.get(field) if isinstance(found.get(field), dict) else {}
    for index, line in enumerate(body[field]):
        errors = problems.get(str(index)) or {}
        if not isinstance(line, dict) or not isinstance(errors, dict):
            continue
        if product_field not in errors and product_field in line:
            check_reference(line, product_field, lambda i: state.get("products", i), errors)
        if "quantity" not in errors and line.get("quantity", 1) <= 0:
            errors["quantity"] = ["This value should be greater than 0."]
        if errors:
            problems[str(index)] = errors
    if problems:
        found[field] = problems


def _store_order(state, body: dict) -> dict:
    state.sequences["documentNumber"] = state.sequences.get("documentNumber", 200000) + 1
    document_number = str(state.sequences["documentNumber"])
    customer = state.get("customers", body["customer"]["id"])
    stamp = now_iso()
    positions = [
        {**position, "id": state.next_id("salesOrderPositions"), "sort": index + 1}
        for index, position in enumerate(body["positions"])
    ]
    delivery = dict(body["delivery"])
    if "shippingCosts" in delivery:
        delivery["shippingCosts"] = [
            {**cost, "id": state.next_id("salesOrderPositions")}
            for cost in delivery["shippingCosts"]
        ]
    net_sales, total = order_totals(state, {**body, "delivery": delivery})
    order = state.add(
        "salesOrders",
        {**body, "positions": positions, "delivery": delivery,
         "documentNumber": document_number, "status": "released", "createdAt": stamp,
         "updatedAt": stamp, "netSales": str(net_sales), "total": str(total)},
    )  # fmt: skip
    project = state.get("projects", body["project"]["id"])
    reserve = project.get("autoReservation", True)
    for position in positions:
        state.order_position(
            str(position["product"]["id"]),
            float(position["quantity"]),
            reserve=reserve,
            reason=f"Sales order {document_number}",
            project={"id": project["id"]},
            customer={"id": customer["id"], "name": customer["name"],
                      "number": customer["number"]},
        )  # fmt: skip
    return order


# Xentral's default rates in percent (German VAT) and which rate a product's category takes.
DEFAULT_RATES = {"normal": Decimal(19), "reduced": Decimal(7), "exempt": Decimal(0)}
CATEGORY_OF_SALES_TAX = {"standard": "normal", "reduced": "reduced", "free": "exempt"}
TAX_FREE = ("eu", "export", "taxfreedomestic")
CENT = Decimal("0.01")


def order_totals(state, body: dict) -> tuple[Decimal, Decimal]:
    """(net sales, total incl. tax) of an import body, rounded half-up to cents (the
    documents do not say how Xentral computes them: see docs/xentral-fidelity.md). A line is
    price x quantity x (1 - discount); shipping costs add, discount positions subtract."""
    tax = body["financials"].get("tax") or {}
    rates = dict(DEFAULT_RATES)
    for category, key in (("normal", "normalTaxRate"), ("reduced", "reducedTaxRate")):
        if tax.get(key) is not None:
            rates[category] = Decimal(str(tax[key]))
    currency = body["financials"].get("currency")
    lines = [(p, "product", _line_price(state, p, currency), 1) for p in body["positions"]]
    lines += [
        (c, "shippingCostProduct", _money(c.get("price")), 1)
        for c in body["delivery"].get("shippingCosts") or []
    ]
    lines += [
        (d, "discountProduct", _money(d.get("value")), -1)
        for d in body.get("discountPositions") or []
    ]
    net_sales, total = Decimal(0), Decimal(0)
    for line, product_field, price, sign in lines:
        net = sign * price * Decimal(str(line["quantity"]))
        net *= 1 - Decimal(str(line.get("discount") or 0))
        rate = (
            Decimal(0)
            if tax.get("taxation") in TAX_FREE
            else _rate(state, line, product_field, rates)
        )
        net_sales += net
        total += net * (1 + rate / 100)
    net_sales, total = net_sales.quantize(CENT, ROUND_HALF_UP), total.quantize(CENT, ROUND_HALF_UP)
    external = body.get("setTotalAmount") or {}
    if external.get("isActive") and external.get("totalGrossAmountFromExternal") is not None:
        wanted = Decimal(str(external["totalGrossAmountFromExternal"])).quantize(CENT)
        allowed = Decimal(str(external.get("maximumDifferenceToCalculatedSum") or 0))
        if abs(wanted - total) <= allowed:
            total = wanted
    return net_sales, total


def _money(value) -> Decimal:
    return Decimal((value or {}).get("amount") or 0)


def _line_price(state, position: dict, currency) -> Decimal:
    """The position's price, else the product's general sales price for the quantity (the
    scale with the highest from-quantity not above it), else zero."""
    if position.get("price"):
        return _money(position["price"])
    quantity = float(position["quantity"])
    scales = [
        p for p in state.items("salesPrices")
        if str(p["product"]["id"]) == str(position["product"]["id"])
        and not p.get("customer") and not p.get("customerGroup")
        and p["price"].get("currency", currency) == currency
        and float(p.get("quantity") or 1) <= quantity
    ]  # fmt: skip
    if not scales:
        return Decimal(0)
    return _money(max(scales, key=lambda p: float(p.get("quantity") or 1))["price"])


def _rate(state, line: dict, product_field: str, rates: dict) -> Decimal:
    """The line's `tax` (`rate` in percent, or `vatCategory`), else its product's category."""
    tax = line.get("tax") or {}
    if tax.get("rate") is not None:
        return Decimal(str(tax["rate"]))
    category = tax.get("vatCategory")
    if category is None:
        product = state.get("products", str(line[product_field]["id"])) or {}
        category = CATEGORY_OF_SALES_TAX.get(product.get("salesTax") or "standard", "normal")
    return rates[category]


def order_item(state, order: dict) -> dict:
    """A sales order as the list shows it: no positions."""
    customer = state.get("customers", order["customer"]["id"]) or {}
    answer = {
        "id": order["id"],
        "documentNumber": order["documentNumber"],
        **{field: order.get(field) or "" for field in TEXTS},
        "date": str(order["date"])[:10],
        "status": order["status"],
        "customer": {"id": order["customer"]["id"], "number": customer.get("number")},
        "project": {"id": order["project"]["id"]},
        "financials": order["financials"],
        "delivery": order["delivery"],
        "netSales": float(order["netSales"]),
        "total": float(order["total"]),
        "createdAt": order["createdAt"],
        "updatedAt": order.get("updatedAt") or order["createdAt"],
    }
    return answer


def order_answer(state, order: dict) -> dict:
    """The single view: with positions (`id`, `sort`, `hasChildren`, `parent`)."""
    answer = order_item(state, order)
    answer["internalDesignation"] = order.get("internalDesignation") or ""
    if order.get("salesChannel"):
        channel = state.get("salesChannels", order["salesChannel"]["id"]) or {}
        answer["salesChannel"] = {"id": order["salesChannel"]["id"], "name": channel.get("name")}
    answer["positions"] = [_position_answer(state, p) for p in order["positions"]]
    # The view answers money as `{amount, currency}`, where the currency is one of the list.
    currency = order["financials"].get("currency")
    for field in ("netSales", "total"):
        answer[field] = {"amount": order[field]}
        if currency in CURRENCIES:
            answer[field]["currency"] = currency
        elif field == "netSales":
            del answer[field]
    return answer


def _position_answer(state, position: dict) -> dict:
    product = state.get("products", position["product"]["id"]) or {}
    answer = {
        "id": position["id"],
        "quantity": position["quantity"],
        "sort": position["sort"],
        "hasChildren": False,
        "parent": None,
        "product": {"id": position["product"]["id"], "name": product.get("name", ""),
                    "number": product.get("number")},
    }  # fmt: skip
    if position.get("price"):
        answer["price"] = {"amount": position["price"]["amount"]}
    for field in ("comment", "webId", "discount"):
        if field in position:
            answer[field] = position[field]
    return answer


def sales_orders_list(app, request):
    state = app.state
    filters = parse_filters(request.args, ORDER_FILTERS)
    with state.lock:
        items = apply_filters(state.items("salesOrders"), filters, ORDER_FIELDS)
        page = paged(items, request.args)
        page["data"] = [order_item(state, item) for item in page["data"]]
        return r.json_response(page)


def sales_order_view(app, request, id):
    state = app.state
    with state.lock:
        return r.data(order_answer(state, state.require("salesOrders", id, "Sales order")))


ROUTES = [
    ("/api/v1/salesOrders/actions/import", "POST", sales_order_import),
    ("/api/v1/salesOrders", "GET", sales_orders_list),
    ("/api/v1/salesOrders/<id>", "GET", sales_order_view),
]
