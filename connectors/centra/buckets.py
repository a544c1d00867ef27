"""Centra's request and mutation buckets, counted on the hub's side so the hub does not run
into 429s: per Centra environment (the limits are shared by every integration on it), per
10-second and 1-hour fixed window, in the database so every process counts in one place.

A call is reserved in every bucket it draws from (a mutation counts as a request too) inside
one transaction; when any bucket is over its quota all are given back and the caller learns
how long to wait."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from connectors.centra.models import CentraRateWindow

REQUEST, MUTATION = "request", "mutation"
# Windows older than a day are dropped now and then.
KEEP_S = 24 * 3600


@dataclass(frozen=True)
class Bucket:
    name: str
    interval_s: int
    quota: int


def buckets(*, mutation: bool) -> list[Bucket]:
    """The buckets a call draws from, with the quotas in the settings."""
    drawn = [
        Bucket(REQUEST, 10, settings.CENTRA_REQUESTS_PER_10S),
        Bucket(REQUEST, 3600, settings.CENTRA_REQUESTS_PER_HOUR),
    ]
    if mutation:
        drawn += [
            Bucket(MUTATION, 10, settings.CENTRA_MUTATIONS_PER_10S),
            Bucket(MUTATION, 3600, settings.CENTRA_MUTATIONS_PER_HOUR),
        ]
    return drawn


def _increment(environment: str, bucket: Bucket, window: int, step: int) -> int:
    rows = CentraRateWindow.objects.filter(
        environment=environment, bucket=bucket.name, interval_s=bucket.interval_s, window=window
    )
    if not rows.update(calls=F("calls") + step):
        try:
            with transaction.atomic():
                CentraRateWindow.objects.create(
                    environment=environment,
                    bucket=bucket.name,
                    interval_s=bucket.interval_s,
                    window=window,
                    calls=max(step, 0),
                )
        except IntegrityError:  # another process created it first
            rows.update(calls=F("calls") + step)
    return rows.values_list("calls", flat=True).first() or 0


def bucket_reserve(environment: str, *, mutation: bool, now: float | None = None) -> float:
    """Count one call; 0.0 when granted, else the seconds until the fullest bucket's next
    window (nothing counted)."""
    now = time.time() if now is None else now
    drawn = [(b, int(now // b.interval_s)) for b in buckets(mutation=mutation)]
    with transaction.atomic():
        counts = [_increment(environment, b, window, 1) for b, window in drawn]
        over = [(b, w) for (b, w), calls in zip(drawn, counts, strict=True) if calls > b.quota]
        if over:
            for b, window in drawn:
                _increment(environment, b, window, -1)
            return max((w + 1) * b.interval_s - now for b, w in over) + 0.001
    if int(now) % 600 == 0:
        CentraRateWindow.objects.filter(window__lt=int((now - KEEP_S) // 10)).filter(
            interval_s=10
        ).delete()
    return 0.0


def bucket_usage(environment: str, *, now: float | None = None) -> dict[str, int]:
    """Calls counted in the current windows: `{"request/10s": n, ...}` (for pages and tests)."""
    now = time.time() if now is None else now
    usage = {}
    for bucket in buckets(mutation=True):
        window = int(now // bucket.interval_s)
        calls = (
            CentraRateWindow.objects.filter(
                environment=environment,
                bucket=bucket.name,
                interval_s=bucket.interval_s,
                window=window,
            )
            .values_list("calls", flat=True)
            .first()
        )
        usage[f"{bucket.name}/{bucket.interval_s}s"] = calls or 0
    return usage
