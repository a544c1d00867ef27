"""OpenAPI pieces every app's API shares: the problem body, its responses, and the hooks that
make the generated document say what the API really does."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from backoffice.api.problems import PROBLEM_CONTENT_TYPE

DESCRIPTIONS = {
    400: "Invalid request: `errors` names each field (`items[1].sku`) with a code",
    401: "Missing, unknown or revoked API key (`WWW-Authenticate: Bearer`)",
    403: "The API key lacks the scope this operation needs",
    404: "No such resource for this channel",
    409: "Conflicts with the resource's current state",
    413: "The request body is larger than the limit",
    415: "Unsupported content type",
    422: "Valid, but cannot be carried out",
    429: "Too many requests for this channel; see `Retry-After`",
    503: "Xentral could not be reached; try again later",
}


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_blank=True, help_text="JSON path, e.g. `items[1].sku`")
    code = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details with the hub's `errors` list."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemErrorSerializer(many=True)


def problems(*codes: int, **descriptions: str) -> dict:
    """`responses` entries of `extend_schema` for these status codes, as problem+json; an
    operation's own wording goes in `descriptions` keyed `d409=...`."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description=descriptions.get(f"d{code}", DESCRIPTIONS[code])
        )
        for code in codes
    }


# What any authenticated operation may answer, whatever it does.
AUTH = (401, 403, 429)


def strip_trailing_slashes(result, generator, request, public):
    """Postprocessing hook: routes accept a trailing slash, the document names each path once
    without it."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result


def closed_request_bodies(result, generator, request, public):
    """Postprocessing hook: request bodies reject unknown fields (code `unknown_field`), so the
    request components say `additionalProperties: false`."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result


def non_blank_strings(result, generator, request, public):
    """Postprocessing hook: DRF trims request strings, so a required text of only blanks is
    refused; the request components say so with a pattern."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            plain = not ({"pattern", "format", "enum"} & field.keys())
            if field.get("type") == "string" and field.get("minLength", 0) >= 1 and plain:
                field["pattern"] = r"\S"
    return result


# Which answer leads to which next operation (OpenAPI links: clients and fuzzers follow them).
LINKS = {
    "orders_create": {
        "status": ("200", "201", "202"),
        "links": {
            "GetOrder": ("orders_retrieve", {"id": "$response.body#/id"}),
            "CancelOrder": ("orders_cancel", {"id": "$response.body#/id"}),
        },
    },
    "catalog_imports_create": {
        "status": ("202",),
        "links": {
            "GetImport": ("catalog_imports_retrieve", {"import_id": "$response.body#/id"}),
            "ApplyImport": ("catalog_imports_apply", {"import_id": "$response.body#/id"}),
        },
    },
    "catalog_imports_apply": {
        "status": ("202",),
        "links": {"GetImport": ("catalog_imports_retrieve", {"import_id": "$response.body#/id"})},
    },
}


def operation_links(result, generator, request, public):
    """Postprocessing hook: the OpenAPI links of LINKS."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            spec = LINKS.get(operation.get("operationId")) if isinstance(operation, dict) else None
            if spec is None:
                continue
            for status in spec["status"]:
                response = operation.get("responses", {}).get(status)
                if response is not None:
                    response["links"] = {
                        name: {"operationId": target, "parameters": parameters}
                        for name, (target, parameters) in spec["links"].items()
                    }
    return result
