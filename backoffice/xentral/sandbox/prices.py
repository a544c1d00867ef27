"""Sandbox endpoints for prices: V3 sales prices and V2 purchase prices."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged_v3
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import check_object, check_reference, raise_if

SALES_PRICE_FIELDS = {
    "product", "price", "quantity", "customer", "customerGroup", "validFrom", "expiresAt",
    "project", "currency",
}  # fmt: skip
PURCHASE_PRICE_FIELDS = {
    "product", "supplier", "isStandardSupplier", "supplierDesignation", "supplierItemNumber",
    "fromQuantity", "packageAmount", "price", "validFrom", "expiresAt", "additionalInformation",
    "internalComment",
}  # fmt: skip


def sales_price_create(app, request, body):
    state = app.state
    with state.lock:
        found = check_object(
            body, allowed=SALES_PRICE_FIELDS, required=("product", "price", "quantity")
        )
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
    with state.lock:
        found = check_object(
            body, allowed=PURCHASE_PRICE_FIELDS, required=("product", "fromQuantity", "price")
        )
        product_id = check_reference(body, "product", lambda i: state.get("products", i), found)
        raise_if(found)
        product = state.get("products", product_id)
        if not body.get("supplier") and not product.get("standardSupplier"):
            raise ValidationFailed(messages=["Supplier missing and no standard supplier defined."])
        item = state.add("purchasePrices", {**body, "createdAt": now_iso()})
        app.changed()
        return r.created(app.url(f"/api/v2/purchasePrices/{item['id']}"))


ROUTES = [
    ("/api/v3/salesPrices", "GET", sales_prices_list),
    ("/api/v3/salesPrices", "POST", sales_price_create),
    ("/api/v2/purchasePrices", "POST", purchase_price_create),
]
