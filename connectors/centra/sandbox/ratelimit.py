"""Centra's rate limits ([RL]): token buckets for the request count, the summed query
complexity and the mutation count, each over 10 seconds and over one hour. "The bucket is at
full capacity at the beginning ... New tokens are added to the bucket at a constant rate";
a request that finds too few tokens is refused with `429 Too Many Requests` and `Retry-After`.

Defaults: the current "Growth" tier (CENTRA.md §1.2, C-RLNOW).
"""

import threading
import time

TYPES = ("REQUEST_COUNT", "QUERY_COMPLEXITY", "MUTATION_COUNT")
INTERVALS = {"TEN_SECONDS": 10.0, "ONE_HOUR": 3600.0}
GROWTH_TIER = {
    "REQUEST_COUNT": {"TEN_SECONDS": 60, "ONE_HOUR": 5_000},
    "QUERY_COMPLEXITY": {"TEN_SECONDS": 250_000, "ONE_HOUR": 30_000_000},
    "MUTATION_COUNT": {"TEN_SECONDS": 20, "ONE_HOUR": 1_800},
}


class Bucket:
    def __init__(self, quota: int, interval: float):
        self.quota, self.interval = quota, interval
        self.tokens, self.stamp = float(quota), time.monotonic()

    def refill(self, moment: float) -> None:
        self.tokens = min(
            self.quota, self.tokens + (moment - self.stamp) * self.quota / self.interval
        )
        self.stamp = moment

    def wait_for(self, amount: int) -> float:
        """Seconds until `amount` tokens are there (0 when they are now)."""
        if amount > self.quota:
            return self.interval
        missing = amount - self.tokens
        return 0.0 if missing <= 0 else missing * self.interval / self.quota


class RateLimits:
    def __init__(self, quotas: dict | None = None):
        self.lock = threading.Lock()
        self.configure(quotas)

    def configure(self, quotas: dict | None) -> None:
        """`quotas` like GROWTH_TIER (missing entries keep the tier's figure); a quota of 0 or
        None switches that bucket off."""
        merged = {t: dict(GROWTH_TIER[t]) for t in TYPES}
        for kind, per_interval in (quotas or {}).items():
            if kind not in merged:
                raise ValueError(f"unknown rate limit type {kind!r}")
            for interval, quota in per_interval.items():
                if interval not in INTERVALS:
                    raise ValueError(f"unknown rate limit interval {interval!r}")
                merged[kind][interval] = quota
        with self.lock:
            self.buckets = {
                (kind, interval): Bucket(int(quota), INTERVALS[interval])
                for kind, per_interval in merged.items()
                for interval, quota in per_interval.items()
                if quota
            }

    def take(self, costs: dict[str, int]) -> float:
        """Take `costs` (per type) from every bucket of that type, all or nothing. Answers 0
        when taken, else the seconds to wait before the same request would pass."""
        with self.lock:
            moment = time.monotonic()
            wait = 0.0
            for (kind, _), bucket in self.buckets.items():
                bucket.refill(moment)
                if costs.get(kind):
                    wait = max(wait, bucket.wait_for(costs[kind]))
            if wait > 0:
                return wait
            for (kind, _), bucket in self.buckets.items():
                bucket.tokens -= costs.get(kind, 0)
            return 0.0

    def rows(self) -> list[dict]:
        """The `rateLimits` query's six rows."""
        with self.lock:
            moment = time.monotonic()
            rows = []
            for kind in TYPES:
                for interval in INTERVALS:
                    bucket = self.buckets.get((kind, interval))
                    if bucket is None:
                        continue
                    bucket.refill(moment)
                    remaining = int(bucket.tokens)
                    rows.append(
                        {
                            "type": kind,
                            "intervalSeconds": interval,
                            "quota": bucket.quota,
                            "usedQuota": bucket.quota - remaining,
                            "remainingQuota": remaining,
                        }
                    )
            return rows
