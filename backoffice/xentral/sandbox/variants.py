"""Sandbox endpoints for matrix products: options, option values and creating variants."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.validation import check_object, raise_if

CREATE_VARIANTS_FIELDS = {
    "mode", "variants", "prefixSeparator", "prefixDigits", "prefixNextNumber",
    "appendOptionsToDescription", "createAdditionalDescription",
}  # fmt: skip


def options_list(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        options = [
            {"id": o["id"], "name": o["name"], "values": o["values"]}
            for o in state.items("options")
            if o["productId"] == str(id)
        ]
        return r.json_response(paged(options, request.args))


def option_create(app, request, body, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
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
    with state.lock:
        parent = state.require("products", id, "Product")
        found = check_object(body, allowed=CREATE_VARIANTS_FIELDS, required=("mode", "variants"))
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


ROUTES = [
    ("/api/v1/products/<id>/options", "GET", options_list),
    ("/api/v1/products/<id>/options", "POST", option_create),
    ("/api/v1/products/<product_id>/options/<option_id>/values", "POST", option_value_create),
    ("/api/v1/products/<id>/actions/createVariants", "POST", create_variants),
]
