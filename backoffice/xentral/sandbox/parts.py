"""Sandbox endpoints for a product's bill of materials: parts are created with `part {id}`
and listed with `product {id, name, number}` and `amount` as a string, pages without a total."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import number
from backoffice.xentral.sandbox.validation import check_object, raise_if

PART_TYPES = {"shopping part", "information part / service", "provision"}


def parts_list(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        items = [_part_answer(state, part) for part in state.children("parts", id)]
        return r.json_response(paged(items, request.args, total=False))


def _part_answer(state, part: dict) -> dict:
    component = state.get("products", part["part"]["id"]) or {}
    answer = {
        "id": part["id"],
        "amount": f"{float(part['amount']):.4f}",
        "product": {
            "id": part["part"]["id"],
            "name": component.get("name", ""),
            "number": component.get("number", ""),
        },
        "type": part.get("type", "shopping part"),
    }
    if part.get("reference"):
        answer["reference"] = part["reference"]
    return answer


def parts_create(app, request, body, id):
    state = app.state
    with state.lock:
        product = state.require("products", id, "Product")
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
            amount = part.get("amount")
            if "amount" not in problems and not _positive_number(amount):
                problems["amount"] = ["This value should be a number of at least 0.0001."]
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
                    "reference": part.get("reference", ""),
                },
            )
        product["hasBillOfMaterials"] = True
        state.touch(product["id"])
        app.changed()
        return r.created()


def _positive_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0.0001


ROUTES = [
    ("/api/v1/products/<id>/parts", "GET", parts_list),
    ("/api/v2/products/<id>/parts", "POST", parts_create),
]
