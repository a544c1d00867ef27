"""Reading catalog files (CSV or JSON) into normalised rows, with file-level checks.

A fault in the file itself (encoding, columns, duplicate numbers, unparsable values) rejects
the whole file with every problem named by row and column; business faults (an unknown parent
or component) are left to the dry run, which marks just that row.
"""

import csv
import io
import json
from decimal import Decimal, InvalidOperation

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

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors[:5]))
        self.errors = errors


def _problem(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def read_catalog(content: bytes, *, filename: str = "") -> list[dict]:
    """Rows as dicts with normalised values; raises CatalogFileError."""
    if filename.lower().endswith(".json") or content.lstrip()[:1] in (b"{", b"["):
        raw_rows, first_line = _json_rows(content), 1
    else:
        raw_rows, first_line = _csv_rows(content), 2
    return normalise_rows(raw_rows, first_line=first_line)


def _csv_rows(content: bytes) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(
            [_problem(None, "", f"The file is not UTF-8 (byte {exc.start}); save it as UTF-8.")]
        ) from None
    if not text.strip():
        raise CatalogFileError([_problem(None, "", "The file is empty.")])
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _check_columns(reader.fieldnames or [])
    rows = []
    for row in reader:
        if None in row:
            raise CatalogFileError(
                [_problem(reader.line_num, "", "The row has more fields than the header.")]
            )
        if any((v or "").strip() for v in row.values()):
            rows.append({k: (v or "").strip() for k, v in row.items()})
    return rows


def _json_rows(content: bytes) -> list[dict]:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CatalogFileError([_problem(None, "", "The file is not UTF-8.")]) from None
    except ValueError as exc:
        raise CatalogFileError([_problem(None, "", f"The file is not valid JSON: {exc}")]) from None
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CatalogFileError([_problem(None, "rows", 'Expected {"rows": [{...}, ...]}.')])
    columns = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    _check_columns(columns, require=bool(rows))
    return [
        {
            k: "" if v is None else (json.dumps(v) if isinstance(v, bool) else str(v))
            for k, v in r.items()
        }
        for r in rows
    ]


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


def normalise_rows(raw_rows: list[dict], *, first_line: int) -> list[dict]:
    errors: list[dict] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for offset, raw in enumerate(raw_rows):
        line = first_line + offset
        row = {"line": line}
        for column in COLUMNS:
            value = str(raw.get(column, "") or "").strip()
            try:
                row[column] = _parse(column, value)
            except ValueError as exc:
                errors.append(_problem(line, column, str(exc)))
        for column in REQUIRED:
            if not str(raw.get(column, "") or "").strip():
                errors.append(_problem(line, column, f"'{column}' is empty."))
        number = row.get("number")
        if number:
            if number in seen:
                errors.append(
                    _problem(
                        line,
                        "number",
                        f"'{number}' appears twice (rows {seen[number]} and {line}).",
                    )
                )
            seen.setdefault(number, line)
        rows.append(row)
    if not rows:
        errors.append(_problem(None, "", "The file has no rows."))
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
