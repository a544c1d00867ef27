"""The sandbox's control API under `/_sandbox/` (not part of Xentral): seed, reset, read state,
set stock, inject faults, read the request log. No token, no rate limit, no faults, not logged."""

import json

from werkzeug.wrappers import Response

from backoffice.xentral.sandbox import fulfilment, presets
from backoffice.xentral.sandbox.faults import Faults
from backoffice.xentral.sandbox.responses import json_response


def dispatch(app, request) -> Response:
    action = request.path.removeprefix("/_sandbox/").strip("/")
    handler = ACTIONS.get((request.method, action))
    if handler is None:
        return json_response({"error": f"no control action {request.method} {action}"}, 404)
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return json_response({"error": "the body is not JSON"}, 400)
    try:
        return handler(app, body)
    except (KeyError, ValueError, TypeError) as exc:
        return json_response({"error": f"{type(exc).__name__}: {exc}"}, 400)


def reset(app, body) -> Response:
    app.state.reset()
    app.reset_runtime()
    app.changed()
    return json_response({"status": "reset"})


def seed(app, body) -> Response:
    body = body or {}
    with app.state.lock:
        if body.get("preset"):
            if body["preset"] != "demo":
                raise ValueError(f"unknown preset {body['preset']!r}")
            created = presets.seed_demo(app.state)
        else:
            created = presets.seed(app.state, body)
    app.changed()
    return json_response(created, 201)


def set_stock(app, body) -> Response:
    state = app.state
    with state.lock:
        product = state.product_by_number(body["number"])
        if product is None:
            return json_response({"error": f"no product {body['number']}"}, 404)
        state.set_physical(product["id"], str(body.get("warehouse", "1")), float(body["physical"]))
    app.changed()
    return json_response({"number": body["number"], "physical": state.physical(product["id"])})


def read_state(app, body) -> Response:
    state = app.state
    with state.lock:
        view = {name: state.items(name) for name in presets.STATE_COLLECTIONS}
        view["stock"] = [
            {
                "productId": product_id,
                "number": state.get("products", product_id)["number"],
                "warehouse": {"id": warehouse_id},
                "storageLocation": {"id": location_id},
                "physical": amount,
            }
            for product_id, per_warehouse in state.stock.items()
            for warehouse_id, locations in per_warehouse.items()
            for location_id, amount in locations.items()
        ]
        return json_response(view)


def put_faults(app, body) -> Response:
    app.set_faults(Faults.from_json(body or {}))
    return json_response({"status": "ok"})


def get_requests(app, body) -> Response:
    return json_response(app.request_log.read())


def clear_requests(app, body) -> Response:
    app.request_log.clear()
    return Response(b"", status=204)


ACTIONS = {
    ("POST", "reset"): reset,
    ("POST", "seed"): seed,
    ("POST", "stock"): set_stock,
    ("GET", "state"): read_state,
    ("PUT", "faults"): put_faults,
    ("GET", "requests"): get_requests,
    ("DELETE", "requests"): clear_requests,
}
# Dispatch, cancel, reservations, movements and webhook delivery faults (sandbox/fulfilment.py).
ACTIONS.update(fulfilment.CONTROL_ACTIONS)
