"""The sandbox's WSGI application: Xentral's conventions around every endpoint.

Bearer auth, `406` without a JSON `Accept`, `415` for non-JSON bodies, rate limiting with
`X-RateLimit-*` headers and `429`, injected faults (latency, errors, commit-then-drop), and a
request log. The control API under `/_sandbox/` bypasses all of it.
"""

import contextlib
import json
import random
import socket
import threading
import time

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from backoffice.xentral.sandbox import (
    control,
    customers,
    external_references,
    fulfilment,
    methods,
    parts,
    prices,
    products,
    sales_orders,
    stock,
    variants,
    warehouses,
    webhooks,
)
from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.faults import COMMIT_THEN_DROP, DROP, INJECTED, Faults
from backoffice.xentral.sandbox.ratelimit import RateLimiter
from backoffice.xentral.sandbox.requestlog import RequestLog
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import SandboxState

RESOURCES = (products, variants, parts, external_references, stock, customers, sales_orders,
             prices, warehouses, methods, webhooks, fulfilment)  # fmt: skip
JSON_TYPES = ("application/json", "application/problem+json", "*/*", "application/*")
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
DROPS = (DROP, COMMIT_THEN_DROP)


class SandboxApp:
    def __init__(self, *, token: str = "sandbox-token", rate_limit: tuple[int, float] | None = None,
                 state_file=None, base_url: str = ""):  # fmt: skip
        self.token = token
        self.state = SandboxState()
        self.state_file = state_file
        self.base_url = base_url
        self.default_rate_limit = rate_limit
        self.rate_phase = random.random()
        self.url_map = Map(
            [
                Rule(path, methods=[method], endpoint=handler)
                for resource in RESOURCES
                for path, method, handler in resource.ROUTES
            ],
            strict_slashes=False,
        )
        self.request_log = RequestLog()
        self.reset_runtime()
        self._dirty = threading.Event()

    def reset_runtime(self) -> None:
        self.faults = Faults()
        self.limiter = self._limiter(self.default_rate_limit)
        self.request_log.clear()

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        limit = faults.rate_limit
        if limit:
            self.limiter = self._limiter(
                (int(limit["limit"]), float(limit.get("windowSeconds", 60)))
            )
        else:
            self.limiter = self._limiter(self.default_rate_limit)

    def _limiter(self, rate_limit: tuple[int, float] | None) -> RateLimiter:
        return RateLimiter(*(rate_limit or (None, 60.0)), phase=self.rate_phase)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def changed(self) -> None:
        """A write happened: the state file (if any) is saved soon."""
        self._dirty.set()

    # --- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            return control.dispatch(self, request)(environ, start_response)
        started = time.perf_counter()
        response, fault = self.handle(request)
        duration = (time.perf_counter() - started) * 1000
        drop = fault in DROPS
        self.request_log.record(request, None if drop else response, fault, duration)
        if drop:
            _drop_connection(environ)
            start_response("200 OK", [])
            return []
        return response(environ, start_response)

    def handle(self, request: Request) -> tuple[Response, str | None]:
        """The answer, and the injected fault that shaped it (None for a real answer)."""
        allowed, limit, remaining, reset = self.limiter.take()
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
        response, fault = self._handle(request, allowed, reset)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response, fault

    def _handle(self, request: Request, allowed: bool, reset: float) -> tuple[Response, str | None]:
        refused = self._refused(request, allowed, reset)
        if refused is not None:
            return refused, None
        method, faults = request.method, self.faults
        if faults.latency_ms and faults.applies(method, request.path):
            time.sleep(faults.latency_ms / 1000)
        injected = faults.injected(method, request.path)
        if injected == DROP:
            return Response(b""), DROP
        if injected:
            return r.injected_error(injected), INJECTED
        response = self._dispatch(request)
        if (
            method in WRITE_METHODS
            and response.status_code < 300
            and faults.drops_after_commit(method, request.path)
        ):
            return response, COMMIT_THEN_DROP
        return response, None

    def _refused(self, request: Request, allowed: bool, reset: float) -> Response | None:
        """Xentral's gate before any endpoint: token, rate limit, `Accept`."""
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            return r.unauthorized("Unauthenticated.")
        if not allowed:
            return r.too_many_requests(max(1, int(reset - time.time() + 0.999)), int(reset))
        accept = request.headers.get("Accept", "")
        if not accept or not any(t in accept for t in JSON_TYPES):
            return r.empty(406)
        return None

    def _dispatch(self, request: Request) -> Response:
        method = request.method
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except NotFound:
            return r.problem(404, f"No route for {request.path}.", "not-found")
        except MethodNotAllowed:
            return r.problem(405, f"{method} is not allowed here.", "method-not-allowed")
        except HTTPException as exc:
            return r.problem(exc.code or 400, exc.description or "Bad request", "bad-request")
        if method in WRITE_METHODS and request.content_length:
            if request.mimetype != "application/json":
                return r.empty(415)
            try:
                args["body"] = json.loads(request.get_data())
            except ValueError:
                return r.generic_validation("The request body is not valid JSON.")
        elif method in WRITE_METHODS:
            args["body"] = {}
        try:
            return endpoint(self, request, **args)
        except ValidationFailed as exc:
            return exc.response()
        except LookupError:
            return r.not_found()

    # --- persistence ---------------------------------------------------------------------------
    def start_saver(self, interval: float = 0.5) -> None:
        if self.state_file is None:
            return

        def save_loop():
            while True:
                self._dirty.wait()
                time.sleep(interval)
                self._dirty.clear()
                self.save()

        threading.Thread(target=save_loop, daemon=True, name="sandbox-saver").start()

    def save(self) -> None:
        if self.state_file is not None:
            with self.state.lock:
                self.state.save_to(self.state_file)


def _drop_connection(environ) -> None:
    """Commit-then-drop: the write is applied; the client gets no answer at all."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
