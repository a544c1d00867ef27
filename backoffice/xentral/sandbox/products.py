"""Sandbox endpoints for V2 products: list with filters, view, create (with inline options
and variants), update one or many. Answers carry only the documented fields."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, apply_order, paged, parse_filters
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.validation import check_object, raise_if
from backoffice.xentral.sandbox.variants import add_variant

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
PRODUCT_BULK_FIELDS = (PRODUCT_CREATE_FIELDS - {"variants", "options"}) | {"id"}
FLAGS = ("isStockItem", "isDisabled", "isMatrixProduct", "hasBillOfMaterials",
         "isAssembledJustInTime")  # fmt: skip
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
        page = paged(items, request.args)
        page["data"] = [product_answer(state, item) for item in page["data"]]
        return r.json_response(page)


def product_view(app, request, id):
    state = app.state
    with state.lock:
        return r.data(product_answer(state, state.require("products", id, "Product")))


def product_answer(state, product: dict) -> dict:
    """A product as the list and the view show it: documented fields only."""
    project = state.get("projects", product["project"]["id"]) or {}
    answer = {
        "id": product["id"],
        "project": {"id": product["project"]["id"], "name": project.get("name", "")},
        "name": product["name"],
        "number": product["number"],
        "description": product.get("description") or "",
        "ean": product.get("ean") or "",
        "stockCount": product.get("stockCount", 0),
        "salesTax": product.get("salesTax", "standard"),
        **{flag: bool(product.get(flag)) for flag in FLAGS},
        "categories": [{"id": str(c["id"])} for c in product.get("categories") or []],
        "standardSupplier": _reference(product.get("standardSupplier")),
        "isVariant": bool(product.get("variantOf")),
        "variantOf": _reference(product.get("variantOf")),
        "updatedAt": product["updatedAt"],
    }
    if product.get("unit"):
        answer["unit"] = {"name": str(product["unit"])}
    if product.get("measurements"):
        answer["measurements"] = product["measurements"]
    if product.get("isMatrixProduct"):
        answer["options"] = [
            {"id": o["id"], "name": o["name"], "values": [dict(v) for v in o["values"]]}
            for o in state.items("options")
            if o["productId"] == product["id"]
        ]
        answer["variants"] = [
            {"id": p["id"], "options": [{"id": v["id"]} for v in p.get("selectedOptions") or []]}
            for p in state.items("products")
            if (p.get("variantOf") or {}).get("id") == product["id"]
        ]
    if product.get("variantOf"):
        answer["selectedOptions"] = _selected_options(state, product)
    return answer


def _reference(value) -> dict | None:
    return {"id": str(value["id"])} if isinstance(value, dict) and value.get("id") else None


def _selected_options(state, variant: dict) -> list[dict]:
    """Each option of the parent with the value this variant has selected."""
    values = state.option_values(variant["variantOf"]["id"])
    selected = []
    for ref in variant.get("selectedOptions") or []:
        if ref["id"] in values:
            option, value = values[ref["id"]]
            selected.append({"id": option["id"], "name": option["name"], "values": [dict(value)]})
    return selected


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
        selections = _inline_selections(body)
        product = state.add_product(body)
        for name, value_names in selections:
            _add_inline_variant(state, product, name, value_names)
        app.changed()
        return r.created(app.url(f"/api/v2/products/{product['id']}"))


def _inline_selections(body: dict) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The inline variants as (name, [(option name, value name)]), checked against the inline
    options; a variant gets no number or EAN here, Xentral assigns the number."""
    variants = body.get("variants") or []
    if variants and not body.get("isMatrixProduct"):
        raise ValidationFailed(found={"variants": ["Variants need 'isMatrixProduct': true."]})
    known = {
        (option.get("name"), value.get("name"))
        for option in body.get("options") or []
        for value in option.get("values") or []
    }
    selections, found = [], {}
    for index, variant in enumerate(variants):
        chosen = [
            ((choice.get("option") or {}).get("name"), choice.get("name"))
            for choice in variant.get("options") or []
        ]
        if not chosen or any(pair not in known for pair in chosen):
            found[str(index)] = {"options": ["Each option must name a value of 'options'."]}
        selections.append((variant.get("name"), chosen))
    raise_if({"variants": found} if found else {})
    return selections


def _add_inline_variant(state, parent: dict, name: str | None, chosen: list) -> None:
    values = state.option_values(parent["id"])
    refs = [
        next(ref for ref, (o, v) in values.items() if (o["name"], v["name"]) == pair)
        for pair in chosen
    ]
    variant = add_variant(state, parent, refs, None)
    if name:
        variant["name"] = name


def product_patch(app, request, body, id):
    state = app.state
    with state.lock:
        product = state.require("products", id, "Product")
        _check_product_body(state, body, allowed=PRODUCT_PATCH_FIELDS, required=())
        if _number_taken(state, product, body.get("number")):
            return r.conflict("A product with this number exists already.")
        _apply_patch(state, product, body)
        app.changed()
        return r.no_content()


def products_bulk_patch(app, request, body):
    """`PATCH /api/v2/products`: an array of changes, each naming its product by `id`."""
    state = app.state
    with state.lock:
        if not isinstance(body, list) or not body:
            raise ValidationFailed(messages=["The request body must be a non-empty array."])
        found, numbers = {}, set()
        for index, change in enumerate(body):
            problems = check_object(change, allowed=PRODUCT_BULK_FIELDS, required=("id",))
            if not problems and state.get("products", str(change["id"])) is None:
                problems["id"] = ["Product not found."]
            if problems:
                found[str(index)] = problems
        raise_if(found)
        for change in body:
            product = state.get("products", str(change["id"]))
            _check_product_body(state, change, allowed=PRODUCT_BULK_FIELDS, required=())
            number = change.get("number")
            if _number_taken(state, product, number) or (number and number in numbers):
                return r.conflict("A product with this number exists already.")
            numbers.add(number)
        for change in body:
            fields = {k: v for k, v in change.items() if k != "id"}
            _apply_patch(state, state.get("products", str(change["id"])), fields)
        app.changed()
        return r.no_content()


def _number_taken(state, product: dict, number: str | None) -> bool:
    if not number or number == product["number"]:
        return False
    return state.product_by_number(number) is not None


def _apply_patch(state, product: dict, body: dict) -> None:
    body = dict(body)
    if body.get("number") and body["number"] != product["number"]:
        state.by_number.pop(product["number"], None)
        state.by_number[body["number"]] = product["id"]
    options = body.pop("options", None)
    selected = body.pop("selectedOptions", None)
    product.update(body)
    for option in options or []:
        existing = state.get("options", str(option.get("id"))) if option.get("id") else None
        if existing is None:
            state.add_option(product["id"], option.get("name", ""), option.get("values") or [])
            continue
        for value in option.get("values") or []:
            if not value.get("id"):
                state.add_option_value(existing, value)
    if selected is not None:
        product["selectedOptions"] = [
            {"id": str(value["id"])} for option in selected for value in option.get("values") or []
        ]
    state.touch(product["id"])


ROUTES = [
    ("/api/v2/products", "GET", products_list),
    ("/api/v2/products", "POST", product_create),
    ("/api/v2/products/<id>", "GET", product_view),
    ("/api/v2/products", "PATCH", products_bulk_patch),
    ("/api/v2/products/<id>", "PATCH", product_patch),
]
