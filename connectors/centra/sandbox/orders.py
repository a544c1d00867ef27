"""Orders: created through the control API (as a shop checkout would), then locked, confirmed,
put on hold or released through the Integration API.

[ERP] "Order statuses": PENDING until confirmed (CONFIRMED), PROCESSING once a shipment exists,
SHIPPED when the last shipment is completed. Hold is a flag, not a status ([DTC]).
"""

from connectors.centra.sandbox import presets
from connectors.centra.sandbox.state import now, order_hash
from connectors.centra.sandbox.views import OrderView

DEFAULT_TAX_PERCENT = 19.0


class BadOrder(ValueError):
    pass


def create(state, body: dict) -> dict:
    """`POST /_centra/orders {"email", "lines": [{"sku", "quantity", "unitPrice"}], "currency",
    "onHold"}` plus optional "shippingPrice", "discount", "wholesale", "taxPercent",
    "purchaseOrderNumber", "market" (a market id of the order's store; else the store's
    default market)."""
    if not isinstance(body, dict):
        raise BadOrder("the body must be a JSON object")
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise BadOrder("email: an e-mail address is required")
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise BadOrder("lines: at least one line is required")
    currency = body.get("currency", "EUR")
    if currency not in presets.CURRENCIES:
        raise BadOrder(f"currency: one of {sorted(presets.CURRENCIES)}")
    wholesale = bool(body.get("wholesale", False))
    store = presets.WHOLESALE_STORE if wholesale else presets.DTC_STORE
    market_id = body.get(
        "market", (presets.WHOLESALE_MARKET if wholesale else presets.DTC_MARKET)["id"]
    )
    market = state.markets.get(market_id) if type(market_id) is int else None
    if market is None or market["storeId"] != store["id"]:
        markets = sorted(m["id"] for m in state.markets.values() if m["storeId"] == store["id"])
        raise BadOrder(f"market: one of the {store['name']} store's markets {markets}")
    prepared = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise BadOrder(f"lines[{index}]: an object is required")
        size = state.size_by("SKU", line.get("sku")) or state.size_by("EAN", line.get("sku"))
        if size is None:
            raise BadOrder(f"lines[{index}].sku: no size with SKU or EAN {line.get('sku')!r}")
        quantity, price = line.get("quantity"), line.get("unitPrice")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise BadOrder(f"lines[{index}].quantity: a whole number of at least 1 is required")
        if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
            raise BadOrder(f"lines[{index}].unitPrice: a number of at least 0 is required")
        tax = line.get("taxPercent", body.get("taxPercent", DEFAULT_TAX_PERCENT))
        prepared.append((size, quantity, float(price), float(tax)))
    shipping = float(body.get("shippingPrice", 0) or 0)
    discount = float(body.get("discount", 0) or 0)
    if shipping < 0 or discount < 0:
        raise BadOrder("shippingPrice and discount cannot be negative")
    number = state.next_id("order", start=1001)
    created = now()
    customer = state.customers.get(email)
    if customer is None:
        customer = {
            "id": state.next_id("customer"),
            "email": email,
            "firstName": presets.DEMO_ADDRESS["firstName"],
            "lastName": presets.DEMO_ADDRESS["lastName"],
        }
        state.customers[email] = customer
    order = {
        "id": order_hash(number),
        "number": number,
        "status": "PENDING",
        "isOnHold": bool(body.get("onHold", False)),
        "isLocked": False,
        "createdAt": created,
        "updatedAt": created,
        "email": email,
        "currency": currency,
        "wholesale": wholesale,
        "storeId": store["id"],
        "marketId": market["id"],
        "accountId": presets.ACCOUNT["id"] if wholesale else None,
        "purchaseOrderNumber": body.get("purchaseOrderNumber") if wholesale else None,
        "address": dict(presets.DEMO_ADDRESS),
        "shippingPrice": shipping,
        "discount": discount,
        "lines": [],
        "shipmentIds": [],
    }
    for size, quantity, price, tax in prepared:
        line = _line(state, size["id"], quantity, price, tax)
        order["lines"].append(line)
        # A bundle's items are lines of their own (BundleItemOrderLine), priced at 0: the
        # bundle line carries the price. UNCERTAIN: how Centra splits a bundle's price.
        for item_size, per_bundle in size.get("bundleItems", ()):
            item = _line(state, item_size, quantity * per_bundle, 0.0, tax, bundle_of=line["id"])
            order["lines"].append(item)
    state.orders[number] = order
    return order


def _line(state, size_id, quantity, price, tax, bundle_of=None) -> dict:
    line = {
        "id": state.next_id("orderLine", start=501),
        "sizeId": size_id,
        "quantity": quantity,
        "cancelledQuantity": 0,
        "unitPrice": price,
        "taxPercent": tax,
        "allocations": {},
        "bundleOf": bundle_of,
    }
    if not state.sizes[size_id].get("bundleItems"):
        state.allocate(line)  # a bundle holds no stock; its items are allocated
    return line


def touch(order: dict) -> None:
    order["updatedAt"] = now()


def set_hold(order: dict, on_hold: bool) -> None:
    order["isOnHold"] = on_hold
    touch(order)


# --- mutations -----------------------------------------------------------------------------------
def set_orders_lock(ctx, input):
    state, errors, found = ctx.state, [], []
    for index, ident in enumerate(input["orders"]):
        order, problem = state.order_by(ident)
        if problem or order is None:
            errors.append(ctx.error(problem or "Order not found", "input", "orders", index))
        else:
            found.append(order)
    if errors:
        return ctx.payload(errors, orders=[])
    for order in found:
        if order["isLocked"] != input["isLocked"]:
            order["isLocked"] = input["isLocked"]
            touch(order)
            ctx.order_changed(order)
    return ctx.payload([], orders=[OrderView(state, order) for order in found])


def confirm_order(ctx, input):
    order, problem = ctx.state.order_by(input["order"])
    if problem or order is None:
        return ctx.payload([ctx.error(problem or "Order not found", "input", "order")], order=None)
    if order["status"] != "PENDING":
        message = f"Order {order['number']} cannot be confirmed in status {order['status']}"
        return ctx.payload(
            [ctx.error(message, "input", "order")], order=OrderView(ctx.state, order)
        )
    if order["isOnHold"]:
        message = f"Order {order['number']} is on hold"
        return ctx.payload(
            [ctx.error(message, "input", "order")], order=OrderView(ctx.state, order)
        )
    order["status"] = "CONFIRMED"
    touch(order)
    ctx.order_changed(order)
    return ctx.payload([], order=OrderView(ctx.state, order))


def update_dtc_order(ctx, order, input):
    found, problem = ctx.state.order_by(order)
    if problem or found is None or found["wholesale"]:
        return ctx.payload([ctx.error(problem or "Order not found", "order")], order=None)
    if "isOnHold" in input and input["isOnHold"] is not None:
        if found["status"] in ("SHIPPED", "ARCHIVED", "CANCELLED"):
            message = f"Order {found['number']} in status {found['status']} cannot be held"
            return ctx.payload([ctx.error(message, "input", "isOnHold")], order=None)
        if found["isOnHold"] != input["isOnHold"]:
            set_hold(found, input["isOnHold"])
            ctx.order_changed(found)
    return ctx.payload([], order=OrderView(ctx.state, found))
