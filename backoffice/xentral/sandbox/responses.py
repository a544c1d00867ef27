"""Xentral-shaped answers, as the OpenAPI documents describe them: JSON data, empty `201`s
(`text/html`, the new resource's URL in `Location`), empty `204`s, problem bodies for `400` and
`409`, `{"message"}` for `401` and `429`, and no body where the documents give none (`404`,
`406`, `415`)."""

import json
import time

from werkzeug.wrappers import Response

PROBLEM_BASE = "https://api.xentral.biz/problems"
TOKEN_SCOPES_PROBLEM = "https://developer.xentral.com/reference/problems#token-scopes"


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def data(payload, status: int = 200) -> Response:
    return json_response({"data": payload}, status)


def empty(status: int, headers: dict | None = None) -> Response:
    """An answer without a body and without a Content-Type."""
    response = Response(b"", status=status, headers=headers)
    response.headers.pop("Content-Type", None)
    return response


def created(location: str | None = None) -> Response:
    """V1/V2 creates: 201, an empty body documented as `text/html`, and (for creates of one
    resource) the new resource's URL in Location."""
    headers = {"Location": location} if location else None
    return Response(b"", status=201, headers=headers, content_type="text/html; charset=UTF-8")


def no_content() -> Response:
    return empty(204)


def problem(status: int, title: str, kind: str, headers: dict | None = None, **extra) -> Response:
    body = {"type": f"{PROBLEM_BASE}/{kind}", "title": title, **extra}
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/problem+json"
    )


def violations(found: dict) -> Response:
    """400 with `violations` mirroring the payload, messages in place of each bad value."""
    return problem(
        400, "Request payload validation failed.", "request-validation", violations=found
    )


def generic_validation(*messages: str) -> Response:
    return problem(400, "Validation failed.", "generic-validation", messages=list(messages))


def not_found() -> Response:
    """404: the documents describe no body for it."""
    return empty(404)


def conflict(title: str, *messages: str) -> Response:
    return problem(409, title, "conflict", messages=list(messages or (title,)))


def unauthorized(message: str) -> Response:
    return json_response({"message": message}, status=401)


def forbidden(*scopes: str) -> Response:
    body = {
        "type": TOKEN_SCOPES_PROBLEM,
        "title": "The token lacks a scope.",
        "scopes": list(scopes),
    }
    return Response(json.dumps(body), status=403, content_type="application/problem+json")


def too_many_requests(retry_after: int, reset_at: int) -> Response:
    return json_response(
        {"message": "Too Many Requests"},
        status=429,
        headers={"Retry-After": str(retry_after), "X-RateLimit-Reset": str(reset_at)},
    )


def injected_error(status: int) -> Response:
    """A fault the control API planned: the answer Xentral gives with that status."""
    if status == 400:
        return generic_validation("Injected fault.")
    if status == 401:
        return unauthorized("Injected fault.")
    if status == 403:
        return forbidden("injected:fault")
    if status == 409:
        return conflict("Injected fault.")
    if status == 429:
        return too_many_requests(1, int(time.time()) + 1)
    if status >= 500:
        return problem(status, "Injected fault.", "service-unavailable")
    return empty(status)


class ValidationFailed(Exception):
    """Raised by a handler's checks; becomes a 400 with violations or messages."""

    def __init__(self, found: dict | None = None, messages: list[str] | None = None):
        super().__init__("validation failed")
        self.found = found or {}
        self.messages = messages or []

    def response(self) -> Response:
        if self.found:
            return violations(self.found)
        return generic_validation(*self.messages)
