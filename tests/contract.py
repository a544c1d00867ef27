"""Checks requests against Xentral's public OpenAPI documents (read from
`settings.XENTRAL_OPENAPI_DIR`, never copied into the repository).

`get_contract().violations(entry)` takes one entry of the sandbox's request log and lists what
in it the documents do not allow: an unknown path or method, a query parameter the operation
does not declare, a filter key or operator outside its enums, a page size over 50, or a body
that fails the operation's JSON schema. The documents are loaded once per test session.
"""

import json
import re
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DEEP_PARAM = re.compile(r"^(?P<base>[A-Za-z]+)(?P<rest>(\[[^\]]*\])+)$")
FILTER_PART = re.compile(r"^\[(\d+)\]\[(key|op|value)\](\[\])?$")
MAX_PAGE_SIZE = 50
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Operation:
    def __init__(self, document: "Document", template: str, method: str, spec: dict):
        self.document = document
        self.template = template
        self.method = method
        self.spec = spec
        self.params = {}
        for param in [*document.path_params(template), *spec.get("parameters", [])]:
            param = document.resolve(param)
            if param.get("in") == "query":
                self.params[param["name"]] = param
        self._validator = None

    def body_validator(self) -> Draft202012Validator | None:
        if self._validator is None:
            content = self.document.resolve(self.spec.get("requestBody") or {}).get("content", {})
            schema = (content.get("application/json") or {}).get("schema")
            if schema is None:
                return None
            request_body = self.spec["requestBody"]
            if "$ref" in request_body:
                pointer = request_body["$ref"].removeprefix("#/")
            else:
                pointer = "/".join(
                    part.replace("~", "~0").replace("/", "~1")
                    for part in ("paths", self.template, self.method, "requestBody")
                )
            ref = f"{self.document.uri}#/{pointer}/content/application~1json/schema"
            self._validator = Draft202012Validator({"$ref": ref}, registry=self.document.registry)
        return self._validator

    def filter_enums(self) -> tuple[set | None, set | None]:
        schema = self.document.resolve((self.params.get("filter") or {}).get("schema") or {})
        items = self.document.resolve(schema.get("items") or schema)
        props = items.get("properties") or {}
        keys = self.document.resolve(props.get("key") or {}).get("enum")
        ops = self.document.resolve(props.get("op") or {}).get("enum")
        return (set(keys) if keys else None), (set(ops) if ops else None)


class Document:
    def __init__(self, path: Path, raw: dict):
        self.uri = f"urn:xentral:{path.name}"
        self.raw = _normalise(raw, openapi_30=str(raw.get("openapi", "")).startswith("3.0"))
        resource = Resource.from_contents(self.raw, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.uri, resource)
        self.paths = []
        for template, item in (self.raw.get("paths") or {}).items():
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
            self.paths.append((re.compile(f"^{pattern}$"), template, item))

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
            target = self.raw
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def path_params(self, template: str) -> list:
        return self.raw["paths"][template].get("parameters", [])

    def match(self, path: str):
        for pattern, template, item in self.paths:
            if pattern.match(path):
                return template, item
        return None


def _normalise(node, *, openapi_30: bool):
    """OpenAPI 3.0 schema dialect -> JSON Schema 2020-12 (nullable, boolean exclusives)."""
    if isinstance(node, list):
        return [_normalise(item, openapi_30=openapi_30) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _normalise(value, openapi_30=openapi_30) for key, value in node.items()}
    if out.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "type" not in out and ("oneOf" in out or "$ref" in out or "allOf" in out):
            out = {"anyOf": [{"type": "null"}, {k: v for k, v in out.items() if k != "nullable"}]}
    if openapi_30:
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(out.get(key), bool):
                out.pop(key)
    return out


class Contract:
    def __init__(self, documents: list[Document]):
        self.documents = documents
        self._operations: dict[tuple[str, str], Operation | None] = {}

    def operation(self, method: str, path: str) -> Operation | str | None:
        key = (method, path)
        if key not in self._operations:
            self._operations[key] = self._find(method.lower(), path)
        return self._operations[key]

    def _find(self, method: str, path: str):
        path_known = False
        for document in self.documents:
            found = document.match(path)
            if not found:
                continue
            path_known = True
            template, item = found
            if method in item:
                return Operation(document, template, method, item[method])
        return "method" if path_known else None

    def violations(self, entry: dict) -> list[str]:
        method, path = entry["method"].upper(), entry["path"]
        operation = self.operation(method, path)
        if operation is None:
            return [f"no path {path} in the OpenAPI documents"]
        if operation == "method":
            return [f"{method} is not an operation of {path}"]
        problems = self._query_problems(operation, entry.get("query") or {})
        body = entry.get("body")
        validator = operation.body_validator()
        if body is not None and validator is not None:
            for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path))[:5]:
                where = "/".join(str(p) for p in error.absolute_path) or "(body)"
                problems.append(f"body {where}: {error.message[:300]}")
        elif body is not None and validator is None:
            problems.append("a body was sent but the operation takes none")
        return problems

    def _query_problems(self, operation: Operation, query: dict) -> list[str]:
        problems = []
        keys, ops = operation.filter_enums()
        filters: dict[str, dict] = {}
        for name, value in query.items():
            match = DEEP_PARAM.match(name)
            base = match["base"] if match else name
            if base not in operation.params:
                problems.append(f"query parameter {name!r} is not declared")
                continue
            if base == "filter" and match:
                part = FILTER_PART.match(match["rest"])
                if not part:
                    problems.append(f"malformed filter parameter {name!r}")
                    continue
                filters.setdefault(part[1], {})[part[2]] = value
            if name == "page[size]" and int(value) > MAX_PAGE_SIZE:
                problems.append(f"page[size]={value} is over {MAX_PAGE_SIZE}")
        for index, condition in filters.items():
            if keys and condition.get("key") not in keys:
                problems.append(f"filter[{index}] key {condition.get('key')!r} is not allowed")
            if ops and condition.get("op") not in ops:
                problems.append(f"filter[{index}] op {condition.get('op')!r} is not allowed")
        if "page[number]" in query and "page[size]" not in query:
            problems.append("page[number] sent without page[size]")
        return problems


@cache
def _load(directory: str) -> Contract | None:
    root = Path(directory)
    if not root.is_dir():
        return None
    documents = []
    for path in sorted((root / "v1-v2-2026-split").glob("*.yml")):
        documents.append(Document(path, yaml.load(path.read_text(), Loader=Loader)))
    for name in ("xentral-api-v3-documents.openapi-3.1.json", "xentral-api-v1-v2.openapi-3.0.json"):
        path = root / name
        if path.exists():
            documents.append(Document(path, json.loads(path.read_text())))
    return Contract(documents) if documents else None


def get_contract() -> Contract | None:
    """The contract from `settings.XENTRAL_OPENAPI_DIR`, or None when it is missing."""
    return _load(str(settings.XENTRAL_OPENAPI_DIR))
