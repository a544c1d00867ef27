"""Real browser: a catalog manager uploads a catalog, reads what an update would change in the
dry run, filters the rows in error, applies it and sees honest progress."""

import pytest
from django.contrib.auth.models import Group, User

from catalog.imports.apply import import_apply, import_run_chunk
from catalog.imports.dry_run import import_create, import_dry_run_step
from catalog.models import ImportStatus, Product, ProductImport
from tests.screenshots import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KNOWN = b"number,name,ean,sales_price\nMUG-1,Enamel mug,4006381333931,11.90\n"


def test_manager_reads_the_dry_run_filters_errors_applies_and_sees_progress(
    page, live_server, sandbox, tmp_path
):
    known = import_create(content=KNOWN, run_now=True)
    import_apply(product_import=known, run_now=True)
    user = User.objects.create_user("carla", password="sicher-123456", is_staff=True)
    user.groups.add(Group.objects.get(name="Catalog managers"))
    catalog = tmp_path / "catalog.csv"
    catalog.write_bytes(
        b"number,name,ean,sales_price,bom\n"
        b"MUG-1,Enamel mug 350 ml,,12.90,\n"
        b"TEA-1,Green tea,,4.49,\n"
        b"KIT-1,Tea set,,19.90,NOPE-1*2\n"
    )

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/catalog/productimport/")
    page.click("text=Upload a catalog")
    page.set_input_files("input[type=file]", str(catalog))
    page.click("input[type=submit]")
    page.wait_for_url("**/change/")
    product_import = ProductImport.objects.exclude(pk=known.pk).get()
    while import_dry_run_step(import_id=product_import.pk):
        pass
    page.reload()

    summary = " ".join(page.locator("#import-summary").inner_text().split())
    assert summary == "1 to create 1 to update 0 unchanged 1 with errors (3 rows in the file)"
    mug = page.locator("tr.import-row", has_text="MUG-1")
    assert mug.locator("li.change").all_inner_texts() == [
        "name: Enamel mug → Enamel mug 350 ml",
        "sales_price: 11.9 → 12.9",
    ]
    assert "name=Green tea" in page.locator("tr.import-row", has_text="TEA-1").inner_text()
    screenshot(page, "catalog_dry_run")
    page.click("#errors-only")
    page.wait_for_url("**/change/?errors=1")
    rows = page.locator("tr.import-row")
    assert rows.count() == 1
    assert "BOM component 'NOPE-1' is unknown." in rows.inner_text()
    assert page.locator("#failed-csv").count() == 1

    page.click("#apply-import")
    assert "applying in the background" in page.locator(".messagelist").inner_text()
    while import_run_chunk(import_id=product_import.pk):
        pass
    page.goto(f"{live_server.url}/admin/catalog/productimport/{product_import.pk}/change/")
    progress = " ".join(page.locator("#import-progress").inner_text().split())
    assert progress == "2 of 2 applied · 1 not applied (errors in the dry run)"
    product_import.refresh_from_db()
    assert product_import.status == ImportStatus.DONE_WITH_ERRORS
    assert Product.objects.get(number="MUG-1").name == "Enamel mug 350 ml"
    assert page.locator("#apply-import").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("a.deletelink").count() == 0
    screenshot(page, "catalog_applied_progress")
