"""The shared rate budget: bulk purposes are capped per window (down to a floor while orders
wait), orders take what is left and never wait; the cap holds
across processes (database counter and Redis counter)."""

import os
import subprocess
import sys
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.budget import (
    BudgetExhausted,
    RateBudget,
    budget_usage,
    current_window,
    purpose_cap,
)
from orders.models import OrderStatus
from tests.factories import OrderRequestFactory
from tests.support import ROOT, clear_redis_rate_counter, skip_or_fail


class FakeTime:
    """A clock whose sleep moves it forward, so window waits take no real time."""

    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def small_budget(settings):
    settings.XENTRAL_RATE_LIMIT = 10
    settings.XENTRAL_RATE_WINDOW_S = 60
    settings.XENTRAL_BUDGET_SHARES = {"catalog": 0.6, "stock": 0.2}
    settings.Q2_REDIS_URL = ""


@pytest.mark.django_db
def test_catalog_waits_for_the_next_window_past_its_share(small_budget):
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, sleep=fake.sleep)
    for _ in range(6):
        assert budget.acquire(Purpose.CATALOG) == 0
    waited = budget.acquire(Purpose.CATALOG)
    assert waited > 0
    assert fake.slept == [pytest.approx(60 - (1_000_000 % 60) + 0.001, abs=0.01)]
    assert budget_usage(current_window(fake.now)) == {"catalog": 1}


@pytest.mark.django_db
def test_stock_is_capped_at_its_share(small_budget):
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, sleep=fake.sleep)
    budget.acquire(Purpose.STOCK)
    budget.acquire(Purpose.STOCK)
    assert not fake.slept
    budget.acquire(Purpose.STOCK)
    assert len(fake.slept) == 1


@pytest.mark.django_db
def test_orders_take_what_the_window_has_left_and_never_wait_for_the_next(small_budget):
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, sleep=fake.sleep)
    budget.acquire(Purpose.CATALOG)
    for _ in range(9):
        assert budget.acquire(Purpose.ORDER, wait=False) == 0

    with pytest.raises(BudgetExhausted) as refused:
        budget.acquire(Purpose.ORDER, wait=False)

    assert fake.slept == []
    assert refused.value.retry_after == pytest.approx(60 - (1_000_000 % 60) + 0.001, abs=0.01)
    assert budget_usage(current_window(fake.now)) == {"catalog": 1, "order": 9}
    budget.acquire(Purpose.CATALOG)
    assert len(fake.slept) == 1, "the window was full, so catalog waited for the next one"


@pytest.mark.django_db
def test_bulk_shrinks_to_its_floor_while_orders_wait(small_budget, settings):
    settings.XENTRAL_RATE_LIMIT = 100
    settings.XENTRAL_BUDGET_FLOOR = 0.05
    assert purpose_cap(Purpose.CATALOG) == 60
    OrderRequestFactory(status=OrderStatus.QUEUED, next_attempt_at=timezone.now())

    assert (purpose_cap(Purpose.CATALOG), purpose_cap(Purpose.STOCK)) == (5, 5)
    assert purpose_cap(Purpose.ORDER) is None
    fake = FakeTime()
    budget = RateBudget(clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        budget.acquire(Purpose.STOCK)
    assert fake.slept == []
    budget.acquire(Purpose.STOCK)
    assert len(fake.slept) == 1


WORKER = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings"
django.setup()
from django.conf import settings
settings.XENTRAL_RATE_LIMIT = 10
settings.XENTRAL_RATE_WINDOW_S = 0.5
from backoffice.xentral.budget import RateBudget
budget = RateBudget()
for _ in range(int(sys.argv[1])):
    budget.acquire(sys.argv[2])
    print(budget.last_window, flush=True)
"""


def _run_two_workers(env: dict, purpose: str, calls: int) -> Counter:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(calls), purpose],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    grants: Counter = Counter()
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        grants.update(int(line) for line in out.split())
    return grants


def _worker_env(**extra) -> dict:
    env = {**os.environ, "XENTRAL_BUDGET_CATALOG": "0.6", **extra}
    env.pop("HUB_TEST_DB", None)
    return env


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_cap_holds_across_two_processes_on_the_database():
    grants = _run_two_workers(
        _worker_env(DATABASE_URL=_database_url(), Q2_REDIS_URL=""), "catalog", 9
    )
    assert sum(grants.values()) == 18
    assert max(grants.values()) <= 6, f"calls per window: {dict(grants)}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_cap_holds_across_two_processes_on_redis():
    try:
        clear_redis_rate_counter("redis://127.0.0.1:6379/5")
    except Exception as exc:
        skip_or_fail(f"Redis is not reachable on 127.0.0.1:6379: {exc}")
    # The database still answers whether orders wait (which shrinks the caps).
    env = _worker_env(DATABASE_URL=_database_url(), Q2_REDIS_URL="redis://127.0.0.1:6379/5")
    grants = _run_two_workers(env, "catalog", 9)
    assert sum(grants.values()) == 18
    assert max(grants.values()) <= 6, f"calls per window: {dict(grants)}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_orders_of_two_processes_never_pass_the_windows_total():
    grants = _run_two_workers(
        _worker_env(DATABASE_URL=_database_url(), Q2_REDIS_URL=""), "order", 15
    )
    assert sum(grants.values()) == 30
    assert max(grants.values()) == 10, f"calls per window: {dict(grants)}"
