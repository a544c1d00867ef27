"""The sandbox's request log: what each call sent and how it was answered, for tests to read."""

import json
import threading
import time
from collections import deque

from werkzeug.wrappers import Request

REQUEST_LOG_SIZE = 50_000


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: deque = deque(maxlen=REQUEST_LOG_SIZE)

    def record(self, request: Request, status: int, duration_ms: float) -> None:
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
        with self.lock:
            self.entries.append(entry)

    def read(self) -> list[dict]:
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
