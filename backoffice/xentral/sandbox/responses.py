"""Xentral-shaped answers: JSON data, empty 201s with Location, and problem bodies."""

import json

from werkzeug.wrappers import Response

PROBLEM_BASE = "https://api.xentral.biz/problems"


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def data(payload, status: int = 200) -> Response:
    return json_response({"data": payload}, status)


def created(location: str) -> Response:
    """V1/V2 creates: 201, an empty body and the new resource's URL in Location."""
    return Response(b"", status=201, headers={"Location": location})


def no_content() -> Response:
    return Response(b"", status=204)


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


def too_many_requests(retry_after: int, reset_at: int) -> Response:
    return json_response(
        {"message": "Too Many Requests"},
        status=429,
        headers={"Retry-After": str(retry_after), "X-RateLimit-Reset": str(reset_at)},
    )


def not_found(what: str = "Resource") -> Response:
    return problem(404, f"{what} not found.", "not-found")


def conflict(title: str) -> Response:
    return problem(409, title, "conflict")


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
