"""Xentral's list parameters: `filter[i][key|op|value]`, `page[number|size]`, `order[i][...]`."""

import re
from datetime import datetime

from backoffice.xentral.sandbox.responses import ValidationFailed

FILTER_PARAM = re.compile(r"^filter\[(\d+)\]\[(key|op|value)\](\[\])?$")
ORDER_PARAM = re.compile(r"^order\[(\d+)\]\[(field|dir)\]$")
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
LIST_OPS = {"in", "notIn"}


def parse_filters(args, allowed: dict[str, set[str]]) -> list[tuple[str, str, object]]:
    """The request's filters; a key or operator the endpoint does not allow is a 400."""
    found: dict[int, dict] = {}
    for name in args:
        match = FILTER_PARAM.match(name)
        if not match:
            continue
        index, part, is_list = int(match[1]), match[2], bool(match[3])
        entry = found.setdefault(index, {})
        entry[part] = args.getlist(name) if is_list else args.get(name)
    filters = []
    for index in sorted(found):
        entry = found[index]
        key, op = entry.get("key"), entry.get("op", "equals")
        if key not in allowed:
            raise ValidationFailed(messages=[f"Filter key '{key}' is not allowed."])
        if op not in allowed[key]:
            raise ValidationFailed(messages=[f"Operator '{op}' is not allowed for '{key}'."])
        value = entry.get("value")
        # The documents type the value per operator: an array (`filter[i][value][]`) for
        # `in`/`notIn`, one string for the others; Xentral takes no other form.
        if op in LIST_OPS and not isinstance(value, list):
            raise ValidationFailed(
                messages=[f"Operator '{op}' takes an array: filter[{index}][value][]."]
            )
        if op not in LIST_OPS and isinstance(value, list):
            raise ValidationFailed(messages=[f"Operator '{op}' takes one value, not an array."])
        filters.append((key, op, value))
    return filters


def matches(value, op: str, expected) -> bool:
    if op in LIST_OPS:
        inside = _text(value) in {_text(v) for v in expected}
        return inside if op == "in" else not inside
    if op == "equals":
        return _text(value) == _text(expected)
    if op == "notEquals":
        return _text(value) != _text(expected)
    if op == "contains":
        return _text(expected).lower() in _text(value).lower()
    if op == "startsWith":
        return _text(value).lower().startswith(_text(expected).lower())
    left, right = _comparable(value), _comparable(expected)
    if left is None or right is None:
        return False
    return {
        "greaterThan": left > right,
        "lessThan": left < right,
        "greaterThanOrEquals": left >= right,
        "lessThanOrEquals": left <= right,
    }[op]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _comparable(value):
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp()


def apply_filters(items: list[dict], filters, fields: dict) -> list[dict]:
    """`fields` maps a filter key to a function reading it from an item."""
    for key, op, expected in filters:
        read = fields[key]
        items = [item for item in items if matches(read(item), op, expected)]
    return items


def apply_order(items: list[dict], args) -> list[dict]:
    orders: dict[int, dict] = {}
    for name in args:
        match = ORDER_PARAM.match(name)
        if match:
            orders.setdefault(int(match[1]), {})[match[2]] = args.get(name)
    for index in sorted(orders, reverse=True):
        field = orders[index].get("field", "id")
        reverse = orders[index].get("dir", "asc").lower() == "desc"
        items = sorted(items, key=lambda item, f=field: _sort_key(item.get(f)), reverse=reverse)
    return items


def _sort_key(value):
    comparable = _comparable(value)
    return (0, comparable, "") if comparable is not None else (1, 0, _text(value))


def page_params(args) -> tuple[int, int]:
    try:
        number = int(args.get("page[number]", 1))
        size = int(args.get("page[size]", DEFAULT_PAGE_SIZE))
    except ValueError:
        raise ValidationFailed(messages=["Page number and size must be integers."]) from None
    if size > MAX_PAGE_SIZE or size < 1:
        raise ValidationFailed(
            found={"page": {"size": [f"This value should be between 1 and {MAX_PAGE_SIZE}."]}}
        )
    if number < 1:
        raise ValidationFailed(found={"page": {"number": ["This value should be 1 or more."]}})
    return number, size


def paged(items: list[dict], args, *, total: bool = True) -> dict:
    number, size = page_params(args)
    start = (number - 1) * size
    extra: dict = {"page": {"number": number, "size": size}}
    if total:
        extra["totalCount"] = len(items)
    return {"data": items[start : start + size], "extra": extra}


def paged_v3(items: list[dict], args, *, max_per_page: int = 100) -> dict:
    try:
        page = max(1, int(args.get("page", 1)))
        per_page = int(args.get("perPage", 15))
    except ValueError:
        raise ValidationFailed(messages=["page and perPage must be integers."]) from None
    if per_page < 1 or per_page > max_per_page:
        raise ValidationFailed(messages=[f"perPage must be between 1 and {max_per_page}."])
    start = (page - 1) * per_page
    last_page = max(1, -(-len(items) // per_page))
    return {
        "data": items[start : start + per_page],
        "meta": {
            "currentPage": page,
            "perPage": per_page,
            "total": len(items),
            "lastPage": last_page,
        },
        "links": {"next": f"?page={page + 1}" if page < last_page else None},
    }
