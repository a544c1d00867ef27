"""Faults the control API can inject: latency, error rates, planned failures, commit-then-drop."""

import random
from dataclasses import dataclass, field

# How the request log names a fault that shaped an answer.
INJECTED = "injected"
DROP = "drop"
COMMIT_THEN_DROP = "commitThenDrop"


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

    def injected(self, method: str, path: str) -> int | str | None:
        """The status (or `DROP`) to answer instead of handling the request, if any.
        A planned failure is used up by the first request it matches."""
        for index, planned in enumerate(self.fail_next):
            if planned.get("method", method).upper() == method and path.startswith(
                planned.get("path", "")
            ):
                self.fail_next.pop(index)
                return DROP if planned.get("drop") else int(planned.get("status", 503))
        if self.error_rate and self.applies(method, path) and random.random() < self.error_rate:
            return self.error_status
        return None

    def drops_after_commit(self, method: str, path: str) -> bool:
        return bool(
            self.commit_then_drop_rate
            and self.applies(method, path)
            and random.random() < self.commit_then_drop_rate
        )
