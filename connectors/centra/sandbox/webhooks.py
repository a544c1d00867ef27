"""Webhook delivery as Centra's webhook plugin does it in "Integration API" mode
(docs.centra.com/plugins/centra-webhook, CENTRA.md §1.6):

- `POST` with `Content-Type: application/x-www-form-urlencoded`, the JSON in one form field
  `payload=` (`{"events": [{"type": "order", "action": ..., "date": ..., "id": <number>}]}`);
- `X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;
- a 5-second timeout, no retries unless the receiver was registered with `retries` (1 - 3,
  with a growing delay); a delivery that still fails is dropped.

Deliveries run on a worker thread, in order, so the control API answers at once.
"""

import hashlib
import hmac
import json
import queue
import threading
import time
from datetime import UTC, datetime
from urllib.parse import quote_plus

import requests

TIMEOUT_S = 5.0
MAX_RETRIES = 3
RETRY_DELAYS_S = (1.0, 3.0, 9.0)


def sign(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def form_body(payload: dict) -> str:
    """`payload=<urlencoded JSON>`, encoded as PHP's urlencode does (a space as `+`); the
    signature covers exactly this string."""
    return "payload=" + quote_plus(json.dumps(payload, separators=(",", ":")), safe="")


def event(action: str, number: int) -> dict:
    return {
        "type": "order",
        "action": action,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "id": number,
    }


class Webhooks:
    def __init__(self):
        self.lock = threading.Lock()
        self.receivers: list[dict] = []
        self.deliveries: list[dict] = []
        self.queue: queue.Queue = queue.Queue()
        self.session = requests.Session()
        threading.Thread(target=self._work, daemon=True, name="centra-webhooks").start()

    def register(self, url: str, secret: str, retries: int = 0) -> dict:
        if not url.startswith(("http://", "https://")):
            raise ValueError("url: an http(s) URL is required")
        if not 0 <= retries <= MAX_RETRIES:
            raise ValueError(f"retries: 0 - {MAX_RETRIES}")
        receiver = {"url": url, "secret": secret, "retries": retries}
        with self.lock:
            self.receivers = [r for r in self.receivers if r["url"] != url] + [receiver]
        return receiver

    def reset(self) -> None:
        with self.lock:
            self.receivers = []
            self.deliveries = []
            self.generation = getattr(self, "generation", 0) + 1

    def send(self, events: list[dict]) -> None:
        """Queue one delivery of `events` to every receiver."""
        if not events:
            return
        with self.lock:
            receivers = list(self.receivers)
            generation = getattr(self, "generation", 0)
        for receiver in receivers:
            self.queue.put((generation, receiver, {"events": events}))

    def read(self) -> dict:
        with self.lock:
            return {
                "receivers": [{"url": r["url"], "retries": r["retries"]} for r in self.receivers],
                "deliveries": list(self.deliveries),
                "pending": self.queue.unfinished_tasks,
            }

    def _work(self) -> None:
        while True:
            generation, receiver, payload = self.queue.get()
            try:
                if generation == getattr(self, "generation", 0):
                    self._deliver(receiver, payload)
            finally:
                self.queue.task_done()

    def _deliver(self, receiver: dict, payload: dict) -> None:
        body = form_body(payload)
        for attempt in range(receiver["retries"] + 1):
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Centra-Signature": sign(receiver["secret"], timestamp, body),
            }
            record = {
                "url": receiver["url"],
                "attempt": attempt + 1,
                "payload": payload,
                "body": body,
                "signature": headers["X-Centra-Signature"],
            }
            try:
                answer = self.session.post(
                    receiver["url"], data=body.encode(), headers=headers, timeout=TIMEOUT_S
                )
                record["status"] = answer.status_code
                ok = 200 <= answer.status_code < 300
            except requests.RequestException as exc:
                record["status"], record["error"], ok = 0, type(exc).__name__, False
            with self.lock:
                self.deliveries.append(record)
            if ok or attempt == receiver["retries"]:
                return
            time.sleep(RETRY_DELAYS_S[attempt])
