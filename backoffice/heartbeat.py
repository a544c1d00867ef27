"""Worker heartbeats: each sweep records when it ran, so the hub can tell a dead worker."""

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from backoffice.models import WorkerHeartbeat


def worker_name() -> str:
    """This process as a claimant: host and pid, unique among live processes."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_heartbeat_record(*, worker: str | None = None) -> None:
    """Note that this worker swept just now (one upsert)."""
    now = timezone.now()
    name = worker or worker_name()
    if not WorkerHeartbeat.objects.filter(worker=name).update(swept_at=now):
        WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"swept_at": now})


def last_worker_sweep() -> datetime | None:
    """When any worker last swept (None: never)."""
    latest = WorkerHeartbeat.objects.order_by("-swept_at").first()
    return latest.swept_at if latest else None


def worker_dead_after() -> timedelta:
    return timedelta(seconds=settings.WORKER_DEAD_AFTER_S)


def dead_workers(*, now: datetime | None = None) -> list[str]:
    """Workers whose last sweep is older than WORKER_DEAD_AFTER_S: their claims are orphans."""
    horizon = (now or timezone.now()) - worker_dead_after()
    return list(
        WorkerHeartbeat.objects.filter(swept_at__lt=horizon).values_list("worker", flat=True)
    )
