"""Centra's events queue as a second safety net, where the channel enables it (CENTRA.md §1.6,
C-EVT): the hub listens to order events once, then every minute reads the oldest unconfirmed
ones, imports the orders they name through the webhook events' path (orders_in.py), and
confirms the events only once that is done. An event whose order could not be read yet stays
unconfirmed, so Centra hands it out again; one that needs no work (an order already in the
pipeline, a number Centra no longer has) is confirmed all the same, as Centra asks."""

import logging

from django.utils import timezone

from connectors.centra.client import CentraClient
from connectors.centra.errors import CentraError, CentraUserWarning
from connectors.centra.models import (
    CentraChannel,
    CentraEvent,
    CentraEventSource,
    CentraEventStatus,
)
from connectors.centra.orders_in import centra_events_process

logger = logging.getLogger(__name__)

# C-EVT's example reads 200 at a time; 100 keeps one run's import short.
EVENTS_PAGE = 100


def centra_events_queue_read(*, centra_id: int) -> int:
    """Read, import and confirm one channel's queued order events; returns the events
    confirmed. A channel without the setting makes no call. A Centra fault ends the run; what
    was not confirmed comes back on the next."""
    centra = CentraChannel.objects.select_related("channel").get(pk=centra_id)
    if not centra.use_events_queue:
        return 0
    client = CentraClient(centra, subject=centra)
    confirmed = 0
    try:
        if centra.events_listening_since is None:
            client.mutate("ListenToOrderEvents")
            CentraChannel.objects.filter(pk=centra.pk).update(events_listening_since=timezone.now())
        while True:
            events = client.query("OrderEvents", {"limit": EVENTS_PAGE}).get("events") or []
            done = _import(centra, events)
            if done:
                _confirm(client, done)
                confirmed += len(done)
            # Centra answers the oldest unconfirmed first: with one left over, asking again
            # would only bring the same ones back.
            if len(events) < EVENTS_PAGE or len(done) < len(events):
                return confirmed
    except CentraError as exc:
        logger.warning("Centra %s: reading the events queue failed: %s", centra, exc)
        return confirmed


def _import(centra: CentraChannel, events: list[dict]) -> list[int]:
    """The ids of the events whose work is done, after importing what they name."""
    stored = {}
    for event in events:
        row, _ = CentraEvent.objects.get_or_create(
            centra=centra,
            type="order",
            action=str(event["changeType"]).lower(),
            object_id=str(event["objectReference"]),
            date=str(event["createdAt"]),
            defaults={"source": CentraEventSource.QUEUE},
        )
        stored[int(event["id"])] = row.pk
    if not stored:
        return []
    centra_events_process(centra_id=centra.pk)
    waiting = set(
        CentraEvent.objects.filter(
            pk__in=stored.values(), status=CentraEventStatus.RECEIVED
        ).values_list("pk", flat=True)
    )
    return [event_id for event_id, pk in stored.items() if pk not in waiting]


def _confirm(client: CentraClient, event_ids: list[int]) -> None:
    try:
        client.mutate("ConfirmEvents", {"ids": event_ids})
    except CentraUserWarning as exc:
        # A warning names ids Centra no longer holds (confirmed before): the rest are confirmed.
        logger.info("Centra warned while confirming events: %s", exc)


def centra_events_queue_read_all() -> int:
    """Every active channel that enables the queue; the others are not asked."""
    channels = CentraChannel.objects.filter(channel__is_active=True, use_events_queue=True)
    return sum(
        centra_events_queue_read(centra_id=pk) for pk in channels.values_list("pk", flat=True)
    )
