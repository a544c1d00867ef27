"""Sandbox endpoints for a product's external references and their targets."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import flag
from backoffice.xentral.sandbox.validation import check_object, raise_if


def external_references_list(app, request, id):
    """Every reference of the product: the operation declares no paging."""
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        items = [_reference_answer(state, ref) for ref in state.children("externalReferences", id)]
        extra = {"totalCount": len(items), "page": {"number": 1, "size": len(items)}}
        return r.json_response({"data": items, "extra": extra})


def _reference_answer(state, ref: dict) -> dict:
    answer = {
        "id": ref["id"],
        # The documents require a non-empty name; one created without a name shows its number.
        "name": ref.get("name") or ref["number"],
        "number": ref["number"],
        "isActive": flag(ref.get("isActive", True)),
        "isScannable": flag(ref.get("isScannable", False)),
    }
    if ref.get("target"):
        answer["target"] = _target_answer(
            state.get("externalReferenceTargets", ref["target"]["id"]) or ref["target"]
        )
    return answer


def _target_answer(target: dict) -> dict:
    return {
        "id": target["id"],
        "name": target.get("name") or f"Target {target['id']}",
        "isActive": flag(target.get("isActive", True)),
    }


def external_reference_create(app, request, body, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
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
                "isActive": flag(body.get("isActive", True)),
                "isScannable": flag(body.get("isScannable", False)),
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
        state.require("products", id, "Product")
        if not isinstance(body, list) or not body:
            raise ValidationFailed(messages=["The request body must be a non-empty array."])
        allowed = {"id", "name", "number", "isActive", "isScannable", "target"}
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
    """Every target, without `extra`: the operation declares no paging."""
    with app.state.lock:
        items = [_target_answer(t) for t in app.state.items("externalReferenceTargets")]
    return r.json_response({"data": items})


ROUTES = [
    ("/api/v1/products/<id>/externalReferences", "GET", external_references_list),
    ("/api/v1/products/<id>/externalReferences", "POST", external_reference_create),
    ("/api/v1/products/<id>/externalReferences", "PATCH", external_references_patch),
    ("/api/v1/externalReferenceTargets", "GET", external_reference_targets),
]
