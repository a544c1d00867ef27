"""The sandbox's rate limiter: fixed windows, as Xentral counts, starting at a phase drawn at
random when the sandbox starts, so a client cannot rely on windows aligned to the clock."""

import threading
import time

UNLIMITED = 1_000_000


class RateLimiter:
    """`limit` calls per `window` seconds; `None` means no limit."""

    def __init__(self, limit: int | None, window: float, *, phase: float = 0.0):
        """`phase` (a fraction of the window) shifts where windows start."""
        self.limit, self.window = limit, window
        self.offset = (phase % 1.0) * window
        self.window_start, self.count = 0.0, 0
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, int, int, float]:
        """(allowed, limit, remaining, reset at Unix time)."""
        if not self.limit:
            return True, UNLIMITED, UNLIMITED, time.time()
        with self.lock:
            now = time.time()
            start = now - ((now - self.offset) % self.window)
            if start != self.window_start:
                self.window_start, self.count = start, 0
            reset = self.window_start + self.window
            if self.count >= self.limit:
                return False, self.limit, 0, reset
            self.count += 1
            return True, self.limit, self.limit - self.count, reset
