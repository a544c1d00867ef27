"""Helpers shared by the test suite: the sandbox's control API and skip-or-fail."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_TOKEN = "sandbox-token"


# Tests that start the whole product (`run_hub`: sandbox, web server, qcluster and its workers)
# run one after another on one xdist worker (`--dist loadgroup`): two starting at once on a
# two-core machine take the cores from each other and from the rest of the suite.
WHOLE_PRODUCT = pytest.mark.xdist_group("whole_product")


def require_all() -> bool:
    return os.environ.get("HUB_REQUIRE_ALL", "") not in ("", "0", "false", "False")


def skip_or_fail(reason: str) -> None:
    """Skip where a service, browser or spec directory is missing; under HUB_REQUIRE_ALL=1 (CI)
    such a skip is a failure, so CI always runs everything."""
    if require_all():
        pytest.fail(f"HUB_REQUIRE_ALL=1 but: {reason}")
    pytest.skip(reason)


def clear_redis_rate_counter(url: str) -> None:
    """Delete the rate counter's keys of this run (its worker's prefix) from the Redis at url;
    other runs and workers sharing the server keep theirs."""
    import redis
    from django.conf import settings

    connection = redis.Redis.from_url(url)
    keys = list(connection.scan_iter(f"{settings.REDIS_KEY_PREFIX}:rate:*"))
    if keys:
        connection.delete(*keys)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 60.0, proc: subprocess.Popen | None = None):
    """Until something listens on the port (a process starting up: on a machine busy with
    parallel tests that can take a while; a process that exits fails at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_command(
    command: str, *args: str, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start a `manage.py <command> --port N` server in its own process; returns the process
    and its URL once it listens (the stand-ins' run commands)."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", command, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc=proc)
    except Exception:
        proc.kill()
        raise RuntimeError(
            f"{command} did not start: {proc.stderr.read().decode()[-2000:]}"
        ) from None
    return proc, f"http://127.0.0.1:{port}"


def start_sandbox(*args: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `manage.py run_sandbox` in its own process; returns the process and its URL."""
    return start_command("run_sandbox", *args, port=port)


class Sandbox:
    """The sandbox's control API (`/_sandbox/...`), as tests use it."""

    def __init__(self, url: str, token: str = SANDBOX_TOKEN):
        self.url = url
        self.token = token
        self.http = requests.Session()
        # Log entries a test cleared (or reset) away, kept for the contract check.
        self.cleared: list[dict] = []

    def _call(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.url}/_sandbox/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self.cleared += self.requests()
        self._call("POST", "reset")

    def seed(self, **objects) -> dict:
        return self._call("POST", "seed", json=objects)

    def seed_demo(self) -> dict:
        return self._call("POST", "seed", json={"preset": "demo"})

    def set_stock(self, number: str, warehouse: str, physical) -> dict:
        body = {"number": number, "warehouse": warehouse, "physical": physical}
        return self._call("POST", "stock", json=body)

    def state(self) -> dict:
        return self._call("GET", "state")

    def faults(self, **faults) -> None:
        self._call("PUT", "faults", json=faults)

    def requests(self, *, path_prefix: str = "", method: str = "") -> list[dict]:
        entries = self._call("GET", "requests")
        entries = entries["data"] if isinstance(entries, dict) else entries
        return [
            e
            for e in entries
            if e["path"].startswith(path_prefix) and (not method or e["method"] == method)
        ]

    def clear_requests(self) -> None:
        self.cleared += self.requests()
        self._call("DELETE", "requests")

    def every_request(self) -> list[dict]:
        """The whole test's log: what was cleared away, then what is still logged."""
        return self.cleared + self.requests()

    def api(self, method: str, path: str, **kwargs) -> "requests.Response":
        """A raw call to the sandbox's Xentral API with the right token and Accept header."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        return self.http.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
