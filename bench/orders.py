"""Benchmark of the order API: the hub under gunicorn against the sandbox, on SQLite and PostgreSQL.

    python bench/orders.py [--db sqlite|postgres|both] [--orders 200]

Prints per backend: orders/second and hub overhead p50/p99 (hub latency minus the sandbox's
`durationMs` for that order's calls) at 1 and 16 concurrent clients, with the hub's CPU time
per order (web: the gunicorn processes; worker: the `qcluster` processes; read from
/proc/<pid>/stat of every process of each tree, so it does not depend on the machine's load),
Xentral calls per order warm (known customer) and cold (new customer), the same for a
"number later" channel (numbers read by the worker's sweep, 50 per call), and after a run with
10 % 503s and 5 % commit-then-drop (then faults cleared and the retry service run until
nothing is queued) the number of Xentral orders against the accepted ones.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN = "sandbox-token"
# Import + order read; a new customer adds search, create and address (V2 customers).
WARM_CALLS, COLD_CALLS = 2, 5
CUSTOMER = {
    "email": "kunde@example.com",
    "name": "Max Mustermann",
    "street": "Musterstraße 1",
    "zip": "12345",
    "city": "Musterstadt",
    "country": "DE",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(url)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def process_tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of `root` and every live process below it, plus what its
    ended children used (the kernel's cutime/cstime), from /proc (Linux)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in stats.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


class HubCpu:
    """The CPU the hub's web and worker processes use between two readings."""

    def __init__(self, web: subprocess.Popen, worker: subprocess.Popen):
        self.web, self.worker = web, worker
        self.start()

    def start(self) -> None:
        self.since = (process_tree_cpu_s(self.web.pid), process_tree_cpu_s(self.worker.pid))

    def per_order_ms(self, orders: int) -> tuple[float, float]:
        web = process_tree_cpu_s(self.web.pid) - self.since[0]
        worker = process_tree_cpu_s(self.worker.pid) - self.since[1]
        return web * 1000 / max(orders, 1), worker * 1000 / max(orders, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Backend:
    """A fresh database of one kind, created and dropped by the benchmark."""

    def __init__(self, kind: str, tmp: Path):
        self.kind = kind
        self.name = f"bench_orders_{os.getpid()}"
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        else:
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"
            self._admin(f'CREATE DATABASE "{self.name}"')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Run:
    def __init__(self, kind: str, total: int):
        self.kind = kind
        self.total = total
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-orders-"))
        self.procs: list[subprocess.Popen] = []
        self.backend = Backend(kind, self.tmp)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.backend.url,
            "XENTRAL_TOKEN": TOKEN,
            "XENTRAL_RATE_LIMIT": "100000000",
            "ORDER_RETRY_BASE_S": "0.01",
            "ORDER_RETRY_CAP_S": "0.05",
            "ORDER_MAX_ATTEMPTS": "1000",
            "LOG_LEVEL": "WARNING",
            # As deployed: DEBUG off (no query log), plain HTTP on loopback.
            "DEBUG": "False",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "SECURE_SSL_REDIRECT": "False",
        }

    def start(self) -> None:
        sandbox_port, hub_port = free_port(), free_port()
        self.sandbox = f"http://127.0.0.1:{sandbox_port}"
        self.hub = f"http://127.0.0.1:{hub_port}"
        self.env["XENTRAL_URL"] = self.sandbox
        self.env["HUB_BASE_URL"] = self.hub
        sandbox = subprocess.Popen(
            [PYTHON, "manage.py", "run_sandbox", "--port", str(sandbox_port),
             "--rate-limit", "off", "--token", TOKEN, "--seed", "demo"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(sandbox)
        wait_http(f"{self.sandbox}/_sandbox/state", sandbox)
        manage(self.env, "migrate", "--noinput")
        manage(
            self.env,
            "shell",
            "-c",
            "from catalog.index import products_sync; products_sync(full=True)",
        )
        # No schedules: the worker runs only what the benchmark (or the hub) hands it, so the
        # figures hold no fulfilment polls or sweeps that happened to fall into a run.
        manage(
            self.env, "shell", "-c",
            "from django_q.models import Schedule; Schedule.objects.all().delete()",
        )  # fmt: skip
        self.key = self._channel_key("Bench")
        self.later_key = self._channel_key("Bench number later")
        manage(
            self.env, "shell", "-c",
            "from backoffice.models import Channel; "
            "Channel.objects.filter(name='Bench number later').update(number_later=True)",
        )  # fmt: skip
        hub = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "backoffice.wsgi", "-w", "2",
             "--threads", "8", "-k", "gthread", "-b", f"127.0.0.1:{hub_port}",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(hub)
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "qcluster"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(worker)
        wait_http(f"{self.hub}/healthz", hub)
        self.cpu = HubCpu(hub, worker)
        self.http = self._session(self.key)
        self.later_http = self._session(self.later_key)

    def _channel_key(self, name: str) -> str:
        return manage(
            self.env, "create_channel", name, "--scopes", "orders:write,orders:read",
            "--allow-customer-creation", "--sales-channel-id", "1",
        ).strip().splitlines()[-1]  # fmt: skip

    @staticmethod
    def _session(key: str) -> requests.Session:
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))
        session.headers["Authorization"] = f"Bearer {key}"
        return session

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.backend.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.sandbox}/_sandbox/{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def sandbox_requests(self) -> list[dict]:
        entries = self.control("GET", "requests")
        return entries["data"] if isinstance(entries, dict) else entries

    def post(
        self, reference: str, email: str = CUSTOMER["email"], http: requests.Session | None = None
    ) -> tuple[int, float, dict]:
        payload = {
            "reference": reference,
            "customer": {**CUSTOMER, "email": email},
            "items": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}],
            "shipping": "dhl_standard",
            "payment": "paypal",
        }
        started = time.perf_counter()
        response = (http or self.http).post(f"{self.hub}/api/v1/orders", json=payload, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        return response.status_code, elapsed, response.json()

    def hub_calls(self) -> list[dict]:
        return [
            e for e in self.sandbox_requests()
            if e.get("headers", {}).get("User-Agent", "").startswith("xentral-hub/")
        ]  # fmt: skip

    # --- measurements ----------------------------------------------------------------------

    def throughput(self, clients: int, count: int) -> str:
        self.control("DELETE", "requests")
        tag = uuid.uuid4().hex[:6]
        self.cpu.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda i: self.post(f"B{clients}-{tag}-{i}"), range(count)))
        wall = time.perf_counter() - started
        web_ms, worker_ms = self.cpu.per_order_ms(count)
        by_reference: dict[str, float] = {}
        ids = {}
        for status, elapsed, body in results:
            if status == 201:
                by_reference[body["reference"]] = elapsed
                ids[body["xentral"]["order_id"]] = body["reference"]
        remote: dict[str, float] = dict.fromkeys(by_reference, 0.0)
        for entry in self.hub_calls():
            body = entry.get("body") or {}
            reference = body.get("externalOrderNumber") if isinstance(body, dict) else None
            if reference is None and entry["path"].startswith("/api/v1/salesOrders/"):
                reference = ids.get(entry["path"].rsplit("/", 1)[-1])
            if reference in remote:
                remote[reference] += float(entry.get("durationMs") or 0)
        overhead = [by_reference[r] - remote[r] for r in by_reference]
        failed = count - len(by_reference)
        return (
            f"  {clients:>2} client(s): {len(by_reference) / wall:7.1f} orders/s, hub overhead "
            f"p50 {percentile(overhead, 50):6.1f} ms, p99 {percentile(overhead, 99):6.1f} ms; "
            f"hub CPU per order {web_ms + worker_ms:5.1f} ms (web {web_ms:.1f}, worker "
            f"{worker_ms:.1f}; goal <= 10 ms)" + (f" ({failed} not created)" if failed else "")
        )

    def calls_per_order(self) -> str:
        """Calls per order, exactly: warm (known customer, indexed SKUs, known methods) is the
        import and the order read; cold adds the customer search, create and address (the
        customer's number comes with the order read)."""
        self.control("DELETE", "requests")
        self.post(f"WARM-{uuid.uuid4().hex[:6]}")
        warm = [(e["method"], e["path"]) for e in self.hub_calls()]
        self.control("DELETE", "requests")
        self.post(f"COLD-{uuid.uuid4().hex[:6]}", email=f"neu-{uuid.uuid4().hex[:8]}@example.com")
        cold = [(e["method"], e["path"]) for e in self.hub_calls()]
        if (len(warm), len(cold)) != (WARM_CALLS, COLD_CALLS):
            raise SystemExit(
                f"calls per order: warm {warm} (expected {WARM_CALLS}), cold {cold} "
                f"(expected {COLD_CALLS})"
            )
        return (
            f"  Xentral calls per order: warm {len(warm)} (== {WARM_CALLS}), cold (new "
            f"customer) {len(cold)} (== {COLD_CALLS}): {' '.join(m for m, _ in cold)}"
        )

    def number_later(self, count: int) -> str:
        """A warm "number later" channel: one import per order while the shops wait, then the
        worker's sweep reads the numbers, 50 per call. Calls and CPU are per order, all in."""
        for i in range(4):  # every web process learns the new channel
            self.post(f"LPRE-{uuid.uuid4().hex[:6]}-{i}", http=self.later_http)
        self.control("DELETE", "requests")
        tag = uuid.uuid4().hex[:6]
        self.cpu.start()
        with ThreadPoolExecutor(16) as pool:
            results = list(
                pool.map(lambda i: self.post(f"L-{tag}-{i}", http=self.later_http), range(count))
            )
        answered = sum(1 for status, _, body in results if status == 201)
        without_number = sum(1 for _, _, body in results if not body["xentral"]["order_number"])
        manage(
            self.env, "shell", "-c",
            "from django_q.tasks import async_task; async_task('orders.tasks.retry_due_orders')",
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            reads = [c for c in self.hub_calls() if c["method"] == "GET"]
            if sum(len(c["query"].get("filter[0][value][]", [])) for c in reads) >= count:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # the webhooks' rows and the task's result are written after the call
        web_ms, worker_ms = self.cpu.per_order_ms(count)
        calls = self.hub_calls()
        reads = [c for c in calls if c["method"] == "GET"]
        numbered = sum(len(c["query"].get("filter[0][value][]", [])) for c in reads)
        return (
            f"  number later: {answered}/{count} answered 201 ({without_number} without a "
            f"number), {len(calls)} Xentral calls ({len(calls) - len(reads)} imports, "
            f"{len(reads)} number reads for {numbered} orders) -> {len(calls) / count:.3f} calls "
            f"per warm order (goal <= 1.05); hub CPU per order {web_ms + worker_ms:.1f} ms "
            f"(web {web_ms:.1f}, worker {worker_ms:.1f})"
        )

    def faults(self, count: int) -> str:
        self.control(
            "PUT", "faults", json={"errorRate": 0.1, "errorStatus": 503, "commitThenDropRate": 0.05}
        )
        tag = uuid.uuid4().hex[:6]
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda i: self.post(f"F-{tag}-{i}"), range(count)))
        self.control("PUT", "faults", json={})
        accepted = sum(1 for status, _, _ in results if status in (200, 201, 202))
        queued_after = (
            manage(
                self.env,
                "shell",
                "-c",
                "import time\n"
                "from orders.models import OrderRequest\n"
                "from orders.retries import orders_retry_due\n"
                "for _ in range(200):\n"
                "    orders_retry_due(limit=1000)\n"
                "    left = OrderRequest.objects.filter(\n"
                "        status__in=['queued', 'processing', 'received']).count()\n"
                "    if not left: break\n"
                "    time.sleep(0.1)\n"
                "print(left)",
            )
            .strip()
            .splitlines()[-1]
        )
        orders = self.control("GET", "state")["salesOrders"]
        ours = [o for o in orders if str(o.get("externalOrderNumber", "")).startswith(f"F-{tag}-")]
        distinct = len({o["externalOrderNumber"] for o in ours})
        statuses = {}
        for status, _, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        return (
            f"  faults (10 % 503, 5 % commit-then-drop): answers {dict(sorted(statuses.items()))}; "
            f"accepted {accepted}, Xentral orders {len(ours)} ({distinct} distinct references), "
            f"still queued {queued_after} -> {'EQUAL' if len(ours) == accepted else 'MISMATCH'}"
        )


def bench(kind: str, total: int) -> None:
    run = Run(kind, total)
    try:
        run.start()
        print(f"backend: {kind} ({run.backend.url.split('@')[-1]})", flush=True)
        for i in range(6):  # warm every worker's method cache and the customer link
            run.post(f"PRE-{uuid.uuid4().hex[:6]}-{i}")
        print(run.throughput(1, max(20, total // 4)), flush=True)
        print(run.throughput(16, total), flush=True)
        print(run.calls_per_order(), flush=True)
        print(run.number_later(min(total, 200)), flush=True)
        print(run.faults(total), flush=True)
    finally:
        run.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        bench(kind, args.orders)


if __name__ == "__main__":
    main()
