"""Reads of the catalog: products by foreign number, SKU or EAN, import progress, mapping health."""

from django.conf import settings
from django.db.models import Count, Q, Sum

from backoffice.app_hooks import app_modules
from backoffice.xentral.params import MAX_PAGE_SIZE
from catalog.models import (
    ExternalReference,
    ImportStatus,
    Product,
    ProductImport,
    ProductKind,
    RowAction,
    RowStatus,
)

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
    """How far the dry run (while pending) or the apply has come, with a one-line summary."""
    if product_import.status == ImportStatus.PENDING:
        return _dry_run_progress(product_import)
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
    if product_import.status == ImportStatus.CHECKED:
        summary = f"Dry run ready: {total} rows, {actions.get(RowAction.ERROR, 0)} with errors"
    else:
        summary = f"{product_import.get_status_display()}: {finished} of {total} rows"
    return {
        "rows": total,
        "finished": finished,
        "percent": round(100 * finished / total) if total else 100,
        "by_status": counts,
        "by_action": actions,
        "calls_used": product_import.calls_used,
        "seconds_left": round(remaining * per_row / _catalog_calls_per_minute() * 60)
        if remaining
        else 0,
        "summary": summary,
    }


def _dry_run_progress(product_import: ProductImport) -> dict:
    total, checked = product_import.row_count, product_import.rows_checked
    # Unknown numbers are looked up 50 to a call; the estimate assumes every number is unknown.
    lookups = (total - checked) / MAX_PAGE_SIZE
    return {
        "rows": total,
        "finished": checked,
        "percent": round(100 * checked / total) if total else 100,
        "by_status": {},
        "by_action": {},
        "calls_used": product_import.calls_used,
        "seconds_left": round(lookups / _catalog_calls_per_minute() * 60),
        "summary": f"Dry run running: {checked} of {total} rows",
    }


def _catalog_calls_per_minute() -> float:
    per_minute = settings.XENTRAL_RATE_LIMIT * settings.XENTRAL_BUDGET_SHARES["catalog"]
    return per_minute * 60 / settings.XENTRAL_RATE_WINDOW_S


def mapping_health(*, target_id: str = "") -> list[dict]:
    """The sections of the mapping-health page, from every app's `mapping_health` module
    (orders: SKUs seen but unknown; catalog: unmapped products, duplicates): each a title,
    columns, rows and optionally a link {url, label} to a fuller page."""
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


def product_suggestions(*, query: str, limit: int = 20) -> list[dict]:
    """Orderable products whose SKU starts with, or whose name or EAN contains, the query:
    `{number, name}` for an autocomplete, SKU matches first."""
    query = query.strip()
    if not query:
        return []
    orderable = Product.objects.filter(is_disabled=False).exclude(kind=ProductKind.MATRIX_PARENT)
    by_sku = list(orderable.filter(number__istartswith=query).values("number", "name")[:limit])
    if len(by_sku) < limit:
        seen = {p["number"] for p in by_sku}
        others = orderable.filter(Q(name__icontains=query) | Q(ean__startswith=query)).exclude(
            number__in=seen
        )
        by_sku += list(others.values("number", "name")[: limit - len(by_sku)])
    return by_sku
