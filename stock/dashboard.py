"""What the stock app asks managers to look at, for the admin dashboard: open alerts by kind."""

from django.db.models import Count
from django.urls import reverse

from stock.models import AlertKind
from stock.selectors import alerts_unacknowledged


def attention() -> list[dict]:
    """One item per kind of open alert not yet acknowledged (an import's new products are one
    line, not 400)."""
    counts = dict(
        alerts_unacknowledged().values("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    changelist = reverse("admin:stock_stockalert_changelist")
    return [
        {
            "label": f"Stock alerts: {kind.label}",
            "count": counts[kind],
            "url": f"{changelist}?resolved_at__isempty=1&acknowledged_at__isempty=1"
            f"&kind__exact={kind.value}",
        }
        for kind in AlertKind
        if counts.get(kind)
    ]
