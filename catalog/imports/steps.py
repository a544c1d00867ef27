"""The steps every applied row shares (prices, references, completion) and the bookkeeping that
makes a row resumable: each step is recorded on the row as soon as it is done."""

from django.db import transaction
from django.db.models import F

from backoffice.pricing import UnknownTaxCategory
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from catalog.errors import CatalogError
from catalog.imports.bodies import PRODUCT_COLUMNS
from catalog.models import (
    CatalogEntry,
    ImportRow,
    ImportStep,
    Product,
    ProductImport,
    ProductKind,
    RowStatus,
    SalesTax,
    product_kind,
)
from catalog.prices import (
    PURCHASE_PRICES,
    SALES_PRICES,
    purchase_price_body,
    sales_price_body,
)
from catalog.references import external_reference_add

#: What can make one row fail while the others go on.
ROW_FAULTS = (XentralError, CatalogError, UnknownTaxCategory)


def row_set(row: ImportRow, **fields) -> None:
    """Save fields of a row at once, in their own short transaction."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=list(fields))


def row_step_done(row: ImportRow, step: str) -> None:
    row_set(row, steps_done=[*row.steps_done, step])


def row_fail(row: ImportRow, fault: Exception) -> None:
    row_set(row, status=RowStatus.FAILED, errors=[_fault_text(fault)])


def _fault_text(fault: Exception) -> str:
    if not isinstance(fault, XentralError):
        return str(fault)
    if fault.retryable:
        return f"Xentral was not available ({fault.problem_text}); re-run the failed rows."
    return f"Xentral refused {fault.method} {fault.path}: {fault.problem_text}"


def row_count_calls(row: ImportRow, client: XentralClient) -> None:
    """Add the client's calls to the row and its import, and start counting afresh."""
    if client.calls_made:
        ImportRow.objects.filter(pk=row.pk).update(calls=F("calls") + client.calls_made)
        ProductImport.objects.filter(pk=row.product_import_id).update(
            calls_used=F("calls_used") + client.calls_made
        )
        client.calls_made = 0


def applied_data(number: str) -> dict | None:
    """What the hub last applied for this product number, if anything."""
    entry = CatalogEntry.objects.filter(number=number).first()
    return entry.applied_data if entry else None


def changed_columns(data: dict) -> list[str]:
    """The product columns a PATCH must send: what differs from the last applied row."""
    previous = applied_data(data["number"])
    if previous is None:
        return [c for c in PRODUCT_COLUMNS if data.get(c) not in (None, "", [])]
    return [c for c in PRODUCT_COLUMNS if previous.get(c) != data.get(c)]


def _differs(previous: dict | None, data: dict, columns) -> bool:
    return previous is None or any(previous.get(c) != data.get(c) for c in columns)


def apply_extras(row: ImportRow, client: XentralClient) -> None:
    """Sales price, purchase price and external references of a row whose product exists."""
    data = row.data
    previous = applied_data(data["number"])
    if data["sales_price"] is not None and ImportStep.SALES_PRICE not in row.steps_done:
        if _differs(previous, data, ("sales_price", "currency", "prices", "sales_tax")):
            client.post(SALES_PRICES, sales_price_body(product_id=row.xentral_id, data=data))
        row_step_done(row, ImportStep.SALES_PRICE)
    if data["purchase_price"] is not None and ImportStep.PURCHASE_PRICE not in row.steps_done:
        if _differs(previous, data, ("purchase_price", "supplier_id", "currency")):
            client.create(
                PURCHASE_PRICES, purchase_price_body(product_id=row.xentral_id, data=data)
            )
        row_step_done(row, ImportStep.PURCHASE_PRICE)
    for target_id, number in data["external_references"]:
        step = ImportStep.reference(target_id, number)
        if step not in row.steps_done:
            product, _ = Product.objects.get_or_create(
                xentral_id=row.xentral_id, defaults={"number": row.number, "name": data["name"]}
            )
            external_reference_add(
                product=product, target_id=target_id, number=number, client=client
            )
            row_step_done(row, step)


def row_kind(data: dict, *, is_parent: bool) -> ProductKind:
    return product_kind(
        matrix_parent=is_parent,
        variant=bool(data["variant_of"]),
        jit=bool(data["is_jit"]),
        bom=bool(data["bom"]),
        stock_item=data["is_stock_item"] is not False,
    )


def row_complete(row: ImportRow, *, kind: ProductKind) -> None:
    """Remember what was applied, teach the index the product, and mark the row done."""
    data = row.data
    with transaction.atomic():
        CatalogEntry.objects.update_or_create(
            number=data["number"],
            defaults={
                "xentral_id": row.xentral_id,
                "content_hash": row.content_hash,
                "applied_data": data,
            },
        )
        _index(row, kind)
        row_set(row, status=RowStatus.DONE, errors=[])


def _index(row: ImportRow, kind: ProductKind) -> None:
    """Orders can resolve the new SKU without a call: the index learns it from the row.

    An update changes only what the file says: an empty or missing column leaves Xentral's
    value alone (the PATCH does not send it), so the index keeps its value too.
    """
    data = row.data
    Product.objects.filter(number=data["number"]).exclude(xentral_id=row.xentral_id).delete()
    known = Product.objects.filter(xentral_id=row.xentral_id).first()
    fields = {"number": data["number"], "name": data["name"][:255], "kind": kind}
    if data["ean"] or known is None:
        fields["ean"] = data["ean"] or ""
    if data["sales_tax"] or known is None:
        fields["sales_tax"] = data["sales_tax"] or SalesTax.STANDARD
    if data["is_stock_item"] is not None or known is None:
        fields["is_stock_item"] = data["is_stock_item"] is not False
    if known is not None and kind != ProductKind.MATRIX_PARENT and not _names_kind(data):
        fields["kind"] = known.kind
    Product.objects.update_or_create(xentral_id=row.xentral_id, defaults=fields)


def _names_kind(data: dict) -> bool:
    """Whether the row says anything about what kind of product it is."""
    return bool(data["variant_of"] or data["bom"]) or any(
        data[c] is not None for c in ("is_jit", "is_stock_item")
    )
