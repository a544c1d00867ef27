"""The API's JSON parser: a body too deep, with a lone surrogate or a NUL character is a 400
problem naming the field, never a crash further down (encoding, the database, recursion)."""

import json
import re
from collections import deque

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Lone UTF-16 halves: JSON may spell them ("\udfff"), but no encoder or database can store them.
_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJSON(ParseError):
    """A parsed body the API refuses; `errors` are `{field, code, message}` for the problem."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(errors[0]["message"])
        self.errors = errors


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def json_loads(text: str | bytes, *, max_depth: int | None = None):
    """Parse and check a JSON document; raises InvalidJSON (or ParseError for bad syntax)."""
    max_depth = settings.API_JSON_MAX_DEPTH if max_depth is None else max_depth
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidJSON([too_deep("", max_depth)]) from None
    except ValueError as exc:
        raise ParseError(f"JSON parse error - {exc}") from None
    problems = json_problems(document, max_depth=max_depth)
    if problems:
        raise InvalidJSON(problems)
    return document


def json_problems(document, *, max_depth: int, limit: int = 20) -> list[dict[str, str]]:
    """Fields nested deeper than `max_depth`, or whose key or text holds a lone surrogate or
    a NUL character, in document order; walked without recursion."""
    problems: list[dict[str, str]] = []
    queue = deque([("", document, 1)])
    while queue and len(problems) < limit:
        path, value, depth = queue.popleft()
        if isinstance(value, dict | list) and depth > max_depth:
            problems.append(too_deep(path, max_depth))
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                field = f"{path}.{key}" if path else key
                problem = text_problem(field, key)
                if problem:
                    problems.append(problem)
                else:
                    queue.append((field, item, depth + 1))
        elif isinstance(value, list):
            queue.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(path, value)
            if problem:
                problems.append(problem)
    return problems


def too_deep(field: str, max_depth: int) -> dict[str, str]:
    message = f"JSON nested deeper than {max_depth} levels"
    return {"field": printable(field), "code": "too_deep", "message": message}


def text_problem(field: str, text: str) -> dict[str, str] | None:
    if "\x00" in text:
        return {
            "field": printable(field),
            "code": "invalid",
            "message": "NUL characters (\\u0000) are not allowed",
        }
    if _SURROGATE.search(text):
        return {
            "field": printable(field),
            "code": "invalid",
            "message": "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode",
        }
    return None


def printable(field: str) -> str:
    """The field path as it can be sent back: the offending characters escaped, long paths
    shortened."""
    field = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", field).replace("\x00", "\\u0000")
    return field if len(field) <= 200 else f"{field[:200]}..."


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with the checks of `json_loads`."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding}: {exc}") from None
        return json_loads(text)
