"""Sandbox endpoints for V2 products: list with filters, view, create and update."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, apply_order, paged, parse_filters
from backoffice.xentral.sandbox.validation import check_object, raise_if

PRODUCT_CREATE_FIELDS = {
    "name", "number", "description", "shortDescription", "customsTariffNumber", "ean",
    "internalComment", "project", "tags", "minimumOrderQuantity", "minimumStorageQuantity",
    "allowPurchaseFromAllSuppliers", "hidePriceOnDocuments", "manufacturer", "unit",
    "measurements", "hasBatches", "serialNumbersMode", "hasBestBeforeDate", "hasBillOfMaterials",
    "isAssembledJustInTime", "isProductionProduct", "isExternallyProduced", "isDisabled",
    "disabledReason", "ageRating", "countryOfOrigin", "regionOfOrigin", "salesTax", "isStockItem",
    "isStockTakingDisabled", "hideJustInTimeItemsOnDocuments", "merchandiseGroup",
    "standardSupplier", "isShippingCostsProduct", "isMatrixProduct", "discount", "stockTaking",
    "calculatedPurchasePrice", "calculatoryPurchasePriceSettings", "salesChannel", "freeFields",
    "variantOf", "options", "variants", "categories",
}  # fmt: skip
PRODUCT_PATCH_FIELDS = (PRODUCT_CREATE_FIELDS - {"variants"}) | {"selectedOptions"}
SALES_TAX = {"standard", "reduced", "free"}
TEXT_OPS = {"equals", "notEquals", "in", "notIn", "contains", "startsWith"}
COMPARE_OPS = {"equals", "greaterThan", "lessThan", "greaterThanOrEquals", "lessThanOrEquals"}
PRODUCT_FILTERS = {
    "id": {"equals", "in", "notIn"},
    "number": TEXT_OPS,
    "ean": TEXT_OPS,
    "name": TEXT_OPS,
    "updatedAt": COMPARE_OPS,
    "isStockItem": {"equals"},
    "externalReferenceNumber": {"equals", "in", "contains"},
    "externalReferenceTargetId": {"equals"},
    "variantOf": {"equals"},
}


def _product_fields(state):
    def references(product):
        return [
            ref
            for ref in state.data["externalReferences"].values()
            if ref["productId"] == product["id"]
        ]

    return {
        "id": lambda p: p["id"],
        "number": lambda p: p["number"],
        "ean": lambda p: p.get("ean", ""),
        "name": lambda p: p.get("name", ""),
        "updatedAt": lambda p: p["updatedAt"],
        "isStockItem": lambda p: p.get("isStockItem"),
        "variantOf": lambda p: (p.get("variantOf") or {}).get("id"),
        "externalReferenceNumber": lambda p: next((ref["number"] for ref in references(p)), None),
        "externalReferenceTargetId": lambda p: next(
            (ref["target"]["id"] for ref in references(p) if ref.get("target")), None
        ),
    }


def products_list(app, request):
    state = app.state
    filters = parse_filters(request.args, PRODUCT_FILTERS)
    with state.lock:
        items = apply_filters(state.items("products"), filters, _product_fields(state))
        items = apply_order(items, request.args)
        return r.json_response(paged(items, request.args))


def product_view(app, request, id):
    with app.state.lock:
        return r.data(app.state.require("products", id, "Product"))


def _check_product_body(state, body, *, allowed, required):
    found = check_object(body, allowed=allowed, required=required)
    if "salesTax" in body and body["salesTax"] not in SALES_TAX:
        found["salesTax"] = [f"The value must be one of: {', '.join(sorted(SALES_TAX))}."]
    project = body.get("project")
    if project is not None and state.get("projects", str((project or {}).get("id"))) is None:
        found["project"] = {"id": ["Project not found."]}
    variant_of = body.get("variantOf")
    if variant_of and state.get("products", str(variant_of.get("id"))) is None:
        found["variantOf"] = {"id": ["Product not found."]}
    raise_if(found)


def product_create(app, request, body):
    state = app.state
    with state.lock:
        _check_product_body(
            state, body, allowed=PRODUCT_CREATE_FIELDS, required=("name", "project")
        )
        if body.get("number") and state.product_by_number(body["number"]):
            return r.conflict("A product with this number exists already.")
        product = state.add_product(body)
        app.changed()
        return r.created(app.url(f"/api/v2/products/{product['id']}"))


def product_patch(app, request, body, id):
    state = app.state
    with state.lock:
        product = state.require("products", id, "Product")
        _check_product_body(state, body, allowed=PRODUCT_PATCH_FIELDS, required=())
        new_number = body.get("number")
        if new_number and new_number != product["number"]:
            if state.product_by_number(new_number):
                return r.conflict("A product with this number exists already.")
            state.by_number.pop(product["number"], None)
            state.by_number[new_number] = product["id"]
        options = body.pop("options", None)
        product.update(body)
        for option in options or []:
            state.add_option(product["id"], option.get("name", ""), option.get("values") or [])
        state.touch(product["id"])
        app.changed()
        return r.no_content()


ROUTES = [
    ("/api/v2/products", "GET", products_list),
    ("/api/v2/products", "POST", product_create),
    ("/api/v2/products/<id>", "GET", product_view),
    ("/api/v2/products/<id>", "PATCH", product_patch),
]
