"""Shipments ([ERP] "Shipment creation and capture", CENTRA.md §1.4).

A shipment is created for order lines and quantities of a CONFIRMED or PROCESSING order
(unpaid unless captured or said paid; a failed capture still creates it, with a userWarning:
C-DTC "Creating and capturing a shipment"), can be marked paid or captured, and is completed
once good-to-go and paid ("Once the shipment is
Good-to-go and paid for, nothing stops you from shipping it"). The order is SHIPPED when its
last shipment is completed and every unit is shipped.
"""

from datetime import datetime

from connectors.centra.sandbox.orders import touch
from connectors.centra.sandbox.state import now
from connectors.centra.sandbox.views import ShipmentView

SHIPPABLE = ("CONFIRMED", "PROCESSING")


def _when(value) -> datetime:
    return value if isinstance(value, datetime) else now()


def create_shipment(ctx, input):
    state = ctx.state
    order, problem = state.order_by(input["order"])
    if problem or order is None:
        return ctx.payload(
            [ctx.error(problem or "Order not found", "input", "order")], shipment=None
        )
    if order["status"] not in SHIPPABLE:
        message = f"Order {order['number']} in status {order['status']} cannot be shipped"
        return ctx.payload([ctx.error(message, "input", "order")], shipment=None)
    if order["isOnHold"]:
        message = f"Order {order['number']} is on hold"
        return ctx.payload([ctx.error(message, "input", "order")], shipment=None)
    lines = input.get("lines") or []
    if not lines:
        return ctx.payload([ctx.error("No lines to ship", "input", "lines")], shipment=None)
    by_id = {line["id"]: line for line in order["lines"]}
    errors, wanted = [], {}
    for index, requested in enumerate(lines):
        line_id = requested["orderLine"].get("id")
        line = by_id.get(line_id)
        if line is None:
            errors.append(
                ctx.error(
                    f"Order line {line_id} is not on order {order['number']}",
                    "input",
                    "lines",
                    index,
                    "orderLine",
                )
            )
            continue
        if state.is_bundle_line(line):
            # UNCERTAIN: whether Centra ships a bundle line itself; the stand-in takes the
            # item lines (the physical goods) and refuses the bundle line.
            errors.append(
                ctx.error(
                    f"Order line {line_id} is a bundle: ship its item lines",
                    "input",
                    "lines",
                    index,
                    "orderLine",
                )
            )
            continue
        quantity = requested["quantity"]
        if quantity < 1:
            errors.append(
                ctx.error("Quantity must be at least 1", "input", "lines", index, "quantity")
            )
            continue
        wanted[line_id] = wanted.get(line_id, 0) + quantity
        open_units = (
            line["quantity"] - line["cancelledQuantity"] - state.shipped_quantity(order, line_id)
        )
        if wanted[line_id] > open_units:
            errors.append(
                ctx.error(
                    f"Cannot ship {wanted[line_id]} of order line {line_id}: "
                    f"{open_units} left to ship",
                    "input",
                    "lines",
                    index,
                    "quantity",
                )
            )
    if errors:
        return ctx.payload(errors, shipment=None)
    warnings = []
    capture = bool(input.get("capture"))
    # [SCH:shipmentcreateinput] "If the `capture` field is used, the `isPaid` field will be
    # ignored": a failed capture leaves the shipment unpaid whatever isPaid said, and so does
    # `capture: false` (sent is used: the stricter reading).
    said_paid = input.get("capture") is None and bool(input.get("isPaid"))
    if capture and ctx.capture_fails():
        # C-DTC "Creating and capturing a shipment": "a failed capture will not prevent the
        # shipment from being created" - it is reported in userWarnings and isCaptured stays
        # false. (The REST API creates no shipment then; this is the GraphQL API.)
        capture = False
        warnings.append(ctx.error("Capture failed", "input", "capture"))
    created = _when(input.get("createdAt"))
    shipment_id = state.next_id("shipment", start=301)
    # Unpaid unless captured or said paid (C-DTC "Creating an unpaid shipment"); the order's
    # payment is not assigned to a shipment created without capture.
    paid = capture or said_paid
    shipment = {
        "id": shipment_id,
        "number": f"{order['number']}-{len(order['shipmentIds']) + 1}",
        "orderNumber": order["number"],
        "createdAt": created,
        "updatedAt": now(),
        "isGoodToGo": bool(input.get("isGoodToGo")),
        "isShipped": False,
        "isPaid": paid,
        "paidAt": now() if paid else None,
        "isCaptured": capture,
        "capturedAt": now() if capture else None,
        "shippedAt": None,
        "trackingNumber": None,
        "returnTrackingNumber": None,
        "numberOfPackages": 0,
        "additionalMessage": input.get("additionalMessage"),
        "carrier": None,
        "service": None,
        "lines": [
            {
                "id": state.next_id("shipmentLine", start=401),
                "lineId": line_id,
                "quantity": quantity,
            }
            for line_id, quantity in wanted.items()
        ],
    }
    _apply_info(shipment, input.get("shipmentInfo"))
    state.shipments[shipment_id] = shipment
    order["shipmentIds"].append(shipment_id)
    order["status"] = "PROCESSING"
    touch(order)
    ctx.order_changed(order)
    ctx.shipment_changed(shipment, "CREATED")
    if input.get("shippedAt") is not None:
        problem = _complete(ctx, shipment, {"shippedAt": input["shippedAt"]})
        if problem:
            return ctx.payload(
                [ctx.error(problem, "input", "shippedAt")],
                warnings,
                shipment=ShipmentView(state, shipment),
            )
    return ctx.payload([], warnings, shipment=ShipmentView(state, shipment))


def _apply_info(shipment: dict, info: dict | None) -> None:
    if not info:
        return
    for key, target in (
        ("carrier", "carrier"),
        ("service", "service"),
        ("trackingNumber", "trackingNumber"),
        ("returnTrackingNumber", "returnTrackingNumber"),
        ("packagesNumber", "numberOfPackages"),
    ):
        if info.get(key) is not None:
            shipment[target] = info[key]


def _find(ctx, shipment_id):
    shipment = ctx.state.shipments.get(shipment_id)
    if shipment is None:
        return None, ctx.payload(
            [ctx.error(f"Shipment {shipment_id} not found", "id")], shipment=None
        )
    return shipment, None


def update_shipment(ctx, id, input):
    shipment, refused = _find(ctx, id)
    if refused:
        return refused
    if shipment["isShipped"]:
        return ctx.payload(
            [ctx.error("A completed shipment cannot be changed", "id")],
            shipment=ShipmentView(ctx.state, shipment),
        )
    if input.get("isGoodToGo") is not None:
        shipment["isGoodToGo"] = input["isGoodToGo"]
    if input.get("isPaid") is not None and input["isPaid"] != shipment["isPaid"]:
        shipment["isPaid"] = input["isPaid"]
        shipment["paidAt"] = now() if input["isPaid"] else None
    shipment["updatedAt"] = now()
    ctx.shipment_changed(shipment, "UPDATED")
    return ctx.payload([], shipment=ShipmentView(ctx.state, shipment))


def capture_shipment(ctx, id):
    shipment, refused = _find(ctx, id)
    if refused:
        return refused
    if shipment["isCaptured"]:
        return ctx.payload(
            [ctx.error("The shipment is already captured", "id")],
            shipment=ShipmentView(ctx.state, shipment),
        )
    if ctx.capture_fails():
        return ctx.payload(
            [ctx.error("Capture failed", "id")], shipment=ShipmentView(ctx.state, shipment)
        )
    shipment.update(
        isCaptured=True,
        capturedAt=now(),
        isPaid=True,
        paidAt=shipment["paidAt"] or now(),
        updatedAt=now(),
    )
    ctx.shipment_changed(shipment, "UPDATED")
    return ctx.payload([], shipment=ShipmentView(ctx.state, shipment))


def complete_shipment(ctx, id, input):
    shipment, refused = _find(ctx, id)
    if refused:
        return refused
    problem = _complete(ctx, shipment, input)
    if problem:
        return ctx.payload([ctx.error(problem, "id")], shipment=ShipmentView(ctx.state, shipment))
    return ctx.payload([], shipment=ShipmentView(ctx.state, shipment))


def _complete(ctx, shipment: dict, input: dict) -> str | None:
    state = ctx.state
    if shipment["isShipped"]:
        return f"Shipment {shipment['number']} is already completed"
    if not shipment["isGoodToGo"]:
        return f"Shipment {shipment['number']} is not good to go"
    if not shipment["isPaid"]:
        return f"Shipment {shipment['number']} is not paid"
    shipped_at = _when(input.get("shippedAt"))
    if shipped_at > now():
        return "shippedAt cannot be in the future"
    _apply_info(shipment, input.get("shipmentInfo"))
    if input.get("additionalMessage") is not None:
        shipment["additionalMessage"] = input["additionalMessage"]
    shipment.update(isShipped=True, shippedAt=shipped_at, updatedAt=now())
    order = state.orders[shipment["orderNumber"]]
    by_id = {line["id"]: line for line in order["lines"]}
    for shipped in shipment["lines"]:
        state.ship_units(by_id[shipped["lineId"]], shipped["quantity"])
    ctx.shipment_changed(shipment, "COMPLETED")
    all_shipped = all(
        state.shipped_quantity(order, line["id"]) >= line["quantity"] - line["cancelledQuantity"]
        for line in order["lines"]
        if not state.is_bundle_line(line)
    )
    all_completed = all(state.shipments[i]["isShipped"] for i in order["shipmentIds"])
    if all_shipped and all_completed:
        order["status"] = "SHIPPED"
        ctx.order_changed(order, completed=True)
    else:
        ctx.order_changed(order)
    touch(order)
    return None
