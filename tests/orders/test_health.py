"""Nothing stranded: schedules come with `migrate`, a worker heartbeat, `GET /api/v1/health`,
the dashboard and a staff alert for a missing worker, and orphaned claims released early."""

from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from backoffice.heartbeat import worker_heartbeat_record
from backoffice.models import StaffAlert, WorkerHeartbeat
from backoffice.scheduling import declared_schedules
from orders.models import OrderEvent, OrderRequest, OrderStatus
from orders.retries import orders_retry_due
from tests.factories import OrderRequestFactory
from tests.orders.conftest import order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)
CHECKS = {"database", "broker", "worker", "xentral", "orders"}


def _health(live_server) -> requests.Response:
    return requests.get(f"{live_server.url}/api/v1/health", timeout=30)


def _worker_swept(minutes_ago: float, worker: str = "worker-1:100") -> None:
    worker_heartbeat_record(worker=worker)
    WorkerHeartbeat.objects.filter(worker=worker).update(
        swept_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_migrate_installs_and_updates_every_schedule_by_name():
    Schedule.objects.all().delete()
    names = [entry["name"] for entry in declared_schedules()]
    call_command("migrate", verbosity=0)
    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(names)
    Schedule.objects.filter(name="orders: retry due orders").update(minutes=30)

    call_command("migrate", verbosity=0)

    assert Schedule.objects.count() == len(names)
    assert Schedule.objects.get(name="orders: retry due orders").minutes == 1


def test_health_is_public_and_ok_while_a_worker_sweeps(live_server):
    _worker_swept(minutes_ago=0.5)

    response = _health(live_server)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert {name: check["ok"] for name, check in body["checks"].items()} == dict.fromkeys(
        CHECKS, True
    )
    assert body["checks"]["orders"] == {"ok": True, "overdue": 0}
    assert 29 <= body["checks"]["worker"]["age_s"] <= 40
    assert StaffAlert.objects.count() == 0


def test_a_dead_worker_turns_health_503_opens_one_alert_and_shows_on_the_dashboard(
    live_server, admin_client
):
    _worker_swept(minutes_ago=3)

    first, second = _health(live_server), _health(live_server)
    dashboard = admin_client.get(reverse("admin:index")).content.decode()

    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["status"] == "unhealthy"
    assert first.json()["checks"]["worker"]["ok"] is False
    assert first.json()["checks"]["database"]["ok"] is True
    alerts = StaffAlert.objects.filter(kind=StaffAlert.Kind.WORKER, resolved_at__isnull=True)
    assert alerts.count() == 1
    assert "No worker has swept for 3 minutes" in dashboard
    assert alerts.get().message in dashboard

    worker_heartbeat_record(worker="worker-2:200")

    assert _health(live_server).status_code == 200
    assert StaffAlert.objects.get().resolved_at is not None


def test_overdue_orders_turn_health_503_without_naming_them(live_server):
    _worker_swept(minutes_ago=0)
    order = OrderRequestFactory(
        status=OrderStatus.QUEUED, next_attempt_at=timezone.now() - timedelta(minutes=10)
    )

    response = _health(live_server)

    assert response.status_code == 503
    assert response.json()["checks"]["orders"] == {"ok": False, "overdue": 1}
    assert str(order.pk) not in response.text
    assert order.channel.name not in response.text
    assert StaffAlert.objects.filter(kind=StaffAlert.Kind.WORKER).count() == 1


def test_a_dead_workers_claim_is_released_before_five_minutes(hub, demo):
    # The order was claimed 3 minutes ago by a worker that has not swept since.
    response = hub.post_order(order_payload())
    assert response.status_code == 201
    OrderRequest.objects.update(
        status=OrderStatus.PROCESSING,
        xentral_order_id="",
        xentral_order_number="",
        import_attempted=True,
        claimed_by="worker-1:100",
        claimed_at=timezone.now() - timedelta(minutes=3),
    )
    _worker_swept(minutes_ago=3, worker="worker-1:100")

    orders_retry_due()
    orders_retry_due()

    order = OrderRequest.objects.get()
    assert order.status == OrderStatus.CREATED
    assert (
        OrderEvent.objects.filter(message="Processing was interrupted; queued again").count() == 1
    )
    # The lookup found the order the dead worker had imported: still one in Xentral.
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_a_live_workers_claim_is_left_alone(hub, demo):
    hub.post_order(order_payload())
    OrderRequest.objects.update(
        status=OrderStatus.PROCESSING,
        claimed_by="worker-1:100",
        claimed_at=timezone.now() - timedelta(minutes=3),
    )
    _worker_swept(minutes_ago=0.2, worker="worker-1:100")

    assert orders_retry_due() == 0

    assert OrderRequest.objects.get().status == OrderStatus.PROCESSING
