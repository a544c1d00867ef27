"""Request-body checks that answer like Xentral: violations mirror the payload."""

from datetime import date

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


# --- nested shapes ------------------------------------------------------------------------------
# A small description of a documented request body, checked the way Xentral answers: the
# violations mirror the payload. Scalars are type names; a trailing "?" allows null.
class Obj:
    def __init__(
        self,
        fields: dict,
        *,
        required: tuple[str, ...] = (),
        closed: bool = True,
        nullable: bool = False,
    ):
        self.fields, self.required, self.closed = fields, required, closed
        self.nullable = nullable


class Arr:
    def __init__(self, item, *, min_items: int = 0, nullable: bool = False):
        self.item, self.min_items, self.nullable = item, min_items, nullable


class Enum:
    def __init__(self, *values, nullable: bool = False):
        self.values, self.nullable = values, nullable


def _scalar_ok(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and _is_date(value)
    raise ValueError(f"unknown shape {kind}")


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def shape_problems(value, shape):
    """None when `value` fits `shape`; else messages (a list) or a dict mirroring the value."""
    if isinstance(shape, str):
        nullable, kind = shape.endswith("?"), shape.rstrip("?")
        if value is None:
            return None if nullable else ["This value should not be null."]
        return None if _scalar_ok(value, kind) else [f"This value should be of type {kind}."]
    if isinstance(shape, Enum):
        if value is None and shape.nullable:
            return None
        if value in shape.values:
            return None
        return [f"The value must be one of: {', '.join(str(v) for v in shape.values)}."]
    if value is None and getattr(shape, "nullable", False):
        return None
    if isinstance(shape, Arr):
        if not isinstance(value, list):
            return ["This value should be of type array."]
        if len(value) < shape.min_items:
            return [f"This collection should contain {shape.min_items} element or more."]
        found = {
            str(i): p for i, item in enumerate(value) if (p := shape_problems(item, shape.item))
        }
        return found or None
    if not isinstance(value, dict):
        return ["This value should be of type object."]
    found = {}
    for field in shape.required:
        if value.get(field) is None:
            found[field] = [required_message(field)]
    for field, item in value.items():
        if field not in shape.fields:
            if shape.closed:
                found[field] = [UNEXPECTED]
            continue
        problems = shape_problems(item, shape.fields[field])
        if problems and field not in found:
            found[field] = problems
    return found or None
