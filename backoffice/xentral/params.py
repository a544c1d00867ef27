"""Xentral's query conventions and answers: `filter[i][...]`, `order[i][...]`, page size, and
the id in a `Location` header."""

from typing import Any
from urllib.parse import urlsplit

MAX_PAGE_SIZE = 50
LIST_OPERATORS = frozenset({"in", "notIn"})


def filter_params(*conditions: tuple[str, str, Any], start: int = 0) -> dict[str, Any]:
    """`("number", "in", ["A", "B"]), ("updatedAt", "greaterThan", "...")` as Xentral's
    `filter[i][key|op|value]` query parameters (list values as `filter[i][value][]`)."""
    params: dict[str, Any] = {}
    for index, (key, op, value) in enumerate(conditions, start=start):
        params[f"filter[{index}][key]"] = key
        params[f"filter[{index}][op]"] = op
        if op in LIST_OPERATORS or isinstance(value, list | tuple | set):
            params[f"filter[{index}][value][]"] = [str(v) for v in value]
        else:
            params[f"filter[{index}][value]"] = _plain(value)
    return params


def order_params(*fields: tuple[str, str], start: int = 0) -> dict[str, str]:
    """`("updatedAt", "asc")` as `order[i][field]`, `order[i][dir]`."""
    params = {}
    for index, (field, direction) in enumerate(fields, start=start):
        params[f"order[{index}][field]"] = field
        params[f"order[{index}][dir]"] = direction
    return params


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def id_from_location(location: str) -> str:
    """The new resource's id: the last segment of `Location` (absolute or relative)."""
    path = urlsplit(location).path.rstrip("/")
    return path.rsplit("/", 1)[-1]
