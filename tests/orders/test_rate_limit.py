"""Rate-limited is not failed: no room in the shared budget, or a 429, queues the order without
a counted attempt, a backoff or a lookup; the drain is fair across channels and paced by the
budget window after window."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.models import Purpose, RateWindow, XentralCall
from backoffice.xentral import client
from backoffice.xentral.budget import current_window, seconds_to_next_window
from orders.errors import OrderErrorCode
from orders.models import OrderRequest, OrderStatus
from orders.retries import orders_retry_due
from tests.factories import channel_with_key
from tests.orders.conftest import Hub, hub_calls, imports, order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)
IMPORT = "/api/v1/salesOrders/actions/import"


def _warm_up(hub: Hub, demo) -> None:
    """One order first, so the ones under test cost what a warm order costs: import + read."""
    assert hub.post_order(order_payload(reference="WARM-UP")).status_code == 201
    demo.clear_requests()


@pytest.fixture(autouse=True)
def _database_rate_counter(settings):
    """These tests fill and turn windows through `RateWindow` rows, so the hub counts there on
    every run; the Redis counter's own behaviour is tested in tests/xentral/test_budget.py."""
    settings.Q2_REDIS_URL = ""


def _calls(demo) -> list[tuple[str, str, int]]:
    return [(c["method"], c["path"], c["status"]) for c in hub_calls(demo)]


def _fill_window(settings, limit: int) -> None:
    settings.XENTRAL_RATE_LIMIT = limit
    RateWindow.objects.update_or_create(
        window=current_window(), purpose=Purpose.CATALOG, defaults={"calls": limit}
    )


def _window_turns() -> None:
    """Time passes: the hub's window turns, Xentral's Retry-After has run out (else the sweep
    would wait for the next window, up to a minute), queued orders are due."""
    RateWindow.objects.all().delete()
    client._pacing.blocked_until = 0.0
    OrderRequest.objects.filter(status=OrderStatus.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_429_queues_the_order_without_a_failed_attempt_or_a_lookup(hub, demo):
    _warm_up(hub, demo)
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 429}])

    response = hub.post_order(order_payload())

    assert response.status_code == 202
    order = OrderRequest.objects.get(reference="SHOP-12345")
    assert (order.status, order.attempts, order.import_attempted) == (
        OrderStatus.QUEUED,
        0,
        False,
    )
    assert [e["code"] for e in response.json()["errors"]] == [OrderErrorCode.RATE_LIMITED]
    # Xentral's Retry-After (1 s here), not an exponential backoff.
    assert timezone.now() < order.next_attempt_at <= timezone.now() + timedelta(seconds=1.1)
    _window_turns()

    assert orders_retry_due() == 1

    order.refresh_from_db()
    assert (order.status, order.attempts) == (OrderStatus.CREATED, 0)
    xentral_id = sales_orders(demo, "SHOP-12345")[0]["id"]
    assert _calls(demo) == [
        ("POST", IMPORT, 429),
        ("POST", IMPORT, 201),
        ("GET", f"/api/v1/salesOrders/{xentral_id}", 200),
    ]


def test_no_room_in_the_budget_answers_202_at_once_and_sends_nothing(hub, demo, settings):
    _warm_up(hub, demo)
    _fill_window(settings, limit=10)

    started = time.monotonic()
    response = hub.post_order(order_payload())
    elapsed = time.monotonic() - started

    assert response.status_code == 202
    assert elapsed < 0.5
    assert hub_calls(demo) == []
    order = OrderRequest.objects.get(reference="SHOP-12345")
    assert (order.status, order.attempts, order.import_attempted) == (
        OrderStatus.QUEUED,
        0,
        False,
    )
    assert order.errors[0]["code"] == OrderErrorCode.RATE_LIMITED
    _window_turns()

    orders_retry_due()

    xentral_id = sales_orders(demo, "SHOP-12345")[0]["id"]
    assert _calls(demo) == [
        ("POST", IMPORT, 201),
        ("GET", f"/api/v1/salesOrders/{xentral_id}", 200),
    ]
    assert OrderRequest.objects.get(reference="SHOP-12345").status == OrderStatus.CREATED


def test_a_write_that_may_have_landed_is_still_looked_up_first(hub, demo):
    _warm_up(hub, demo)
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 503}])

    hub.post_order(order_payload())
    _window_turns()
    orders_retry_due()

    assert [(m, p) for m, p, _ in _calls(demo)][:3] == [
        ("POST", IMPORT),
        ("GET", "/api/v1/salesOrders"),
        ("POST", IMPORT),
    ]
    assert OrderRequest.objects.get(reference="SHOP-12345").attempts == 1


def test_the_drain_is_round_robin_across_channels_and_fifo_within_one(
    hub, demo, settings, live_server
):
    _warm_up(hub, demo)
    other = Hub(live_server.url, channel_with_key(name="Shop B", sales_channel_id="1")[1])
    _fill_window(settings, limit=10)
    for reference in ("A-1", "A-2", "A-3", "A-4"):
        assert hub.post_order(order_payload(reference=reference)).status_code == 202
    for reference in ("B-1", "B-2"):
        assert other.post_order(order_payload(reference=reference)).status_code == 202
    settings.XENTRAL_RATE_LIMIT = 1000
    _window_turns()

    assert orders_retry_due() == 6

    imported = [c["body"]["externalOrderNumber"] for c in imports(demo)]
    assert imported == ["A-1", "B-1", "A-2", "B-2", "A-3", "A-4"]


def test_the_drain_waits_for_each_window_and_never_exceeds_it(hub, demo, settings):
    _warm_up(hub, demo)
    settings.XENTRAL_RATE_WINDOW_S = 2.0
    settings.XENTRAL_RATE_LIMIT = 4
    # Full windows for a while, so every order below is queued however slow the machine is.
    for window in range(current_window(), current_window() + 30):
        RateWindow.objects.create(window=window, purpose=Purpose.CATALOG, calls=4)
    warm = set(XentralCall.objects.values_list("pk", flat=True))
    for index in range(5):
        assert hub.post_order(order_payload(reference=f"W-{index}")).status_code == 202
    # Start at a window's turn, so no call is near a boundary and each lands in its window.
    time.sleep(seconds_to_next_window() + 0.05)
    RateWindow.objects.all().delete()

    orders_retry_due(max_seconds=20)

    assert set(OrderRequest.objects.values_list("status", flat=True)) == {OrderStatus.CREATED}
    assert len(hub_calls(demo)) == 10
    per_window: dict[int, int] = {}
    for at, duration_ms in XentralCall.objects.exclude(pk__in=warm).values_list(
        "at", "duration_ms"
    ):
        window = current_window(at.timestamp() - duration_ms / 1000)
        per_window[window] = per_window.get(window, 0) + 1
    assert sorted(per_window.values()) == [2, 4, 4]
    assert OrderRequest.objects.filter(attempts__gt=0).count() == 0


def test_the_drain_waits_out_xentrals_retry_after_not_the_rest_of_our_window(hub, demo):
    _warm_up(hub, demo)
    demo.faults(failNext=[{"method": "POST", "path": IMPORT, "status": 429}])
    assert hub.post_order(order_payload()).status_code == 202
    # Due at once, while Xentral's Retry-After (1 s) still holds the calls back; the hub's own
    # window has room and turns up to a minute later.
    OrderRequest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert client.xentral_room_wait() > 0
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    assert orders_retry_due(sleep=sleep) == 1

    assert OrderRequest.objects.get(reference="SHOP-12345").status == OrderStatus.CREATED
    assert len(pauses) == 1
    assert 0 < pauses[0] < 1.2
    assert [m for m, _, _ in _calls(demo)] == ["POST", "POST", "GET"]
