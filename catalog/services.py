"""Writes of the catalog: import a file (dry run), apply it to Xentral in resumable chunks,
re-run failed rows, and keep external-reference mappings.

Every row is idempotent: each sub-step (product, prices, references, variants, parts) is
recorded on the row when done, and an id Xentral returns is saved at once, so a crash or a
re-run never creates anything twice.
"""

import hashlib
import json
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralConflict, XentralError, XentralNotFound
from backoffice.xentral.params import filter_params
from catalog.models import (
    CatalogEntry,
    ExternalReference,
    ImportRow,
    ImportStatus,
    Product,
    ProductImport,
    ProductKind,
    RowAction,
    RowStatus,
)
from catalog.parsing import read_catalog

logger = logging.getLogger(__name__)

CHUNK_SIZE = 25
PRODUCTS = "/api/v2/products"
SALES_TAX = {"", "standard", "reduced", "free"}
OPTION_NAMES = {"option_size": "Size", "option_colour": "Colour"}
# Columns that go into the product itself (a change to one of them costs one PATCH).
PRODUCT_COLUMNS = (
    "name", "project_id", "ean", "description", "is_stock_item", "sales_tax", "unit",
    "weight_kg", "length_cm", "width_cm", "height_cm", "categories", "is_jit", "bom",
)  # fmt: skip


def content_hash(row: dict) -> str:
    content = {k: v for k, v in row.items() if k != "line"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


# --- dry run -----------------------------------------------------------------------------
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
    from catalog.index import resolve_skus

    client = XentralClient(purpose=Purpose.CATALOG)
    return {n: p for n, p in resolve_skus(numbers, client=client).items() if p is not None}


def _row_errors(row: dict, by_number: dict, index: dict) -> list[str]:
    errors = []
    if row["sales_tax"] not in SALES_TAX:
        errors.append(f"sales_tax '{row['sales_tax']}' is not standard, reduced or free.")
    if row["prices"] not in ("", "net", "gross"):
        errors.append(f"prices '{row['prices']}' is not net or gross.")
    if row["purchase_price"] is not None and not row["supplier_id"]:
        errors.append("purchase_price needs a supplier_id.")
    parent = row["variant_of"]
    if parent:
        parent_row = by_number.get(parent)
        parent_known = index.get(parent)
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
    for component, _ in row["bom"]:
        if component == row["number"]:
            errors.append("A product cannot be a part of itself.")
        elif component not in by_number and component not in index:
            errors.append(f"BOM component '{component}' is unknown.")
    return errors


# --- apply --------------------------------------------------------------------------------------
def import_apply(*, product_import: ProductImport, run_now: bool = False) -> ProductImport:
    """Start applying the import's pending rows: a django-q2 job (or at once, for tests and
    benchmarks, with `run_now`)."""
    ProductImport.objects.filter(pk=product_import.pk).update(
        status=ImportStatus.APPLYING, started_at=timezone.now(), finished_at=None
    )
    product_import.refresh_from_db()
    if run_now:
        while import_run_chunk(import_id=product_import.pk):
            pass
    else:
        from django_q.tasks import async_task

        transaction.on_commit(
            lambda: async_task("catalog.tasks.run_import_chunk", str(product_import.pk))
        )
    product_import.refresh_from_db()
    return product_import


def import_rerun_failed(*, product_import: ProductImport, run_now: bool = False) -> int:
    """Queue the rows that failed while applying (not those the dry run rejected) again."""
    count = (
        product_import.rows.filter(status=RowStatus.FAILED)
        .exclude(action=RowAction.ERROR)
        .update(status=RowStatus.PENDING, errors=[])
    )
    if count:
        import_apply(product_import=product_import, run_now=run_now)
    return count


def _pending(product_import_id) -> list[ImportRow]:
    rows = ImportRow.objects.filter(
        product_import_id=product_import_id, status=RowStatus.PENDING
    ).exclude(action=RowAction.ERROR)
    # Plain products and matrix parents first, then variants, then kits (their parts exist).
    return sorted(rows, key=lambda r: (_phase(r.data), r.line))


def _phase(data: dict) -> int:
    if data["variant_of"]:
        return 1
    return 2 if data["bom"] else 0


def import_run_chunk(*, import_id, chunk_size: int = CHUNK_SIZE) -> bool:
    """Apply the next rows; True while rows remain. Safe to run twice or after a crash."""
    product_import = ProductImport.objects.get(pk=import_id)
    rows = _pending(import_id)[:chunk_size]
    if not rows:
        _finish(product_import)
        return False
    client = XentralClient(purpose=Purpose.CATALOG)
    for row in rows:
        row.refresh_from_db()
        if row.status != RowStatus.PENDING:
            continue  # applied with its siblings (variants of one parent)
        if row.action == RowAction.UNCHANGED:
            _set(row, status=RowStatus.SKIPPED)
            continue
        row_client = client.bound(subject=row)
        try:
            if row.data["variant_of"]:
                _apply_variants(row, row_client)
            else:
                _apply_row(row, row_client)
        except XentralError as error:
            _set(row, status=RowStatus.FAILED, errors=[_error_text(error)])
        finally:
            _count_calls(row, row_client)
    return True


def _error_text(error: XentralError) -> str:
    if error.retryable:
        return f"Xentral was not available ({error.problem_text}); re-run the failed rows."
    return f"Xentral refused {error.method} {error.path}: {error.problem_text}"


def _count_calls(row: ImportRow, client: XentralClient) -> None:
    if client.calls_made:
        ImportRow.objects.filter(pk=row.pk).update(calls=F("calls") + client.calls_made)
        ProductImport.objects.filter(pk=row.product_import_id).update(
            calls_used=F("calls_used") + client.calls_made
        )
        client.calls_made = 0


def _set(row: ImportRow, **fields) -> None:
    """Save fields of a row at once, in their own short transaction."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=list(fields))


def _step_done(row: ImportRow, step: str) -> None:
    _set(row, steps_done=[*row.steps_done, step])


def _finish(product_import: ProductImport) -> None:
    failed = product_import.rows.filter(status=RowStatus.FAILED).exists()
    product_import.status = ImportStatus.DONE_WITH_ERRORS if failed else ImportStatus.DONE
    product_import.finished_at = timezone.now()
    product_import.save(update_fields=["status", "finished_at"])


def _apply_row(row: ImportRow, client: XentralClient) -> None:
    data = row.data
    is_parent = ImportRow.objects.filter(
        product_import_id=row.product_import_id, data__variant_of=data["number"]
    ).exists()
    if row.action == RowAction.CREATE:
        _ensure_created(
            row,
            client,
            product_body(data, parent_options=_parent_options(row) if is_parent else None),
        )
    else:
        changed = _changed_fields(data)
        if changed and "patch" not in row.steps_done:
            client.patch(f"{PRODUCTS}/{row.xentral_id}", product_patch(data, changed))
            _step_done(row, "patch")
    _apply_extras(row, client)
    if data["bom"] and "parts" not in row.steps_done:
        client.post(f"{PRODUCTS}/{row.xentral_id}/parts", _parts_body(row))
        _step_done(row, "parts")
    _complete(row, kind=ProductKind.MATRIX_PARENT if is_parent else None)


def _ensure_created(row: ImportRow, client: XentralClient, body: dict) -> None:
    if row.xentral_id:
        return
    if "product_sent" in row.steps_done:
        # An earlier attempt sent the create and stopped before saving the answer.
        found = _find_by_number(client, row.number)
        if found:
            _set(row, xentral_id=found)
            return
    _step_done(row, "product_sent")
    try:
        xentral_id = client.create(PRODUCTS, body)
    except XentralConflict:
        xentral_id = _find_by_number(client, row.number)
        if not xentral_id:
            raise
        _step_done(row, "bound_existing")
    _set(row, xentral_id=xentral_id)


def _find_by_number(client: XentralClient, number: str) -> str:
    params = {**filter_params(("number", "equals", number)), "page[number]": 1, "page[size]": 1}
    items = (client.get(PRODUCTS, params=params) or {}).get("data") or []
    return str(items[0]["id"]) if items else ""


def _apply_extras(row: ImportRow, client: XentralClient) -> None:
    data = row.data
    previous = _applied(data["number"])
    if data["sales_price"] is not None and "sales_price" not in row.steps_done:
        if _differs(previous, data, ("sales_price", "currency", "prices", "sales_tax")):
            client.post("/api/v3/salesPrices", _sales_price_body(row))
        _step_done(row, "sales_price")
    if data["purchase_price"] is not None and "purchase_price" not in row.steps_done:
        if _differs(previous, data, ("purchase_price", "supplier_id", "currency")):
            client.create("/api/v2/purchasePrices", _purchase_price_body(row))
        _step_done(row, "purchase_price")
    for target_id, number in data["external_references"]:
        step = f"ref:{target_id}:{number}"
        if step not in row.steps_done:
            _add_reference(row, client, target_id, number)
            _step_done(row, step)


def _applied(number: str) -> dict | None:
    entry = CatalogEntry.objects.filter(number=number).first()
    return entry.applied_data if entry else None


def _differs(previous: dict | None, data: dict, columns) -> bool:
    return previous is None or any(previous.get(c) != data.get(c) for c in columns)


def _changed_fields(data: dict) -> list[str]:
    previous = _applied(data["number"])
    if previous is None:
        return [c for c in PRODUCT_COLUMNS if data.get(c) not in (None, "", [])]
    return [c for c in PRODUCT_COLUMNS if previous.get(c) != data.get(c)]


def _complete(row: ImportRow, *, kind: str | None = None) -> None:
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
        _set(row, status=RowStatus.DONE, errors=[])


def _index(row: ImportRow, kind: str | None) -> None:
    """Orders can resolve the new SKU without a call: the index learns it from the row."""
    data = row.data
    if kind is None:
        if data["variant_of"]:
            kind = ProductKind.VARIANT
        elif data["is_jit"]:
            kind = ProductKind.JIT
        elif data["bom"]:
            kind = ProductKind.BOM
        elif data["is_stock_item"] is False:
            kind = ProductKind.SERVICE
        else:
            kind = ProductKind.SIMPLE
    Product.objects.filter(number=data["number"]).exclude(xentral_id=row.xentral_id).delete()
    Product.objects.update_or_create(
        xentral_id=row.xentral_id,
        defaults={
            "number": data["number"],
            "ean": data["ean"],
            "name": data["name"][:255],
            "kind": kind,
            "sales_tax": data["sales_tax"] or "standard",
            "is_stock_item": data["is_stock_item"] is not False,
        },
    )


# --- Xentral bodies -----------------------------------------------------------------------------
def product_body(data: dict, *, parent_options: list[dict] | None = None) -> dict:
    body = {"number": data["number"], **product_patch(data, PRODUCT_COLUMNS)}
    body.setdefault("project", {"id": "1"})
    if parent_options:
        body["isMatrixProduct"] = True
        body["options"] = parent_options
    return body


def product_patch(data: dict, columns) -> dict:
    body: dict = {}
    for column in columns:
        value = data.get(column)
        if column == "name":
            body["name"] = value
        elif column == "project_id" and value:
            body["project"] = {"id": value}
        elif column in ("ean", "description", "unit") and value:
            body[column] = value
        elif column == "is_stock_item" and value is not None:
            body["isStockItem"] = value
        elif column == "sales_tax" and value:
            body["salesTax"] = value
        elif column == "categories" and value:
            body["categories"] = [{"id": c} for c in value]
        elif column == "is_jit" and value is not None:
            body["isAssembledJustInTime"] = value
        elif column == "bom" and value:
            body["hasBillOfMaterials"] = True
    measurements = {
        name: {"value": float(data[column]), "unit": unit}
        for name, column, unit in (
            ("weight", "weight_kg", "kg"),
            ("length", "length_cm", "cm"),
            ("width", "width_cm", "cm"),
            ("height", "height_cm", "cm"),
        )
        if column in columns and data.get(column) is not None
    }
    if measurements:
        body["measurements"] = measurements
    return body


def net_price(data: dict) -> Decimal:
    price = Decimal(data["sales_price"])
    if data["prices"] == "gross":
        rate = settings.TAX_RATES.get(data["sales_tax"] or "standard", Decimal(0))
        price = price / (1 + rate / 100)
    return price.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _money(amount: Decimal, currency: str) -> dict:
    return {"amount": format(amount.normalize(), "f"), "currency": currency or "EUR"}


def _sales_price_body(row: ImportRow) -> dict:
    return {
        "product": {"id": row.xentral_id},
        "price": _money(net_price(row.data), row.data["currency"]),
        "quantity": 1,
    }


def _purchase_price_body(row: ImportRow) -> dict:
    return {
        "product": {"id": row.xentral_id},
        "supplier": {"id": row.data["supplier_id"]},
        "fromQuantity": 1,
        "price": _money(Decimal(row.data["purchase_price"]), row.data["currency"]),
    }


def _parts_body(row: ImportRow) -> list[dict]:
    siblings = {
        r.number: r.xentral_id
        for r in ImportRow.objects.filter(product_import_id=row.product_import_id).exclude(
            xentral_id=""
        )
    }
    parts = []
    for number, amount in row.data["bom"]:
        part_id = siblings.get(number) or Product.objects.get(number=number).xentral_id
        parts.append({"part": {"id": part_id}, "amount": float(amount), "type": "shopping part"})
    return parts


# --- variants -------------------------------------------------------------------------------------
def _variant_rows(row: ImportRow) -> list[ImportRow]:
    return list(
        ImportRow.objects.filter(
            product_import_id=row.product_import_id,
            data__variant_of=row.data["variant_of"],
            status=RowStatus.PENDING,
        ).exclude(action=RowAction.ERROR)
    )


def _parent_options(row: ImportRow) -> list[dict]:
    variants = ImportRow.objects.filter(
        product_import_id=row.product_import_id, data__variant_of=row.number
    ).exclude(action=RowAction.ERROR)
    options = []
    for column, name in OPTION_NAMES.items():
        values = list(dict.fromkeys(v.data[column] for v in variants if v.data[column]))
        if values:
            options.append({"name": name, "values": [{"name": v} for v in values]})
    return options


def _apply_variants(row: ImportRow, client: XentralClient) -> None:
    """All pending variants of the row's parent: one createVariants call for those Xentral
    lacks, then per variant its number and fields, prices and references."""
    parent = Product.objects.filter(number=row.data["variant_of"]).first()
    if parent is None:
        raise XentralNotFound(f"The matrix parent {row.data['variant_of']} is not in Xentral.")
    siblings = _variant_rows(row)
    values = _option_values(client, parent.xentral_id, siblings)
    missing = [v for v in siblings if not v.xentral_id]
    if missing:
        _create_variants(client, parent.xentral_id, missing, values)
    for variant in siblings:
        variant_client = client.bound(subject=variant)
        try:
            if "variant_fields" not in variant.steps_done:
                body = {"number": variant.number, **product_patch(variant.data, PRODUCT_COLUMNS)}
                variant_client.patch(f"{PRODUCTS}/{variant.xentral_id}", body)
                _step_done(variant, "variant_fields")
            _apply_extras(variant, variant_client)
            _complete(variant, kind=ProductKind.VARIANT)
        except XentralError as error:
            _set(variant, status=RowStatus.FAILED, errors=[_error_text(error)])
        finally:
            if variant.pk != row.pk:
                _count_calls(variant, variant_client)
            else:
                client.calls_made += variant_client.calls_made


def _option_values(client, parent_id: str, variants: list[ImportRow]) -> dict[tuple, str]:
    """(option name, value name) -> option-value id, creating what the parent lacks."""
    options = {o["name"]: o for o in client.paginate(f"/api/v1/products/{parent_id}/options")}
    ids = {}
    for column, name in OPTION_NAMES.items():
        wanted = list(dict.fromkeys(v.data[column] for v in variants if v.data[column]))
        if not wanted:
            continue
        option = options.get(name)
        if option is None:
            client.create(f"/api/v1/products/{parent_id}/options", {"name": name, "values": []})
            options = {
                o["name"]: o for o in client.paginate(f"/api/v1/products/{parent_id}/options")
            }
            option = options[name]
        known = {v["name"]: v["id"] for v in option.get("values") or []}
        for value in wanted:
            if value not in known:
                path = f"/api/v1/products/{parent_id}/options/{option['id']}/values"
                known[value] = client.create(path, {"name": value})
            ids[(name, value)] = known[value]
    return ids


def _selection(variant: ImportRow, values: dict) -> list[str]:
    return [
        values[(name, variant.data[column])]
        for column, name in OPTION_NAMES.items()
        if variant.data[column]
    ]


def _create_variants(client, parent_id: str, variants: list[ImportRow], values: dict) -> None:
    wanted = {tuple(_selection(v, values)): v for v in variants}
    existing = _existing_variants(client, parent_id)
    to_create = [key for key in wanted if key not in existing]
    for v in variants:
        _step_done(v, "variant_sent")
    if to_create:
        body = {
            "mode": "1",
            "variants": [{"options": [{"id": i} for i in key]} for key in to_create],
        }
        client.post(f"/api/v1/products/{parent_id}/actions/createVariants", body)
        existing = _existing_variants(client, parent_id)
    for key, variant in wanted.items():
        if key not in existing:
            raise XentralNotFound(f"Xentral did not create the variant {variant.number}.")
        _set(variant, xentral_id=existing[key])


def _existing_variants(client, parent_id: str) -> dict[tuple, str]:
    params = filter_params(("variantOf", "equals", parent_id))
    return {
        tuple(str(o["id"]) for o in item.get("selectedOptions") or []): str(item["id"])
        for item in client.paginate(PRODUCTS, params=params)
    }


# --- external references -------------------------------------------------------------------------
def _add_reference(row: ImportRow, client: XentralClient, target_id: str, number: str) -> None:
    product = Product.objects.filter(xentral_id=row.xentral_id).first()
    existing = ExternalReference.objects.filter(target_id=target_id, number=number).first()
    if existing and existing.product.xentral_id == row.xentral_id and existing.xentral_reference_id:
        return
    if existing and existing.product.xentral_id != row.xentral_id:
        raise XentralConflict(
            f"The foreign number {target_id}:{number} already maps to {existing.product.number}."
        )
    body = {"name": f"target {target_id}", "number": number, "target": {"id": target_id},
            "isActive": True}  # fmt: skip
    reference_id = client.create(f"/api/v1/products/{row.xentral_id}/externalReferences", body)
    if product is None:
        product, _ = Product.objects.get_or_create(
            xentral_id=row.xentral_id, defaults={"number": row.number, "name": row.data["name"]}
        )
    _reference_upsert(product=product, target_id=target_id, number=number, xentral_id=reference_id)


def _reference_upsert(*, product: Product, target_id: str, number: str, xentral_id: str):
    try:
        with transaction.atomic():
            ExternalReference.objects.filter(
                target_id=target_id, product=product, is_active=True
            ).exclude(number=number).update(is_active=False)
            reference, _ = ExternalReference.objects.update_or_create(
                target_id=target_id,
                number=number,
                defaults={
                    "product": product,
                    "xentral_reference_id": xentral_id,
                    "is_active": True,
                },
            )
    except IntegrityError as exc:
        raise XentralConflict(f"{target_id}:{number} maps to another product already.") from exc
    return reference


def external_reference_add(
    *, product: Product, target_id: str, number: str, client: XentralClient | None = None
) -> ExternalReference:
    """Map a foreign number to a product, in the hub and in Xentral."""
    taken = ExternalReference.objects.filter(target_id=target_id, number=number).first()
    if taken and taken.product_id != product.pk:
        raise ValueError(f"{target_id}:{number} already maps to {taken.product.number}.")
    client = client or XentralClient(purpose=Purpose.CATALOG, subject=product)
    body = {"name": f"target {target_id}", "number": number, "target": {"id": target_id},
            "isActive": True}  # fmt: skip
    reference_id = client.create(f"/api/v1/products/{product.xentral_id}/externalReferences", body)
    return _reference_upsert(
        product=product, target_id=target_id, number=number, xentral_id=reference_id
    )


def external_reference_deactivate(
    *, reference: ExternalReference, client: XentralClient | None = None
) -> None:
    """Stop using a mapping: inactive in the hub and in Xentral."""
    client = client or XentralClient(purpose=Purpose.CATALOG, subject=reference.product)
    if reference.xentral_reference_id:
        path = f"/api/v1/products/{reference.product.xentral_id}/externalReferences"
        client.patch(path, [{"id": reference.xentral_reference_id, "isActive": False}])
    reference.is_active = False
    reference.save(update_fields=["is_active"])
