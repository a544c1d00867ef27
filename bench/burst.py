"""Benchmark: a flash sale at Xentral's real rate limit (the sandbox and the hub at 100 calls/min).

    python bench/burst.py [--orders 120] [--clients 8] [--db sqlite|postgres]

With Q2_REDIS_URL set (use a database of its own), the rate budget and the task queue live in
Redis, as a scaled-out deployment runs them.

A fresh hub database (gunicorn + one `qcluster`, installed by `migrate` alone) in front of the
sandbox with its rate limit on. After a warm-up, at the turn of a rate window, `--clients`
shops send `--orders` orders as fast as they can. Prints, all measured: the drain rate as a
share of what the ceiling allows for the calls the orders need, calls sent per call needed,
429 answers, the shop's answer times, and lost and duplicated orders.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.orders import (  # noqa: E402
    CUSTOMER,
    PYTHON,
    TOKEN,
    Backend,
    free_port,
    manage,
    percentile,
    wait_http,
)

LIMIT, WINDOW_S = 100, 60
DONE = {"created", "failed", "resolved"}


class Burst:
    def __init__(self, orders: int, clients: int, db: str):
        self.orders, self.clients = orders, clients
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-burst-"))
        self.procs: list[subprocess.Popen] = []
        self.backend = Backend(db, self.tmp)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.backend.url,
            "XENTRAL_TOKEN": TOKEN,
            "XENTRAL_RATE_LIMIT": str(LIMIT),
            "XENTRAL_RATE_WINDOW_S": str(WINDOW_S),
            "LOG_LEVEL": "WARNING",
            # As deployed: DEBUG off (no query log), plain HTTP on loopback.
            "DEBUG": "False",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "SECURE_SSL_REDIRECT": "False",
        }
        self.tag = uuid.uuid4().hex[:6]

    def _spawn(self, args: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        sandbox_port, hub_port = free_port(), free_port()
        self.sandbox = f"http://127.0.0.1:{sandbox_port}"
        self.hub = f"http://127.0.0.1:{hub_port}"
        self.env["XENTRAL_URL"] = self.sandbox
        self.env["HUB_BASE_URL"] = self.hub
        sandbox = self._spawn(
            [PYTHON, "manage.py", "run_sandbox", "--port", str(sandbox_port),
             "--rate-limit", f"{LIMIT}/{WINDOW_S}", "--token", TOKEN, "--seed", "demo"]
        )  # fmt: skip
        wait_http(f"{self.sandbox}/_sandbox/state", sandbox)
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "shell", "-c", "from catalog.index import products_sync; products_sync()")
        # The burst is measured with no bulk work running: only the order schedules stay.
        manage(
            self.env, "shell", "-c",
            "from django_q.models import Schedule; "
            "Schedule.objects.exclude(func__in=['orders.tasks.retry_due_orders', "
            "'orders.tasks.deliver_due_webhooks']).delete()",
        )  # fmt: skip
        self.keys = [self._channel_key(f"Shop {i}") for i in range(self.clients)]
        web = self._spawn(
            [str(Path(PYTHON).parent / "gunicorn"), "backoffice.wsgi", "-w", "2", "--threads",
             "8", "-k", "gthread", "-b", f"127.0.0.1:{hub_port}", "--log-level", "warning"]
        )  # fmt: skip
        self._spawn([PYTHON, "manage.py", "qcluster"])
        wait_http(f"{self.hub}/healthz", web)
        self.sessions = []
        for key in self.keys:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {key}"
            self.sessions.append(session)

    def _channel_key(self, name: str) -> str:
        out = manage(
            self.env, "create_channel", name, "--scopes", "orders:write,orders:read",
            "--allow-customer-creation", "--sales-channel-id", "1",
        )  # fmt: skip
        return out.strip().splitlines()[-1]

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.backend.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.sandbox}/_sandbox/{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def hub_calls(self) -> list[dict]:
        entries = self.control("GET", "requests")
        entries = entries["data"] if isinstance(entries, dict) else entries
        agent = "xentral-hub/"
        return [e for e in entries if e.get("headers", {}).get("User-Agent", "").startswith(agent)]

    def post(self, client: int, reference: str) -> tuple[int, float, str]:
        payload = {
            "reference": reference,
            "customer": CUSTOMER,
            "items": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}],
            "shipping": "dhl_standard",
            "payment": "paypal",
        }
        started = time.perf_counter()
        response = self.sessions[client].post(f"{self.hub}/api/v1/orders", json=payload, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        return response.status_code, elapsed, response.headers.get("Location", "")

    def warm_up(self) -> int:
        """Every web process learns the methods and the customer; returns the calls one warm
        order needs, as measured."""
        for client in range(self.clients):
            self.post(client, f"WARM-{self.tag}-{client}")
        self.control("DELETE", "requests")
        status, _, _ = self.post(0, f"WARM-{self.tag}-measure")
        calls = len(self.hub_calls())
        if status != 201:
            raise SystemExit(f"the warm order answered {status}; wait for a fresh window")
        return calls

    def burst(self) -> tuple[list, float]:
        # Start at a window's turn, so the figures do not depend on when the run began.
        time.sleep(WINDOW_S - time.time() % WINDOW_S + 0.5)
        self.control("DELETE", "requests")
        started = time.perf_counter()

        def shop(client: int) -> list:
            count = len(range(client, self.orders, self.clients))
            return [
                self.post(client, f"B-{self.tag}-{client}-{n}") for n in range(count)
            ]  # fmt: skip

        with ThreadPoolExecutor(self.clients) as pool:
            answers = [a for batch in pool.map(shop, range(self.clients)) for a in batch]
        while True:
            if not self._pending() or time.perf_counter() - started > 15 * 60:
                return answers, time.perf_counter() - started
            time.sleep(0.25)

    def _pending(self) -> int:
        pending = 0
        for session in self.sessions:
            for status in ("received", "queued", "processing"):
                body = session.get(f"{self.hub}/api/v1/orders", params={"status": status}).json()
                pending += len(body["data"])
        return pending


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=120)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    run = Burst(args.orders, args.clients, args.db)
    try:
        run.start()
        per_order = run.warm_up()
        answers, elapsed = run.burst()
        calls = run.hub_calls()
        xentral = [
            o for o in run.control("GET", "state")["salesOrders"]
            if str(o.get("externalOrderNumber", "")).startswith(f"B-{run.tag}-")
        ]  # fmt: skip
    finally:
        run.stop()
    needed = per_order * args.orders
    ceiling_s = needed / LIMIT * WINDOW_S
    accepted = sum(1 for status, _, _ in answers if status in (200, 201, 202))
    distinct = len({o["externalOrderNumber"] for o in xentral})
    statuses: dict[int, int] = {}
    for status, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [elapsed_ms for _, elapsed_ms, _ in answers]
    by_status = {
        status: percentile([ms for s, ms, _ in answers if s == status], 99) for status in statuses
    }
    too_many = sum(1 for c in calls if c["status"] == 429)
    per_window: dict[int, int] = {}
    for call in calls:
        window = int(call["at"] // WINDOW_S)
        per_window[window] = per_window.get(window, 0) + 1
    first = min(per_window, default=0)
    print(
        f"burst: {args.orders} orders from {args.clients} shops, Xentral limit {LIMIT}/min, "
        f"{args.db}" + (" + Redis (budget and queue)" if os.environ.get("Q2_REDIS_URL") else "")
    )
    print(f"  answers to the shops:     {dict(sorted(statuses.items()))}")
    print(f"  calls needed:             {needed} ({per_order} per warm order, measured)")
    rate = ceiling_s / elapsed * 100
    print(f"  drained in:               {elapsed:.1f} s; the ceiling allows {ceiling_s:.1f} s "
          f"-> drain rate {rate:.0f} % of the ceiling (goal >= 90 %)")  # fmt: skip
    print(f"  calls sent per call needed: {len(calls) / needed:.3f} ({len(calls)} sent) "
          "(goal <= 1.1)")  # fmt: skip
    print("  calls per hub window:     " + ", ".join(
        f"+{(w - first) * WINDOW_S:.0f} s: {n}"
        for w, n in sorted(per_window.items())))  # fmt: skip
    print(f"  429 answers:              {too_many} (goal <= 2)")
    print(f"  answer time to the shop:  p50 {percentile(latencies, 50):.0f} ms, "
          f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms "
          "(goal p99 < 500 ms)")  # fmt: skip
    print("  p99 by answer:            " + ", ".join(
        f"{status}: {ms:.0f} ms" for status, ms in sorted(by_status.items())))  # fmt: skip
    print(f"  lost:                     {accepted - distinct} (accepted {accepted}, in Xentral "
          f"{distinct})")  # fmt: skip
    print(f"  duplicated:               {len(xentral) - distinct}")


if __name__ == "__main__":
    main()
