"""Checks exchanges with Xentral against its public OpenAPI documents (read from
`settings.XENTRAL_OPENAPI_DIR`, never copied into the repository).

`get_contract()` loads the documents once per test session. For one entry of the sandbox's
request log, `violations(entry)` lists what in the request the documents do not allow (see
`tests.contract_query` for the query) and `answer_violations(entry)` what in the answer they do not
describe: a status the operation does not document, a Content-Type it does not list, a body its
schema rejects. Each problem names the method, the path template, where (a JSON path) and what.
docs/xentral-fidelity.md explains the rules and the judgement calls.
"""

import json
import re
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.contract_query import query_problems

# Answers any operation may give although few document them (docs/xentral-fidelity.md).
ADMITTED_STATUSES = {401, 403, 406, 415, 429}
# Answers an operation does not document that the sandbox gives anyway, each with its reason
# (docs/xentral-fidelity.md); their bodies must still have Xentral's shape for the status.
KNOWN_UNDOCUMENTED = {
    ("GET", "/api/v1/salesOrders", 400): "an unknown filter key is refused as on other lists",
}
# The request log's names for faults the control API injected.
DROPPED = {"drop", "commitThenDrop"}
INJECTED = "injected"
MAX_PROBLEMS = 5
PROSE = {"description", "example", "examples", "title", "summary"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(*parts: str) -> str:
    return "/".join(_escape(str(p)) for p in parts)


def _mimetype(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class Document:
    def __init__(self, path: Path, raw: dict):
        self.name = path.name
        self.uri = f"urn:xentral:{path.name}"
        self.raw = _normalise(raw, openapi_30=str(raw.get("openapi", "")).startswith("3.0"))
        resource = Resource.from_contents(self.raw, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.uri, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self.paths = []
        for template, item in (self.raw.get("paths") or {}).items():
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
            self.paths.append((re.compile(f"^{pattern}$"), template, item))
        # A literal segment wins over a parameter: `/salesOrders/actions/import` is not `{id}`.
        self.paths.sort(key=lambda found: found[1].count("{"))

    def resolve(self, node, pointer: str = "") -> tuple:
        """(the node with `$ref`s followed, the JSON pointer it lives at)."""
        while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
            pointer = node["$ref"][2:]
            node = self.raw
            for part in pointer.split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def node(self, node):
        return self.resolve(node)[0]

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at `pointer`; its `$ref`s resolve inside the document."""
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{self.uri}#/{pointer}"}, registry=self.registry
            )
        return self._validators[pointer]

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
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif "type" not in out and ("oneOf" in out or "$ref" in out or "allOf" in out):
            out = {"anyOf": [{"type": "null"}, {k: v for k, v in out.items() if k != "nullable"}]}
    if openapi_30:
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(out.get(key), bool):
                out.pop(key)
    return out


class Operation:
    def __init__(self, document: Document, template: str, method: str):
        self.document = document
        self.template = template
        self.method = method
        base = ("paths", template)
        self.spec, _ = document.resolve(document.raw["paths"][template][method])
        self.params: dict[str, tuple[dict, str]] = {}
        item = document.raw["paths"][template]
        declared = [
            *(
                (p, _pointer(*base, "parameters", i))
                for i, p in enumerate(item.get("parameters", []))
            ),
            *(
                (p, _pointer(*base, method, "parameters", i))
                for i, p in enumerate(self.spec.get("parameters", []))
            ),
        ]
        for param, pointer in declared:
            param, pointer = document.resolve(param, pointer)
            if param.get("in") == "query":
                self.params[param["name"]] = (param, pointer)
        self.responses: dict[str, tuple[dict, str]] = {
            str(status): document.resolve(response, _pointer(*base, method, "responses", status))
            for status, response in (self.spec.get("responses") or {}).items()
        }

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def body_validator(self) -> Draft202012Validator | None:
        pointer = _pointer("paths", self.template, self.method, "requestBody")
        request_body, pointer = self.document.resolve(self.spec.get("requestBody") or {}, pointer)
        if "application/json" not in (request_body.get("content") or {}):
            return None
        return self.document.validator(f"{pointer}/content/application~1json/schema")

    def param_schema(self, name: str) -> tuple[dict, Draft202012Validator]:
        param, pointer = self.params[name]
        schema = self.document.node(param.get("schema") or {})
        return schema, self.document.validator(f"{pointer}/schema")

    def documented(self, status: int) -> tuple[dict, str] | None:
        """The documented response for `status` (exact, then `4XX`, then `default`)."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


class Contract:
    def __init__(self, documents: list[Document]):
        self.documents = documents
        self._operations: dict[tuple[str, str], Operation | str | None] = {}
        self._error_shapes: dict[int, dict[str, list]] | None = None

    def operation(self, method: str, path: str) -> Operation | str | None:
        """The operation, "method" when the path exists without that method, or None."""
        key = (method.upper(), path)
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
                return Operation(document, template, method)
        return "method" if path_known else None

    # --- requests ------------------------------------------------------------------------------
    def violations(self, entry: dict) -> list[str]:
        """What in the request of a log entry the documents do not allow."""
        method, path = entry["method"].upper(), entry["path"]
        operation = self.operation(method, path)
        if operation is None:
            return [f"no path {path} in the OpenAPI documents"]
        if operation == "method":
            return [f"{method} is not an operation of {path}"]
        problems = query_problems(operation, entry.get("query") or {})
        body = entry.get("body")
        validator = operation.body_validator()
        if body is not None and validator is not None:
            problems += [
                f"request body {where}: {what}" for where, what in _errors(validator, body)
            ]
        elif body is not None:
            problems.append("a body was sent but the operation takes none")
        return problems

    # --- answers -------------------------------------------------------------------------------
    def answer_violations(self, entry: dict) -> list[str]:
        """What in the answer of a log entry the documents do not describe."""
        answer = entry.get("response")
        operation = self.operation(entry["method"], entry["path"])
        if answer is None or not isinstance(operation, Operation):
            return []  # no answer recorded, or no operation (the request check says so)
        status, fault = answer["status"], answer.get("fault")
        prefix = f"{operation.name} -> {status or 'dropped connection'}"
        if status == 0:
            return [] if fault in DROPPED else [f"{prefix}: dropped without an injected fault"]
        problems = self._answer_problems(operation, answer)
        return [f"{prefix}: {problem}" for problem in problems]

    def _answer_problems(self, operation: Operation, answer: dict) -> list[str]:
        status, headers = answer["status"], answer.get("headers") or {}
        problems = []
        if status == 429 and "Retry-After" not in headers:
            problems.append("a 429 without Retry-After")
        documented = operation.documented(status)
        if documented is not None:
            response, pointer = documented
            content = response.get("content") or {}
            if content or status < 400 or not self.error_shapes().get(status):
                shapes = {
                    mimetype: [
                        (operation.document, f"{pointer}/content/{_escape(mimetype)}/schema")
                        if "schema" in media
                        else (None, None)
                    ]
                    for mimetype, media in content.items()
                }
                return problems + _content_problems(shapes, answer)
        elif status >= 500 and answer.get("fault") == INJECTED:
            return problems  # no document describes a 5xx body
        elif (
            status not in ADMITTED_STATUSES
            and (operation.method.upper(), operation.template, status) not in KNOWN_UNDOCUMENTED
        ):
            return [*problems, f"status {status} is not documented for this operation"]
        # Admitted, or documented without a body: Xentral's error shape for the status, if any.
        return problems + _content_problems(self.error_shapes().get(status, {}), answer)

    def error_shapes(self) -> dict[int, dict[str, list]]:
        """status -> media type -> every (document, schema pointer) the documents give for it."""
        if self._error_shapes is None:
            shapes: dict[int, dict[str, list]] = {}
            for document in self.documents:
                for template, item in document.raw["paths"].items():
                    for method, spec in item.items():
                        if not isinstance(spec, dict) or "responses" not in spec:
                            continue
                        for status, response in spec["responses"].items():
                            if not str(status).isdigit() or int(status) < 400:
                                continue
                            pointer = _pointer("paths", template, method, "responses", status)
                            response, pointer = document.resolve(response, pointer)
                            for mimetype, media in (response.get("content") or {}).items():
                                if "schema" not in media:
                                    continue
                                schema = f"{pointer}/content/{_escape(mimetype)}/schema"
                                found = shapes.setdefault(int(status), {}).setdefault(mimetype, [])
                                if not _same_shape(found, document, schema):
                                    found.append((document, schema))
            self._error_shapes = shapes
        return self._error_shapes


def _same_shape(found: list, document: Document, pointer: str) -> bool:
    """Whether a schema equal to the one at `pointer` (prose and examples aside) is known."""
    schema = _bare(document.node({"$ref": f"#/{pointer}"}))
    return any(_bare(other.node({"$ref": f"#/{where}"})) == schema for other, where in found)


def _bare(schema) -> str:
    def strip(node, names: bool = False):
        """Without prose keywords; `names` marks a `properties` map, whose keys are fields."""
        if isinstance(node, dict):
            return {
                k: strip(v, names=k == "properties" and not names)
                for k, v in node.items()
                if names or k not in PROSE
            }
        return [strip(item) for item in node] if isinstance(node, list) else node

    return json.dumps(strip(schema), sort_keys=True)


def _content_problems(shapes: dict[str, list], answer: dict) -> list[str]:
    """The answer against the documented media types and schemas (none: no body at all)."""
    body, headers = answer.get("body"), answer.get("headers") or {}
    mimetype = _mimetype(headers.get("Content-Type"))
    if not shapes:
        problems = []
        if body not in (None, ""):
            problems.append(f"a body where the documents give none: {str(body)[:120]!r}")
        if mimetype:
            problems.append(f"Content-Type {mimetype} where the documents give no body")
        return problems
    if mimetype not in shapes:
        return [f"Content-Type {mimetype or '(none)'} is not one of {sorted(shapes)}"]
    value = "" if body is None and not mimetype.endswith("json") else body
    best: list[tuple[str, str]] | None = None
    for document, pointer in shapes[mimetype]:
        if document is None:
            return []  # a media type without a schema: any body
        errors = list(_errors(document.validator(pointer), value))
        if not errors:
            return []
        if best is None or len(errors) < len(best):
            best = errors
    return [f"answer body {where}: {what}" for where, what in best]


def _errors(validator: Draft202012Validator, instance) -> list[tuple[str, str]]:
    """(JSON path, message) for the first few errors; oneOf/anyOf say which branch failed."""
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        if error.context:
            error = best_match(error.context) or error
        found.append((error.json_path, error.message[:300]))
        if len(found) == MAX_PROBLEMS:
            break
    return found


@cache
def _load(directory: str) -> Contract | None:
    root = Path(directory)
    if not root.is_dir():
        return None
    documents = []
    for path in sorted((root / "v1-v2-2026-split").glob("*.yml")):
        documents.append(Document(path, yaml.load(path.read_text(), Loader=Loader)))
    # The 2026 split and V3 come first; the 2024 file only answers for paths they lack.
    for name in ("xentral-api-v3-documents.openapi-3.1.json", "xentral-api-v1-v2.openapi-3.0.json"):
        path = root / name
        if path.exists():
            documents.append(Document(path, json.loads(path.read_text())))
    return Contract(documents) if documents else None


def get_contract() -> Contract | None:
    """The contract from `settings.XENTRAL_OPENAPI_DIR`, or None when it is missing."""
    return _load(str(settings.XENTRAL_OPENAPI_DIR))
