"""The sandbox's request log: what each call sent and how it was answered, for tests to read.

An answer's body is kept as bytes and decoded only when the log is read, so logging costs the
server little.
"""

import json
import threading
import time
from collections import deque

from werkzeug.wrappers import Request, Response

REQUEST_LOG_SIZE = 50_000


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: deque = deque(maxlen=REQUEST_LOG_SIZE)

    def record(
        self, request: Request, response: Response | None, fault: str | None, duration_ms: float
    ) -> None:
        """`response` is None when the connection was dropped; `fault` names an injected
        fault (`injected`, `drop`, `commitThenDrop`) that shaped the answer."""
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
            "status": response.status_code if response is not None else 0,
            "durationMs": round(duration_ms, 3),
            "at": time.time(),
            "response": {
                "status": response.status_code if response is not None else 0,
                "headers": dict(response.headers) if response is not None else {},
                "body": response.get_data() if response is not None else b"",
                "fault": fault,
            },
        }
        with self.lock:
            self.entries.append(entry)

    def read(self) -> list[dict]:
        with self.lock:
            entries = list(self.entries)
        return [
            {**entry, "response": {**entry["response"], "body": _decoded(entry["response"])}}
            for entry in entries
        ]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _decoded(answer: dict):
    """JSON bodies as JSON, other bodies as text, no body as None."""
    raw = answer["body"]
    if not raw:
        return None
    if "json" in answer["headers"].get("Content-Type", ""):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw.decode("utf-8", "replace")[:2000]
