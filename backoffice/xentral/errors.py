"""Typed errors built from Xentral's status codes and problem bodies.

Each class says what to do next: `retryable` (try again later), or fix the data
(`XentralValidationError`, `XentralNotFound`, `XentralConflict`) or the configuration
(`XentralAuthError`).
"""

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
