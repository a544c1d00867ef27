"""Sandbox endpoints for payment and shipping methods (lists the hub caches)."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged


def payment_methods_list(app, request):
    with app.state.lock:
        return r.json_response(paged(app.state.items("paymentMethods"), request.args))


def shipping_methods_list(app, request):
    with app.state.lock:
        return r.json_response(paged(app.state.items("shippingMethods"), request.args))


ROUTES = [
    ("/api/v1/paymentMethods", "GET", payment_methods_list),
    ("/api/v1/shippingMethods", "GET", shipping_methods_list),
]
