"""Typed errors built from Xentral's status codes and problem bodies.

Each class says what to do next: `retryable` (try again later), or fix the data
(`XentralValidationError`, `XentralNotFound`, `XentralConflict`) or the configuration
(`XentralAuthError`).
"""

import time
from typing import Any


class XentralError(Exception):
    """Base of every error the client raises."""

    retryable = False
    #: What a person should do: "retry", "fix_data" or "fix_configuration".
    action = "fix_data"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: Any = None,
        method: str = "",
        path: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.problem = problem
        self.method = method
        self.path = path

    @property
    def problem_text(self) -> str:
        """Xentral's own words: title, messages and violations flattened to one line."""
        return describe_problem(self.problem) or self.message


class XentralValidationError(XentralError):
    """400: the request was wrong (`violations` mirrors the payload, or `messages`)."""

    @property
    def violations(self) -> dict:
        problem = self.problem if isinstance(self.problem, dict) else {}
        return problem.get("violations") or {}

    @property
    def messages(self) -> list[str]:
        problem = self.problem if isinstance(self.problem, dict) else {}
        return list(problem.get("messages") or [])


class XentralAuthError(XentralError):
    """401/403: the token is wrong or lacks a scope; a configuration fault, not the data's."""

    action = "fix_configuration"


class XentralNotFound(XentralError):
    """404: the id does not exist."""


class XentralConflict(XentralError):
    """409: e.g. a product with this number exists already."""


class XentralRequestError(XentralError):
    """Another 4xx (406, 415, ...): the hub sent something Xentral cannot take; a bug."""

    action = "fix_configuration"


class XentralRateLimited(XentralError):
    """429: over the rate limit; try again after `retry_after` seconds."""

    retryable = True
    action = "retry"

    def __init__(self, message: str, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class XentralUnavailable(XentralError):
    """5xx, a timeout or a dropped connection. Whether a write took effect is unknown."""

    retryable = True
    action = "retry"


def describe_problem(problem: Any) -> str:
    """A problem body as plain words: `title: field: message; ...`."""
    if not isinstance(problem, dict):
        return str(problem or "")
    parts = [str(problem.get("title") or problem.get("message") or "")]
    parts += [str(m) for m in problem.get("messages") or []]
    parts += [f"{path}: {msg}" for path, msg in _walk_violations(problem.get("violations"), "")]
    return "; ".join(p for p in parts if p)


def _walk_violations(node: Any, path: str):
    if isinstance(node, list):
        for message in node:
            if isinstance(message, dict | list):
                yield from _walk_violations(message, path)
            else:
                yield path, str(message)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk_violations(value, f"{path}.{key}" if path else str(key))


DEFAULT_RETRY_AFTER_S = 60.0


def error_for_response(response, data, method: str, path: str) -> XentralError | None:
    status = response.status_code
    if status < 400:
        return None
    title = ""
    if isinstance(data, dict):
        title = str(data.get("title") or data.get("message") or data.get("detail") or "")
    message = f"Xentral answered {status} to {method} {path}" + (f": {title}" if title else "")
    kwargs = {"status": status, "problem": data, "method": method, "path": path}
    if status == 400 or status == 422:
        return XentralValidationError(message, **kwargs)
    if status in (401, 403):
        return XentralAuthError(message, **kwargs)
    if status == 404:
        return XentralNotFound(message, **kwargs)
    if status == 409:
        return XentralConflict(message, **kwargs)
    if status == 429:
        return XentralRateLimited(message, retry_after=_retry_after(response.headers), **kwargs)
    if status >= 500:
        return XentralUnavailable(message, **kwargs)
    return XentralRequestError(message, **kwargs)


def _retry_after(headers) -> float:
    try:
        return max(0.0, float(headers["Retry-After"]))
    except (KeyError, TypeError, ValueError):
        pass
    try:
        return max(0.0, float(headers["X-RateLimit-Reset"]) - time.time())
    except (KeyError, TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
