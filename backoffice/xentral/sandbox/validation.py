"""Request-body checks that answer like Xentral: violations mirror the payload."""

from backoffice.xentral.sandbox.responses import ValidationFailed

UNEXPECTED = "This field was not expected."


def required_message(field: str) -> str:
    return f"Field '{field}' is required."


def check_object(body, *, allowed: set[str] | None, required: tuple[str, ...] = ()) -> dict:
    """Violations for one object: missing required fields, and unknown ones when `allowed`
    is given (the spec's `additionalProperties: false`)."""
    if not isinstance(body, dict):
        raise ValidationFailed(messages=["The request body must be a JSON object."])
    found: dict = {}
    for field in required:
        if body.get(field) in (None, "", [], {}):
            found[field] = [required_message(field)]
    if allowed is not None:
        for field in body:
            if field not in allowed:
                found[field] = [UNEXPECTED]
    return found


def check_reference(body: dict, field: str, exists, found: dict, *, required: bool = True):
    """`{"id": "17"}` references: present, an id, and pointing at something that exists."""
    ref = body.get(field)
    if ref is None:
        if required:
            found[field] = [required_message(field)]
        return None
    if not isinstance(ref, dict) or not str(ref.get("id", "")).isdigit():
        found[field] = {"id": ["This value should be a numeric id."]}
        return None
    if not exists(str(ref["id"])):
        found[field] = {"id": [f"No {field} with id {ref['id']} exists."]}
        return None
    return str(ref["id"])


def raise_if(found: dict) -> None:
    if found:
        raise ValidationFailed(found=found)
