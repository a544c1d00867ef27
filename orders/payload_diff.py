"""What a staff edit changed in an order's payload, field by field (`items[0].sku: A -> B`)."""

import re
from decimal import Decimal
from typing import Any

# Quantities and prices are stored as fixed-point strings ("2.0000"); shown as people write them.
FIXED_POINT = re.compile(r"^-?\d+\.\d+$")

MISSING = "(none)"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """`{"customer": {"name": "A"}, "items": [{"sku": "X"}]}` ->
    `{"customer.name": "A", "items[0].sku": "X"}`; empty values count as absent."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        flat = {}
        for index, inner in enumerate(value):
            flat.update(_flatten(inner, f"{prefix}[{index}]"))
        return flat
    if value in (None, "", [], {}):
        return {}
    return {prefix: value}


def payload_diff(before: dict, after: dict) -> list[tuple[str, str, str]]:
    """`(field, before, after)` for every field whose value differs, in the payload's order."""
    old, new = _flatten(before or {}), _flatten(after or {})
    fields = list(old) + [f for f in new if f not in old]
    return [
        (field, _text(old.get(field)), _text(new.get(field)))
        for field in fields
        if _text(old.get(field)) != _text(new.get(field))
    ]


def _text(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and FIXED_POINT.match(value):
        return format(Decimal(value).normalize(), "f")
    return str(value)
