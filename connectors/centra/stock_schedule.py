"""When the nightly stock resync first runs (then daily): the next `CENTRA_STOCK_RESYNC_AT`
(hour:minute, local time, default 02:30)."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def next_nightly_run(*, now: datetime | None = None) -> datetime:
    now = timezone.localtime(now)
    hour, minute = (int(p) for p in getattr(settings, "CENTRA_STOCK_RESYNC_AT", "02:30").split(":"))
    run = timezone.make_aware(datetime.combine(now.date(), time(hour, minute)))
    return run if run > now else run + timedelta(days=1)
