"""A catalog upload is only checked and stored: the answer is the import, pending, at once; the
dry run is a worker's job with progress, and no web request waits on Xentral or the budget."""

import csv
import io
import time

import pytest
import requests

from catalog.imports.dry_run import import_dry_run_step
from catalog.models import ImportFile, ImportRow, ImportStatus, ProductImport, RowAction
from tests.factories import ProductFactory, channel_with_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hub(live_server, sandbox):
    _, key = channel_with_key()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    session.base = f"{live_server.url}/api/v1/catalog"
    return session


def upload(hub, content: bytes, name: str = "catalog.csv"):
    return hub.post(f"{hub.base}/imports", files={"file": (name, content, "text/csv")})


def catalog(rows: int) -> bytes:
    lines = [b"number,name,sales_price,description"]
    lines += [f"N-{i:06d},Product {i},{i % 97}.50,A product".encode() for i in range(rows)]
    return b"\n".join(lines) + b"\n"


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_50000_rows_are_answered_pending_and_a_worker_runs_the_dry_run(hub, sandbox):
    ProductFactory(number="N-000007", xentral_id="7007")

    started = time.monotonic()
    response = upload(hub, catalog(50_000))
    answered_in = time.monotonic() - started

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["progress"]["summary"] == "Dry run running: 0 of 50000 rows"
    assert response.headers["Location"] == body["links"]["self"]
    assert answered_in < 20, f"the upload took {answered_in:.1f} s"
    assert sandbox.requests() == [], "the upload request asks Xentral nothing"
    assert not ImportRow.objects.exists(), "rows are stored by the worker"

    import_id = body["id"]
    assert import_dry_run_step(import_id=import_id) is True, "first job: the rows"
    assert not ImportFile.objects.filter(pk=import_id).exists()
    assert import_dry_run_step(import_id=import_id) is True, "second job: the first chunk"
    progress = hub.get(body["links"]["self"]).json()["progress"]
    assert progress["summary"] == "Dry run running: 1000 of 50000 rows"
    assert progress["percent"] == 2
    steps = 2
    while import_dry_run_step(import_id=import_id):
        steps += 1

    assert steps == 51, "one job stores the rows, then one per 1000 rows"
    done = hub.get(body["links"]["self"]).json()
    assert done["status"] == "checked"
    assert done["progress"]["summary"] == "Dry run ready: 50000 rows, 0 with errors"
    assert done["progress"]["by_action"] == {"create": 49_999, "update": 1}
    lookups = sandbox.requests(path_prefix="/api/v2/products", method="GET")
    assert len(lookups) == 1000, "unknown numbers are looked up 50 to a call"


def test_the_answer_is_pending_and_the_file_is_kept_for_the_worker(hub, sandbox):
    response = upload(hub, b"number,name\nP-1,One\nP-2,Two\n")

    assert response.status_code == 202
    product_import = ProductImport.objects.get(pk=response.json()["id"])
    assert (product_import.status, product_import.row_count) == (ImportStatus.PENDING, 2)
    assert bytes(product_import.file.content) == b"number,name\nP-1,One\nP-2,Two\n"
    assert response.json()["rows"] == []


def test_applying_while_the_dry_run_runs_is_a_409(hub, sandbox):
    created = upload(hub, b"number,name\nP-1,One\n").json()

    response = hub.post(f"{hub.base}/imports/{created['id']}/apply")

    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "The dry run is still running"
    assert sandbox.requests() == []


def test_more_rows_than_allowed_is_a_400_and_nothing_is_stored(hub, settings):
    settings.CATALOG_IMPORT_MAX_ROWS = 10

    response = upload(hub, catalog(11))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "",
            "code": "too_many_rows",
            "message": "The file has more than 10 rows; split it into several files.",
        }
    ]
    assert not ProductImport.objects.exists()


def test_a_file_over_the_size_limit_is_a_413_and_nothing_is_stored(hub, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1000
    content = catalog(100)

    response = upload(hub, content)

    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "file",
            "code": "too_large",
            "message": f"The file has {len(content)} bytes; the limit is 1000 bytes.",
        }
    ]
    assert not ProductImport.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(hub, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1000

    response = upload(hub, catalog(3000))

    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


def test_nul_bytes_and_overlong_values_are_row_and_column_errors(hub, settings):
    settings.CATALOG_IMPORT_MAX_FIELD_CHARS = 100

    response = upload(hub, b"number,name,description\nA-1,Al\x00pha,ok\nA-2,Beta," + b"x" * 101)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "row 2.name", "code": "invalid_file",
         "message": "The value holds a NUL character."},
        {"field": "row 3.description", "code": "invalid_file",
         "message": "The value is longer than 100 characters."},
    ]  # fmt: skip


def test_formula_looking_values_are_imported_as_given(hub, sandbox):
    content = b'number,name,description\nF-1,"=HYPERLINK(""http://x"",""y"")",@SUM(A1)\n'
    created = upload(hub, content).json()
    while import_dry_run_step(import_id=created["id"]):
        pass

    row = ImportRow.objects.get(product_import_id=created["id"])
    assert row.action == RowAction.CREATE
    assert (row.data["name"], row.data["description"]) == ('=HYPERLINK("http://x","y")', "@SUM(A1)")


def test_failed_rows_download_as_csv_with_formulas_neutralised(hub, sandbox):
    content = (
        b"number,name,sales_tax,description\n"
        b"OK-1,Fine,,plain\n"
        b'BAD-1,"=HYPERLINK(""http://x"",""y"")",luxury,-1+cmd\n'
    )
    created = upload(hub, content).json()
    while import_dry_run_step(import_id=created["id"]):
        pass

    response = hub.get(f"{hub.base}/imports/{created['id']}/failed-rows")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    [header, row] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:5] == ["line", "errors", "number", "name", "project_id"]
    cells = dict(zip(header, row, strict=True))
    assert cells["line"] == "3"
    assert cells["errors"] == "sales_tax 'luxury' is not standard, reduced or free."
    assert cells["name"] == '\'=HYPERLINK("http://x","y")'
    assert cells["description"] == "'-1+cmd"
    stored = ImportRow.objects.get(product_import_id=created["id"], number="BAD-1")
    assert stored.data["name"] == '=HYPERLINK("http://x","y")', "the import keeps the value"


def test_failed_rows_of_another_channels_import_are_a_404(hub, sandbox):
    created = upload(hub, b"number,name\nP-1,One\n").json()
    _, other_key = channel_with_key()

    response = requests.get(
        f"{hub.base}/imports/{created['id']}/failed-rows",
        headers={"Authorization": f"Bearer {other_key}"},
    )

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_xentral_down_during_the_dry_run_marks_the_rows_and_finishes(hub, sandbox):
    sandbox.faults(errorRate=1.0, errorStatus=503, paths=["/api/v2/products"], methods=["GET"])
    created = upload(hub, b"number,name\nD-1,Down\nD-2,Also down\n").json()

    while import_dry_run_step(import_id=created["id"]):
        pass

    done = hub.get(created["links"]["self"]).json()
    assert done["status"] == "checked"
    assert done["progress"]["summary"] == "Dry run ready: 2 rows, 2 with errors"
    for row in done["rows"]:
        assert row["action"] == "error"
        [error] = row["errors"]
        assert error.startswith("Xentral could not be asked about it (")
        assert error.endswith("); upload again.")
    assert sandbox.requests(method="POST") == []
