"""Stock alerts: opened and resolved from a product's latest snapshot, mailed when opened."""

from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.xentral.client import XentralClient
from catalog.models import Product, ProductKind
from stock.models import AlertKind, ProductStock, StockAlert
from stock.selectors import (
    alerts_open,
    in_alert_grace,
    is_low_stock,
    min_sellable,
    sellable_figure,
)
from stock.xentral import stock_client


def alerts_evaluate(*, stock: ProductStock, client: XentralClient | None = None) -> None:
    """Open and resolve the product's alerts from its latest snapshot."""
    snapshot = stock.latest
    if snapshot is None:
        return
    minimum = min_sellable(stock)
    ratio = settings.STOCK_RESERVED_RATIO
    name, judged = sellable_figure(stock)
    conditions = {
        AlertKind.LOW_STOCK: (
            is_low_stock(stock) and not in_alert_grace(stock),
            f"{name} {judged:f} below the minimum {minimum:f}",
        ),
        AlertKind.HIGH_RESERVATION: (
            snapshot.physical > 0 and snapshot.reserved / snapshot.physical > Decimal(str(ratio)),
            f"{snapshot.reserved:f} of {snapshot.physical:f} reserved",
        ),
        AlertKind.DEMAND_ABOVE_SUPPLY: (
            snapshot.sellable <= settings.STOCK_NEAR_ZERO
            and snapshot.open_sales_orders >= settings.STOCK_HIGH_OPEN_ORDERS,
            f"sellable {snapshot.sellable:f}, open sales orders {snapshot.open_sales_orders:f}",
        ),
    }
    if stock.product.kind in (ProductKind.JIT, ProductKind.BOM):
        conditions[AlertKind.JIT_SPLIT] = _jit_split(stock, client)
    for kind, (active, details) in conditions.items():
        alert_set(product=stock.product, kind=kind, active=active, details=details)


def _jit_split(stock: ProductStock, client: XentralClient | None) -> tuple[bool, str]:
    if stock.parts is None:
        client = stock_client(client, subject=stock.product)
        parts = list(client.paginate(f"/api/v1/products/{stock.product.xentral_id}/parts"))
        stock.parts = [
            {"id": str(p["product"]["id"]), "amount": str(p.get("amount", 1))} for p in parts
        ]
        ProductStock.objects.filter(pk=stock.pk).update(parts=stock.parts)
    if not stock.parts:
        return False, ""
    holdings: dict[str, set[str]] = {}
    for part in stock.parts:
        component = (
            ProductStock.objects.filter(product__xentral_id=part["id"])
            .select_related("latest")
            .first()
        )
        if component is None or component.latest is None:
            return False, ""  # not known yet; judged once every component has a snapshot
        holdings[part["id"]] = {
            w.warehouse_id
            for w in component.latest.warehouses.all()
            if w.physical >= Decimal(part["amount"])
        }
    common = set.intersection(*holdings.values())
    return not common, "no warehouse holds every component for one kit"


def alert_set(*, product: Product, kind: AlertKind, active: bool, details: str) -> None:
    """Open the alert (mailing STOCK_ALERT_EMAILS) when active and none is open; resolve the
    open one when not."""
    open_alert = alerts_open(product=product).filter(kind=kind)
    if not active:
        open_alert.update(resolved_at=timezone.now())
        return
    if open_alert.exists():
        return
    try:
        with transaction.atomic():
            alert = StockAlert.objects.create(product=product, kind=kind, details=details)
    except IntegrityError:
        return  # opened by a concurrent poll
    if settings.STOCK_ALERT_EMAILS:
        send_mail(
            f"Stock alert: {product.number} - {alert.get_kind_display()}",
            f"{product.number} ({product.name}): {details}",
            None,
            settings.STOCK_ALERT_EMAILS,
            fail_silently=True,
        )


def stock_alerts_acknowledge(*, alerts, user) -> int:
    """Mark open alerts as seen by `user` (they leave the dashboard's count, still resolve by
    themselves); returns how many were acknowledged now."""
    return StockAlert.objects.filter(
        pk__in=[alert.pk for alert in alerts], resolved_at=None, acknowledged_at=None
    ).update(acknowledged_at=timezone.now(), acknowledged_by=user)
