"""Faults the control API can inject, in the Xentral sandbox's shape (`latencyMs`,
`errorRate`, `errorStatus`, `commitThenDropRate`, `rateLimit`, `paths`, `methods`,
`failNext`), plus what only a GraphQL API has:

- `failNext` entries may name an `operation` (a root field such as `createShipment`) and carry
  `userErrors` (true, or a list of `{message, path}`) instead of a `status`: that mutation then
  answers HTTP 200 with those userErrors and changes nothing;
- a `status` of 429 is answered as Centra's rate limit is (with `Retry-After`);
- `buckets` replaces quotas of the rate limits ({"REQUEST_COUNT": {"TEN_SECONDS": 5}}), and
  `rateLimit: {"limit", "windowSeconds"}` (the Xentral shape) sets the 10-second request bucket;
- `retryAfter`: "timestamp" (default), "seconds" or "http-date" — how `Retry-After` is written;
- `captureFails`: captures (createShipment with `capture: true`, captureShipment) fail.
"""

import random
from dataclasses import dataclass, field

INJECTED = "injected"
DROP = "drop"
COMMIT_THEN_DROP = "commitThenDrop"
RETRY_AFTER_FORMATS = ("timestamp", "seconds", "http-date")
DEFAULT_USER_ERROR = "Injected failure"


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    commit_then_drop_rate: float = 0.0
    rate_limit: dict | None = None
    buckets: dict | None = None
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    fail_next: list[dict] = field(default_factory=list)
    retry_after: str = "timestamp"
    capture_fails: bool = False

    @classmethod
    def from_json(cls, body: dict) -> "Faults":
        retry_after = body.get("retryAfter", "timestamp")
        if retry_after not in RETRY_AFTER_FORMATS:
            raise ValueError(f"retryAfter: one of {RETRY_AFTER_FORMATS}")
        planned = list(body.get("failNext") or [])
        for entry in planned:
            if not isinstance(entry, dict):
                raise ValueError("failNext: a list of objects")
        return cls(
            latency_ms=float(body.get("latencyMs", 0) or 0),
            error_rate=float(body.get("errorRate", 0) or 0),
            error_status=int(body.get("errorStatus", 503) or 503),
            commit_then_drop_rate=float(body.get("commitThenDropRate", 0) or 0),
            rate_limit=body.get("rateLimit"),
            buckets=body.get("buckets"),
            paths=list(body.get("paths") or []),
            methods=[m.upper() for m in body.get("methods") or []],
            fail_next=planned,
            retry_after=retry_after,
            capture_fails=bool(body.get("captureFails", False)),
        )

    def quotas(self) -> dict | None:
        quotas = {kind: dict(v) for kind, v in (self.buckets or {}).items()}
        if self.rate_limit:
            window = float(self.rate_limit.get("windowSeconds", 10))
            if window != 10:
                raise ValueError("rateLimit.windowSeconds: Centra's short window is 10 seconds")
            quotas.setdefault("REQUEST_COUNT", {})["TEN_SECONDS"] = int(self.rate_limit["limit"])
        return quotas or None

    def applies(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return not self.paths or any(path.startswith(p) for p in self.paths)

    def planned(self, method: str, path: str, operations: list[str]) -> dict | None:
        """The first planned failure this request matches, used up."""
        for index, entry in enumerate(self.fail_next):
            if entry.get("method", method).upper() != method:
                continue
            if not path.startswith(entry.get("path", "")):
                continue
            if entry.get("operation") and entry["operation"] not in operations:
                continue
            return self.fail_next.pop(index)
        return None

    def random_error(self, method: str, path: str) -> int | None:
        if self.error_rate and self.applies(method, path) and random.random() < self.error_rate:
            return self.error_status
        return None

    def drops_after_commit(self, method: str, path: str) -> bool:
        return bool(
            self.commit_then_drop_rate
            and self.applies(method, path)
            and random.random() < self.commit_then_drop_rate
        )
