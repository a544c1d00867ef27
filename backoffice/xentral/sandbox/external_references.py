"""Sandbox endpoints for a product's external references and their targets."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.validation import check_object, raise_if


def external_references_list(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        return r.json_response(paged(state.children("externalReferences", id), request.args))


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
        state.require("products", id, "Product")
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


ROUTES = [
    ("/api/v1/products/<id>/externalReferences", "GET", external_references_list),
    ("/api/v1/products/<id>/externalReferences", "POST", external_reference_create),
    ("/api/v1/products/<id>/externalReferences", "PATCH", external_references_patch),
    ("/api/v1/externalReferenceTargets", "GET", external_reference_targets),
]
