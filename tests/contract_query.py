"""Query parameters against an operation's declarations: Xentral's deep-object parameters
(`filter[0][key]`, `filter[0][value][]`, `page[size]`, `order[0][field]`) are decoded into the
JSON the documents describe and validated with their schemas, including keys and operators
declared through `anyOf`/`oneOf`; rules the documents state only in words are added here."""

import re

SEGMENT = re.compile(r"\[([^\]]*)\]")
DEEP_NAME = re.compile(r"^(?P<base>[A-Za-z][A-Za-z0-9_.]*)(?P<rest>(\[[^\]]*\])+)$")
# The filter value's description: an array for these operators, a string for the others.
ARRAY_OPS = {"in", "notIn", "exactlyIn", "allIn", "allNotIn"}
MAX_PAGE_SIZE = 50  # "Page size should usually be an integer between 10 and 50."


def decode(query: dict) -> tuple[dict, list[str]]:
    """Query pairs -> {base name: decoded value}; names that cannot be decoded are problems.
    `filter[1][key]=a` -> {"filter": [.., {"key": "a"}]}; `[]` makes the value an array."""
    decoded: dict = {}
    problems = []
    for name, value in query.items():
        match = DEEP_NAME.match(name)
        if not match:
            decoded[name] = value
            continue
        segments = SEGMENT.findall(match["rest"])
        if "" in segments[:-1]:
            problems.append(f"query parameter {name!r} cannot be decoded")
            continue
        if segments[-1] == "":
            segments = segments[:-1]
            value = value if isinstance(value, list) else [value]
        node = decoded.setdefault(match["base"], {})
        if not isinstance(node, dict):
            problems.append(f"query parameter {name!r} clashes with {match['base']!r}")
            continue
        for segment in segments[:-1]:
            node = node.setdefault(segment, {})
        node[segments[-1]] = value
    return {name: _lists(value) for name, value in decoded.items()}, problems


def _lists(node):
    """Objects whose keys are all indices become arrays, in index order."""
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def query_problems(operation, query: dict) -> list[str]:
    decoded, problems = decode(query)
    for name, value in decoded.items():
        if name not in operation.params:
            problems.append(f"query parameter {name!r} is not declared")
            continue
        param, _ = operation.params[name]
        schema, validator = operation.param_schema(name)
        if param.get("style") != "deepObject":
            value = _coerce(value, schema)
        if name == "filter" and isinstance(value, list):
            found = _filter_problems(operation, schema, value)
        elif name == "page" and isinstance(value, dict):
            found = _page_problems(value)
        else:
            found = []
        if not found:
            found = [
                f"query {name}{_brackets(error.absolute_path)}: {error.message[:200]}"
                for error in validator.iter_errors(value)
            ]
        problems += found
    return problems


def _brackets(path) -> str:
    return "".join(f"[{part}]" for part in path)


def _coerce(value, schema: dict):
    """A plain query value as the JSON type its schema declares."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if isinstance(value, str) and "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(value, str) and "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


def _alternatives(operation, schema: dict) -> list[tuple[set | None, set | None]]:
    """(allowed keys, allowed operators) of each way the documents declare a filter entry."""
    found = []
    for option in schema.get("anyOf") or schema.get("oneOf") or [schema]:
        option = operation.document.node(option)
        items = operation.document.node(option.get("items") or option)
        if items.get("anyOf") or items.get("oneOf"):
            found += _alternatives(operation, items)
            continue
        props = items.get("properties") or {}
        keys = operation.document.node(props.get("key") or {}).get("enum")
        ops = operation.document.node(props.get("op") or {}).get("enum")
        found.append((set(keys) if keys else None, set(ops) if ops else None))
    return found


def _filter_problems(operation, schema: dict, conditions: list) -> list[str]:
    alternatives = _alternatives(operation, schema)
    problems = []
    for index, condition in enumerate(conditions):
        if not isinstance(condition, dict):
            continue
        key, op, value = condition.get("key"), condition.get("op"), condition.get("value")
        fitting = [ops for keys, ops in alternatives if keys is None or key in keys]
        if not fitting:
            problems.append(f"filter[{index}] key {key!r} is not allowed")
            continue
        if not any(ops is None or op in ops for ops in fitting):
            problems.append(f"filter[{index}] op {op!r} is not allowed for key {key!r}")
        if op in ARRAY_OPS and not isinstance(value, list):
            problems.append(f"filter[{index}] op {op!r} takes an array: filter[{index}][value][]")
        if op not in ARRAY_OPS and isinstance(value, list):
            problems.append(f"filter[{index}] op {op!r} takes one value, not an array")
    return problems


def _page_problems(page: dict) -> list[str]:
    problems = []
    if set(page) != {"number", "size"}:
        problems.append(f"page takes exactly page[number] and page[size], got {sorted(page)}")
    size, number = str(page.get("size", "")), str(page.get("number", ""))
    if size.isdigit() and int(size) > MAX_PAGE_SIZE:
        problems.append(f"page[size]={size} is over {MAX_PAGE_SIZE}")
    if size.isdigit() and int(size) < 1:
        problems.append(f"page[size]={size} is below 1")
    if number.isdigit() and int(number) < 1:
        problems.append(f"page[number]={number} is below 1")
    return problems
