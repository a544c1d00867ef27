"""Management commands: create_channel, setup_schedules, demo and run_hub."""

import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from backoffice.models import ApiKey, Channel
from backoffice.services import api_key_authenticate, hash_api_key
from catalog.models import Product
from tests.support import ROOT, WHOLE_PRODUCT, free_port, wait_for_port

pytestmark = pytest.mark.django_db


def create_channel(*args) -> list[str]:
    out = StringIO()
    call_command("create_channel", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_channel_prints_a_working_key_alone_on_the_last_line():
    lines = create_channel(
        "B2B Portal",
        "--scopes", "orders:write,orders:read,stock:read",
        "--project-id", "3",
        "--allow-customer-creation",
        "--allow-customer-number",
        "--payment-map", "paypal=4", "invoice=5",
        "--shipping-map", "dhl=7",
        "--payment-default", "5",
        "--sales-channel-id", "2",
        "--webhook-url", "https://shop.example.com/hook",
        "--webhook-secret", "s3cret",
    )  # fmt: skip
    raw_key = lines[-1]
    api_key = api_key_authenticate(raw_key=raw_key)
    assert api_key is not None
    channel = api_key.channel
    assert channel.name == "B2B Portal"
    assert (channel.project_id, channel.sales_channel_id, channel.payment_default) == (
        "3",
        "2",
        "5",
    )
    assert channel.payment_map == {"paypal": "4", "invoice": "5"}
    assert channel.shipping_map == {"dhl": "7"}
    assert channel.allow_customer_creation
    assert channel.allow_customer_number
    assert sorted(api_key.scopes) == ["orders:read", "orders:write", "stock:read"]
    assert api_key.key_hash == hash_api_key(raw_key)
    assert not ApiKey.objects.filter(key_hash=raw_key).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "orders:write,orders:delete"], "Unknown scope(s): orders:delete"),
        (["--scopes", "orders:write", "--payment-map", "paypal"], "--payment-map takes code=ID"),
        (["--scopes", "orders:write", "--shipping-map", "dhl=abc"], "--shipping-map takes code=ID"),
        (["--scopes", "orders:write", "--project-id", "x"], "--project-id takes a numeric"),
        (["--scopes", "orders:write", "--webhook-url", "https://x.example"], "--webhook-secret"),
    ],
)
def test_create_channel_rejects_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_channel("Shop", *args)
    assert not Channel.objects.exists()


def test_a_channel_orders_by_customer_number_only_when_told_so():
    create_channel("Shop", "--scopes", "orders:write")
    assert not Channel.objects.get(name="Shop").allow_customer_number


def test_create_channel_refuses_a_duplicate_name():
    create_channel("Shop", "--scopes", "orders:write")
    with pytest.raises(CommandError, match="exists already"):
        create_channel("Shop", "--scopes", "orders:write")


def test_revoked_key_no_longer_authenticates():
    raw_key = create_channel("Shop", "--scopes", "orders:write")[-1]
    api_key = api_key_authenticate(raw_key=raw_key)
    from backoffice.services import api_key_revoke

    api_key_revoke(api_key=api_key)
    assert api_key_authenticate(raw_key=raw_key) is None
    assert api_key_authenticate(raw_key=raw_key[:-1] + "x") is None


def test_setup_schedules_is_idempotent():
    call_command("setup_schedules", stdout=StringIO())
    names = set(Schedule.objects.values_list("name", flat=True))
    assert "hub:catalog:sync-products" in names
    assert any(name.startswith("orders") for name in names)
    call_command("setup_schedules", stdout=StringIO())
    assert Schedule.objects.count() == len(names)


def test_demo_sets_up_login_channel_products_and_orders(sandbox):
    out = StringIO()
    call_command("demo", stdout=out)
    first_key = out.getvalue().strip().splitlines()[-1]
    assert get_user_model().objects.get(username="demo").check_password("demo")
    channel = Channel.objects.get(name="Demo Shop")
    assert set(channel.payment_map) == {"paypal", "invoice"}
    assert set(channel.shipping_map) == {"dhl_standard", "pickup"}
    assert Product.objects.filter(number="ART-200").exists()
    assert api_key_authenticate(raw_key=first_key).channel == channel

    products_before = len(sandbox.state()["products"])
    out = StringIO()
    call_command("demo", stdout=out)
    second_key = out.getvalue().strip().splitlines()[-1]
    assert Channel.objects.filter(name="Demo Shop").count() == 1
    assert len(sandbox.state()["products"]) == products_before
    assert api_key_authenticate(raw_key=second_key) is not None
    assert api_key_authenticate(raw_key=first_key) is None, "older demo keys are revoked"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@WHOLE_PRODUCT
def test_run_hub_starts_everything_and_stops_it_on_ctrl_c(tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("XENTRAL_URL", "HUB_TEST_DB")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    env["Q2_REDIS_URL"] = ""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    hub = subprocess.Popen(
        [sys.executable, "manage.py", "run_hub", "--port", str(port),
         "--sandbox-port", str(sandbox_port), "--sandbox-state", str(tmp_path / "state.json"),
         "--centra-port", str(free_port())],  # never the fixed 8766 another run may hold
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=90, proc=hub)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        assert requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5).status_code == 200
        state = requests.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/state", timeout=5).json()
        assert any(p["number"] == "ART-001" for p in state["products"])
    finally:
        os.killpg(hub.pid, signal.SIGINT)
        output, _ = hub.communicate(timeout=30)
    assert "Xentral Hub is running" in output
    assert "xh_" in output
    for check_port in (port, sandbox_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{check_port}/", timeout=2)
