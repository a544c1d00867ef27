"""The stand-in's control API under `/_centra/` (not part of Centra): reset, webhook receivers,
orders as a shop would place them, hold and release, the state as Centra holds it, faults, the
request log. No token, no rate limit, no faults, not logged.

The interface other parts rely on (issue 14) — keep it exactly:
`POST /_centra/reset`; `POST /_centra/webhooks {"url", "secret"}`; `POST /_centra/orders
{"email", "lines": [{"sku", "quantity", "unitPrice"}], "currency", "onHold"}` -> `{"number"}`;
`POST /_centra/orders/{number}/release`; `GET /_centra/state`; `PUT /_centra/faults`.
Beyond it, `POST /_centra/orders` takes optional keys (orders.create): `"wholesale": true` makes
a wholesale order (store 2, its market, the demo account; the e-mail is the buyer's), `"market"`
picks another market of the order's store (market 3 "Retail Nordics" in the retail store).
"""

import json

from werkzeug.wrappers import Response

from connectors.centra.sandbox import events, orders
from connectors.centra.sandbox.faults import Faults
from connectors.centra.sandbox.webhooks import event


def respond(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def dispatch(app, request) -> Response:
    parts = request.path.removeprefix("/_centra/").strip("/").split("/")
    key, args = "/".join(parts), []
    if len(parts) == 3 and parts[0] == "orders" and parts[1].isdigit():
        key, args = f"orders/*/{parts[2]}", [int(parts[1])]
    handler = ACTIONS.get((request.method, key))
    if handler is None:
        return respond({"error": f"no control action {request.method} {request.path}"}, 404)
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return respond({"error": "the body is not JSON"}, 400)
    try:
        return handler(app, body, *args)
    except (KeyError, ValueError, TypeError) as exc:
        return respond({"error": f"{type(exc).__name__}: {exc}"}, 400)


def reset(app, body) -> Response:
    app.reset()
    return respond({"status": "reset"})


def register_webhook(app, body) -> Response:
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise ValueError("url is required")
    if not isinstance(body.get("secret"), str) or not body["secret"]:
        raise ValueError("secret is required")
    receiver = app.webhooks.register(body["url"], body["secret"], int(body.get("retries", 0)))
    return respond({"url": receiver["url"], "retries": receiver["retries"]}, 201)


def read_webhooks(app, body) -> Response:
    return respond(app.webhooks.read())


def create_order(app, body) -> Response:
    state = app.state
    with state.lock:
        try:
            order = orders.create(state, body)
        except orders.BadOrder as exc:
            return respond({"error": str(exc)}, 400)
        events.record(state, "Order", "CREATED", order["number"], order)
    app.webhooks.send([event("insert", order["number"])])
    return respond({"number": order["number"]}, 201)


def _hold(app, number: int, on_hold: bool) -> Response:
    state = app.state
    with state.lock:
        order = state.orders.get(number)
        if order is None:
            return respond({"error": f"no order {number}"}, 404)
        if order["isOnHold"] != on_hold:
            orders.set_hold(order, on_hold)
            events.record(state, "Order", "UPDATED", number, order)
            changed = True
        else:
            changed = False
    if changed:
        app.webhooks.send([event("update", number)])
    return respond({"number": number, "isOnHold": on_hold})


def release_order(app, body, number: int) -> Response:
    return _hold(app, number, False)


def hold_order(app, body, number: int) -> Response:
    return _hold(app, number, True)


def read_state(app, body) -> Response:
    state = app.state
    with state.lock:
        view_orders = []
        for order in sorted(state.orders.values(), key=lambda o: o["number"]):
            lines = {line["id"]: line for line in order["lines"]}
            view_orders.append(
                {
                    "number": order["number"],
                    "status": order["status"],
                    "isLocked": order["isLocked"],
                    "shipments": [
                        {
                            "carrier": shipment["carrier"],
                            "trackingNumber": shipment["trackingNumber"],
                            "lines": [
                                {
                                    "sku": state.sizes[lines[s["lineId"]]["sizeId"]]["SKU"],
                                    "quantity": s["quantity"],
                                }
                                for s in shipment["lines"]
                            ],
                            "completed": shipment["isShipped"],
                        }
                        for shipment in (state.shipments[i] for i in order["shipmentIds"])
                    ],
                }
            )
        stock = [
            {
                "sku": state.sizes[size_id]["SKU"],
                "ean": state.sizes[size_id]["EAN"],
                "warehouse": warehouse_id,
                "quantity": quantity,
            }
            for (size_id, warehouse_id), quantity in sorted(state.physical.items())
        ]
    return respond({"orders": view_orders, "stock": stock, "calls": app.log.calls})


def put_faults(app, body) -> Response:
    if body is not None and not isinstance(body, dict):
        raise ValueError("the faults are a JSON object")
    app.set_faults(Faults.from_json(body or {}))
    return respond({"status": "ok"})


def get_requests(app, body) -> Response:
    return respond(app.log.read())


def clear_requests(app, body) -> Response:
    app.log.clear()
    return Response(b"", status=204)


ACTIONS = {
    ("POST", "reset"): reset,
    ("POST", "webhooks"): register_webhook,
    ("GET", "webhooks"): read_webhooks,
    ("POST", "orders"): create_order,
    ("POST", "orders/*/release"): release_order,
    ("POST", "orders/*/hold"): hold_order,
    ("GET", "state"): read_state,
    ("PUT", "faults"): put_faults,
    ("GET", "requests"): get_requests,
    ("DELETE", "requests"): clear_requests,
}
