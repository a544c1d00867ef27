"""Centra's webhook signature (C-WH): `X-Centra-Signature: t=<unix>,v1=<hex>` where v1 is the
hex HMAC-SHA256 of `"<t>.<raw body>"` keyed with the endpoint secret. The docs set no time
window; the hub accepts `CENTRA_WEBHOOK_TOLERANCE_S` (5 min) either way, against replays."""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Centra-Signature"


def signature_compute(*, secret: str, timestamp: str, raw: bytes) -> str:
    message = timestamp.encode() + b"." + raw
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, raw: bytes, timestamp: int | None = None) -> str:
    """The header a delivery of `raw` carries (for the stand-in's counterpart and tests)."""
    t = str(int(time.time()) if timestamp is None else timestamp)
    return f"t={t},v1={signature_compute(secret=secret, timestamp=t, raw=raw)}"


def _parts(header: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value.lower())
    return timestamp, signatures


def signature_valid(
    *, secret: str, header: str, raw: bytes, tolerance_s: float, now: float | None = None
) -> bool:
    """The header names a time within the window and a v1 matching the raw body (compared in
    constant time)."""
    if not secret or not header:
        return False
    timestamp, signatures = _parts(header)
    if not timestamp.isdigit() or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, raw=raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
