"""Sandbox fulfilment: delivery notes and shipments (2024 document, early access), the sales
order cancel action, and control actions that dispatch or cancel an order as a warehouse would,
delivering the matching events to registered webhooks."""

from datetime import UTC, datetime

from werkzeug.wrappers import Response

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, parse_filters
from backoffice.xentral.sandbox.state import now_iso, number
from backoffice.xentral.sandbox.validation import check_object, raise_if
from backoffice.xentral.sandbox.webhooks import deliver, event, lifecycle, next_id

ALL_OPS = {"greaterThan", "lessThan", "equals", "notEquals", "in", "notIn", "contains",
           "notContains", "startsWith", "endsWith"}  # fmt: skip
NOTE_FILTERS = {
    "documentDate": lambda n: n["documentDate"],
    "createdAt": lambda n: n["createdAt"],
    "status": lambda n: n["status"],
    "salesOrderId": lambda n: n["salesOrder"]["id"],
    "updatedAt": lambda n: n["updatedAt"],
    "country": lambda n: n["country"],
    "projectId": lambda n: n["project"]["id"],
    "customerId": lambda n: (n.get("receiver") or {}).get("id"),
    "customerNumber": lambda n: (n.get("receiver") or {}).get("number"),
    "shippingAddressName": lambda n: (n.get("receiver") or {}).get("name"),
}
TRACKING_LINKS = {
    "DHL": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
    "DPD": "https://tracking.dpd.de/status/de_DE/parcel/{}",
    "UPS": "https://www.ups.com/track?tracknum={}",
}
# The cancel action's own words (2026 document, salesOrder.actions.cancel): "Only sales orders
# in status 'created' or 'completed' can be canceled"; a released order answers 409. Staff in
# Xentral's own screens (the control action) cancel released orders too.
CANCELLABLE = {"created", "completed"}
CANCELLABLE_BY_STAFF = {"created", "released", "completed"}
# The list's status enum has `sent`; the single view's has `completed` in its place (2024
# document, deliveryNote.list and deliveryNote.view).
VIEW_STATUS = {"sent": "completed"}


def stamp() -> str:
    """The 2024 document's datetime format for delivery notes and shipments."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


# --- delivery notes and shipments ----------------------------------------------------------------
def _note_summary(note: dict) -> dict:
    return {k: v for k, v in note.items() if k not in ("positions", "documentNumber")}


def delivery_notes_list(app, request):
    filters = parse_filters(request.args, dict.fromkeys(NOTE_FILTERS, ALL_OPS))
    with app.state.lock:
        notes = list(lifecycle(app.state)["deliveryNotes"].values())
        notes = apply_filters(notes, filters, NOTE_FILTERS)
        return r.json_response(paged([_note_summary(n) for n in notes], request.args))


def delivery_note_view(app, request, id):
    with app.state.lock:
        note = lifecycle(app.state)["deliveryNotes"].get(str(id))
        if note is None:
            raise LookupError("Delivery note")
        return r.data(
            {
                "id": note["id"],
                "documentNumber": note["number"],
                "salesOrder": note["salesOrder"],
                "date": note["documentDate"],
                "status": VIEW_STATUS.get(note["status"], note["status"]),
                "project": note["project"],
                "updatedAt": note["updatedAt"],
                "positions": note["positions"],
            }
        )


def delivery_note_shipments(app, request, id):
    with app.state.lock:
        part = lifecycle(app.state)
        if str(id) not in part["deliveryNotes"]:
            raise LookupError("Delivery note")
        found = [s for s in part["shipments"].values() if s["deliveryNote"]["id"] == str(id)]
        return r.json_response(
            {"data": found, "extra": {"totalCount": len(found), "page": {"number": 1, "size": 10}}}
        )


def shipment_view(app, request, id):
    with app.state.lock:
        shipment = lifecycle(app.state)["shipments"].get(str(id))
        if shipment is None:
            raise LookupError("Shipment")
        return r.data(shipment)


# --- shipping --------------------------------------------------------------------------------
def shipped_quantities(state, order_id: str) -> dict[str, float]:
    shipped: dict[str, float] = {}
    for note in lifecycle(state)["deliveryNotes"].values():
        if note["salesOrder"]["id"] == order_id:
            for position in note["positions"]:
                product_id = position["product"]["id"]
                shipped[product_id] = shipped.get(product_id, 0.0) + float(position["quantity"])
    return shipped


def open_quantities(state, order: dict) -> dict[str, float]:
    ordered: dict[str, float] = {}
    for position in order.get("positions") or []:
        product_id = str(position["product"]["id"])
        ordered[product_id] = ordered.get(product_id, 0.0) + float(position["quantity"])
    shipped = shipped_quantities(state, order["id"])
    return {p: q - shipped.get(p, 0.0) for p, q in ordered.items() if q - shipped.get(p, 0.0) > 0}


def _lines(body: dict, still_open: dict[str, float]) -> dict[str, float]:
    if body.get("lines") is None:
        return dict(still_open)
    lines: dict[str, float] = {}
    for line in body["lines"]:
        product_id, quantity = str(line["product"]), float(line["quantity"])
        if quantity <= 0 or quantity > still_open.get(product_id, 0.0) - lines.get(product_id, 0):
            raise ValueError(f"product {product_id}: {quantity} is more than is open to ship")
        lines[product_id] = lines.get(product_id, 0.0) + quantity
    return lines


def _release(state, order: dict, product_id: str, quantity: float) -> None:
    """Ship or cancel `quantity`: the order's reservation and open quantity shrink."""
    reason = f"Sales order {order['documentNumber']}"
    for reservation in list(state.data["reservations"].values()):
        if reservation["productId"] == product_id and reservation["reason"] == reason:
            left = float(reservation["amount"]) - quantity
            if left > 0:
                reservation["amount"] = f"{left:.2f}"
            else:
                del state.data["reservations"][reservation["id"]]
    state.open_orders[product_id] = max(0.0, state.open_orders.get(product_id, 0.0) - quantity)
    state.touch(product_id)


def _take_stock(state, product_id: str, quantity: float) -> str | None:
    """Book `quantity` out of the first locations holding it; the last location touched."""
    touched = None
    for locations in state.stock.get(product_id, {}).values():
        for location_id, amount in locations.items():
            taken = min(amount, quantity)
            if taken > 0:
                locations[location_id] = amount - taken
                quantity -= taken
                touched = location_id
    if touched is not None:
        state._refresh_stock_count(product_id)
    return touched


def order_dispatch(app, body) -> Response:
    state = app.state
    with state.lock:
        order = state.get("salesOrders", str(body["salesOrder"]))
        if order is None:
            return r.json_response({"error": f"no sales order {body['salesOrder']}"}, 404)
        if order["status"] not in ("created", "released"):
            return r.json_response({"error": f"sales order is {order['status']}"}, 409)
        lines = _lines(body, open_quantities(state, order))
        if not lines:
            return r.json_response({"error": "nothing is open to ship"}, 409)
        events = _ship(
            state, order, lines, carrier=body["carrier"], tracking=body["trackingNumber"]
        )
        order_view = dict(order)
    app.changed()
    deliver(app, events)
    return r.json_response(order_view)


def _ship(state, order: dict, lines: dict[str, float], *, carrier: str, tracking: str) -> list:
    now = stamp()
    note_id, shipment_id = next_id(state, "deliveryNotes"), next_id(state, "shipments")
    positions = []
    events = [event("salesOrder.dispatched", id=order["id"])]
    for product_id, quantity in lines.items():
        product = state.get("products", product_id) or {}
        positions.append(
            {
                "id": next_id(state, "deliveryNotePositions"),
                "quantity": number(quantity),
                "product": {"id": product_id, "name": product.get("name", ""),
                            "number": product.get("number")},
            }
        )  # fmt: skip
        _release(state, order, product_id, quantity)
        location_id = _take_stock(state, product_id, quantity)
        events.append(event("reservation.changed", productId=product_id))
        if location_id is not None:
            events.append(
                event("storageItem.movement", productId=product_id, storageLocationId=location_id)
            )
    delivery = order.get("delivery") or {}
    lifecycle(state)["deliveryNotes"][note_id] = {
        "id": note_id,
        "number": str(300000 + int(note_id)),
        "createdAt": now,
        "updatedAt": now,
        "documentDate": now[:10],
        "country": ((delivery.get("shippingAddress") or {}).get("country")) or "DE",
        "project": {"id": str((order.get("project") or {}).get("id", "1"))},
        "shippingMethod": {"id": str((delivery.get("shippingMethod") or {}).get("id", "1"))},
        "type": "standard",
        "status": "sent",
        "salesOrder": {"id": order["id"]},
        "positions": positions,
    }
    link = TRACKING_LINKS.get(carrier.upper(), "https://tracking.example.com/{}").format(tracking)
    lifecycle(state)["shipments"][shipment_id] = {
        "id": shipment_id,
        "tracking": {"number": tracking, "link": link, "carrier": carrier},
        "deliveryNote": {"id": note_id},
        "salesOrder": {"id": order["id"]},
        "shippingMethod": {"id": str((delivery.get("shippingMethod") or {}).get("id", "1"))},
        "sentAt": now[:10],
        "sentAtTimestamp": now,
        "label": None,
    }
    if not open_quantities(state, order):
        order["status"] = "completed"
    order["updatedAt"] = now_iso()
    events += [
        event("deliveryNote.created", id=note_id, salesOrderId=order["id"]),
        event("shipment.created", id=shipment_id, deliveryNoteId=note_id, salesOrderId=order["id"]),
        event("salesOrder.updated", id=order["id"]),
    ]
    return events


# --- cancelling ---------------------------------------------------------------------------
def _cancel(state, order: dict) -> list:
    events = [event("salesOrder.updated", id=order["id"])]
    for product_id, quantity in open_quantities(state, order).items():
        _release(state, order, product_id, quantity)
        events.append(event("reservation.changed", productId=product_id))
    order["status"] = "canceled"
    order["updatedAt"] = now_iso()
    return events


def order_cancel_action(app, request, id, body):
    """`POST /api/v1/salesOrders/{id}/actions/cancel`: 204; 409 when it cannot be cancelled."""
    raise_if(check_object(body, allowed={"notifyCustomer"}))
    if body.get("notifyCustomer") not in (None, True, False):
        raise_if({"notifyCustomer": ["This value should be of type boolean."]})
    state = app.state
    with state.lock:
        order = state.require("salesOrders", id, "Sales order")
        if order["status"] not in CANCELLABLE:
            return r.problem(409, f"Sales order is {order['status']} and cannot be canceled.",
                             "conflict", messages=[f"Status: {order['status']}"])  # fmt: skip
        events = _cancel(state, order)
    app.changed()
    deliver(app, events)
    return r.no_content()


def control_cancel(app, body) -> Response:
    state = app.state
    with state.lock:
        order = state.get("salesOrders", str(body["salesOrder"]))
        if order is None:
            return r.json_response({"error": f"no sales order {body['salesOrder']}"}, 404)
        if order["status"] not in CANCELLABLE_BY_STAFF:
            return r.json_response({"error": f"sales order is {order['status']}"}, 409)
        events = _cancel(state, order)
        order_view = dict(order)
    app.changed()
    deliver(app, events)
    return r.json_response(order_view)


# --- stock changes the hub hears of only through events or polling ------------------------------
def control_reservation(app, body) -> Response:
    """Reserve (or, with amount 0, release) stock of a product outside any hub order."""
    state = app.state
    with state.lock:
        product = state.product_by_number(body["number"])
        if product is None:
            return r.json_response({"error": f"no product {body['number']}"}, 404)
        reason = body.get("reason") or "Manual reservation"
        for reservation in list(state.data["reservations"].values()):
            if reservation["productId"] == product["id"] and reservation["reason"] == reason:
                del state.data["reservations"][reservation["id"]]
        amount = float(body["amount"])
        if amount > 0:
            state.add("reservations", {"productId": product["id"], "amount": f"{amount:.2f}",
                                       "reason": reason, "project": {"id": "1"},
                                       "customer": None})  # fmt: skip
        state.touch(product["id"])
        events = [event("reservation.changed", productId=product["id"])]
    app.changed()
    deliver(app, events)
    return r.json_response({"number": body["number"], "reserved": state.reserved(product["id"])})


def control_movement(app, body) -> Response:
    """Set a product's physical stock in a warehouse and announce the storage movement."""
    state = app.state
    with state.lock:
        product = state.product_by_number(body["number"])
        if product is None:
            return r.json_response({"error": f"no product {body['number']}"}, 404)
        warehouse = str(body.get("warehouse", "1"))
        state.set_physical(product["id"], warehouse, float(body["physical"]))
        location = state.default_location(warehouse)
        events = [event("storageItem.movement", productId=product["id"],
                        storageLocationId=location["id"])]  # fmt: skip
    app.changed()
    deliver(app, events)
    return r.json_response({"number": body["number"], "physical": state.physical(product["id"])})


def control_webhook_faults(app, body) -> Response:
    with app.state.lock:
        lifecycle(app.state)["failDeliveries"] = bool((body or {}).get("failDeliveries"))
    return r.json_response({"failDeliveries": lifecycle(app.state)["failDeliveries"]})


def control_webhook_deliveries(app, body) -> Response:
    with app.state.lock:
        return r.json_response(list(lifecycle(app.state)["deliveries"]))


ROUTES = [
    ("/api/v1/deliveryNotes", "GET", delivery_notes_list),
    ("/api/v1/deliveryNotes/<id>", "GET", delivery_note_view),
    ("/api/v1/deliveryNotes/<id>/shipments", "GET", delivery_note_shipments),
    ("/api/v1/shipments/<id>", "GET", shipment_view),
    ("/api/v1/salesOrders/<id>/actions/cancel", "POST", order_cancel_action),
]
CONTROL_ACTIONS = {
    ("POST", "dispatch"): order_dispatch,
    ("POST", "cancel"): control_cancel,
    ("POST", "reservation"): control_reservation,
    ("POST", "movement"): control_movement,
    ("PUT", "webhook-faults"): control_webhook_faults,
    ("GET", "webhook-deliveries"): control_webhook_deliveries,
}
