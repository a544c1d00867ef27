"""The product index: the hub's copy of Xentral's products, so SKUs resolve without a call.

`products_sync` pages through `GET /api/v2/products` (everything the first time, then only what
changed since the last `updatedAt` seen); `resolve_skus` answers from the index and asks
Xentral only for the SKUs it does not know, one `number in [...]` call per 50.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.params import MAX_PAGE_SIZE, filter_params
from catalog.models import Product, ProductIndexSync, ProductKind, SalesTax, product_kind

PRODUCTS_PATH = "/api/v2/products"


def _truthy(value) -> bool:
    return value in (True, 1, "1", "true", "True", "TRUE")


def _xentral_kind(item: dict) -> ProductKind:
    return product_kind(
        matrix_parent=_truthy(item.get("isMatrixProduct")),
        variant=bool(item.get("variantOf")),
        jit=_truthy(item.get("isAssembledJustInTime")),
        bom=_truthy(item.get("hasBillOfMaterials")),
        # Xentral leaves the field out for stock items as often as it sends true.
        stock_item="isStockItem" not in item or _truthy(item.get("isStockItem")),
    )


def _decimal(value) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def product_upsert_from_xentral(item: dict) -> Product:
    """Map one `/api/v2/products` item onto its index row (created or updated)."""
    sales_tax = item.get("salesTax")
    fields = {
        "number": item["number"],
        "ean": item.get("ean") or "",
        "name": (item.get("name") or "")[:255],
        "kind": _xentral_kind(item),
        "sales_tax": sales_tax if sales_tax in SalesTax.values else SalesTax.STANDARD,
        "is_stock_item": _truthy(item.get("isStockItem", True)),
        "is_disabled": _truthy(item.get("isDisabled", False)),
        "stock_count": _decimal(item.get("stockCount")),
        "xentral_updated_at": parse_datetime(item["updatedAt"]) if item.get("updatedAt") else None,
    }
    with transaction.atomic():
        # A number that moved to another Xentral id (renumbered products) frees it first.
        Product.objects.filter(number=fields["number"]).exclude(xentral_id=str(item["id"])).delete()
        product, _ = Product.objects.update_or_create(xentral_id=str(item["id"]), defaults=fields)
    return product


def products_sync(*, full: bool = False, client: XentralClient | None = None) -> int:
    """Bring the index up to date; returns the number of products stored."""
    client = client or XentralClient(purpose=Purpose.SYNC)
    state = ProductIndexSync.load()
    params = {}
    if not full and state.cursor is not None:
        # Writes landing in the same instant as the newest one seen must not be missed;
        # re-reading a few seconds of changes is harmless.
        overlap = timedelta(seconds=settings.PRODUCT_SYNC_OVERLAP_S)
        since = (state.cursor - overlap).isoformat()
        params = filter_params(("updatedAt", "greaterThan", since))
    newest: datetime | None = state.cursor
    stored = 0
    for item in client.paginate(PRODUCTS_PATH, params=params):
        product = product_upsert_from_xentral(item)
        stored += 1
        if product.xentral_updated_at and (newest is None or product.xentral_updated_at > newest):
            newest = product.xentral_updated_at
    state.record(full=full or state.cursor is None, cursor=newest, stored=stored)
    return stored


def resolve_skus(
    skus: Iterable[str], *, client: XentralClient | None = None
) -> dict[str, Product | None]:
    """Each SKU (in input order, once) -> its product, or None when Xentral has none by that
    exact number. Never a guess: no case-folding or prefix matches."""
    wanted = list(dict.fromkeys(s for s in skus if s))
    known = {p.number: p for p in Product.objects.filter(number__in=wanted)}
    missing = [sku for sku in wanted if sku not in known]
    if missing:
        client = client or XentralClient(purpose=Purpose.SYNC)
        for start in range(0, len(missing), MAX_PAGE_SIZE):
            chunk = missing[start : start + MAX_PAGE_SIZE]
            params = {
                **filter_params(("number", "in", chunk)),
                "page[number]": 1,
                "page[size]": MAX_PAGE_SIZE,
            }
            for item in (client.get(PRODUCTS_PATH, params=params) or {}).get("data") or []:
                if item.get("number") in chunk:
                    known[item["number"]] = product_upsert_from_xentral(item)
    return {sku: known.get(sku) for sku in wanted}
