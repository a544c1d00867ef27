"""XentralClient: the only code that speaks HTTP to Xentral (or the built-in sandbox).

One pooled `requests.Session` per process, bearer auth, JSON headers, paging and filters, typed
errors, pacing by Xentral's rate-limit headers, the shared per-purpose budget, and a logged
`XentralCall` for every call.
"""

import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from requests.adapters import HTTPAdapter

from backoffice.models import Purpose, XentralCall
from backoffice.xentral.budget import (
    BudgetExhausted,
    RateBudget,
    seconds_to_next_window,
    total_room,
)
from backoffice.xentral.errors import (
    XentralRateLimited,
    XentralRequestError,
    XentralUnavailable,
    error_for_response,
)
from backoffice.xentral.params import MAX_PAGE_SIZE, id_from_location

logger = logging.getLogger(__name__)

USER_AGENT = "xentral-hub/1.0"
EXCERPT_CHARS = 2000
# Xentral's advice: full speed above 50 % remaining, ~50 ms apart below, ~200 ms below 25 %.
PACING_STEPS = ((0.25, 0.2), (0.5, 0.05))

_session_lock = threading.Lock()
_session: requests.Session | None = None


def shared_session() -> requests.Session:
    """The process's pooled session (connection pools are thread-safe)."""
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _session = session
        return _session


@functools.lru_cache(maxsize=64)
def _environment_settings(origin: str) -> dict:
    """Proxy and CA-bundle settings the environment gives this origin, read once per process:
    `requests` would otherwise read the environment (and stat `~/.netrc`) on every call."""
    probe = requests.Session()
    found = probe.merge_environment_settings(origin, {}, None, None, None)
    probe.close()
    return {"proxies": found["proxies"], "verify": found["verify"], "cert": found["cert"]}


def send_prepared(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: dict,
    params: dict | None = None,
    json: Any = None,
    timeout,
) -> requests.Response:
    """One request without the per-call environment lookups of `Session.request`: the body is
    prepared here (no session cookies or netrc auth, which the hub never uses; the caller gives
    every header) and the environment's proxy settings come from the per-origin cache."""
    parts = urlsplit(url)
    prepared = requests.Request(method, url, headers=headers, params=params, json=json).prepare()
    return session.send(
        prepared,
        timeout=timeout,
        **_environment_settings(f"{parts.scheme}://{parts.netloc}"),
    )


class Pacing:
    """What Xentral said about its remaining budget, shared within the process. Xentral's
    windows need not start when the hub's do: once it says nothing remains (or answers 429),
    no call is sent until its window has turned.

    The figure is kept current between answers: each call sent counts one down, and an answer
    to call k says what remained when k was counted, less the calls this process sent after
    it. So concurrent requests stop at Xentral's last call instead of all being sent and
    answered 429. Callers that run concurrently in several processes (web requests) also
    leave the window's last `headroom` calls alone: the other processes' calls in flight are
    not in this process's figure. The worker, which sends one call at a time, uses them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.remaining: int | None = None
        self.limit: int | None = None
        self.blocked_until = 0.0  # Unix time: no call at all before
        self.low_until = 0.0  # Unix time: no call that keeps headroom before
        self.sent = 0  # calls this process has sent (their sequence numbers)
        self.seen = 0  # the latest call whose answer the figure comes from

    def _note_low(self, now: float, headers) -> None:
        if self.remaining is None:
            return
        if self.remaining <= settings.XENTRAL_HEADROOM:
            self.low_until = max(self.low_until, _reset_at(headers, now))
        if self.remaining <= 0:
            self.blocked_until = max(self.blocked_until, _reset_at(headers, now))

    def send_started(self, *, keep_headroom: bool = False, waited: bool = False) -> int | None:
        """Count a call about to be sent and return its sequence number for `observe`; None
        (nothing counted) while Xentral has no room (or, for a caller that must
        `keep_headroom`, only the headroom): check and count are one step, so concurrent
        callers cannot all pass the check. A caller that has `waited` out the block is counted
        whatever the clock says."""
        with self.lock:
            now = time.time()
            if not waited and now < self._until(keep_headroom):
                return None
            if self.remaining is not None and (
                (self.remaining <= 0 and now >= self.blocked_until)
                or (self.remaining <= settings.XENTRAL_HEADROOM and now >= self.low_until)
            ):
                self.remaining = None  # the window it was counted in has turned
            self.sent += 1
            if self.remaining is not None:
                self.remaining -= 1
                self._note_low(now, {})
            return self.sent

    def send_cancelled(self) -> None:
        """A call counted by `send_started` was not sent after all (no room in our budget)."""
        with self.lock:
            if self.remaining is not None:
                self.remaining += 1

    def observe(self, headers, *, retry_after: float | None = None, seq: int | None = None):
        now = time.time()
        if retry_after is not None:
            with self.lock:
                self.blocked_until = max(self.blocked_until, now + retry_after)
        try:
            remaining = int(headers["X-RateLimit-Remaining"])
            limit = int(headers["X-RateLimit-Limit"])
        except (KeyError, TypeError, ValueError):
            return
        with self.lock:
            self.limit = limit
            seq = self.sent if seq is None else seq
            if seq >= self.seen:  # an older answer says less than the newer one did
                self.seen = seq
                self.remaining = remaining - (self.sent - seq)
                if retry_after is None and self.remaining > settings.XENTRAL_HEADROOM:
                    self.low_until = self.blocked_until = 0.0  # Xentral's window has turned
            if retry_after is None:
                self._note_low(now, headers)

    def _until(self, keep_headroom: bool) -> float:
        return max(self.blocked_until, self.low_until) if keep_headroom else self.blocked_until

    def blocked_for(self, *, keep_headroom: bool = False) -> float:
        """Seconds until Xentral has room again by its own count (0: send now); for a caller
        that must `keep_headroom`, until it has more than the headroom."""
        with self.lock:
            return max(0.0, self._until(keep_headroom) - time.time())

    def delay(self) -> float:
        with self.lock:
            if not self.limit or self.remaining is None:
                return 0.0
            ratio = self.remaining / self.limit
        for threshold, pause in PACING_STEPS:
            if ratio < threshold:
                return pause
        return 0.0


def _reset_at(headers, now: float) -> float:
    try:
        return float(headers["X-RateLimit-Reset"])
    except (KeyError, TypeError, ValueError):
        return now + seconds_to_next_window(now)


_pacing = Pacing()


def xentral_has_room(*, pacing: Pacing | None = None, keep_headroom: bool = False) -> bool:
    """May a call go out now: the shared budget has room and Xentral did not say it has none
    (or, for a caller that must `keep_headroom`, only the headroom)."""
    blocked = (pacing or _pacing).blocked_for(keep_headroom=keep_headroom)
    return blocked == 0 and total_room() > 0


def xentral_room_wait(*, pacing: Pacing | None = None, keep_headroom: bool = False) -> float:
    """Seconds until a call may go out (0: now): until Xentral's own window turns when it
    said it has no room (its windows need not turn when ours do), until ours turns when the
    shared budget is spent, the longer of the two when both."""
    blocked = (pacing or _pacing).blocked_for(keep_headroom=keep_headroom)
    spent = seconds_to_next_window() if total_room() <= 0 else 0.0
    return max(blocked, spent)


class XentralResponse:
    def __init__(self, status: int, data: Any, headers):
        self.status = status
        self.data = data
        self.headers = headers


class XentralClient:
    """Pooled session, bearer auth, JSON headers, paging, typed errors, pacing, shared budget.

    `purpose` (order, catalog, stock, sync) decides the budget share; `subject` (a model
    instance) is written on every logged `XentralCall`. `calls_made` counts this instance's
    calls so a service can report what an operation cost. `wait_for_budget=False` never
    sleeps for room (a web request): no room raises `BudgetExhausted` and a 429 is raised at
    once; `pace=False` skips the slow-down Xentral advises below half of the limit.
    `defer_log=True` keeps the logged calls until `flush_log()` (an order attempt writes them
    with its next write instead of one transaction per call).
    """

    def __init__(
        self,
        *,
        purpose: Purpose | str = Purpose.SYNC,
        subject: Any = None,
        base_url: str | None = None,
        token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        budget: RateBudget | None = None,
        pacing: Pacing | None = None,
        timeout: tuple[float, float] | None = None,
        max_inline_wait_s: float | None = None,
        get_retries: int | None = None,
        wait_for_budget: bool = True,
        pace: bool = True,
        defer_log: bool = False,
        pending_log: list | None = None,
    ):
        self.purpose = Purpose(purpose)
        self.subject = subject
        self.base_url = (base_url or settings.XENTRAL_URL).rstrip("/")
        self.token = token if token is not None else settings.XENTRAL_TOKEN
        self.clock = clock
        self.sleep = sleep
        self.session = session or shared_session()
        self.budget = budget or RateBudget(sleep=sleep)
        self.pacing = pacing or _pacing
        self.timeout = timeout or (
            settings.XENTRAL_CONNECT_TIMEOUT_S,
            settings.XENTRAL_READ_TIMEOUT_S,
        )
        self.max_inline_wait_s = (
            settings.XENTRAL_MAX_INLINE_WAIT_S if max_inline_wait_s is None else max_inline_wait_s
        )
        self.get_retries = settings.XENTRAL_GET_RETRIES if get_retries is None else get_retries
        self.wait_for_budget = wait_for_budget
        self.pace = pace
        # A web request (no pacing) runs beside others in other processes.
        self.keep_headroom = not pace
        self.defer_log = defer_log
        self.pending_log: list[XentralCall] = [] if pending_log is None else pending_log
        self.calls_made = 0

    def has_room(self) -> bool:
        """May this client's next call go out now."""
        return xentral_has_room(pacing=self.pacing, keep_headroom=self.keep_headroom)

    def room_wait(self) -> float:
        """Seconds until this client's next call may go out (0: now)."""
        return xentral_room_wait(pacing=self.pacing, keep_headroom=self.keep_headroom)

    def bound(
        self, *, purpose: Purpose | str | None = None, subject: Any = None
    ) -> "XentralClient":
        """A client sharing this one's session and pacing, for another purpose or subject."""
        return XentralClient(
            purpose=purpose or self.purpose,
            subject=subject if subject is not None else self.subject,
            base_url=self.base_url,
            token=self.token,
            clock=self.clock,
            sleep=self.sleep,
            session=self.session,
            budget=self.budget,
            pacing=self.pacing,
            timeout=self.timeout,
            max_inline_wait_s=self.max_inline_wait_s,
            get_retries=self.get_retries,
            wait_for_budget=self.wait_for_budget,
            pace=self.pace,
            defer_log=self.defer_log,
            pending_log=self.pending_log,
        )

    # --- verbs ------------------------------------------------------------------------------
    def get(self, path: str, *, params: dict | None = None) -> Any:
        """Parsed JSON of a GET (retried a bounded number of times on retryable errors)."""
        return self.request("GET", path, params=params).data

    def create(self, path: str, json: Any) -> str:
        """POST a V1/V2 create; returns the new id (last segment of `Location`)."""
        response = self.request("POST", path, json=json)
        location = response.headers.get("Location", "")
        if not location:
            raise XentralRequestError(
                f"POST {path} answered {response.status} without a Location header",
                status=response.status,
                method="POST",
                path=path,
            )
        return id_from_location(location)

    def post(self, path: str, json: Any = None) -> Any:
        """POST (V3 creates, actions); parsed JSON body or None. Never retried."""
        return self.request("POST", path, json=json).data

    def patch(self, path: str, json: Any) -> Any:
        return self.request("PATCH", path, json=json).data

    def paginate(
        self, path: str, *, params: dict | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict]:
        """Items of a V1/V2 list across pages (`page[number]` + `page[size]`; stops at
        `extra.totalCount` or on a short page)."""
        size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        number, seen = 1, 0
        while True:
            page_params = {**(params or {}), "page[number]": number, "page[size]": size}
            body = self.get(path, params=page_params) or {}
            items = body.get("data") or [] if isinstance(body, dict) else body
            yield from items
            seen += len(items)
            total = (body.get("extra") or {}).get("totalCount") if isinstance(body, dict) else None
            if len(items) < size or (total is not None and seen >= int(total)):
                return
            number += 1

    def paginate_v3(
        self, path: str, *, params: dict | None = None, per_page: int = 100
    ) -> Iterator[dict]:
        page = 1
        while True:
            body = self.get(path, params={**(params or {}), "page": page, "perPage": per_page})
            items = (body or {}).get("data") or []
            yield from items
            links = (body or {}).get("links") or {}
            meta = (body or {}).get("meta") or {}
            last_page = meta.get("lastPage") or meta.get("last_page")
            if len(items) < per_page or ("next" in links and not links["next"]):
                return
            if last_page is not None and page >= int(last_page):
                return
            page += 1

    # --- the one place a request is made ---------------------------------------------------
    def request(
        self, method: str, path: str, *, params: dict | None = None, json: Any = None
    ) -> XentralResponse:
        method = method.upper()
        attempts_left = self.get_retries if method == "GET" else 0
        rate_limit_retried = False
        while True:
            try:
                return self._send(method, path, params=params, json=json)
            except XentralRateLimited as error:
                # A 429 means nothing was written, so even a write may be sent again - once,
                # and only by a caller that may wait, and only for a short wait.
                if (
                    rate_limit_retried
                    or not self.wait_for_budget
                    or error.retry_after > self.max_inline_wait_s
                ):
                    raise
                rate_limit_retried = True
                self.sleep(error.retry_after)
            except XentralUnavailable:
                if attempts_left <= 0:
                    raise
                attempts_left -= 1
                backoff = 0.2 * 2 ** (self.get_retries - attempts_left - 1)
                self.sleep(backoff * (0.5 + random.random() / 2))

    def _send(self, method: str, path: str, *, params: dict | None, json: Any) -> XentralResponse:
        pause = self.pacing.delay() if self.pace else 0.0
        if pause:
            self.sleep(pause)
        seq = self.pacing.send_started(keep_headroom=self.keep_headroom)
        if seq is None:
            blocked = self.pacing.blocked_for(keep_headroom=self.keep_headroom)
            if not self.wait_for_budget:
                raise BudgetExhausted(
                    f"Xentral's rate limit has no room for {method} {path} yet",
                    retry_after=blocked,
                )
            self.sleep(blocked)
            seq = self.pacing.send_started(keep_headroom=self.keep_headroom, waited=True)
        try:
            self.budget.acquire(self.purpose, wait=self.wait_for_budget)
        except BudgetExhausted:
            self.pacing.send_cancelled()
            raise
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": USER_AGENT,
        }
        if json is not None:
            headers["Content-Type"] = "application/json"
        started = self.clock()
        self.calls_made += 1
        response = None
        try:
            response = send_prepared(
                self.session,
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            error = XentralUnavailable(
                f"Xentral did not answer {method} {path} in time", method=method, path=path
            )
            self._log(method, path, params, json, None, started, error=f"timeout: {exc}")
            raise error from exc
        except requests.RequestException as exc:
            error = XentralUnavailable(
                f"No answer from Xentral for {method} {path}: connection failed or dropped",
                method=method,
                path=path,
            )
            self._log(method, path, params, json, None, started, error=f"connection: {exc}")
            raise error from exc
        data = _parse_body(response)
        error = error_for_response(response, data, method, path)
        self.pacing.observe(
            response.headers, retry_after=getattr(error, "retry_after", None), seq=seq
        )
        self._log(method, path, params, json, response, started, error=str(error or ""))
        if error is not None:
            raise error
        return XentralResponse(response.status_code, data, response.headers)

    def _log(self, method, path, params, body, response, started, *, error: str) -> None:
        subject_type = subject_id = ""
        if self.subject is not None and getattr(self.subject, "pk", None) is not None:
            subject_type = self.subject._meta.label_lower
            subject_id = str(self.subject.pk)
        remaining = None
        if response is not None:
            try:
                remaining = int(response.headers.get("X-RateLimit-Remaining"))
            except (TypeError, ValueError):
                remaining = None
        entry = XentralCall(
            at=timezone.now(),
            method=method,
            path=path[:500],
            query=urlencode(params or {}, doseq=True),
            status=response.status_code if response is not None else None,
            duration_ms=round((self.clock() - started) * 1000, 2),
            rate_limit_remaining=remaining,
            purpose=self.purpose,
            subject_type=subject_type,
            subject_id=subject_id,
            request_body=body,
            response_excerpt=response.text[:EXCERPT_CHARS] if response is not None else "",
            error=error[:2000],
        )
        self.pending_log.append(entry)
        if not self.defer_log:
            self.flush_log()

    def flush_log(self) -> None:
        """Write the calls logged since the last flush (at once unless `defer_log`)."""
        entries = self.pending_log[:]
        self.pending_log.clear()
        if not entries:
            return
        try:
            if connection.in_atomic_block:
                # A savepoint, so a failed insert cannot poison the caller's transaction.
                with transaction.atomic():
                    XentralCall.objects.bulk_create(entries)
            elif len(entries) == 1:
                entries[0].save(force_insert=True)  # one statement, no transaction around it
            else:
                XentralCall.objects.bulk_create(entries)
        except Exception:  # the calls happened; a failed log line must not turn them into errors
            logger.warning(
                "could not log the Xentral call(s) %s",
                ", ".join(f"{e.method} {e.path}" for e in entries),
                exc_info=True,
            )


def _parse_body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
