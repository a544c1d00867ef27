"""Xentral events the stock app acts on: a storage movement or a reservation change puts the
product first in the next poll cycle (the poller reads it then, and its list check skips it,
since the refresh already moved `list_checked_at`)."""

from catalog.models import Product
from stock.models import ProductStock


def _product_changed(body: dict) -> None:
    product_id = body.get("productId")
    if product_id is None:
        return
    products = Product.objects.filter(xentral_id=str(product_id), is_stock_item=True)
    for product in products:
        ProductStock.objects.get_or_create(product=product)
    ProductStock.objects.filter(product__in=products).update(needs_refresh=True)


HANDLERS = {
    "com.xentral.reservation.changed.v1": _product_changed,
    "com.xentral.storageItem.movement.v1": _product_changed,
}
