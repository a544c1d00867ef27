"""Fixtures of the Centra connector's tests: the Centra stand-in and the Xentral sandbox over
HTTP, and a Centra channel pointing at the stand-in whose webhooks reach the live hub."""

import json

import pytest
from django.core.cache import cache

from connectors.centra.services import centra_channel_create, webhook_path
from tests.centra_sandbox.fixtures import centra_sandbox, centra_sandbox_server  # noqa: F401
from tests.task_queue import queue_purge, queue_run_all

WEBHOOK_SECRET = "centra-whsec"
MAPS = ("project_map", "payment_map", "shipping_map", "warehouse_map")
SWITCHES = ("confirm_orders", "capture_on_shipment", "wait_while_on_hold", "use_events_queue")


@pytest.fixture(autouse=True)
def _fresh_method_cache():
    """Xentral's payment and shipping methods are cached per instance URL: another test's
    sandbox seed must not decide this test's mapping."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(sandbox):
    sandbox.seed_demo()
    return sandbox


@pytest.fixture
def centra(centra_sandbox, demo, live_server, settings):  # noqa: F811
    """A Centra channel on the stand-in (its webhook registered to the live hub), the Xentral
    sandbox seeded with the demo products, an empty task queue."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    queue_purge()
    centra = centra_channel_create(
        name="Centra EU",
        graphql_url=centra_sandbox.graphql_url,
        api_token=centra_sandbox.token,
        webhook_secret=WEBHOOK_SECRET,
        shipping_map={"dhl-standard": "dhl_standard"},
    )
    centra_sandbox.register_webhook(f"{live_server.url}{webhook_path(centra)}", WEBHOOK_SECRET)
    return centra


def work() -> int:
    """Run queued tasks as a worker would, until none is left (each may queue the next)."""
    return queue_run_all()


def channel_form(centra, **changes) -> dict:
    """The channel's admin change form as a browser posts it with nothing touched (secrets
    left empty, so kept; ticked switches "on"), with `changes` applied."""
    form = {
        "channel": centra.channel_id,
        "graphql_url": centra.graphql_url,
        "api_token": "",
        "webhook_secret": "",
        **{name: json.dumps(getattr(centra, name)) for name in MAPS},
        **{name: "on" for name in SWITCHES if getattr(centra, name)},
    }
    return {**form, **changes}
