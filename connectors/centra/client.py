"""CentraClient: the only code that speaks HTTP to Centra's GraphQL Integration API.

Plain HTTP through the outbound policy's `outbound_request`: Centra needs no more than a POST
of a named document with its variables, and a library such as `gql` would add a schema layer and
transports while hiding the HTTP status and `Retry-After` the rate limits are read from. Every
call: the endpoint's host resolved once, checked against the outbound URL policy and connected
to at that checked address (a second DNS answer cannot point it elsewhere; no pooled session,
whose pool would look the name up again), redirects never followed, the hub's count of Centra's
buckets reserved, `Bearer` token sent (never logged), a `CentraCall` written; `429` waits (a
worker, briefly) or raises `CentraRateLimited`; GraphQL `errors`, and a mutation's
`userErrors`/`userWarnings` inside HTTP 200, raise typed errors.
"""

import email.utils
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.outbound import (
    OutboundRefused,
    OutboundResponse,
    OutboundUnreachable,
    outbound_request,
)
from connectors.centra.buckets import bucket_reserve
from connectors.centra.documents import DOCUMENTS, is_mutation
from connectors.centra.errors import (
    CentraAuthError,
    CentraDestinationRefused,
    CentraQueryError,
    CentraRateLimited,
    CentraUnavailable,
    CentraUserError,
    CentraUserWarning,
    describe_problems,
)
from connectors.centra.models import CentraCall, CentraCallKind, CentraChannel

logger = logging.getLogger(__name__)

USER_AGENT = "xentral-hub/1.0"
EXCERPT_CHARS = 2000
# Centra's answers hold whole orders (50 a page): far more than a webhook receiver's reply.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
# Retry-After given as a number this large is a Unix timestamp, not a count of seconds.
EPOCH_THRESHOLD = 10**9


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header in any form Centra may send: an HTTP date,
    a Unix timestamp ("the timestamp" of Centra's docs) or a number of seconds."""
    if not value:
        return None
    now = time.time() if now is None else now
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment is None:
            return None
        return max(0.0, moment.timestamp() - now)
    if number >= EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return max(0.0, number)


class CentraClient:
    """One Centra channel's GraphQL endpoint and token.

    `subject` (a model instance) is written on every logged call. `wait=False` never sleeps
    (a web request): no room raises `CentraRateLimited` at once; a worker (`wait=True`)
    sleeps for room up to `CENTRA_MAX_INLINE_WAIT_S` per call. `calls_made` counts this
    instance's calls.
    """

    def __init__(
        self,
        centra: CentraChannel,
        *,
        subject: Any = None,
        wait: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.centra = centra
        self.subject = subject
        self.wait = wait
        self.sleep = sleep
        self.clock = clock
        self.calls_made = 0

    # --- the two verbs -------------------------------------------------------------------
    def query(self, operation: str, variables: dict | None = None) -> dict:
        """The `data` of the named query document."""
        return self._call(operation, variables or {})

    def mutate(self, operation: str, variables: dict | None = None) -> dict:
        """The payload of the named mutation (its one root field), after checking its
        `userErrors` and `userWarnings`."""
        data = self._call(operation, variables or {})
        payload = next(iter(data.values()))
        payload = payload or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise CentraUserError(
                f"Centra refused {operation}: {describe_problems(errors)}",
                problems=errors,
                data=payload,
                operation=operation,
            )
        warnings = payload.get("userWarnings") or []
        if warnings:
            raise CentraUserWarning(
                f"Centra warned on {operation}: {describe_problems(warnings)}",
                problems=warnings,
                data=payload,
                operation=operation,
            )
        return payload

    # --- the one place a request is made ------------------------------------------------
    def _call(self, operation: str, variables: dict) -> dict:
        mutation = is_mutation(operation)
        document = DOCUMENTS[operation]
        retried = False
        while True:
            self._reserve(operation, mutation=mutation)
            try:
                return self._send(operation, document, variables, mutation=mutation)
            except CentraRateLimited as exc:
                # Centra's own count says no: nothing was done, so even a mutation may go again,
                # once, by a caller that may wait, for a short wait.
                if retried or not self.wait or exc.retry_after > settings.CENTRA_MAX_INLINE_WAIT_S:
                    raise
                retried = True
                self.sleep(exc.retry_after)

    def _reserve(self, operation: str, *, mutation: bool) -> None:
        waited = 0.0
        while True:
            pause = bucket_reserve(self.centra.graphql_url, mutation=mutation)
            if not pause:
                return
            if not self.wait or waited + pause > settings.CENTRA_MAX_INLINE_WAIT_S:
                raise CentraRateLimited(
                    f"No room in Centra's {'mutation' if mutation else 'request'} bucket "
                    f"for {operation}",
                    retry_after=pause,
                    operation=operation,
                )
            self.sleep(pause)
            waited += pause

    def _send(self, operation: str, document: str, variables: dict, *, mutation: bool) -> dict:
        headers = {
            "Authorization": f"Bearer {self.centra.api_token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        body = {"query": document, "operationName": operation, "variables": variables}
        started = self.clock()
        log = _CallLog(self, operation, variables, mutation=mutation, started=started)
        try:
            response = outbound_request(
                "POST",
                self.centra.graphql_url,
                body=json.dumps(body).encode(),
                headers=headers,
                deadline_s=settings.CENTRA_TIMEOUT_S,
                max_bytes=MAX_ANSWER_BYTES,
            )
        except OutboundRefused as exc:  # nothing was sent
            raise CentraDestinationRefused(str(exc), operation=operation) from None
        except OutboundUnreachable as exc:
            self.calls_made += 1
            log.write(None, str(exc))
            raise CentraUnavailable(
                f"No answer from Centra for {operation}", operation=operation
            ) from exc
        self.calls_made += 1
        error = _error_for(response, operation)
        log.write(response, str(error or ""))
        if error is not None:
            raise error
        return json.loads(response.body)["data"]


def _text(response: OutboundResponse) -> str:
    return response.body.decode("utf-8", errors="replace")


def _error_for(response: OutboundResponse, operation: str) -> Exception | None:
    status = response.status
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return CentraRateLimited(
            f"Centra's rate limit is reached ({operation})",
            retry_after=10.0 if wait is None else wait,
            operation=operation,
            status=status,
        )
    if status in (401, 403):
        return CentraAuthError(
            f"Centra refused the token ({status}) for {operation}",
            operation=operation,
            status=status,
        )
    if status >= 500 or 300 <= status < 400:
        return CentraUnavailable(
            f"Centra answered {status} for {operation}", operation=operation, status=status
        )
    if response.truncated:
        return CentraUnavailable(
            f"Centra's answer to {operation} is larger than {MAX_ANSWER_BYTES} bytes",
            operation=operation,
            status=status,
        )
    try:
        body = json.loads(response.body)
    except ValueError:
        return CentraUnavailable(
            f"Centra answered {status} without JSON for {operation}",
            operation=operation,
            status=status,
        )
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        message = describe_problems(errors)
        categories = {(e.get("extensions") or {}).get("category") for e in errors}
        if "authorization" in categories:
            return CentraAuthError(
                f"Centra refused {operation}: {message}", operation=operation, status=status
            )
        return CentraQueryError(
            f"Centra failed {operation}: {message}",
            errors=errors,
            operation=operation,
            status=status,
        )
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return CentraQueryError(
            f"Centra answered {status} without data for {operation}",
            operation=operation,
            status=status,
        )
    return None


class _CallLog:
    def __init__(self, client: CentraClient, operation, variables, *, mutation, started):
        self.client = client
        self.operation = operation
        self.variables = variables
        self.kind = CentraCallKind.MUTATION if mutation else CentraCallKind.QUERY
        self.started = started

    def write(self, response: OutboundResponse | None, error: str) -> None:
        subject = self.client.subject
        subject_type = subject_id = ""
        if subject is not None and getattr(subject, "pk", None) is not None:
            subject_type = subject._meta.label_lower
            subject_id = str(subject.pk)
        centra = self.client.centra
        try:
            # A savepoint, so a failed log insert cannot poison a caller's open transaction.
            with transaction.atomic():
                CentraCall.objects.create(
                    centra=centra if centra.pk else None,
                    at=timezone.now(),
                    operation=self.operation,
                    kind=self.kind,
                    status=response.status if response is not None else None,
                    duration_ms=round((self.client.clock() - self.started) * 1000, 2),
                    variables=self.variables,
                    response_excerpt=_text(response)[:EXCERPT_CHARS]
                    if response is not None
                    else "",
                    error=error[:2000],
                    subject_type=subject_type,
                    subject_id=subject_id,
                )
        except Exception:  # the call happened; a failed log line must not turn it into an error
            logger.warning("could not log the Centra call %s", self.operation, exc_info=True)
