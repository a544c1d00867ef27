"""The dry run of an import: read the file, classify each row (create, update, unchanged,
error) against the product index, and store it; nothing is sent to Xentral but lookups."""

import hashlib
import json

from django.db import transaction

from backoffice.models import Purpose
from backoffice.pricing import UnknownTaxCategory, tax_rate
from backoffice.xentral.client import XentralClient
from catalog.index import resolve_skus
from catalog.models import (
    CatalogEntry,
    ImportRow,
    Product,
    ProductImport,
    ProductKind,
    RowAction,
    RowStatus,
    SalesTax,
)
from catalog.parsing import read_catalog

PRICE_KINDS = ("", "net", "gross")


def content_hash(row: dict) -> str:
    content = {k: v for k, v in row.items() if k != "line"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def import_create(*, content: bytes, filename: str = "", channel=None, user=None) -> ProductImport:
    """Read and check the file (CatalogFileError for file-level faults; nothing is stored),
    classify every row, and store the import with its dry run."""
    rows = read_catalog(content, filename=filename)
    plan = _classify(rows)
    with transaction.atomic():
        product_import = ProductImport.objects.create(
            channel=channel, created_by=user, filename=filename[:255]
        )
        ImportRow.objects.bulk_create(
            ImportRow(
                product_import=product_import,
                line=row["line"],
                number=row["number"],
                data=row,
                content_hash=content_hash(row),
                action=action,
                errors=errors,
                xentral_id=xentral_id,
                status=RowStatus.PENDING if action != RowAction.ERROR else RowStatus.FAILED,
            )
            for row, action, errors, xentral_id in plan
        )
    return product_import


def _classify(rows: list[dict]) -> list[tuple[dict, str, list[str], str]]:
    by_number = {row["number"]: row for row in rows}
    referenced = {row["variant_of"] for row in rows if row["variant_of"]}
    referenced |= {number for row in rows for number, _ in row["bom"]}
    index = _known_products([*by_number, *referenced])
    entries = {e.number: e for e in CatalogEntry.objects.filter(number__in=list(by_number))}
    plan = []
    for row in rows:
        errors = _row_errors(row, by_number, index)
        known = index.get(row["number"])
        entry = entries.get(row["number"])
        if errors:
            action, xentral_id = RowAction.ERROR, ""
        elif entry and entry.content_hash == content_hash(row) and known:
            action, xentral_id = RowAction.UNCHANGED, known.xentral_id
        elif known:
            action, xentral_id = RowAction.UPDATE, known.xentral_id
        else:
            action, xentral_id = RowAction.CREATE, ""
        plan.append((row, action, errors, xentral_id))
    failed = {row["number"] for row, action, _, _ in plan if action == RowAction.ERROR}
    for row, action, errors, _ in plan:
        if action != RowAction.ERROR and row["variant_of"] in failed:
            errors.append(f"Its matrix parent '{row['variant_of']}' has errors in this file.")
    return [
        (row, RowAction.ERROR if errors else action, errors, xentral_id)
        for row, action, errors, xentral_id in plan
    ]


def _known_products(numbers: list[str]) -> dict[str, Product]:
    client = XentralClient(purpose=Purpose.CATALOG)
    return {n: p for n, p in resolve_skus(numbers, client=client).items() if p is not None}


def _row_errors(row: dict, by_number: dict, index: dict) -> list[str]:
    errors = _value_errors(row)
    parent = row["variant_of"]
    if parent:
        errors += _variant_errors(row, by_number.get(parent), index.get(parent))
    for component, _ in row["bom"]:
        if component == row["number"]:
            errors.append("A product cannot be a part of itself.")
        elif component not in by_number and component not in index:
            errors.append(f"BOM component '{component}' is unknown.")
    return errors


def _value_errors(row: dict) -> list[str]:
    errors = []
    if row["sales_tax"] and row["sales_tax"] not in SalesTax.values:
        errors.append(
            f"sales_tax '{row['sales_tax']}' is not {', '.join(SalesTax.values[:-1])} "
            f"or {SalesTax.values[-1]}."
        )
    elif row["prices"] == "gross" and row["sales_price"] is not None:
        try:
            tax_rate(row["sales_tax"])
        except UnknownTaxCategory as exc:
            errors.append(f"The gross sales_price cannot be made net: {exc}.")
    if row["prices"] not in PRICE_KINDS:
        errors.append(f"prices '{row['prices']}' is not net or gross.")
    if row["purchase_price"] is not None and not row["supplier_id"]:
        errors.append("purchase_price needs a supplier_id.")
    return errors


def _variant_errors(row: dict, parent_row: dict | None, parent_known) -> list[str]:
    errors = []
    parent = row["variant_of"]
    if parent == row["number"]:
        errors.append("A product cannot be a variant of itself.")
    elif parent_row is not None and parent_row["variant_of"]:
        errors.append(f"variant_of '{parent}' is itself a variant.")
    elif parent_row is None and (
        parent_known is None or parent_known.kind != ProductKind.MATRIX_PARENT
    ):
        errors.append(
            f"variant_of '{parent}' is neither in this file nor a matrix product in Xentral."
        )
    if not row["option_size"] and not row["option_colour"]:
        errors.append("A variant needs option_size or option_colour.")
    if row["bom"]:
        errors.append("A variant cannot have a bill of materials here.")
    return errors
