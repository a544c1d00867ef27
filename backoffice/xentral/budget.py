"""The shared rate budget: calls per fixed window and purpose, counted for every process.

Xentral allows `XENTRAL_RATE_LIMIT` calls per `XENTRAL_RATE_WINDOW_S` for the whole instance, so
web requests and every worker draw from one counter (a database row, or Redis when
`Q2_REDIS_URL` is set). No purpose goes past the window's total. Bulk purposes are capped at
their share, and while orders wait for room (a registered demand check says so) they shrink to
`XENTRAL_BUDGET_FLOOR`: caps are ceilings, never reservations. A caller either waits for the
next window or, when it must not wait (orders: a web request answers at once), gets
`BudgetExhausted` without anything sent.

A call is *reserved* (counted) before the check, and given back when over the cap, so two
processes racing for the last call of a window can never both get it.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from backoffice.models import Purpose, RateWindow
from backoffice.xentral.errors import XentralRateLimited

logger = logging.getLogger(__name__)

# Old windows are dropped now and then; a day of history is plenty for the dashboard.
KEEP_S = 24 * 3600


def window_length() -> float:
    return float(settings.XENTRAL_RATE_WINDOW_S)


def current_window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // window_length())


class BudgetExhausted(XentralRateLimited):
    """The shared budget has no room in this window: nothing was sent; `retry_after` is the
    wait for the next window."""


# Callables answering "are orders waiting for room?"; the orders app registers one, so this
# layer never imports it.
_priority_demand: list[Callable[[], bool]] = []


def priority_demand_register(check: Callable[[], bool]) -> None:
    if check not in _priority_demand:
        _priority_demand.append(check)


def priority_demand() -> bool:
    return any(check() for check in _priority_demand)


def purpose_cap(purpose: str) -> int | None:
    """Calls the purpose may make per window, or None when only the window's total bounds it
    (orders, index sync). A bulk purpose shrinks to its floor while orders wait."""
    share = settings.XENTRAL_BUDGET_SHARES.get(str(purpose))
    if share is None:
        return None
    limit = settings.XENTRAL_RATE_LIMIT
    if priority_demand():
        share = min(share, settings.XENTRAL_BUDGET_FLOOR)
    return max(1, int(limit * share))


def seconds_to_next_window(now: float | None = None) -> float:
    now = time.time() if now is None else now
    return (current_window(now) + 1) * window_length() - now


class DatabaseCounter:
    """`RateWindow` rows. On SQLite one statement checks and counts; on PostgreSQL the
    increment and the read share one short transaction, which holds the row's lock until it
    commits.

    Plain SQL: every Xentral call passes here, and building the same three statements through
    the ORM cost more CPU than the rest of the bookkeeping together (`bench/orders.py`)."""

    def __init__(self):
        quote = connection.ops.quote_name
        table = quote(RateWindow._meta.db_table)
        window, purpose, calls = (quote(n) for n in ("window", "purpose", "calls"))
        self.sql_usage = f"SELECT {purpose}, {calls} FROM {table} WHERE {window} = %s"
        self.sql_add = (
            f"UPDATE {table} SET {calls} = {calls} + %s WHERE {window} = %s AND {purpose} = %s"
        )
        self.sql_insert = f"INSERT INTO {table} ({window}, {purpose}, {calls}) VALUES (%s, %s, 1)"
        # SQLite runs one writer at a time, so one statement that checks and counts is atomic
        # and holds the write lock for microseconds; a transaction around three statements
        # held it while its thread waited for the GIL, and other writers slept in SQLite's
        # busy handler (the tail of a burst's answer times).
        total = f"(SELECT COALESCE(SUM({calls}), 0) FROM {table} WHERE {window} = %s)"
        self.sql_take = (
            f"UPDATE {table} SET {calls} = {calls} + 1 WHERE {window} = %s AND {purpose} = %s "
            f"AND {total} < %s AND {calls} < %s"
        )
        self.sql_open = (
            f"INSERT OR IGNORE INTO {table} ({window}, {purpose}, {calls}) VALUES (%s, %s, 0)"
        )
        self.one_statement = connection.vendor == "sqlite"

    def usage(self, window: int) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql_usage, [window])
            return dict(cursor.fetchall())

    def reserve(self, window: int, purpose: str, cap: int | None, limit: int) -> bool:
        if self.one_statement and not connection.in_atomic_block:
            granted = self._take(window, purpose, cap, limit)
        else:
            granted = self._reserve_then_check(window, purpose, cap, limit)
        if granted and window % 64 == 0:
            horizon = window - int(KEEP_S / window_length())
            RateWindow.objects.filter(window__lt=horizon).delete()
        return granted

    def _take(self, window: int, purpose: str, cap: int | None, limit: int) -> bool:
        params = [window, purpose, window, limit, limit if cap is None else cap]
        with connection.cursor() as cursor:
            cursor.execute(self.sql_take, params)
            if cursor.rowcount:
                return True
            cursor.execute(self.sql_open, [window, purpose])  # the window's first call
            if not cursor.rowcount:
                return False  # the row was there: no room
            cursor.execute(self.sql_take, params)
            return bool(cursor.rowcount)

    def _reserve_then_check(self, window: int, purpose: str, cap: int | None, limit: int) -> bool:
        """PostgreSQL: the purpose's row is counted up (and so locked) first, then the window
        read again, which sees every committed count: a check inside the UPDATE would read
        the sum as it was before a concurrent writer's commit."""
        # A full window only fills further within itself, so a read (no write lock) can
        # refuse at once; a burst of refused orders then costs no write transactions.
        usage = self.usage(window)
        if sum(usage.values()) >= limit or (cap is not None and usage.get(purpose, 0) >= cap):
            return False
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(self.sql_add, [1, window, purpose])
            if not cursor.rowcount:
                try:
                    with transaction.atomic():
                        cursor.execute(self.sql_insert, [window, purpose])
                except IntegrityError:  # another process created it first
                    cursor.execute(self.sql_add, [1, window, purpose])
            cursor.execute(self.sql_usage, [window])
            usage = dict(cursor.fetchall())
            granted = sum(usage.values()) <= limit and (cap is None or usage[purpose] <= cap)
            if not granted:
                cursor.execute(self.sql_add, [-1, window, purpose])
        return granted


class RedisCounter:
    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(window: int, purpose: str) -> str:
        return f"{settings.REDIS_KEY_PREFIX}:rate:{window}:{purpose}"

    def usage(self, window: int) -> dict[str, int]:
        values = self.redis.mget([self._key(window, p) for p in Purpose.values])
        return {p: int(v) for p, v in zip(Purpose.values, values, strict=True) if v}

    def reserve(self, window: int, purpose: str, cap: int | None, limit: int) -> bool:
        key = self._key(window, purpose)
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(window_length() * 2) + 1)
        calls, _ = pipe.execute()
        if (cap is None or calls <= cap) and sum(self.usage(window).values()) <= limit:
            return True
        self.redis.decr(key)
        return False


_counters: dict[str, DatabaseCounter | RedisCounter] = {}


def counter() -> DatabaseCounter | RedisCounter:
    url = settings.Q2_REDIS_URL
    if url not in _counters:
        _counters[url] = RedisCounter(url) if url else DatabaseCounter()
    return _counters[url]


def budget_usage(window: int | None = None) -> dict[str, int]:
    """Calls per purpose in the window (the current one by default)."""
    return counter().usage(current_window() if window is None else window)


def total_room() -> int:
    """Calls any purpose may still make in the current window."""
    return max(0, int(settings.XENTRAL_RATE_LIMIT) - sum(budget_usage().values()))


def purpose_room(purpose: str) -> int | None:
    """Calls a capped purpose may still make in the current window (None when uncapped)."""
    cap = purpose_cap(purpose)
    if cap is None:
        return None
    return max(0, cap - budget_usage().get(str(purpose), 0))


def purpose_per_minute(purpose: str) -> float | None:
    """The capped purpose's calls per minute at its share (None when uncapped)."""
    cap = purpose_cap(purpose)
    return None if cap is None else cap * 60.0 / window_length()


class RateBudget:
    """Grants calls: counts every one; a caller past its cap or the window's total waits for
    the next window, or with `wait=False` gets `BudgetExhausted`."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.clock = clock
        self.sleep = sleep
        self.last_window: int | None = None  # the window the last granted call was counted in

    def acquire(self, purpose: str, *, wait: bool = True) -> float:
        """Count one call for `purpose`; returns the seconds waited for room."""
        waited = 0.0
        cap = purpose_cap(purpose)
        limit = int(settings.XENTRAL_RATE_LIMIT)
        while True:
            now = self.clock()
            window = current_window(now)
            if counter().reserve(window, str(purpose), cap, limit):
                self.last_window = window
                return waited
            pause = (window + 1) * window_length() - now + 0.001
            if not wait:
                raise BudgetExhausted(
                    f"No room for a {purpose} call in this rate window", retry_after=pause
                )
            logger.info("rate budget: %s waits %.2f s for the next window", purpose, pause)
            self.sleep(pause)
            waited += pause
