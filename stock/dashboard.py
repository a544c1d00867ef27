"""What the stock app asks managers to look at, for the admin dashboard."""

from django.urls import reverse

from stock.selectors import alerts_open


def attention() -> list[dict]:
    count = alerts_open().count()
    if not count:
        return []
    url = reverse("admin:stock_stockalert_changelist") + "?resolved_at__isempty=1"
    return [{"label": "Open stock alerts", "count": count, "url": url}]
