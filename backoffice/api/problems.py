"""RFC 9457 problem responses: every API error is `application/problem+json` with `errors`."""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from backoffice.api.parsers import InvalidJSON

PROBLEM_CONTENT_TYPE = "application/problem+json"

_CODE_BY_DRF = {
    "required": "required",
    "null": "required",
    "blank": "required",
    "unknown_field": "unknown_field",
}


def problem_body(
    *, status_code: int, title: str, detail: str = "", errors: list | None = None, **extra: Any
) -> dict:
    return {
        "type": f"https://xentral-hub.invalid/problems/{status_code}",
        "title": title,
        "status": status_code,
        "detail": detail or title,
        "errors": errors or [],
        **extra,
    }


def problem_response(
    *,
    status_code: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = problem_body(status_code=status_code, title=title, detail=detail, errors=errors, **extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_http_response(
    *, status_code: int, title: str = "", detail: str = "", errors: list | None = None
) -> HttpResponse:
    """The same body as a plain Django response, for answers outside DRF views (middleware)."""
    title = title or HTTPStatus(status_code).phrase
    body = problem_body(status_code=status_code, title=title, detail=detail, errors=errors)
    return HttpResponse(json.dumps(body), status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested ValidationError detail as `[{field, code, message}]` with paths like
    `items[1].sku`."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                out.extend(flatten_errors(value, prefix))
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(value, path))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [_error(prefix, item) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:
                out.extend(flatten_errors(item, f"{prefix}[{index}]"))
        return out
    return [_error(prefix, detail)]


def _error(field: str, item: Any) -> dict[str, str]:
    code = getattr(item, "code", "invalid") or "invalid"
    return {"field": field, "code": _CODE_BY_DRF.get(code, code), "message": str(item)}


def problem_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After")}
    if isinstance(exc, InvalidJSON):
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            title="Invalid JSON",
            detail="The body holds values the API refuses; see errors.",
            errors=exc.errors,
        )
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status_code=status.HTTP_400_BAD_REQUEST,
            title="Invalid request",
            detail="The request has invalid fields; see errors.",
            errors=flatten_errors(exc.detail),
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = getattr(detail, "code", None) or "error"
    message = str(detail)
    return problem_response(
        status_code=response.status_code,
        title=message,
        detail=message,
        errors=[{"field": "", "code": code, "message": message}],
        headers=headers,
    )
