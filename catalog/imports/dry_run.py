"""The dry run of an import: the upload request checks the file and stores it; background jobs
store its rows and classify each (create, update, unchanged, error) against the product index.
Nothing is sent to Xentral but lookups, and no web request waits for them or the rate budget."""

import hashlib
import io
import json
from collections import defaultdict
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import F

from backoffice.models import Purpose
from backoffice.pricing import UnknownTaxCategory, tax_rate
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from catalog.index import resolve_skus
from catalog.models import (
    CatalogEntry,
    ImportEvent,
    ImportEventKind,
    ImportFile,
    ImportRow,
    ImportStatus,
    Product,
    ProductImport,
    ProductKind,
    RowAction,
    RowStatus,
    SalesTax,
)
from catalog.parsing import check_catalog, read_catalog

PRICE_KINDS = ("", "net", "gross")
STORE_BATCH = 1000


def content_hash(row: dict) -> str:
    content = {k: v for k, v in row.items() if k != "line"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def import_create(
    *,
    content: bytes | BinaryIO,
    filename: str = "",
    channel=None,
    user=None,
    run_now: bool = False,
) -> ProductImport:
    """Check the file as a stream (CatalogFileError for file-level faults; nothing is stored),
    store it with the import pending and queue its dry run: a chain of django-q2 jobs (or at
    once with `run_now`, for tests and benchmarks)."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    row_count = check_catalog(stream, filename=filename)
    stream.seek(0)
    with transaction.atomic():
        product_import = ProductImport.objects.create(
            channel=channel,
            created_by=user,
            filename=filename[:255],
            status=ImportStatus.PENDING,
            row_count=row_count,
        )
        data = stream.read()
        ImportFile.objects.create(product_import=product_import, content=data, size=len(data))
        del data
        if not run_now:
            from django_q.tasks import async_task

            import_id = str(product_import.pk)
            transaction.on_commit(lambda: async_task("catalog.tasks.run_dry_run", import_id))
    if run_now:
        while import_dry_run_step(import_id=product_import.pk):
            pass
        product_import.refresh_from_db()
    return product_import


def import_dry_run_step(*, import_id, chunk_size: int | None = None) -> bool:
    """One job of a dry run: the first stores the file's rows, each next one classifies a
    chunk of them; True while work remains. Safe to run twice or after a crash."""
    if not ProductImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).exists():
        return False  # a stale job of a dry run that finished
    if ImportFile.objects.filter(pk=import_id).exists():
        _store_rows(import_id)
        return True
    chunk = list(
        ImportRow.objects.filter(product_import_id=import_id, action=RowAction.UNCHECKED).order_by(
            "line"
        )[: chunk_size or settings.CATALOG_DRY_RUN_CHUNK]
    )
    if not chunk:
        _finish(import_id)
        return False
    _classify(import_id, chunk)
    return True


def _store_rows(import_id) -> None:
    with transaction.atomic():
        upload = ImportFile.objects.select_for_update().filter(pk=import_id).first()
        if upload is None:
            return  # another run of this job stored them
        product_import = upload.product_import
        rows = read_catalog(io.BytesIO(upload.content), filename=product_import.filename)
        batch: list[ImportRow] = []
        for row in rows:
            batch.append(
                ImportRow(
                    product_import_id=import_id,
                    line=row["line"],
                    number=row["number"],
                    data=row,
                    content_hash=content_hash(row),
                    action=RowAction.UNCHECKED,
                )
            )
            if len(batch) >= STORE_BATCH:
                ImportRow.objects.bulk_create(batch)
                batch = []
        ImportRow.objects.bulk_create(batch)
        upload.delete()


def _classify(import_id, chunk: list[ImportRow]) -> None:
    rows = [row.data for row in chunk]
    referenced = {row["variant_of"] for row in rows if row["variant_of"]}
    referenced |= {number for row in rows for number, _ in row["bom"]}
    by_number = dict(
        ImportRow.objects.filter(product_import_id=import_id, number__in=referenced).values_list(
            "number", "data"
        )
    )
    by_number.update((row["number"], row) for row in rows)
    try:
        index, lookup_error = _known_products([*(r["number"] for r in rows), *referenced]), ""
    except XentralError as exc:
        index = {}
        lookup_error = f"Xentral could not be asked about it ({exc.problem_text}); upload again."
    entries = {
        e.number: e for e in CatalogEntry.objects.filter(number__in=[r["number"] for r in rows])
    }
    for row in chunk:
        errors = [lookup_error] if lookup_error else _row_errors(row.data, by_number, index)
        known = index.get(row.number)
        entry = entries.get(row.number)
        if errors:
            row.action, row.xentral_id = RowAction.ERROR, ""
        elif entry and entry.content_hash == row.content_hash and known:
            row.action, row.xentral_id = RowAction.UNCHANGED, known.xentral_id
        elif known:
            row.action, row.xentral_id = RowAction.UPDATE, known.xentral_id
        else:
            row.action, row.xentral_id = RowAction.CREATE, ""
        row.errors = errors
        row.status = RowStatus.FAILED if errors else RowStatus.PENDING
    # Rows with the same outcome are one UPDATE (most are plain creates); bulk_update's CASE
    # per row costs seconds for a chunk.
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    for row in chunk:
        outcomes[(row.action, row.xentral_id, json.dumps(row.errors), row.status)].append(row.pk)
    with transaction.atomic():
        for (action, xentral_id, errors, status), pks in outcomes.items():
            ImportRow.objects.filter(pk__in=pks).update(
                action=action, xentral_id=xentral_id, errors=json.loads(errors), status=status
            )
        ProductImport.objects.filter(pk=import_id).update(
            rows_checked=F("rows_checked") + len(chunk)
        )


def _finish(import_id) -> None:
    """Variants of a parent the dry run rejected are rejected too; then the dry run is ready."""
    with transaction.atomic():
        product_import = (
            ProductImport.objects.select_for_update()
            .filter(pk=import_id, status=ImportStatus.PENDING)
            .first()
        )
        if product_import is None:
            return
        rows = ImportRow.objects.filter(product_import_id=import_id)
        failed = set(rows.filter(action=RowAction.ERROR).values_list("number", flat=True))
        orphans = [
            row
            for row in rows.exclude(action=RowAction.ERROR).exclude(data__variant_of="")
            if row.data["variant_of"] in failed
        ]
        for row in orphans:
            row.errors = [f"Its matrix parent '{row.data['variant_of']}' has errors in this file."]
            row.action, row.status, row.xentral_id = RowAction.ERROR, RowStatus.FAILED, ""
        ImportRow.objects.bulk_update(orphans, ["errors", "action", "status", "xentral_id"])
        product_import.status = ImportStatus.CHECKED
        product_import.rows_checked = rows.count()
        product_import.save(update_fields=["status", "rows_checked"])
        rejected = len(failed) + len(orphans)
        ImportEvent.objects.create(
            product_import=product_import,
            kind=ImportEventKind.CHECKED,
            message=f"{product_import.rows_checked} rows, {rejected} with errors.",
        )


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
