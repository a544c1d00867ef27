"""Sandbox endpoints for matrix products: options, option values and creating variants.

The options list carries no values; values are read per option and created as an array,
answered 204 without Location. createVariants answers an empty 201 and numbers the variants
by the mode it is given (docs/xentral-fidelity.md).
"""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import flag
from backoffice.xentral.sandbox.validation import check_object, raise_if

CREATE_VARIANTS_FIELDS = {
    "mode", "variants", "prefixSeparator", "prefixDigits", "prefixNextNumber",
    "appendOptionsToDescription", "createAdditionalDescription",
}  # fmt: skip
MODES = ("1", "2", "3", "4")


def _option(state, product_id, option_id) -> dict:
    option = state.get("options", option_id)
    if option is None or option["productId"] != str(product_id):
        raise LookupError("Option")
    return option


def options_list(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        options = [
            {"id": o["id"], "name": o["name"], "sort": o["sort"], "createdAt": o["createdAt"]}
            for o in state.items("options")
            if o["productId"] == str(id)
        ]
        return r.json_response(paged(options, request.args))


def option_create(app, request, body, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        found = check_object(body, allowed={"name", "sort"}, required=("name",))
        if not isinstance(body.get("sort", 0), int | float):
            found["sort"] = ["This value should be of type number."]
        raise_if(found)
        option = state.add_option(str(id), body["name"], [], sort=int(body.get("sort", 0)))
        app.changed()
        return r.created(app.url(f"/api/v1/products/{id}/options/{option['id']}"))


def option_values_list(app, request, product_id, option_id):
    state = app.state
    with state.lock:
        option = _option(state, product_id, option_id)
        return r.json_response({"data": [dict(value) for value in option["values"]]})


def option_values_create(app, request, body, product_id, option_id):
    state = app.state
    with state.lock:
        option = _option(state, product_id, option_id)
        if not isinstance(body, list) or not body:
            raise ValidationFailed(messages=["The request body must be a non-empty array."])
        found = {}
        for index, value in enumerate(body):
            problems = check_object(value, allowed={"name", "sort"}, required=("name",))
            if not isinstance(value.get("sort", 1), int | float):
                problems["sort"] = ["This value should be of type number."]
            if problems:
                found[str(index)] = problems
        raise_if(found)
        for value in body:
            state.add_option_value(option, {"name": value["name"], "sort": value.get("sort", 1)})
        state.touch(str(product_id))
        app.changed()
        return r.no_content()


def create_variants(app, request, body, id):
    state = app.state
    with state.lock:
        parent = state.require("products", id, "Product")
        found = check_object(body, allowed=CREATE_VARIANTS_FIELDS, required=("mode", "variants"))
        if body.get("mode") not in (None, *MODES):
            found["mode"] = ["The value must be one of: 1, 2, 3, 4."]
        if not parent.get("isMatrixProduct"):
            found["id"] = ["The product is not a matrix product."]
        raise_if(found)
        values = state.option_values(parent["id"])
        selections = []
        for index, variant in enumerate(body["variants"]):
            refs = [str((ref or {}).get("id")) for ref in variant.get("options") or []]
            unknown = [ref for ref in refs if ref not in values]
            if not refs or unknown:
                message = "Unknown option value(s) for this product: " + (
                    ", ".join(unknown) or "(none)"
                )
                raise ValidationFailed(found={"variants": {str(index): {"options": [message]}}})
            selections.append(refs)
        existing = {
            tuple(v["id"] for v in p.get("selectedOptions") or []) for p in _variants(state, parent)
        }
        numbering = Numbering(state, parent, body)
        planned = [
            (refs, numbering.next([values[ref][1]["name"] for ref in refs]))
            for refs in selections
            if tuple(refs) not in existing
        ]
        describe = flag(body.get("appendOptionsToDescription"))
        for refs, number in planned:
            add_variant(state, parent, refs, number, describe=describe)
        state.touch(parent["id"])
        app.changed()
        return r.created()


def _variants(state, parent) -> list[dict]:
    return [
        p for p in state.items("products") if (p.get("variantOf") or {}).get("id") == parent["id"]
    ]


def add_variant(
    state, parent: dict, value_ids: list[str], number: str | None, *, describe: bool = False
) -> dict:
    """A variant of `parent` with the given option values selected."""
    values = state.option_values(parent["id"])
    suffix = " ".join(values[ref][1]["name"] for ref in value_ids)
    description = parent.get("description", "")
    return state.add_product(
        {
            "number": number,
            "name": f"{parent['name']} {suffix}",
            "description": f"{description} {suffix}".strip() if describe else description,
            "project": parent.get("project"),
            "salesTax": parent.get("salesTax", "standard"),
            "isStockItem": parent.get("isStockItem", True),
            "variantOf": {"id": parent["id"]},
            "selectedOptions": [{"id": ref} for ref in value_ids],
        }
    )


class Numbering:
    """The variant numbers of createVariants' modes: "1" the number range (100042), "2" the
    option values appended to the parent's number (TSHIRT-S-Red), "3" a running appendix
    without separator (TSHIRT001), "4" a suffix from `prefixSeparator`, `prefixDigits` and
    `prefixNextNumber` (TSHIRT-001)."""

    def __init__(self, state, parent: dict, body: dict):
        self.state, self.parent, self.mode = state, parent, body["mode"]
        self.separator = str(body.get("prefixSeparator", "-"))
        self.digits = int(body.get("prefixDigits", 3))
        self.counter = int(body.get("prefixNextNumber", 1))
        if self.mode == "3":
            self.separator = ""
            self.counter = len(_variants(state, parent)) + 1

    def next(self, value_names: list[str]) -> str | None:
        if self.mode == "1":
            return None  # add_product draws from the number range
        if self.mode == "2":
            number = "-".join([self.parent["number"], *value_names])
            if self.state.product_by_number(number) is not None:
                raise ValidationFailed(messages=[f"A product with the number {number} exists."])
            return number
        while True:
            number = f"{self.parent['number']}{self.separator}{self.counter:0{self.digits}d}"
            self.counter += 1
            if self.state.product_by_number(number) is None:
                return number


ROUTES = [
    ("/api/v1/products/<id>/options", "GET", options_list),
    ("/api/v1/products/<id>/options", "POST", option_create),
    ("/api/v1/products/<product_id>/options/<option_id>/values", "GET", option_values_list),
    ("/api/v1/products/<product_id>/options/<option_id>/values", "POST", option_values_create),
    ("/api/v1/products/<id>/actions/createVariants", "POST", create_variants),
]
