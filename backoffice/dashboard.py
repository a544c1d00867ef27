"""What the admin dashboard shows: what needs attention, from every app, and the rate budget."""

from django.conf import settings
from django.urls import reverse

from backoffice.app_hooks import app_modules
from backoffice.health import hub_health, worker_alert_sync
from backoffice.models import StaffAlert, XentralEvent, XentralEventStatus
from backoffice.xentral.budget import budget_usage, purpose_cap
from backoffice.xentral.subscription import xentral_webhook_status


def attention_items() -> list[dict]:
    """`[{label, count, url}]`: a missing worker, open staff alerts, then each app's
    `dashboard.attention()`."""
    items = []
    health = hub_health()
    worker_alert_sync(health)
    worker = health["checks"]["worker"]
    if not worker["ok"]:
        since = f"{worker['age_s'] / 60:.0f} minutes" if worker["age_s"] is not None else "ever"
        items.append(
            {
                "label": f"No worker has swept for {since}: orders are not retried",
                "count": 1,
                "url": reverse("admin:backoffice_staffalert_changelist")
                + "?resolved_at__isempty=1",
            }
        )
    failed_events = XentralEvent.objects.filter(status=XentralEventStatus.FAILED).count()
    if failed_events:
        url = reverse("admin:backoffice_xentralevent_changelist") + "?status__exact=failed"
        items.append(
            {"label": "Xentral events whose handling failed", "count": failed_events, "url": url}
        )
    open_alerts = StaffAlert.objects.filter(resolved_at__isnull=True).count()
    if open_alerts:
        url = reverse("admin:backoffice_staffalert_changelist") + "?resolved_at__isempty=1"
        items.append({"label": "Open configuration alerts", "count": open_alerts, "url": url})
    for _, module in app_modules("dashboard"):
        attention = getattr(module, "attention", None)
        if attention is not None:
            items.extend(attention())
    return items


def budget_rows() -> list[dict]:
    """Calls this window by purpose, against each purpose's cap."""
    usage = budget_usage()
    rows = []
    for purpose, calls in sorted(usage.items()):
        cap = purpose_cap(purpose)
        rows.append({"purpose": purpose, "calls": calls, "cap": cap if cap is not None else "-"})
    return rows


def dashboard_context() -> dict:
    return {
        "attention": attention_items(),
        "alerts": StaffAlert.objects.filter(resolved_at__isnull=True)[:5],
        "budget": budget_rows(),
        "rate_limit": settings.XENTRAL_RATE_LIMIT,
        "rate_window": settings.XENTRAL_RATE_WINDOW_S,
        "xentral_url": settings.XENTRAL_URL,
        "xentral_events": xentral_webhook_status(),
    }
