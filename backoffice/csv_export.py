"""CSV files the hub hands out: a cell a spreadsheet would run as a formula is neutralised.

The one rule (docs/catalog.md): a cell starting with `=`, `@`, a tab or a carriage return, or
with `+` or `-` when the cell is not a number, gets a leading `'`, so a spreadsheet shows the
text instead of evaluating it (`=HYPERLINK(...)` stays text, `-5` stays a number). Imports keep
values as given; only what leaves the hub as CSV is changed.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse

ALWAYS_FORMULA = ("=", "@", "\t", "\r")
FORMULA_IF_NOT_A_NUMBER = ("+", "-")


def neutralise_cell(value) -> str:
    """The cell's text, with a leading `'` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(ALWAYS_FORMULA):
        return f"'{text}"
    if text.startswith(FORMULA_IF_NOT_A_NUMBER) and not _is_number(text):
        return f"'{text}"
    return text


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download (UTF-8 with a BOM, so spreadsheets detect it), every cell neutralised."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([neutralise_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return response
