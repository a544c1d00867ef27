"""What a catalog manager reads about an import: a summary of the dry run, each row's values
and, for an update, the fields it would change (before -> after), and honest apply progress."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from catalog.imports.bodies import PRODUCT_COLUMNS
from catalog.models import (
    CatalogEntry,
    ImportRow,
    ImportStatus,
    Product,
    ProductImport,
    RowAction,
    RowStatus,
)
from catalog.parsing import COLUMNS

ROWS_PER_PAGE = 50
PRICE_COLUMNS = ("sales_price", "currency", "prices", "purchase_price", "supplier_id")
COMPARED = (*PRODUCT_COLUMNS, *PRICE_COLUMNS, "external_references")
# What the index knows of a product that no import of the hub has written yet.
INDEX_FIELDS = {"name": "name", "ean": "ean", "sales_tax": "sales_tax"}
UNKNOWN = "?"


def import_summary(product_import: ProductImport) -> dict:
    """Rows by what the dry run decided, and how far applying them has come: `applied` of
    `to_apply` (creates and updates), with failures counted apart, never as progress."""
    actions = dict(
        product_import.rows.values_list("action").annotate(n=Count("id")).values_list("action", "n")
    )
    work = product_import.rows.filter(action__in=(RowAction.CREATE, RowAction.UPDATE))
    by_status = dict(work.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    to_apply = sum(by_status.values())
    applied = by_status.get(RowStatus.DONE, 0)
    failed = by_status.get(RowStatus.FAILED, 0)
    return {
        "rows": sum(actions.values()),
        "creates": actions.get(RowAction.CREATE, 0),
        "updates": actions.get(RowAction.UPDATE, 0),
        "unchanged": actions.get(RowAction.UNCHANGED, 0),
        "errors": actions.get(RowAction.ERROR, 0),
        "to_apply": to_apply,
        "applied": applied,
        "failed": failed,
        "waiting": to_apply - applied - failed,
        "applied_percent": round(100 * applied / to_apply) if to_apply else 100,
        "failed_percent": round(100 * failed / to_apply) if to_apply else 0,
        "started": product_import.status not in (ImportStatus.PENDING, ImportStatus.CHECKED),
        "finished": product_import.status in (ImportStatus.DONE, ImportStatus.DONE_WITH_ERRORS),
    }


def rows_in_error(product_import: ProductImport) -> QuerySet[ImportRow]:
    """Rows the dry run rejected or that failed while applying."""
    return product_import.rows.filter(Q(action=RowAction.ERROR) | Q(status=RowStatus.FAILED))


def review_page(product_import: ProductImport, *, errors_only: bool, page: int | str) -> Page:
    """One page of rows, each with `values` and `changes` set for the template."""
    rows = rows_in_error(product_import) if errors_only else product_import.rows.all()
    found = Paginator(rows.order_by("line"), ROWS_PER_PAGE).get_page(page)
    dry_run = product_import.status == ImportStatus.CHECKED
    before = _before(found.object_list) if dry_run else {}
    for row in found.object_list:
        row.values = row_values(row.data)
        row.changes = (
            row_changes(before.get(row.number), row.data)
            if dry_run and row.action == RowAction.UPDATE
            else []
        )
    return found


def row_values(data: dict) -> list[tuple[str, str]]:
    """The row's non-empty columns as the file would write them, in file order."""
    texts = ((c, cell_text(data.get(c), c)) for c in COLUMNS)
    return [(column, text) for column, text in texts if text != ""]


def row_changes(before: dict | None, data: dict) -> list[tuple[str, str, str]]:
    """`(column, before, after)` of what an update would change. `before` is what the hub last
    applied, else what its index knows (`?` for a column it cannot know). An empty column
    changes nothing: the update leaves the value in Xentral as it is."""
    changes = []
    for column in COMPARED:
        after = cell_text(data.get(column), column)
        if after == "":
            continue
        if before is None or column not in before:
            old = UNKNOWN
        else:
            old = cell_text(before[column], column)
        if old != after:
            changes.append((column, old, after))
    return changes


def _before(rows) -> dict[str, dict]:
    """Number -> what the hub knows of it: the data it last applied, else the index fields."""
    numbers = [row.number for row in rows]
    known = {
        entry.number: entry.applied_data
        for entry in CatalogEntry.objects.filter(number__in=numbers)
    }
    for product in Product.objects.filter(number__in=numbers).exclude(number__in=known):
        known[product.number] = {
            column: getattr(product, field) for column, field in INDEX_FIELDS.items()
        }
    return known


def cell_text(value, column: str = "") -> str:
    """A parsed value as the file writes it: lists joined with `|`, pairs with `*` (BOM parts)
    or `:` (references), yes/no as 1/0."""
    if isinstance(value, list):
        separator = "*" if column == "bom" else ":"
        return "|".join(
            separator.join(str(i) for i in item) if isinstance(item, list) else str(item)
            for item in value
        )
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
