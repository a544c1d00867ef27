"""Reads of the catalog: products by foreign number, SKU or EAN, import progress, mapping health."""

from django.conf import settings
from django.db.models import Count, Sum

from backoffice.app_hooks import app_modules
from catalog.models import ExternalReference, Product, ProductImport, ProductKind, RowStatus

MAPPABLE_KINDS = (ProductKind.SIMPLE, ProductKind.VARIANT, ProductKind.BOM, ProductKind.JIT)


def product_for_external_number(*, target_id: str, number: str) -> Product | None:
    reference = (
        ExternalReference.objects.select_related("product")
        .filter(target_id=str(target_id), number=number, is_active=True)
        .first()
    )
    return reference.product if reference else None


def product_resolve(*, target_id: str = "", number: str = "", sku: str = "", ean: str = ""):
    """The product for exactly one of: a foreign number (with its target), a SKU, an EAN."""
    if number:
        return product_for_external_number(target_id=target_id, number=number)
    if sku:
        return Product.objects.filter(number=sku).first()
    if ean:
        return Product.objects.filter(ean=ean).order_by("number").first()
    return None


def import_progress(product_import: ProductImport) -> dict:
    counts = dict(
        product_import.rows.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    actions = dict(
        product_import.rows.values_list("action").annotate(n=Count("id")).values_list("action", "n")
    )
    total = sum(counts.values())
    finished = sum(counts.get(s, 0) for s in (RowStatus.DONE, RowStatus.SKIPPED, RowStatus.FAILED))
    worked = product_import.rows.filter(status=RowStatus.DONE, calls__gt=0)
    done_calls = worked.aggregate(calls=Sum("calls"))["calls"] or 0
    per_row = done_calls / worked.count() if worked.exists() else 4.0
    remaining = counts.get(RowStatus.PENDING, 0)
    per_minute = settings.XENTRAL_RATE_LIMIT * settings.XENTRAL_BUDGET_SHARES["catalog"]
    per_minute *= 60 / settings.XENTRAL_RATE_WINDOW_S
    return {
        "rows": total,
        "finished": finished,
        "percent": round(100 * finished / total) if total else 100,
        "by_status": counts,
        "by_action": actions,
        "calls_used": product_import.calls_used,
        "seconds_left": round(remaining * per_row / per_minute * 60) if remaining else 0,
    }


def mapping_health(*, target_id: str = "") -> list[dict]:
    """The sections of the mapping-health page, from every app's `mapping_health` module
    (orders: SKUs seen but unknown; catalog: unmapped products, duplicates)."""
    sections: list[dict] = []
    for _, module in app_modules("mapping_health"):
        sections.extend(module.sections(target_id=target_id))
    return sections


def products_without_mapping(*, target_id: str):
    """Sellable products (not matrix parents or services) with no active foreign number for
    the target."""
    return Product.objects.exclude(
        references__target_id=target_id, references__is_active=True
    ).filter(kind__in=MAPPABLE_KINDS)


def products_with_several_references() -> list[dict]:
    """`{target_id, product__number, n}` where a product has more than one active mapping."""
    return list(
        ExternalReference.objects.filter(is_active=True)
        .values("target_id", "product__number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def eans_on_several_products() -> list[dict]:
    """`{ean, n}` for each EAN more than one product carries."""
    return list(
        Product.objects.exclude(ean="").values("ean").annotate(n=Count("id")).filter(n__gt=1)
    )
