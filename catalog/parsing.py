"""Reading catalog files (CSV or JSON) into normalised rows, with file-level checks.

A fault in the file itself (encoding, columns, duplicate numbers, unparsable values) rejects
the whole file with every problem named by row and column; business faults (an unknown parent
or component) are left to the dry run, which marks just that row. A CSV file is read as a
stream, one record at a time; a JSON file is one document and is read whole (both are bounded
by `CATALOG_IMPORT_MAX_BYTES`).
"""

import csv
import io
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.conf import settings
from rest_framework.exceptions import ParseError

from backoffice.api.parsers import InvalidJSON, json_loads

COLUMNS = (
    "number", "name", "project_id", "ean", "description", "is_stock_item", "sales_tax", "unit",
    "weight_kg", "length_cm", "width_cm", "height_cm", "sales_price", "currency", "prices",
    "purchase_price", "supplier_id", "external_references", "categories", "variant_of",
    "option_size", "option_colour", "bom", "is_jit",
)  # fmt: skip
REQUIRED = ("number", "name")
DECIMALS = ("weight_kg", "length_cm", "width_cm", "height_cm", "sales_price", "purchase_price")
BOOLEANS = ("is_stock_item", "is_jit")
IDS = ("project_id", "supplier_id")
TRUE = {"1", "true", "yes", "y", "ja", "x"}
FALSE = {"0", "false", "no", "n", "nein", ""}


class CatalogFileError(Exception):
    """The file cannot be imported; `errors` lists `{row, column, message}`."""

    def __init__(self, errors: list[dict], *, code: str = "invalid_file"):
        super().__init__("; ".join(e["message"] for e in errors[:5]))
        self.errors = errors
        self.code = code  # invalid_file, too_many_rows or too_large


# A file with thousands of faults is answered with the first ones; fixing them shows the next.
MAX_REPORTED = 100


def _problem(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def check_catalog(stream: BinaryIO, *, filename: str = "") -> int:
    """Read the whole file once, keeping no rows; the number of rows, or CatalogFileError with
    every fault (up to MAX_REPORTED) or as soon as the file has more rows than allowed."""
    size, limit = stream.seek(0, io.SEEK_END), settings.CATALOG_IMPORT_MAX_BYTES
    stream.seek(0)
    if size > limit:
        message = f"The file has {size} bytes; the limit is {limit} bytes."
        raise CatalogFileError([_problem(None, "file", message)], code="too_large")
    errors: list[dict] = []
    count = 0
    max_rows = settings.CATALOG_IMPORT_MAX_ROWS
    for _ in _normalised(stream, filename=filename, errors=errors):
        count += 1
        if count > max_rows:
            message = f"The file has more than {max_rows} rows; split it into several files."
            raise CatalogFileError([_problem(None, "", message)], code="too_many_rows")
        if len(errors) >= MAX_REPORTED:
            break
    if not count and not errors:
        errors.append(_problem(None, "", "The file has no rows."))
    if errors:
        raise CatalogFileError(errors[:MAX_REPORTED])
    return count


def read_catalog(stream: BinaryIO | bytes, *, filename: str = "") -> Iterator[dict]:
    """The normalised rows of a file, one at a time; CatalogFileError at its first fault."""
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    errors: list[dict] = []
    for row in _normalised(stream, filename=filename, errors=errors):
        if errors:
            break
        yield row
    if errors:
        raise CatalogFileError(errors)


def _normalised(stream: BinaryIO, *, filename: str, errors: list[dict]) -> Iterator[dict]:
    """Normalised rows; faults of a row are appended to `errors` (the row is still yielded),
    faults of the file raise CatalogFileError."""
    seen: dict[str, int] = {}
    for line, raw in _records(stream, filename=filename):
        row = normalise_row(raw, line=line, errors=errors)
        number = row.get("number")
        if number in seen:
            message = f"'{number}' appears twice (rows {seen[number]} and {line})."
            errors.append(_problem(line, "number", message))
        elif number:
            seen[number] = line
        yield row


def _records(stream: BinaryIO, *, filename: str) -> Iterator[tuple[int, dict]]:
    start = stream.read(64).lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()
    stream.seek(0)
    if filename.lower().endswith(".json") or start[:1] in (b"{", b"["):
        yield from _json_records(stream.read())
    else:
        yield from _csv_records(stream)


def _csv_records(stream: BinaryIO) -> Iterator[tuple[int, dict]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    # The reader's own field limit is the file's; the column limit below names row and column.
    csv.field_size_limit(max(settings.CATALOG_IMPORT_MAX_BYTES, 131_072))
    line = 1
    try:
        header = text.readline()
        if not header.strip():
            raise CatalogFileError([_problem(None, "", "The file is empty.")])
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.reader(itertools.chain([header], text), delimiter=delimiter)
        columns = [c.strip() for c in next(reader)]
        _check_columns(columns)
        for record in reader:
            line = reader.line_num
            if len(record) > len(columns):
                raise CatalogFileError(
                    [_problem(line, "", "The row has more fields than the header.")]
                )
            if any(value.strip() for value in record):
                yield line, dict(zip(columns, record, strict=False))
    except UnicodeDecodeError as exc:
        message = f"The file is not UTF-8 (after row {line}); save it as UTF-8."
        raise CatalogFileError([_problem(None, "", message)]) from exc
    except csv.Error as exc:
        raise CatalogFileError(
            [_problem(line + 1, "", f"The row cannot be read: {exc}.")]
        ) from None
    finally:
        text.detach()  # the caller's file stays open


def _json_records(content: bytes) -> Iterator[tuple[int, dict]]:
    try:
        document = json_loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogFileError([_problem(None, "", "The file is not UTF-8.")]) from None
    except InvalidJSON as exc:
        raise CatalogFileError(
            [_problem(None, e["field"], e["message"]) for e in exc.errors]
        ) from None
    except ParseError as exc:
        raise CatalogFileError([_problem(None, "", f"The file is not valid JSON: {exc}")]) from None
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CatalogFileError([_problem(None, "rows", 'Expected {"rows": [{...}, ...]}.')])
    if set(document) != {"rows"}:
        others = ", ".join(sorted(set(document) - {"rows"}))
        raise CatalogFileError([_problem(None, "", f"Unknown keys besides 'rows': {others}.")])
    columns = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    _check_columns(columns, require=bool(rows))
    # A cell is text, a number, true/false or null, as a CSV cell can say; no lists or objects.
    wrong = [
        _problem(offset + 1, column, "The value must be text, a number, true/false or null.")
        for offset, row in enumerate(rows)
        for column, value in row.items()
        if not isinstance(value, str | int | float | bool | None)
    ]
    if wrong:
        raise CatalogFileError(wrong[:MAX_REPORTED])
    for offset, row in enumerate(rows):
        values = {
            k: "" if v is None else (json.dumps(v) if isinstance(v, bool) else str(v))
            for k, v in row.items()
        }
        yield offset + 1, values


def _check_columns(columns: list[str], *, require: bool = True) -> None:
    errors = [
        _problem(1, c, f"Unknown column '{c}'. Known columns: {', '.join(COLUMNS)}.")
        for c in columns
        if c not in COLUMNS
    ]
    if require:
        errors += [
            _problem(1, c, f"The required column '{c}' is missing.")
            for c in REQUIRED
            if c not in columns
        ]
    if errors:
        raise CatalogFileError(errors)


def normalise_row(raw: dict, *, line: int, errors: list[dict]) -> dict:
    """One row with parsed values; what cannot be parsed is appended to `errors`."""
    row: dict = {"line": line}
    limit = settings.CATALOG_IMPORT_MAX_FIELD_CHARS
    for column in COLUMNS:
        value = str(raw.get(column, "") or "").strip()
        if len(value) > limit:
            errors.append(_problem(line, column, f"The value is longer than {limit} characters."))
            value = ""
        elif "\x00" in value:
            errors.append(_problem(line, column, "The value holds a NUL character."))
            value = ""
        try:
            row[column] = _parse(column, value)
        except ValueError as exc:
            errors.append(_problem(line, column, str(exc)))
    for column in REQUIRED:
        if not str(raw.get(column, "") or "").strip():
            errors.append(_problem(line, column, f"'{column}' is empty."))
    return row


def normalise_rows(raw_rows: list[dict], *, first_line: int) -> list[dict]:
    """Rows already read (tests, fixtures) normalised as a file's would be."""
    errors: list[dict] = []
    rows = [
        normalise_row(raw, line=first_line + offset, errors=errors)
        for offset, raw in enumerate(raw_rows)
    ]
    if errors:
        raise CatalogFileError(errors)
    return rows


def _parse(column: str, value: str):
    if column in DECIMALS:
        return _decimal(value)
    if column in BOOLEANS:
        lowered = value.lower()
        if lowered == "":
            return None
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ValueError(f"'{value}' is not yes/no (use 1/0, true/false).")
    if column in IDS:
        if value and not value.isdigit():
            raise ValueError(f"'{value}' is not a numeric Xentral id.")
        return value
    if column == "categories":
        ids = [part.strip() for part in value.split("|") if part.strip()]
        if any(not i.isdigit() for i in ids):
            raise ValueError(f"'{value}' must be numeric category ids separated by '|'.")
        return ids
    if column == "external_references":
        return _pairs(value, ":", "targetId:number", numeric_left=True)
    if column == "bom":
        parts = _pairs(value, "*", "NUMBER*amount", numeric_left=False)
        return [[number, _decimal(amount, positive=True)] for number, amount in parts]
    return value


def _pairs(value: str, separator: str, shape: str, *, numeric_left: bool) -> list[list[str]]:
    pairs = []
    for part in (p.strip() for p in value.split("|")):
        if not part:
            continue
        left, sep, right = part.partition(separator)
        if numeric_left:
            ok = sep and left.strip().isdigit() and right.strip()
        else:
            ok = sep and left.strip() and right.strip()
        if not ok:
            raise ValueError(f"'{part}' is not {shape}.")
        pairs.append([left.strip(), right.strip()])
    return pairs


def _decimal(value: str, *, positive: bool = False) -> str | None:
    """A non-negative decimal as a canonical string (rows are stored as JSON)."""
    if value == "":
        return None
    # A decimal comma (German spreadsheets) is accepted when it is the only separator.
    plain = value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
    try:
        number = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number.") from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"'{value}' must be a {kind} number.")
    return format(number.normalize(), "f")
