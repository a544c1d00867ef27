"""Reading catalog files (CSV or JSON) into normalised rows, with file-level checks.

A fault in the file itself (encoding, columns, duplicate numbers, unparsable values) rejects
the whole file with every problem named by row and column; business faults (an unknown parent
or component) are left to the dry run, which marks just that row. Both kinds of file are read
as a stream, one row at a time (a CSV record, or a JSON row object through ijson), so a large
file never sits in memory as parsed rows (both are bounded by `CATALOG_IMPORT_MAX_BYTES`).
"""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

import ijson
from django.conf import settings

from backoffice.api.parsers import printable, text_problem, too_deep

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
        yield from _json_records(stream)
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


class _NotUtf8(Exception):
    pass


class _LoneSurrogate(Exception):
    pass


# A UTF-16 high half written as a JSON escape ("\ud800") and not followed by its low half,
# after an even number of backslashes (an odd one escapes the backslash itself). yajl, the C
# parser under ijson, would turn it into "?" without a word; a lone low half it refuses.
_LONE_HIGH = re.compile(
    r"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


class _Utf8Source:
    """The caller's binary stream as ijson reads it: checked as UTF-8 chunk by chunk (a byte
    order mark dropped) and for lone high surrogates, which the parser would not report."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.tail = ""  # the end of the text read so far, for an escape across two chunks

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        scan = self.tail + text
        for match in _LONE_HIGH.finditer(scan):
            if chunk and match.end() + 6 > len(scan):
                break  # its low half may come with the next chunk
            raise _LoneSurrogate
        keep = max(0, len(scan) - 32)
        while keep and scan[keep - 1] == "\\":
            keep -= 1
        self.tail = scan[keep:]
        return text.encode()


JSON_SHAPE = 'Expected {"rows": [{...}, ...]}.'
JSON_CELL = "The value must be text, a number, true/false or null."
LONE_SURROGATE = "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode"
# As many text faults as the API's JSON parser reports, and unknown columns past the known ones.
TEXT_PROBLEMS = 20
COLUMN_LIMIT = len(COLUMNS) + MAX_REPORTED


def _json_records(stream: BinaryIO) -> Iterator[tuple[int, dict]]:
    """The rows of `{"rows": [{...}, ...]}`, each yielded as soon as its object is read (ijson
    over the C parser yajl), so a large file is never held as one parsed document. A broken
    file (not UTF-8, not JSON, nested deeper than API_JSON_MAX_DEPTH, a lone surrogate) raises
    at once; the other faults are collected on the way and raised after the last row, with the
    messages and in the order of the checks on a whole document: NULs, the shape, keys besides
    `rows`, columns, cells that are lists or objects."""
    walk = _JsonWalk()
    try:
        for event, value in ijson.basic_parse(_Utf8Source(stream), use_float=True):
            row = walk.step(event, value)
            if row is not None:
                yield row
    except _NotUtf8:
        raise CatalogFileError([_problem(None, "", "The file is not UTF-8.")]) from None
    except _LoneSurrogate:
        raise CatalogFileError([_problem(None, "", LONE_SURROGATE)]) from None
    except UnicodeDecodeError:
        # The bytes are UTF-8 (checked above): yajl met a lone low half ("\\udfff"), here.
        raise CatalogFileError([_problem(None, walk.field(), LONE_SURROGATE)]) from None
    except ijson.JSONError as exc:
        detail = (str(exc).strip().splitlines() or ["unreadable"])[0].rstrip(".")
        where = f" (after row {walk.rows_read})" if walk.rows_read else ""
        message = f"The file is not valid JSON: {detail}{where}."
        raise CatalogFileError([_problem(None, "", message)]) from None
    walk.finish()


class _JsonWalk:
    """Follows ijson's events: where in the document they are (for field names such as
    `rows[3].name`), the API parser's checks on every key and text, the catalog's shape; turns
    each row object into the row to yield."""

    def __init__(self):
        self.max_depth = settings.API_JSON_MAX_DEPTH
        # One entry per open container: [kind, the key or index of the value inside it].
        self.stack: list[list] = []
        self.expect_key = False  # in a map, before a key (a value follows a key)
        self.text_problems: list[dict] = []
        self.shape_ok = True
        self.has_rows = False
        self.unknown_keys: set[str] = set()
        self.columns: list[str] = []
        self.wrong: list[dict] = []
        self.rows_read = 0
        self.row: dict | None = None

    def field(self) -> str:
        """The path of what is being read, as the API parser names it (`rows[3].name`); a key
        not read yet is named by its map."""
        field = ""
        for kind, at in self.stack[:-1] if self.expect_key else self.stack:
            field = (f"{field}.{at}" if field else at) if kind == "map" else f"{field}[{at}]"
        return printable(field)

    def _in_rows(self) -> bool:
        """Is the innermost open container the `rows` list?"""
        return (
            len(self.stack) == 2
            and self.stack[0] == ["map", "rows"]
            and self.stack[1][0] == "array"
        )

    def _check_text(self, text: str) -> None:
        # The field is named only for a fault: most text has none.
        if len(self.text_problems) < TEXT_PROBLEMS and text_problem("", text):
            self.text_problems.append(text_problem(self.field(), text))

    def step(self, event: str, value) -> tuple[int, dict] | None:
        depth = len(self.stack)  # containers open around this event (0: the top level)
        if event == "map_key":
            self.expect_key = False
            self.stack[-1][1] = value
            self._check_text(value)
            if depth == 1 and value != "rows":
                if len(self.unknown_keys) < MAX_REPORTED:
                    self.unknown_keys.add(value)
            elif (
                self.row is not None
                and depth == 3
                and value not in self.columns
                and len(self.columns) < COLUMN_LIMIT
            ):
                self.columns.append(value)
            return None
        if event in ("end_map", "end_array"):
            self.stack.pop()
            return self._value_read()
        if event in ("start_map", "start_array"):
            if depth + 1 > self.max_depth:
                problem = too_deep(self.field(), self.max_depth)
                raise CatalogFileError([_problem(None, problem["field"], problem["message"])])
            is_map = event == "start_map"
            self._shape(depth, is_map=is_map, is_list=not is_map)
            self.stack.append(["map", None] if is_map else ["array", 0])
            self.expect_key = is_map
            return None
        if event == "string":
            self._check_text(value)
        self._shape(depth, is_map=False, is_list=False, value=value)
        return self._value_read()

    def _shape(self, depth: int, *, is_map: bool, is_list: bool, value=None) -> None:
        """A value starts at `depth`: the document must be a map, its `rows` a list of maps,
        each cell a scalar."""
        if depth == 0:
            self.shape_ok &= is_map
        elif depth == 1 and self.stack[0][1] == "rows":
            self.has_rows = True
            self.shape_ok &= is_list
        elif self._in_rows():
            self.shape_ok &= is_map
            if is_map:
                self.row = {}
        elif depth == 3 and self.row is not None:
            column = self.stack[-1][1]
            if is_map or is_list:
                if len(self.wrong) < MAX_REPORTED:
                    self.wrong.append(_problem(self.stack[1][1] + 1, column, JSON_CELL))
            elif value is None:
                self.row[column] = ""
            elif isinstance(value, bool):
                self.row[column] = "true" if value else "false"
            else:
                self.row[column] = str(value)

    def _value_read(self) -> tuple[int, dict] | None:
        """A value inside the innermost open container was read whole."""
        if not self.stack:
            return None
        container = self.stack[-1]
        self.expect_key = container[0] == "map"
        if self.expect_key:
            return None
        container[1] += 1
        if self.row is None or not self._in_rows():
            return None
        row, self.row = self.row, None
        self.rows_read = container[1]
        clean = self.shape_ok and not (self.text_problems or self.wrong)
        return (self.rows_read, row) if clean else None

    def finish(self) -> None:
        """After the whole document: the faults collected on the way."""
        if self.text_problems:
            raise CatalogFileError(
                [_problem(None, p["field"], p["message"]) for p in self.text_problems]
            )
        if not (self.shape_ok and self.has_rows):
            raise CatalogFileError([_problem(None, "rows", JSON_SHAPE)])
        if self.unknown_keys:
            others = ", ".join(sorted(self.unknown_keys))
            raise CatalogFileError([_problem(None, "", f"Unknown keys besides 'rows': {others}.")])
        _check_columns(self.columns, require=bool(self.rows_read))
        if self.wrong:
            raise CatalogFileError(self.wrong)


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
