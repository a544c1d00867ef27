"""Typed errors of calls to Centra's GraphQL Integration API; each says what to do next:
`retryable` (try again later), fix the configuration (token, permissions, endpoint), or fix the
data (Centra refused the input in `userErrors`)."""

from typing import Any


class CentraError(Exception):
    """Base of every error the Centra client raises."""

    retryable = False
    #: What a person should do: "retry", "fix_data" or "fix_configuration".
    action = "fix_data"

    def __init__(self, message: str, *, operation: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status


class CentraUnavailable(CentraError):
    """No answer, a timeout or a 5xx: nothing is known to have happened; try again later."""

    retryable = True
    action = "retry"


class CentraRateLimited(CentraError):
    """Centra answered 429, or the hub's own count of Centra's buckets has no room: nothing
    was done; try again after `retry_after` seconds."""

    retryable = True
    action = "retry"

    def __init__(self, message: str, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class CentraAuthError(CentraError):
    """401/403, or an error of category `authorization`: the token is wrong, expired or lacks
    a permission."""

    action = "fix_configuration"


class CentraDestinationRefused(CentraError):
    """The endpoint is not allowed by the outbound URL policy; nothing was sent."""

    action = "fix_configuration"


class CentraQueryError(CentraError):
    """GraphQL `errors` in the answer (HTTP 200 or 400): the document or its variables do not
    fit Centra's schema, or Centra failed the query."""

    action = "fix_configuration"

    def __init__(self, message: str, *, errors: list[dict] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors or []


class CentraUserError(CentraError):
    """A mutation answered HTTP 200 with `userErrors`: Centra refused the input. `data` is the
    mutation's payload as answered (it may name what did happen)."""

    def __init__(self, message: str, *, problems: list[dict], data: Any = None, **kwargs):
        super().__init__(message, **kwargs)
        self.problems = problems
        self.data = data


class CentraUserWarning(CentraUserError):
    """A mutation answered with `userWarnings`: Centra did something, but not all that was
    asked. Raised like an error; a caller that must keep what was done reads `data`."""


def describe_problems(problems: list[dict]) -> str:
    """`message (at path)` for each problem, on one line."""
    parts = []
    for problem in problems:
        message = str(problem.get("message") or problem)
        path = problem.get("path")
        if path:
            message += f" (at {'.'.join(str(p) for p in path)})"
        parts.append(message)
    return "; ".join(parts)
