"""Sandbox endpoints for V1 sales orders: the import (creates and releases), list and view."""

from datetime import date

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, parse_filters
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import check_object, check_reference, raise_if

IMPORT_FIELDS = {
    "desiredDeliveryDate", "reservationDate", "desiredDeliveryDateAsCalendarWeek", "editor",
    "salesRepresentativeId", "date", "externalOrderNumber", "externalOrderId", "transactionNumber",
    "customerOrderNumber", "autoCreateDocuments", "vatCheck", "bodyIntroduction",
    "bodyOutroduction", "internalDesignation", "comment", "tags", "customer", "project",
    "salesChannel", "language", "financials", "delivery", "positions", "discountPositions",
    "setTotalAmount",
}  # fmt: skip
IMPORT_REQUIRED = ("date", "customer", "project", "financials", "delivery", "positions")
ORDER_FILTERS = {
    "externalOrderNumber": {"equals", "in"},
    "documentNumber": {"equals", "in"},
    "status": {"equals", "in"},
    "id": {"equals", "in"},
}


def sales_order_import(app, request, body):
    state = app.state
    with state.lock:
        found = check_object(body, allowed=IMPORT_FIELDS, required=IMPORT_REQUIRED)
        customer_id = check_reference(body, "customer", lambda i: state.get("customers", i), found)
        check_reference(body, "project", lambda i: state.get("projects", i), found)
        if body.get("salesChannel") is not None:
            check_reference(body, "salesChannel", lambda i: state.get("salesChannels", i), found)
        _check_financials(state, body, found)
        _check_delivery(state, body, found)
        _check_positions(state, body, found)
        if body.get("date"):
            try:
                date.fromisoformat(str(body["date"])[:10])
            except ValueError:
                found["date"] = ["This value is not a valid date."]
        raise_if(found)
        order = _store_order(state, body, customer_id)
        app.changed()
        return r.created(app.url(f"/api/v1/salesOrders/{order['id']}"))


def _check_financials(state, body, found):
    financials = body.get("financials")
    if not isinstance(financials, dict):
        return
    problems = {}
    check_reference(financials, "paymentMethod", lambda i: state.get("paymentMethods", i), problems)
    if not financials.get("currency"):
        problems["currency"] = ["Field 'currency' is required."]
    if problems:
        found["financials"] = problems


def _check_delivery(state, body, found):
    delivery = body.get("delivery")
    if not isinstance(delivery, dict):
        return
    problems = {}
    check_reference(delivery, "shippingMethod", lambda i: state.get("shippingMethods", i), problems)
    address = delivery.get("shippingAddress")
    if isinstance(address, dict) and "zip" in address:
        problems["shippingAddress"] = {"zip": ["This field was not expected. Use 'zipCode'."]}
    if problems:
        found["delivery"] = problems


def _check_positions(state, body, found):
    positions = body.get("positions")
    if not isinstance(positions, list):
        return
    problems = {}
    for index, position in enumerate(positions):
        errors = {}
        check_reference(position, "product", lambda i: state.get("products", i), errors)
        quantity = position.get("quantity")
        try:
            if float(quantity) <= 0:
                errors["quantity"] = ["This value should be greater than 0."]
        except (TypeError, ValueError):
            errors["quantity"] = ["This value should be a number."]
        price = position.get("price")
        if price is not None and not isinstance((price or {}).get("amount"), str):
            errors["price"] = {"amount": ["This value should be of type string."]}
        if errors:
            problems[str(index)] = errors
    if problems:
        found["positions"] = problems


def _store_order(state, body: dict, customer_id: str) -> dict:
    state.sequences["documentNumber"] = state.sequences.get("documentNumber", 200000) + 1
    document_number = str(state.sequences["documentNumber"])
    customer = state.get("customers", customer_id)
    order = state.add(
        "salesOrders",
        {
            **body,
            "documentNumber": document_number,
            "status": "released",
            "createdAt": now_iso(),
        },
    )
    for position in body["positions"]:
        state.reserve(
            str(position["product"]["id"]),
            float(position["quantity"]),
            f"Sales order {document_number}",
            body.get("project") or {"id": "1"},
            {"id": customer["id"], "name": customer["name"], "number": customer["number"]},
        )
    return order


def sales_orders_list(app, request):
    state = app.state
    filters = parse_filters(request.args, ORDER_FILTERS)
    fields = {key: (lambda o, k=key: o.get(k)) for key in ORDER_FILTERS}
    with state.lock:
        items = apply_filters(state.items("salesOrders"), filters, fields)
        return r.json_response(paged(items, request.args))


def sales_order_view(app, request, id):
    with app.state.lock:
        return r.data(app.state.require("salesOrders", id, "Sales order"))


ROUTES = [
    ("/api/v1/salesOrders/actions/import", "POST", sales_order_import),
    ("/api/v1/salesOrders", "GET", sales_orders_list),
    ("/api/v1/salesOrders/<id>", "GET", sales_order_view),
]
