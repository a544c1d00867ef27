"""A plain deploy (migrate, a web process, a worker; no other command) retries an order that
Xentral's outage left queued: the schedules come with `migrate`."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.orders.conftest import order_payload, sales_orders
from tests.support import ROOT, SANDBOX_TOKEN, free_port, wait_for_port

IMPORT = "/api/v1/salesOrders/actions/import"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_plain_deploy_retries_an_order_queued_during_an_outage(demo, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "XENTRAL_URL": demo.url,
        "XENTRAL_TOKEN": SANDBOX_TOKEN,
        "XENTRAL_RATE_LIMIT": "100000",
        "ORDER_RETRY_BASE_S": "0.01",
        "ORDER_RETRY_CAP_S": "0.05",
        "DEBUG": "True",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(env, "migrate", "--noinput")
    key = _manage(
        env, "create_channel", "Deploy Shop", "--scopes", "orders:write,orders:read",
        "--allow-customer-creation", "--sales-channel-id", "1",
    ).strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for args in (["runserver", f"127.0.0.1:{port}", "--noreload"], ["qcluster"])
    ]
    try:
        wait_for_port(port, proc=procs[0])
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {key}"
        demo.faults(errorRate=1.0, errorStatus=503, paths=[IMPORT])

        accepted = http.post(f"http://127.0.0.1:{port}/api/v1/orders", json=order_payload())
        demo.faults()

        assert accepted.status_code == 202
        order_url = accepted.headers["Location"]
        status, deadline = "queued", time.monotonic() + 150
        while status != "created" and time.monotonic() < deadline:
            time.sleep(1)
            status = http.get(order_url, timeout=10).json()["status"]
        assert status == "created"
        assert len(sales_orders(demo, "SHOP-12345")) == 1
        health = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10)
        assert health.json()["checks"]["worker"]["ok"] is True
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            # qcluster stops its workers first, slowly on a busy machine; what this test is
            # about is done, and how the hub stops is tests/backoffice/test_run_hub.py's.
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
