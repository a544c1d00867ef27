"""Sandbox endpoints for products: V2 products, options and variants, parts, external
references, stock, reservations and storage locations of a product."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, apply_order, paged, parse_filters
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import number
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
PART_TYPES = {"shopping part", "information part / service", "provision"}


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


def _product_or_404(state, product_id):
    product = state.get("products", product_id)
    if product is None:
        raise LookupError("Product")
    return product


def products_list(app, request):
    state = app.state
    filters = parse_filters(request.args, PRODUCT_FILTERS)
    with state.lock:
        items = apply_filters(state.items("products"), filters, _product_fields(state))
        items = apply_order(items, request.args)
        return r.json_response(paged(items, request.args))


def product_view(app, request, id):
    with app.state.lock:
        return r.data(_product_or_404(app.state, id))


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
        product = _product_or_404(state, id)
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


# --- options and variants ---------------------------------------------------------------------
def options_list(app, request, id):
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        options = [
            {"id": o["id"], "name": o["name"], "values": o["values"]}
            for o in state.items("options")
            if o["productId"] == str(id)
        ]
        return r.json_response(paged(options, request.args))


def option_create(app, request, body, id):
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        raise_if(check_object(body, allowed={"name", "values"}, required=("name",)))
        option = state.add_option(str(id), body["name"], body.get("values") or [])
        app.changed()
        return r.created(app.url(f"/api/v1/products/{id}/options/{option['id']}"))


def option_value_create(app, request, body, product_id, option_id):
    state = app.state
    with state.lock:
        option = state.get("options", option_id)
        if option is None or option["productId"] != str(product_id):
            raise LookupError("Option")
        raise_if(check_object(body, allowed={"name"}, required=("name",)))
        value = {"id": state.next_id("optionValues"), "name": body["name"]}
        option["values"].append(value)
        app.changed()
        return r.created(
            app.url(f"/api/v1/products/{product_id}/options/{option_id}/values/{value['id']}")
        )


def create_variants(app, request, body, id):
    state = app.state
    allowed = {"mode", "variants", "prefixSeparator", "prefixDigits", "prefixNextNumber",
               "appendOptionsToDescription", "createAdditionalDescription"}  # fmt: skip
    with state.lock:
        parent = _product_or_404(state, id)
        found = check_object(body, allowed=allowed, required=("mode", "variants"))
        if body.get("mode") not in (None, "1", "2", "3", "4"):
            found["mode"] = ["The value must be one of: 1, 2, 3, 4."]
        if not parent.get("isMatrixProduct"):
            found["id"] = ["The product is not a matrix product."]
        raise_if(found)
        values = {
            value["id"]: value["name"]
            for option in state.items("options")
            if option["productId"] == parent["id"]
            for value in option["values"]
        }
        separator = body.get("prefixSeparator", "-")
        planned = []
        for index, variant in enumerate(body["variants"]):
            refs = [str((ref or {}).get("id")) for ref in variant.get("options") or []]
            unknown = [ref for ref in refs if ref not in values]
            if not refs or unknown:
                raise ValidationFailed(
                    found={
                        "variants": {
                            str(index): {
                                "options": [
                                    "Unknown option value(s) for this product: "
                                    + (", ".join(unknown) or "(none)")
                                ]
                            }
                        }
                    }
                )
            suffix = separator.join(values[ref] for ref in refs)
            planned.append((f"{parent['number']}{separator}{suffix}", refs, suffix))
        created = []
        for variant_number, refs, suffix in planned:
            existing = state.product_by_number(variant_number)
            if existing:
                created.append({"id": existing["id"], "number": existing["number"]})
                continue
            variant = state.add_product(
                {
                    "number": variant_number,
                    "name": f"{parent['name']} {suffix}",
                    "project": parent.get("project"),
                    "salesTax": parent.get("salesTax", "standard"),
                    "isStockItem": parent.get("isStockItem", True),
                    "variantOf": {"id": parent["id"]},
                    "selectedOptions": [{"id": ref} for ref in refs],
                }
            )
            created.append({"id": variant["id"], "number": variant["number"]})
        state.touch(parent["id"])
        app.changed()
        return r.json_response({"data": created}, status=201)


# --- bill of materials --------------------------------------------------------------------------
def _children_list(collection: str):
    """A list endpoint of a product's own items (parts, external references)."""

    def handler(app, request, id):
        state = app.state
        with state.lock:
            _product_or_404(state, id)
            items = [
                {k: v for k, v in item.items() if k != "productId"}
                for item in state.items(collection)
                if item["productId"] == str(id)
            ]
            return r.json_response(paged(items, request.args))

    handler.__name__ = f"{collection}_list"
    return handler


parts_list = _children_list("parts")


def parts_create(app, request, body, id):
    state = app.state
    with state.lock:
        product = _product_or_404(state, id)
        if not isinstance(body, list) or not body:
            raise ValidationFailed(
                messages=["The request body must be a non-empty array of parts."]
            )
        found = {}
        for index, part in enumerate(body):
            problems = check_object(part, allowed={"part", "amount", "type", "reference"},
                                    required=("part", "amount"))  # fmt: skip
            part_id = str((part.get("part") or {}).get("id", ""))
            if "part" not in problems and state.get("products", part_id) is None:
                problems["part"] = {"id": ["Product not found."]}
            if part_id == str(id):
                problems["part"] = {"id": ["A product cannot be a part of itself."]}
            if part.get("type") not in (None, *PART_TYPES):
                problems["type"] = [f"The value must be one of: {', '.join(sorted(PART_TYPES))}."]
            if problems:
                found[str(index)] = problems
        raise_if(found)
        for part in body:
            state.add(
                "parts",
                {
                    "productId": str(id),
                    "part": {"id": str(part["part"]["id"])},
                    "amount": number(part["amount"]),
                    "type": part.get("type", "shopping part"),
                },
            )
        product["hasBillOfMaterials"] = True
        state.touch(product["id"])
        app.changed()
        return r.Response(b"", status=201)


# --- external references -------------------------------------------------------------------
external_references_list = _children_list("externalReferences")


def external_reference_create(app, request, body, id):
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        allowed = {"name", "number", "isActive", "isScannable", "target"}
        found = check_object(body, allowed=allowed, required=("number",))
        target_id = str((body.get("target") or {}).get("id", ""))
        if (
            body.get("target") is not None
            and state.get("externalReferenceTargets", target_id) is None
        ):
            found["target"] = {"id": ["External reference target not found."]}
        raise_if(found)
        ref = state.add(
            "externalReferences",
            {
                "productId": str(id),
                "name": body.get("name", ""),
                "number": body["number"],
                "isActive": body.get("isActive", True) not in (False, 0, "false", "False"),
                "isScannable": body.get("isScannable", False) in (True, 1, "true", "True"),
                "target": {"id": target_id} if target_id else None,
            },
        )
        state.touch(str(id))
        app.changed()
        return r.created(app.url(f"/api/v1/products/{id}/externalReferences/{ref['id']}"))


def external_references_patch(app, request, body, id):
    """Xentral updates a product's references in bulk: `[{"id", "isActive", ...}]`."""
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        if not isinstance(body, list) or not body:
            raise ValidationFailed(messages=["The request body must be a non-empty array."])
        allowed = {"id", "name", "number", "isActive", "isScannable"}
        found = {}
        for index, change in enumerate(body):
            problems = check_object(change, allowed=allowed, required=("id",))
            ref = state.get("externalReferences", str(change.get("id")))
            if not problems and (ref is None or ref["productId"] != str(id)):
                problems["id"] = ["External reference not found for this product."]
            if problems:
                found[str(index)] = problems
        raise_if(found)
        for change in body:
            ref = state.get("externalReferences", str(change["id"]))
            ref.update({k: v for k, v in change.items() if k != "id"})
        state.touch(str(id))
        app.changed()
        return r.no_content()


def external_reference_targets(app, request):
    with app.state.lock:
        return r.json_response(paged(app.state.items("externalReferenceTargets"), request.args))


# --- stock ---------------------------------------------------------------------------------------
def product_stocks(app, request, id):
    state = app.state
    with state.lock:
        product = _product_or_404(state, id)
        physical = state.physical(product["id"])
        reserved = state.reserved(product["id"])
        channels = product.get("salesChannels") or []
        corrections = [c.get("correction") for c in channels if c.get("correction") is not None]
        pseudos = [c.get("pseudo") for c in channels if c.get("pseudo") is not None]
        totals = {
            "physical": number(physical),
            "reserved": number(reserved),
            "sellable": number(physical - reserved),
            "calculated": number(physical - reserved),
            "openSalesOrders": number(state.open_orders.get(product["id"], 0)),
            "pseudo": number(sum(pseudos)) if pseudos else None,
            "correction": number(sum(corrections)) if corrections else None,
            "producible": state.producible(product["id"]),
        }
        warehouses = [
            {"id": warehouse_id, "physical": number(state.physical(product["id"], warehouse_id))}
            for warehouse_id in sorted(state.stock.get(product["id"], {}), key=int)
        ]
        return r.data(
            {
                "id": product["id"],
                "totals": totals,
                "warehouses": warehouses,
                "salesChannels": [
                    {
                        "id": str(c["id"]),
                        "pseudo": c.get("pseudo"),
                        "correction": c.get("correction"),
                    }
                    for c in channels
                ],
            }
        )


def product_reservations(app, request, id):
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        items = [
            {k: v for k, v in res.items() if k != "productId"}
            for res in state.items("reservations")
            if res["productId"] == str(id)
        ]
        return r.json_response(paged(items, request.args, total=False))


def product_storage_locations(app, request, id):
    state = app.state
    with state.lock:
        _product_or_404(state, id)
        items = []
        for warehouse_id, locations in state.stock.get(str(id), {}).items():
            warehouse = state.get("warehouses", warehouse_id)
            for location_id, amount in locations.items():
                location = state.get("storageLocations", location_id)
                items.append(
                    {
                        "id": f"{id}-{location_id}",
                        "amount": number(amount),
                        "storageLocation": {
                            "id": location_id,
                            "name": location["designation"],
                            "warehouse": {"id": warehouse_id, "name": warehouse["designation"]},
                        },
                    }
                )
        return r.json_response(paged(items, request.args, total=False))
