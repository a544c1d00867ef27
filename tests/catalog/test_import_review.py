"""An import as a catalog manager reads it, without a browser: the dry run's summary and value
changes, rows in error on their own pages, the rows in error as a CSV to upload again, honest
progress, and no Save, Delete or Apply on an import once it is applied."""

import csv
import io

import pytest
from django.urls import reverse

from catalog.import_review import import_summary, review_page, row_changes
from catalog.models import CatalogEntry, ImportStatus, RowAction, RowStatus
from catalog.parsing import COLUMNS, read_catalog
from tests.factories import ImportRowFactory, ProductFactory, ProductImportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("cat", "c@example.com", "pw"))
    return client


def row(product_import, number, *, action, status=RowStatus.PENDING, errors=(), **data):
    """An import row whose data is what the file reader makes of these columns."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["number", "name", *data])
    writer.writerow([number, f"Product {number}", *data.values()])
    [parsed] = read_catalog(text.getvalue().encode())
    return ImportRowFactory(
        product_import=product_import,
        number=number,
        data=parsed,
        action=action,
        status=status,
        errors=list(errors),
    )


def test_an_update_shows_what_it_would_change_from_what_the_hub_applied():
    CatalogEntry.objects.create(
        number="MUG-1",
        xentral_id="1",
        content_hash="x",
        applied_data={"name": "Mug", "ean": "111", "sales_price": "11.9", "categories": ["3"]},
    )
    product_import = ProductImportFactory(status=ImportStatus.CHECKED)
    row(product_import, "MUG-1", action=RowAction.UPDATE, ean="111", sales_price="12.90",
        categories="3|7")  # fmt: skip
    [shown] = review_page(product_import, errors_only=False, page=1).object_list
    assert shown.changes == [
        ("name", "Mug", "Product MUG-1"),
        ("categories", "3", "3|7"),
        ("sales_price", "11.9", "12.9"),
    ]


def test_an_update_of_a_product_only_the_index_knows_compares_what_the_index_knows():
    product = ProductFactory(number="TEA-1", name="Tea", ean="222")
    before = {"name": product.name, "ean": product.ean, "sales_tax": "standard"}
    data = {"name": "Green tea", "ean": "222", "unit": "Stk", "sales_tax": ""}
    assert row_changes(before, data) == [("name", "Tea", "Green tea"), ("unit", "?", "Stk")]


def test_the_summary_counts_actions_and_progress_counts_failures_apart():
    product_import = ProductImportFactory(status=ImportStatus.DONE_WITH_ERRORS)
    for n in range(3):
        row(product_import, f"C-{n}", action=RowAction.CREATE, status=RowStatus.DONE)
    row(product_import, "U-1", action=RowAction.UPDATE, status=RowStatus.FAILED)
    row(product_import, "S-1", action=RowAction.UNCHANGED, status=RowStatus.SKIPPED)
    row(product_import, "E-1", action=RowAction.ERROR, status=RowStatus.FAILED)
    summary = import_summary(product_import)
    assert {k: summary[k] for k in ("creates", "updates", "unchanged", "errors")} == {
        "creates": 3, "updates": 1, "unchanged": 1, "errors": 1,
    }  # fmt: skip
    assert (summary["applied"], summary["to_apply"], summary["failed"]) == (3, 4, 1)
    assert (summary["applied_percent"], summary["failed_percent"]) == (75, 25)


def test_rows_in_error_have_their_own_filter_and_pages_of_fifty(staff):
    product_import = ProductImportFactory(status=ImportStatus.CHECKED)
    for n in range(120):
        row(product_import, f"OK-{n:03d}", action=RowAction.CREATE)
    row(product_import, "BAD-1", action=RowAction.ERROR, status=RowStatus.FAILED,
        errors=["BOM component 'X' is unknown."])  # fmt: skip
    url = reverse("admin:catalog_productimport_change", args=[product_import.pk])
    third = staff.get(url, {"page": 3}).context["rows"]
    assert (third.paginator.num_pages, len(third.object_list)) == (3, 21)
    errors = staff.get(url, {"errors": "1"})
    assert [r.number for r in errors.context["rows"].object_list] == ["BAD-1"]
    assert "BOM component &#x27;X&#x27; is unknown." in errors.content.decode()


def test_rows_in_error_download_as_a_csv_that_uploads_again(staff):
    product_import = ProductImportFactory(status=ImportStatus.CHECKED)
    row(product_import, "OK-1", action=RowAction.CREATE)
    row(product_import, "BAD-1", action=RowAction.ERROR, status=RowStatus.FAILED,
        description="=HYPERLINK(1)", bom="X*2", errors=["Unknown BOM component."])  # fmt: skip
    url = reverse("admin:catalog_import_failed_rows", args=[product_import.pk])
    response = staff.get(url)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8-sig")
    [header, *lines] = list(csv.reader(io.StringIO(content)))
    assert header == list(COLUMNS)
    assert len(lines) == 1
    cells = dict(zip(header, lines[0], strict=True))
    assert (cells["number"], cells["description"], cells["bom"]) == (
        "BAD-1",
        "'=HYPERLINK(1)",
        "X*2",
    )
    [again] = read_catalog(content.encode())
    assert again["bom"] == [["X", "2"]]


def test_an_applied_import_offers_no_save_delete_or_apply(staff):
    applied = ProductImportFactory(status=ImportStatus.DONE)
    row(applied, "A-1", action=RowAction.CREATE, status=RowStatus.DONE)
    page = staff.get(reverse("admin:catalog_productimport_change", args=[applied.pk]))
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "deletelink" not in html
    assert 'id="apply-import"' not in html
    assert (
        staff.get(reverse("admin:catalog_productimport_delete", args=[applied.pk])).status_code
        == 403
    )
    checked = ProductImportFactory(status=ImportStatus.CHECKED)
    html = staff.get(
        reverse("admin:catalog_productimport_change", args=[checked.pk])
    ).content.decode()
    assert 'id="apply-import"' in html
    assert "deletelink" in html
