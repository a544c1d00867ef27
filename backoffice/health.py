"""The hub's health for monitors: `GET /api/v1/health` (public, no secrets, no ids).

Database, broker, the last worker sweep, the last Xentral answer, and each app's `health`
hook (orders: queued orders past due). `200` when all are fine, `503` otherwise. While the
worker is missing or orders are overdue a staff alert stays open; it closes when healthy.
Liveness for a load balancer stays `/healthz`: a dead worker never takes the API offline.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backoffice.app_hooks import app_modules
from backoffice.heartbeat import last_worker_sweep, worker_dead_after
from backoffice.models import StaffAlert, XentralCall
from backoffice.services import staff_alert_open, staff_alerts_resolve

# These checks are the ones a worker keeps green; their failure is what staff are alerted to.
WORKER_CHECKS = ("worker", "orders")


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception:  # any failure is the answer; its text may hold connection details
        return {"ok": False}


def _broker() -> dict:
    from django_q.brokers import get_broker

    try:
        return {"ok": bool(get_broker().ping())}
    except Exception:  # as above: the monitor learns that, not the connection string
        return {"ok": False}


def _age_s(at) -> float | None:
    return None if at is None else round((timezone.now() - at).total_seconds(), 1)


def _worker() -> dict:
    swept_at = last_worker_sweep()
    fresh = swept_at is not None and timezone.now() - swept_at <= worker_dead_after()
    return {"ok": fresh, "last_sweep_at": swept_at, "age_s": _age_s(swept_at)}


def _xentral() -> dict:
    """The last call's outcome: an answer below 500 is fine; none yet is not a fault."""
    last = XentralCall.objects.order_by("-at", "-id").values("at", "status").first()
    answered = XentralCall.objects.filter(status__isnull=False, status__lt=500)
    last_answer = answered.order_by("-at").values_list("at", flat=True).first()
    ok = last is None or (last["status"] is not None and last["status"] < 500)
    return {"ok": ok, "last_answer_at": last_answer, "age_s": _age_s(last_answer)}


def hub_health() -> dict:
    """`{"healthy": bool, "checks": {name: {"ok": bool, ...}}}`."""
    checks = {
        "database": _database(),
        "broker": _broker(),
        "worker": _worker(),
        "xentral": _xentral(),
    }
    for _, module in app_modules("health"):
        app_checks = getattr(module, "checks", None)  # this module is the core's own
        if app_checks is not None:
            checks.update(app_checks())
    return {"healthy": all(c["ok"] for c in checks.values()), "checks": checks}


def worker_alert_sync(health: dict) -> None:
    """Open the worker alert while the worker checks fail; resolve it once they pass."""
    failing = [name for name in WORKER_CHECKS if not health["checks"].get(name, {}).get("ok", True)]
    if failing:
        minutes = settings.WORKER_DEAD_AFTER_S / 60
        staff_alert_open(
            kind=StaffAlert.Kind.WORKER,
            message=f"No worker has swept for {minutes:g} minutes or queued orders are "
            "overdue: start `python manage.py qcluster` (or check why it stopped). Orders "
            "wait in the queue until a worker runs.",
        )
        return
    open_alerts = StaffAlert.objects.filter(kind=StaffAlert.Kind.WORKER, resolved_at__isnull=True)
    if open_alerts.exists():
        staff_alerts_resolve(alerts=list(open_alerts))


class HealthThrottle(AnonRateThrottle):
    """Public, so limited per client address rather than per channel."""

    rate = "120/min"


class HealthView(APIView):
    # Public by design: monitors call it without a key. The only API view without a scope.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [HealthThrottle]

    @extend_schema(
        operation_id="health",
        auth=[],
        responses={
            200: OpenApiResponse(description="Every check is fine"),
            503: OpenApiResponse(description="A check failed; `checks` says which"),
        },
        summary="The hub's health, for monitors",
    )
    def get(self, request):
        health = hub_health()
        worker_alert_sync(health)
        body = {"status": "ok" if health["healthy"] else "unhealthy", "checks": health["checks"]}
        return Response(body, status=200 if health["healthy"] else 503)
