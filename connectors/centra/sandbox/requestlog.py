"""The stand-in's request log: each GraphQL call with its operation, status and answer, for
tests to read (`GET /_centra/requests`). The token is never logged."""

import threading
import time
from collections import deque

LOG_SIZE = 20_000


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: deque = deque(maxlen=LOG_SIZE)
        self.calls = 0

    def record(self, entry: dict) -> None:
        with self.lock:
            self.calls += 1
            self.entries.append({**entry, "at": time.time()})

    def read(self) -> list[dict]:
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.calls = 0
