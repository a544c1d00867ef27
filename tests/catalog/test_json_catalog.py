"""JSON catalog files are read as a stream (ijson): rows come out while the file is still being
read, and every kind of bad JSON is a file fault naming what is wrong, as an upload's 400
problem answer says it."""

import io
import json

import pytest
import requests

from catalog.parsing import CatalogFileError, check_catalog, read_catalog
from tests.factories import channel_with_key

SHAPE = 'Expected {"rows": [{...}, ...]}.'
SURROGATE = "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode"


def json_catalog(rows: int) -> bytes:
    products = [
        {"number": f"J-{i:06d}", "name": f"Product {i}", "sales_price": i % 97 + 0.5}
        for i in range(rows)
    ]
    return json.dumps({"rows": products}).encode()


class CountingReader(io.BytesIO):
    """A file that counts the bytes it has handed out."""

    handed_out = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.handed_out += len(chunk)
        return chunk


def faults(content: bytes) -> list[dict]:
    with pytest.raises(CatalogFileError) as raised:
        check_catalog(io.BytesIO(content), filename="catalog.json")
    return raised.value.errors


def test_rows_come_out_before_the_file_is_read_whole():
    content = json_catalog(50_000)
    stream = CountingReader(content)

    rows = read_catalog(stream, filename="catalog.json")
    first = next(rows)

    assert first["number"] == "J-000000"
    assert first["sales_price"] == "0.5"
    # One read buffer (64 KiB) of a file of several megabytes.
    assert stream.handed_out < len(content) / 50, (stream.handed_out, len(content))
    last = None
    for last in rows:  # noqa: B007
        pass
    assert last["line"] == 50_000
    assert last["number"] == "J-049999"
    assert stream.handed_out == len(content) + 64  # + the 64 bytes read to tell JSON from CSV


def test_a_large_json_file_is_checked_and_counted_like_a_csv_file():
    content = json_catalog(50_000)

    assert check_catalog(io.BytesIO(content), filename="catalog.json") == 50_000


def test_a_truncated_file_names_the_last_row_read():
    content = json_catalog(3)[:-10]

    assert faults(content) == [
        {
            "row": None,
            "column": "",
            "message": "The file is not valid JSON: parse error: premature EOF (after row 2).",
        }
    ]


def test_text_after_the_document_is_not_json():
    assert faults(json_catalog(1) + b" x") == [
        {
            "row": None,
            "column": "",
            "message": "The file is not valid JSON: parse error: trailing garbage (after row 1).",
        }
    ]


@pytest.mark.parametrize(
    "document",
    [
        [{"number": "A", "name": "x"}],  # the rows without {"rows": ...}
        {"rows": {"number": "A", "name": "x"}},
        {"rows": "A,x"},
        {"products": [{"number": "A", "name": "x"}]},
        "rows",
    ],
)
def test_a_document_that_is_not_rows_in_an_object_is_refused(document):
    assert faults(json.dumps(document).encode()) == [
        {"row": None, "column": "rows", "message": SHAPE}
    ]


@pytest.mark.parametrize("row", ["A,x", ["A", "x"], None, 7])
def test_a_row_that_is_not_an_object_is_refused(row):
    content = json.dumps({"rows": [{"number": "A", "name": "x"}, row]}).encode()

    assert faults(content) == [{"row": None, "column": "rows", "message": SHAPE}]


def test_keys_besides_rows_are_named():
    content = json.dumps({"meta": 1, "rows": [{"number": "A", "name": "x"}], "b": 2}).encode()

    assert faults(content) == [
        {"row": None, "column": "", "message": "Unknown keys besides 'rows': b, meta."}
    ]


def test_cells_that_are_lists_or_objects_are_named_by_row_and_column():
    rows = [
        {"number": "A", "name": "x"},
        {"number": "B", "name": ["x"]},
        {"number": "C", "name": "z", "categories": {"id": 3}},
    ]

    message = "The value must be text, a number, true/false or null."
    assert faults(json.dumps({"rows": rows}).encode()) == [
        {"row": 2, "column": "name", "message": message},
        {"row": 3, "column": "categories", "message": message},
    ]


def test_unknown_columns_anywhere_in_the_file_are_named():
    rows = [{"number": "A", "name": "x"}, {"number": "B", "name": "y", "sku": "B-1"}]

    [fault] = faults(json.dumps({"rows": rows}).encode())

    assert (fault["row"], fault["column"]) == (1, "sku")
    assert fault["message"].startswith("Unknown column 'sku'. Known columns: number, name,")


def test_deep_nesting_is_refused_at_the_limit_without_reading_on():
    content = b'{"rows": [{"number": "A", "name": ' + b"[" * 100_000

    assert faults(content) == [
        {
            "row": None,
            "column": "rows[0].name" + "[0]" * 29,  # the 33rd level
            "message": "JSON nested deeper than 32 levels",
        }
    ]


@pytest.mark.parametrize(
    ("spelled", "field"),
    [
        # A lone low half is met where it is; a lone high half is found as the file is read.
        ('{"rows": [{"number": "A", "name": "\\udfff"}]}', "rows[0].name"),
        (
            '{"rows": [{"number": "A", "name": "x"}, {"number": "B", "na\\udc00me": "y"}]}',
            "rows[1]",
        ),
        ('{"rows": [{"number": "A", "name": "\\ud800x"}]}', ""),
        ('{"rows": [{"number": "A", "name": "\\ud800\\ud800\\udc00"}]}', ""),
        ('{"rows": [{"number": "A", "name": "x"}, {"number": "B", "na\\ud800me": "y"}]}', ""),
    ],
)
def test_a_lone_surrogate_is_refused(spelled, field):
    assert faults(spelled.encode()) == [{"row": None, "column": field, "message": SURROGATE}]


def test_a_surrogate_pair_and_an_escaped_backslash_are_text():
    content = rb'{"rows": [{"number": "A", "name": "\ud83d\ude00 \\ud800"}]}'

    [row] = read_catalog(io.BytesIO(content), filename="catalog.json")

    assert row["name"] == "\U0001f600 \\ud800"


def test_a_lone_high_half_at_the_end_of_a_read_buffer_is_found():
    # The escape's low half would be in the next 64 KiB buffer; it is missing.
    padding = "x" * (65536 - len('{"rows": [{"number": "A", "name": "') - 6)
    content = f'{{"rows": [{{"number": "A", "name": "{padding}\\ud800"}}]}}'.encode()
    assert faults(content) == [{"row": None, "column": "", "message": SURROGATE}]
    paired = content.replace(b'\\ud800"', b'\\ud800\\udc00"')
    assert check_catalog(io.BytesIO(paired), filename="catalog.json") == 1


def test_a_nul_character_is_named_where_it_is():
    content = b'{"rows": [{"number": "A", "name": "x\\u0000y"}]}'

    assert faults(content) == [
        {
            "row": None,
            "column": "rows[0].name",
            "message": "NUL characters (\\u0000) are not allowed",
        }
    ]


def test_bytes_that_are_not_utf8_are_refused_as_such():
    content = b'{"rows": [{"number": "A", "name": "\xff"}]}'

    assert faults(content) == [{"row": None, "column": "", "message": "The file is not UTF-8."}]


def test_a_byte_order_mark_and_nan_are_handled_as_before():
    assert check_catalog(io.BytesIO(b'\xef\xbb\xbf{"rows": [{"number": "A", "name": "x"}]}')) == 1
    [fault] = faults(b'{"rows": [{"number": "A", "name": "x", "weight_kg": NaN}]}')
    assert (
        fault["message"] == "The file is not valid JSON: lexical error: invalid char in json text."
    )


@pytest.mark.django_db(transaction=True)
def test_a_truncated_upload_is_a_400_problem_naming_the_fault(live_server, sandbox):
    _, key = channel_with_key()
    response = requests.post(
        f"{live_server.url}/api/v1/catalog/imports",
        data=json_catalog(5)[:-3],
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "",
            "code": "invalid_file",
            "message": "The file is not valid JSON: parse error: premature EOF (after row 4).",
        }
    ]
