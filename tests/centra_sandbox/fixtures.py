"""The Centra stand-in for tests: one process per test session, reset before each test.

Use it from any test directory by importing the fixtures into that directory's conftest:

    from tests.centra_sandbox.fixtures import centra_sandbox, centra_sandbox_server  # noqa: F401

`centra_sandbox` is a `CentraSandbox`: `.url` (base), `.graphql_url`, `.token`, the control API
(`create_order`, `release`, `hold`, `register_webhook`, `state`, `set_faults`, `requests`,
`webhooks`, `wait_for_deliveries`) and `graphql(query, variables)` for a plain authorised call.
"""

import subprocess
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support import start_command

CENTRA_TOKEN = "centra-token"


def start_centra_sandbox(*args: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `manage.py run_centra_sandbox` in its own process; returns it and its base URL."""
    return start_command("run_centra_sandbox", *args, port=port)


class CentraSandbox:
    """The stand-in's control API (`/_centra/...`) and a plain GraphQL caller."""

    def __init__(self, url: str, token: str = CENTRA_TOKEN):
        self.url = url
        self.graphql_url = f"{url}/graphql"
        self.token = token
        self.http = requests.Session()

    def _call(self, method: str, path: str, body=None):
        response = self.http.request(method, f"{self.url}/_centra/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._call("POST", "reset")

    def register_webhook(self, url: str, secret: str, retries: int = 0) -> dict:
        return self._call("POST", "webhooks", {"url": url, "secret": secret, "retries": retries})

    def create_order(
        self, lines, *, email="kunde@example.com", currency="EUR", on_hold=False, **extra
    ) -> int:
        """`lines`: [{"sku", "quantity", "unitPrice"}]; extra keys: shippingPrice, discount,
        wholesale, taxPercent, purchaseOrderNumber, market."""
        body = {"email": email, "lines": lines, "currency": currency, "onHold": on_hold, **extra}
        return self._call("POST", "orders", body)["number"]

    def release(self, number: int) -> dict:
        return self._call("POST", f"orders/{number}/release")

    def hold(self, number: int) -> dict:
        return self._call("POST", f"orders/{number}/hold")

    def state(self) -> dict:
        return self._call("GET", "state")

    def order(self, number: int) -> dict:
        return next(o for o in self.state()["orders"] if o["number"] == number)

    def stock(self, sku: str, warehouse: int) -> int:
        rows = self.state()["stock"]
        return next(r["quantity"] for r in rows if r["sku"] == sku and r["warehouse"] == warehouse)

    def set_faults(self, **faults) -> None:
        self._call("PUT", "faults", faults)

    def requests(self) -> list[dict]:
        return self._call("GET", "requests")

    def webhooks(self) -> dict:
        return self._call("GET", "webhooks")

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[dict]:
        """The webhook deliveries once `count` attempts were made (or fail after `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.webhooks()
            if len(seen["deliveries"]) >= count and not seen["pending"]:
                return seen["deliveries"]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(seen['deliveries'])} of {count} webhook deliveries")
            time.sleep(0.05)

    def graphql(self, query: str, variables: dict | None = None, *, token: str | None = None):
        """POST /graphql as an integration would; returns the `requests` response."""
        return self.http.post(
            self.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.token}"},
            timeout=30,
        )


@pytest.fixture(scope="session")
def centra_sandbox_server():
    proc, url = start_centra_sandbox("--token", CENTRA_TOKEN)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def centra_sandbox(centra_sandbox_server) -> Iterator[CentraSandbox]:
    """A freshly seeded stand-in (no orders, no receivers, no faults, full rate buckets)."""
    control = CentraSandbox(centra_sandbox_server)
    control.reset()
    yield control
    # No delivery of this test may reach the hub while its database is torn down (a late one
    # took locks the PostgreSQL flush deadlocked on): drop the queue, let one in flight end.
    control.reset()
    deadline = time.monotonic() + 10
    while control.webhooks()["pending"] and time.monotonic() < deadline:
        time.sleep(0.05)
