"""What the stock app asks managers to look at, for the admin dashboard."""

from django.urls import reverse

from stock.models import StockAlert


def attention() -> list[dict]:
    count = StockAlert.objects.filter(resolved_at__isnull=True).count()
    if not count:
        return []
    url = reverse("admin:stock_stockalert_changelist") + "?resolved_at__isempty=1"
    return [{"label": "Open stock alerts", "count": count, "url": url}]
