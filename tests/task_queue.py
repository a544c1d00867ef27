"""The django-q2 queue as a worker sees it, on whichever broker the run uses (the ORM's table on
SQLite runs, Redis on CI's PostgreSQL pass), so a test counts and runs jobs the same way on both."""

from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.signing import SignedPackage


def queue_purge() -> None:
    """Empty the queue: Redis outlives each test's rolled-back transaction."""
    get_broker().purge_queue()


def queue_size() -> int:
    return get_broker().queue_size()


def queue_run_all() -> int:
    """Do what a worker does with the queued jobs (each may queue the next); returns how many."""
    broker = get_broker()
    runs = 0
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            if ack_id is not None:
                broker.acknowledge(ack_id)
            task = SignedPackage.loads(payload)
            import_string(task["func"])(*task["args"], **task["kwargs"])
            runs += 1
    return runs
