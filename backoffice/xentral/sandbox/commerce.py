"""Sandbox endpoints for customers, sales orders, prices, warehouses and lookup lists."""

from datetime import date

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, paged_v3, parse_filters
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import now_iso, number
from backoffice.xentral.sandbox.validation import check_object, check_reference, raise_if

CUSTOMER_FILTERS = {
    "email": {"equals"},
    "number": {"equals", "in"},
    "name": {"equals", "contains", "startsWith"},
    "id": {"equals", "in"},
}
CUSTOMER_TYPES = {"person", "company"}
ADDRESS_FIELDS = {
    "type", "name", "street", "zip", "city", "country", "state", "addressSupplement",
    "department", "subDepartment", "contactPerson", "email", "phone", "isPrimary",
}  # fmt: skip
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


# --- customers ----------------------------------------------------------------------------------
def customers_list(app, request):
    state = app.state
    filters = parse_filters(request.args, CUSTOMER_FILTERS)
    fields = {
        "email": lambda c: (c.get("contactDetails") or {}).get("email"),
        "number": lambda c: c.get("number"),
        "name": lambda c: c.get("name"),
        "id": lambda c: c["id"],
    }
    with state.lock:
        items = apply_filters(state.items("customers"), filters, fields)
        return r.json_response(paged(items, request.args))


def customer_view(app, request, id):
    with app.state.lock:
        customer = app.state.get("customers", id)
        if customer is None:
            raise LookupError("Customer")
        return r.data(customer)


def customer_create(app, request, body):
    state = app.state
    with state.lock:
        customer = _customer_from(state, body)
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customer['id']}"))


def _customer_from(state, body: dict) -> dict:
    found = check_object(body, allowed=None, required=("customerType",))
    kind = body.get("customerType")
    if kind and kind not in CUSTOMER_TYPES:
        found["customerType"] = ["The value must be one of: company, person."]
    if kind == "company" and not body.get("name"):
        found["name"] = ["Field 'name' is required for a company."]
    if kind == "person" and not body.get("lastname"):
        found["lastname"] = ["Field 'lastname' is required for a person."]
    number_ = body.get("number")
    if number_ and any(c["number"] == number_ for c in state.items("customers")):
        found["number"] = ["This customer number is already in use."]
    raise_if(found)
    if not number_:
        state.sequences["customerNumber"] = state.sequences.get("customerNumber", 10000) + 1
        number_ = str(state.sequences["customerNumber"])
    name = body.get("name") or " ".join(
        p for p in (body.get("firstname"), body.get("lastname")) if p
    )
    return state.add(
        "customers",
        {
            "number": number_,
            "customerType": kind,
            "name": name,
            "firstname": body.get("firstname"),
            "lastname": body.get("lastname"),
            "contactDetails": body.get("contactDetails") or {},
            "project": body.get("project") or {"id": "1"},
            "createdAt": now_iso(),
        },
    )


def addresses_list(app, request, customerId):
    state = app.state
    with state.lock:
        if state.get("customers", customerId) is None:
            raise LookupError("Customer")
        items = [a for a in state.items("customerAddresses") if a["customer"]["id"] == customerId]
        return r.json_response(paged(items, request.args))


def address_create(app, request, body, customerId):
    state = app.state
    with state.lock:
        if state.get("customers", customerId) is None:
            raise LookupError("Customer")
        found = check_object(
            body, allowed=ADDRESS_FIELDS, required=("type", "street", "zip", "city", "country")
        )
        country = body.get("country")
        if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
            found["country"] = ["This value is not a valid ISO 3166-1 alpha-2 country code."]
        raise_if(found)
        address = state.add("customerAddresses", {**body, "customer": {"id": customerId}})
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customerId}/addresses/{address['id']}"))


# --- sales orders -------------------------------------------------------------------------------
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
    _reserve_positions(state, body["positions"], document_number, body.get("project"), customer)
    return order


def _reserve_positions(state, positions, document_number, project, customer) -> None:
    for position in positions:
        state.reserve(
            str(position["product"]["id"]),
            float(position["quantity"]),
            f"Sales order {document_number}",
            project or {"id": "1"},
            {"id": customer["id"], "name": customer["name"], "number": customer["number"]},
        )


def sales_orders_list(app, request):
    state = app.state
    filters = parse_filters(request.args, ORDER_FILTERS)
    fields = {key: (lambda o, k=key: o.get(k)) for key in ORDER_FILTERS}
    with state.lock:
        items = apply_filters(state.items("salesOrders"), filters, fields)
        return r.json_response(paged(items, request.args))


def sales_order_view(app, request, id):
    with app.state.lock:
        order = app.state.get("salesOrders", id)
        if order is None:
            raise LookupError("Sales order")
        return r.data(order)


# --- V3 sales orders (drafts that need a release) ----------------------------------------------
def v3_sales_order_create(app, request, body):
    state = app.state
    with state.lock:
        found = check_object(body, allowed=None, required=("address", "lineItems"))
        check_reference(body, "address", lambda i: state.get("customerAddresses", i), found)
        for index, item in enumerate(body.get("lineItems") or []):
            errors = {}
            check_reference(item, "product", lambda i: state.get("products", i), errors)
            if errors:
                found.setdefault("lineItems", {})[str(index)] = errors
        raise_if(found)
        order = state.add("salesOrdersV3", {**body, "status": "draft", "createdAt": now_iso()})
        app.changed()
        return r.json_response({"data": order}, status=201)


def v3_sales_orders_list(app, request):
    with app.state.lock:
        return r.json_response(paged_v3(app.state.items("salesOrdersV3"), request.args))


def v3_sales_order_view(app, request, id):
    with app.state.lock:
        order = app.state.get("salesOrdersV3", id)
        if order is None:
            raise LookupError("Sales order")
        return r.data(order)


def v3_sales_order_release(app, request, id, body=None):
    state = app.state
    with state.lock:
        order = state.get("salesOrdersV3", id)
        if order is None:
            raise LookupError("Sales order")
        if order["status"] != "draft":
            return r.conflict("The sales order is already released.")
        state.sequences["documentNumber"] = state.sequences.get("documentNumber", 200000) + 1
        order["documentNumber"] = str(state.sequences["documentNumber"])
        order["status"] = "released"
        address = state.get("customerAddresses", order["address"]["id"])
        customer = state.get("customers", address["customer"]["id"])
        positions = [
            {"product": item["product"], "quantity": item.get("quantity", 1)}
            for item in order["lineItems"]
        ]
        _reserve_positions(
            state, positions, order["documentNumber"], order.get("project"), customer
        )
        app.changed()
        return r.no_content()


# --- prices -------------------------------------------------------------------------------------
def sales_price_create(app, request, body):
    state = app.state
    allowed = {"product", "price", "quantity", "customer", "customerGroup", "validFrom",
               "expiresAt", "project", "currency"}  # fmt: skip
    with state.lock:
        found = check_object(body, allowed=allowed, required=("product", "price", "quantity"))
        check_reference(body, "product", lambda i: state.get("products", i), found)
        price = body.get("price")
        if isinstance(price, dict) and (not price.get("amount") or not price.get("currency")):
            found["price"] = ["Fields 'amount' and 'currency' are required."]
        if body.get("customer") and body.get("customerGroup"):
            found["customerGroup"] = ["Give either a customer or a customer group, not both."]
        raise_if(found)
        item = state.add("salesPrices", {**body, "createdAt": now_iso()})
        app.changed()
        return r.json_response({"data": item}, status=201)


def sales_prices_list(app, request):
    state = app.state
    with state.lock:
        items = state.items("salesPrices")
        product_id = request.args.get("filter[product]")
        if product_id:
            items = [p for p in items if p["product"]["id"] == product_id]
        return r.json_response(paged_v3(items, request.args))


def purchase_price_create(app, request, body):
    state = app.state
    allowed = {"product", "supplier", "isStandardSupplier", "supplierDesignation",
               "supplierItemNumber", "fromQuantity", "packageAmount", "price", "validFrom",
               "expiresAt", "additionalInformation", "internalComment"}  # fmt: skip
    with state.lock:
        found = check_object(body, allowed=allowed, required=("product", "fromQuantity", "price"))
        product_id = check_reference(body, "product", lambda i: state.get("products", i), found)
        raise_if(found)
        product = state.get("products", product_id)
        if not body.get("supplier") and not product.get("standardSupplier"):
            raise ValidationFailed(messages=["Supplier missing and no standard supplier defined."])
        item = state.add("purchasePrices", {**body, "createdAt": now_iso()})
        app.changed()
        return r.created(app.url(f"/api/v2/purchasePrices/{item['id']}"))


def purchase_prices_list(app, request):
    filters = parse_filters(request.args, {"product": {"equals"}, "id": {"equals", "in"}})
    fields = {"product": lambda p: p["product"]["id"], "id": lambda p: p["id"]}
    with app.state.lock:
        items = apply_filters(app.state.items("purchasePrices"), filters, fields)
        return r.json_response(paged(items, request.args))


# --- warehouses and storage ---------------------------------------------------------------------
def warehouses_list(app, request):
    with app.state.lock:
        return r.json_response(paged(app.state.items("warehouses"), request.args))


def _location_item(location: dict) -> dict:
    return {k: v for k, v in location.items() if k not in ("items", "isDefault")}


def warehouse_storage_locations(app, request, id):
    state = app.state
    with state.lock:
        if state.get("warehouses", id) is None:
            raise LookupError("Warehouse")
        items = [
            _location_item(loc)
            for loc in state.items("storageLocations")
            if loc["warehouse"]["id"] == str(id)
        ]
        return r.json_response(paged(items, request.args, total=False))


def storage_location_items(app, request, warehouseId, id):
    state = app.state
    with state.lock:
        location = state.get("storageLocations", id)
        if location is None or location["warehouse"]["id"] != str(warehouseId):
            raise LookupError("Storage location")
        items = []
        for product_id, per_warehouse in state.stock.items():
            amount = per_warehouse.get(str(warehouseId), {}).get(location["id"])
            if not amount:
                continue
            product = state.get("products", product_id)
            items.append(
                {
                    "productId": product_id,
                    "sku": product["number"],
                    "quantity": number(amount),
                    "qualityControlAttributes": (location.get("items") or {}).get(product_id, []),
                }
            )
        return r.json_response(paged(items, request.args))


# --- lookup lists -------------------------------------------------------------------------------
def lookup_list(collection: str):
    def handler(app, request):
        with app.state.lock:
            return r.json_response(paged(app.state.items(collection), request.args))

    handler.__name__ = f"{collection}_list"
    return handler
