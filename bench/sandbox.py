"""Benchmark: sandbox throughput with keep-alive clients.

The sandbox runs in its own process (rate limit off, request log on); two client processes
each loop `GET /api/v2/products?page[number]=1&page[size]=10` on one keep-alive session.
Prints requests per second, latency percentiles and how many connections were opened.

    python bench/sandbox.py [--seconds 5] [--clients 2]
"""

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import SANDBOX_TOKEN, start_sandbox  # noqa: E402

PATH = "/api/v2/products?page[number]=1&page[size]=10"


def client(url: str, seconds: float, results) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}", "Accept": "application/json"}
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = session.get(url + PATH, headers=headers)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}")
    manager = session.get_adapter(url).poolmanager
    opened = sum(manager.pools[key].num_connections for key in manager.pools.keys())  # noqa: SIM118 (an LRU container, not a dict)
    results.put((latencies, opened))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    proc, url = start_sandbox("--rate-limit", "off")
    try:
        requests.post(
            f"{url}/_sandbox/seed", json={"preset": "demo"}, timeout=30
        ).raise_for_status()
        results = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=client, args=(url, args.seconds, results))
            for _ in range(args.clients)
        ]
        for worker in workers:
            worker.start()
        collected = [results.get(timeout=args.seconds + 60) for _ in workers]
        for worker in workers:
            worker.join()
        logged = len(requests.get(f"{url}/_sandbox/requests", timeout=30).json())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    latencies = sorted(latency for batch, _ in collected for latency in batch)
    connections = sum(opened for _, opened in collected)
    total = len(latencies)
    print(f"sandbox: {args.clients} client processes, keep-alive, rate limit off, request log on")
    print(f"  requests:          {total} in {args.seconds:g} s")
    print(f"  throughput:        {total / args.seconds:.0f} requests/s (goal >= 500)")
    print(f"  latency p50 / p99: {statistics.median(latencies) * 1000:.2f} ms / "
          f"{latencies[int(total * 0.99) - 1] * 1000:.2f} ms")  # fmt: skip
    reused = connections <= args.clients
    print(f"  connections opened: {connections} for {total} requests (kept alive: {reused})")
    print(f"  request log entries: {logged}")


if __name__ == "__main__":
    main()
