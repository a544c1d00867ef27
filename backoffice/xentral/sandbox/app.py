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
from collections import deque
from dataclasses import dataclass, field

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from backoffice.xentral.sandbox import commerce, control, products
from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.responses import ValidationFailed
from backoffice.xentral.sandbox.state import SandboxState

REQUEST_LOG_SIZE = 50_000
UNLIMITED = 1_000_000
JSON_TYPES = ("application/json", "application/problem+json", "*/*", "application/*")

ROUTES = [
    ("/api/v2/products", "GET", products.products_list),
    ("/api/v2/products", "POST", products.product_create),
    ("/api/v2/products/<id>", "GET", products.product_view),
    ("/api/v2/products/<id>", "PATCH", products.product_patch),
    ("/api/v1/products/<id>/stocks", "GET", products.product_stocks),
    ("/api/v1/products/<id>/reservations", "GET", products.product_reservations),
    ("/api/v1/products/<id>/storageLocations", "GET", products.product_storage_locations),
    ("/api/v1/products/<id>/options", "GET", products.options_list),
    ("/api/v1/products/<id>/options", "POST", products.option_create),
    (
        "/api/v1/products/<product_id>/options/<option_id>/values",
        "POST",
        products.option_value_create,
    ),
    ("/api/v1/products/<id>/actions/createVariants", "POST", products.create_variants),
    ("/api/v1/products/<id>/parts", "GET", products.parts_list),
    ("/api/v2/products/<id>/parts", "POST", products.parts_create),
    ("/api/v1/products/<id>/externalReferences", "GET", products.external_references_list),
    ("/api/v1/products/<id>/externalReferences", "POST", products.external_reference_create),
    ("/api/v1/products/<id>/externalReferences", "PATCH", products.external_references_patch),
    ("/api/v1/externalReferenceTargets", "GET", products.external_reference_targets),
    ("/api/v2/customers", "GET", commerce.customers_list),
    ("/api/v2/customers", "POST", commerce.customer_create),
    ("/api/v2/customers/<id>", "GET", commerce.customer_view),
    ("/api/v2/customers/<customerId>/addresses", "GET", commerce.addresses_list),
    ("/api/v2/customers/<customerId>/addresses", "POST", commerce.address_create),
    ("/api/v1/salesOrders/actions/import", "POST", commerce.sales_order_import),
    ("/api/v1/salesOrders", "GET", commerce.sales_orders_list),
    ("/api/v1/salesOrders/<id>", "GET", commerce.sales_order_view),
    ("/api/v3/salesOrders", "GET", commerce.v3_sales_orders_list),
    ("/api/v3/salesOrders", "POST", commerce.v3_sales_order_create),
    ("/api/v3/salesOrders/<id>", "GET", commerce.v3_sales_order_view),
    ("/api/v3/salesOrders/<id>/actions/release", "PATCH", commerce.v3_sales_order_release),
    ("/api/v3/salesPrices", "GET", commerce.sales_prices_list),
    ("/api/v3/salesPrices", "POST", commerce.sales_price_create),
    ("/api/v2/purchasePrices", "GET", commerce.purchase_prices_list),
    ("/api/v2/purchasePrices", "POST", commerce.purchase_price_create),
    ("/api/v1/warehouses", "GET", commerce.warehouses_list),
    ("/api/v1/warehouses/<id>/storageLocations", "GET", commerce.warehouse_storage_locations),
    (
        "/api/v2/warehouses/<warehouseId>/storageLocations/<id>/items",
        "GET",
        commerce.storage_location_items,
    ),
    ("/api/v1/paymentMethods", "GET", commerce.lookup_list("paymentMethods")),
    ("/api/v1/shippingMethods", "GET", commerce.lookup_list("shippingMethods")),
    ("/api/v1/salesChannels", "GET", commerce.lookup_list("salesChannels")),
    ("/api/v1/projects", "GET", commerce.lookup_list("projects")),
]
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    commit_then_drop_rate: float = 0.0
    rate_limit: dict | None = None
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    fail_next: list[dict] = field(default_factory=list)

    @classmethod
    def from_json(cls, body: dict) -> "Faults":
        return cls(
            latency_ms=float(body.get("latencyMs", 0) or 0),
            error_rate=float(body.get("errorRate", 0) or 0),
            error_status=int(body.get("errorStatus", 503) or 503),
            commit_then_drop_rate=float(body.get("commitThenDropRate", 0) or 0),
            rate_limit=body.get("rateLimit"),
            paths=list(body.get("paths") or []),
            methods=[m.upper() for m in body.get("methods") or []],
            fail_next=list(body.get("failNext") or []),
        )

    def applies(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return not self.paths or any(path.startswith(p) for p in self.paths)


class RateLimiter:
    """Fixed windows, as Xentral counts: `limit` calls per `window` seconds."""

    def __init__(self, limit: int | None, window: float):
        self.limit, self.window = limit, window
        self.window_start, self.count = 0.0, 0
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, int, int, float]:
        """(allowed, limit, remaining, reset at Unix time)."""
        if not self.limit:
            return True, UNLIMITED, UNLIMITED, time.time()
        with self.lock:
            now = time.time()
            start = now - (now % self.window)
            if start != self.window_start:
                self.window_start, self.count = start, 0
            reset = self.window_start + self.window
            if self.count >= self.limit:
                return False, self.limit, 0, reset
            self.count += 1
            return True, self.limit, self.limit - self.count, reset


class SandboxApp:
    def __init__(self, *, token: str = "sandbox-token", rate_limit: tuple[int, float] | None = None,
                 state_file=None, base_url: str = ""):  # fmt: skip
        self.token = token
        self.state = SandboxState()
        self.state_file = state_file
        self.base_url = base_url
        self.default_rate_limit = rate_limit
        self.url_map = Map(
            [Rule(path, methods=[method], endpoint=handler) for path, method, handler in ROUTES],
            strict_slashes=False,
        )
        self.log_lock = threading.Lock()
        self.reset_runtime()
        self._dirty = threading.Event()

    def reset_runtime(self) -> None:
        self.faults = Faults()
        self.limiter = RateLimiter(*(self.default_rate_limit or (None, 60.0)))
        with self.log_lock:
            self.request_log: deque = deque(maxlen=REQUEST_LOG_SIZE)

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        if faults.rate_limit:
            self.limiter = RateLimiter(
                int(faults.rate_limit["limit"]), float(faults.rate_limit.get("windowSeconds", 60))
            )
        else:
            self.limiter = RateLimiter(*(self.default_rate_limit or (None, 60.0)))

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
        response, drop = self.handle(request)
        duration = (time.perf_counter() - started) * 1000
        self._log(request, response.status_code if not drop else 0, duration)
        if drop:
            _drop_connection(environ)
            start_response("200 OK", [])
            return []
        return response(environ, start_response)

    def handle(self, request: Request) -> tuple[Response, bool]:
        allowed, limit, remaining, reset = self.limiter.take()
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
        response, drop = self._handle(request, allowed, reset)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response, drop

    def _handle(self, request: Request, allowed: bool, reset: float) -> tuple[Response, bool]:
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            return r.problem(401, "Unauthorized: missing or invalid token.", "unauthorized"), False
        if not allowed:
            retry_after = max(1, int(reset - time.time() + 0.999))
            body = r.json_response(
                {"message": "Too Many Requests"},
                status=429,
                headers={"Retry-After": str(retry_after), "X-RateLimit-Reset": str(int(reset))},
            )
            return body, False
        accept = request.headers.get("Accept", "")
        if not accept or not any(t in accept for t in JSON_TYPES):
            return r.problem(406, "Not Acceptable: send 'Accept: application/json'.",
                             "not-acceptable"), False  # fmt: skip
        method = request.method
        faults = self.faults
        if faults.latency_ms and faults.applies(method, request.path):
            time.sleep(faults.latency_ms / 1000)
        injected = self._injected(method, request.path)
        if injected == "drop":
            return Response(b""), True
        if injected == 429:
            return r.json_response(
                {"message": "Too Many Requests"},
                status=429,
                headers={"Retry-After": "1", "X-RateLimit-Reset": str(int(time.time()) + 1)},
            ), False
        if injected:
            return r.problem(injected, "Injected fault.", "service-unavailable"), False
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except NotFound:
            return r.problem(404, f"No route for {request.path}.", "not-found"), False
        except MethodNotAllowed:
            return r.problem(405, f"{method} is not allowed here.", "method-not-allowed"), False
        except HTTPException as exc:
            return r.problem(
                exc.code or 400, exc.description or "Bad request", "bad-request"
            ), False
        if method in WRITE_METHODS and request.content_length:
            if request.mimetype != "application/json":
                return r.problem(415, "Unsupported Media Type: send JSON.",
                                 "unsupported-media-type"), False  # fmt: skip
            try:
                args["body"] = json.loads(request.get_data())
            except ValueError:
                return r.generic_validation("The request body is not valid JSON."), False
        elif method in WRITE_METHODS and endpoint not in (commerce.v3_sales_order_release,):
            args["body"] = {}
        try:
            response = endpoint(self, request, **args)
        except ValidationFailed as exc:
            return exc.response(), False
        except LookupError as exc:
            return r.not_found(str(exc.args[0]) if exc.args else "Resource"), False
        drop = (
            method in WRITE_METHODS
            and response.status_code < 300
            and faults.commit_then_drop_rate
            and faults.applies(method, request.path)
            and random.random() < faults.commit_then_drop_rate
        )
        return response, bool(drop)

    def _injected(self, method: str, path: str) -> int | str | None:
        faults = self.faults
        for index, planned in enumerate(faults.fail_next):
            if planned.get("method", method).upper() == method and path.startswith(
                planned.get("path", "")
            ):
                faults.fail_next.pop(index)
                return "drop" if planned.get("drop") else int(planned.get("status", 503))
        if (
            faults.error_rate
            and faults.applies(method, path)
            and random.random() < faults.error_rate
        ):
            return faults.error_status
        return None

    def _log(self, request: Request, status: int, duration_ms: float) -> None:
        query = {
            key: values[0] if len(values) == 1 and not key.endswith("[]") else values
            for key, values in request.args.lists()
        }
        body = None
        if request.content_length:
            try:
                body = json.loads(request.get_data(cache=True))
            except ValueError:
                body = request.get_data(as_text=True)[:2000]
        entry = {
            "method": request.method,
            "path": request.path,
            "query": query,
            "headers": {k: v for k, v in request.headers.items() if k != "Authorization"},
            "body": body,
            "status": status,
            "durationMs": round(duration_ms, 3),
            "at": time.time(),
        }
        with self.log_lock:
            self.request_log.append(entry)

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
