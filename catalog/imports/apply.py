"""Applying an import to Xentral: a chain of chunk jobs, each row idempotent and resumable."""

from django.db import transaction
from django.utils import timezone

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralConflict
from backoffice.xentral.params import filter_params
from catalog.errors import ImportNotApplicable
from catalog.imports.bodies import PRODUCTS, parts_body, product_body, product_patch
from catalog.imports.steps import (
    ROW_FAULTS,
    apply_extras,
    changed_columns,
    row_complete,
    row_count_calls,
    row_fail,
    row_kind,
    row_set,
    row_step_done,
)
from catalog.imports.variants import parent_matrix, variants_apply
from catalog.models import (
    ImportEvent,
    ImportEventKind,
    ImportRow,
    ImportStatus,
    ImportStep,
    Product,
    ProductImport,
    RowAction,
    RowStatus,
)

CHUNK_SIZE = 25


def import_apply(
    *, product_import: ProductImport, user=None, channel=None, run_now: bool = False
) -> ProductImport:
    """Start applying a checked import: a chain of django-q2 jobs (or at once, for tests and
    benchmarks, with `run_now`). An import applying or done is refused with
    ImportNotApplicable, so one import never runs two chains of jobs."""
    with transaction.atomic():
        claimed = ProductImport.objects.filter(
            pk=product_import.pk, status=ImportStatus.CHECKED
        ).update(status=ImportStatus.APPLYING, started_at=timezone.now(), finished_at=None)
        if claimed:
            ImportEvent.objects.create(
                product_import=product_import,
                kind=ImportEventKind.APPLIED,
                user=user,
                channel=channel,
            )
    product_import.refresh_from_db()
    if not claimed:
        raise ImportNotApplicable(_refusal(product_import), status=product_import.status)
    return _start(product_import, run_now=run_now)


def _refusal(product_import: ProductImport) -> str:
    if product_import.status == ImportStatus.PENDING:
        return "The dry run is still running; apply the import once it is ready."
    if product_import.status == ImportStatus.APPLYING:
        return "The import is being applied already; this page shows its progress."
    if product_import.status == ImportStatus.DONE_WITH_ERRORS:
        return "The import was applied already; re-run its failed rows instead."
    return "The import was applied already; upload the file again to apply it again."


def import_rerun_failed(*, product_import: ProductImport, user=None, run_now: bool = False) -> int:
    """Queue the rows that failed while applying (not those the dry run rejected) again; a
    finished import starts a new chain, a running one picks the rows up itself."""
    with transaction.atomic():
        locked = ProductImport.objects.select_for_update().get(pk=product_import.pk)
        count = (
            locked.rows.filter(status=RowStatus.FAILED)
            .exclude(action=RowAction.ERROR)
            .update(status=RowStatus.PENDING, errors=[])
        )
        if not count:
            return 0
        ImportEvent.objects.create(
            product_import=locked,
            kind=ImportEventKind.RERUN,
            user=user,
            message=f"{count} failed row(s) queued again.",
        )
        restart = locked.status != ImportStatus.APPLYING
        if restart:
            ProductImport.objects.filter(pk=locked.pk).update(
                status=ImportStatus.APPLYING, finished_at=None
            )
    if restart:
        _start(product_import, run_now=run_now)
    return count


def _start(product_import: ProductImport, *, run_now: bool) -> ProductImport:
    if run_now:
        while import_run_chunk(import_id=product_import.pk):
            pass
    else:
        from django_q.tasks import async_task

        import_id = str(product_import.pk)
        transaction.on_commit(lambda: async_task("catalog.tasks.run_import_chunk", import_id))
    product_import.refresh_from_db()
    return product_import


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
    if not ProductImport.objects.filter(pk=import_id, status=ImportStatus.APPLYING).exists():
        return False  # a stale job of a run that finished
    rows = _pending(import_id)[:chunk_size]
    if not rows:
        return _finish(import_id)
    client = XentralClient(purpose=Purpose.CATALOG)
    for row in rows:
        row.refresh_from_db()
        if row.status != RowStatus.PENDING:
            continue  # applied with its siblings (variants of one parent)
        if row.action == RowAction.UNCHANGED:
            row_set(row, status=RowStatus.SKIPPED)
            continue
        row_client = client.bound(subject=row)
        try:
            if row.data["variant_of"]:
                variants_apply(row, row_client)
            else:
                _apply_product(row, row_client)
        except ROW_FAULTS as fault:
            row_fail(row, fault)
        finally:
            row_count_calls(row, row_client)
    return True


def _finish(import_id) -> bool:
    """Mark the import done; True (go on) when a re-run queued rows again meanwhile."""
    with transaction.atomic():
        product_import = ProductImport.objects.select_for_update().get(pk=import_id)
        if product_import.status != ImportStatus.APPLYING:
            return False
        if _pending(import_id):
            return True
        failed = product_import.rows.filter(status=RowStatus.FAILED).exists()
        product_import.status = ImportStatus.DONE_WITH_ERRORS if failed else ImportStatus.DONE
        product_import.finished_at = timezone.now()
        product_import.save(update_fields=["status", "finished_at"])
        ImportEvent.objects.create(
            product_import=product_import,
            kind=ImportEventKind.FINISHED,
            message=product_import.get_status_display(),
        )
    return False


def _apply_product(row: ImportRow, client: XentralClient) -> None:
    """A row that is not a variant: create or patch it, then prices, references and parts."""
    data = row.data
    is_parent = ImportRow.objects.filter(
        product_import_id=row.product_import_id, data__variant_of=data["number"]
    ).exists()
    if row.action == RowAction.CREATE:
        options, inline = parent_matrix(row) if is_parent else (None, None)
        body = product_body(data, parent_options=options, inline_variants=inline)
        _ensure_created(row, client, body)
    else:
        changed = changed_columns(data)
        if changed and ImportStep.PATCH not in row.steps_done:
            client.patch(f"{PRODUCTS}/{row.xentral_id}", product_patch(data, changed))
            row_step_done(row, ImportStep.PATCH)
    apply_extras(row, client)
    if data["bom"] and ImportStep.PARTS not in row.steps_done:
        client.post(f"{PRODUCTS}/{row.xentral_id}/parts", parts_body(data["bom"], _part_ids(row)))
        row_step_done(row, ImportStep.PARTS)
    row_complete(row, kind=row_kind(data, is_parent=is_parent))


def _part_ids(row: ImportRow) -> dict[str, str]:
    """Component number -> Xentral id: from this import's rows, else from the index."""
    ids = dict(
        ImportRow.objects.filter(product_import_id=row.product_import_id)
        .exclude(xentral_id="")
        .values_list("number", "xentral_id")
    )
    for number, _ in row.data["bom"]:
        if not ids.get(number):
            ids[number] = Product.objects.get(number=number).xentral_id
    return ids


def _ensure_created(row: ImportRow, client: XentralClient, body: dict) -> None:
    if row.xentral_id:
        return
    if ImportStep.PRODUCT_SENT in row.steps_done:
        # An earlier attempt sent the create and stopped before saving the answer.
        found = _find_by_number(client, row.number)
        if found:
            row_set(row, xentral_id=found)
            return
    row_step_done(row, ImportStep.PRODUCT_SENT)
    try:
        xentral_id = client.create(PRODUCTS, body)
    except XentralConflict:
        xentral_id = _find_by_number(client, row.number)
        if not xentral_id:
            raise
        row_step_done(row, ImportStep.BOUND_EXISTING)
    row_set(row, xentral_id=xentral_id)


def _find_by_number(client: XentralClient, number: str) -> str:
    params = {**filter_params(("number", "equals", number)), "page[number]": 1, "page[size]": 1}
    items = (client.get(PRODUCTS, params=params) or {}).get("data") or []
    return str(items[0]["id"]) if items else ""
