"""Retry backoff shared by everything the hub retries (orders, webhooks)."""

import random


def backoff_delay(attempts: int, *, base_s: float, cap_s: float) -> float:
    """Full jitter: uniform between 0 and min(cap, base * 2**attempts) seconds."""
    ceiling = min(cap_s, base_s * 2**attempts)
    return random.uniform(0, ceiling)
