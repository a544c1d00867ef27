"""Sandbox endpoints for payment and shipping methods (lists the hub caches)."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged


def _method(method: dict) -> dict:
    project = method.get("project")
    return {
        "id": method["id"],
        "type": method.get("type", ""),
        "designation": method.get("designation", ""),
        "project": {"id": str(project["id"])} if project else None,
    }


def payment_methods_list(app, request):
    with app.state.lock:
        page = paged(app.state.items("paymentMethods"), request.args)
    page["data"] = [_method(m) for m in page["data"]]
    return r.json_response(page)


def shipping_methods_list(app, request):
    """Shipping methods also name their shipping `module` (seeded, else the type)."""
    with app.state.lock:
        page = paged(app.state.items("shippingMethods"), request.args)
    page["data"] = [{**_method(m), "module": m.get("module") or m.get("type", "")}
                    for m in page["data"]]  # fmt: skip
    return r.json_response(page)


ROUTES = [
    ("/api/v1/paymentMethods", "GET", payment_methods_list),
    ("/api/v1/shippingMethods", "GET", shipping_methods_list),
]
