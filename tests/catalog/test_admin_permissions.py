"""Who may do what on the catalog admin pages: uploading, applying and re-running imports and
deactivating mappings each need their permission; without it a page answers 403 and an action
is neither offered nor run."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import ExternalReference, ImportEventKind, ImportStatus, ProductImport
from tests.factories import ImportRowFactory, ProductFactory
from tests.staff import action_offered, staff_user
from tests.task_queue import queue_purge, queue_size

pytestmark = pytest.mark.django_db

IMPORTS = reverse("admin:catalog_productimport_changelist")
MAPPINGS = reverse("admin:catalog_externalreference_changelist")
VIEWER = ("catalog.view_productimport", "catalog.view_importrow", "catalog.view_externalreference")


def _catalog_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("c.csv", b"number,name\nUP-1,Mug\n", content_type="text/csv")


def test_an_import_viewer_cannot_upload(client):
    client.force_login(staff_user(*VIEWER))

    listing = client.get(IMPORTS)
    form = client.get(reverse("admin:catalog_upload"))
    upload = client.post(reverse("admin:catalog_upload"), {"file": _catalog_file()})

    assert listing.status_code == 200
    assert "Upload a catalog" not in listing.content.decode()
    assert form.status_code == 403
    assert upload.status_code == 403
    assert not ProductImport.objects.exists()


def test_a_catalog_manager_opens_the_upload_page(client):
    client.force_login(staff_user(groups=("Catalog managers",)))

    listing = client.get(IMPORTS)
    form = client.get(reverse("admin:catalog_upload"))

    assert "Upload a catalog" in listing.content.decode()
    assert form.status_code == 200


def test_an_import_viewer_cannot_apply_or_rerun(client):
    queue_purge()
    product_import = ImportRowFactory().product_import
    client.force_login(staff_user(*VIEWER))
    apply_url = reverse("admin:catalog_import_apply", args=[product_import.pk])

    page = client.get(reverse("admin:catalog_productimport_change", args=[product_import.pk]))
    listing = client.get(IMPORTS)
    get = client.get(apply_url)
    apply = client.post(apply_url)
    rerun = client.post(apply_url, {"rerun": "1"})
    for action in ("apply_imports", "rerun_failed"):
        client.post(IMPORTS, {"action": action, "_selected_action": [product_import.pk]})

    product_import.refresh_from_db()
    assert "Apply to Xentral" not in page.content.decode()
    assert not action_offered(listing, "apply_imports")
    assert not action_offered(listing, "rerun_failed")
    assert (get.status_code, apply.status_code, rerun.status_code) == (403, 403, 403)
    assert product_import.status == ImportStatus.CHECKED
    assert not product_import.events.exists()
    assert queue_size() == 0


def test_a_catalog_manager_applies_from_the_page(client):
    product_import = ImportRowFactory().product_import
    client.force_login(staff_user(groups=("Catalog managers",), username="cm"))

    page = client.get(reverse("admin:catalog_productimport_change", args=[product_import.pk]))
    client.post(reverse("admin:catalog_import_apply", args=[product_import.pk]))

    product_import.refresh_from_db()
    assert "Apply to Xentral" in page.content.decode()
    assert product_import.status == ImportStatus.APPLYING
    assert list(product_import.events.values_list("kind", "user__username")) == [
        (ImportEventKind.APPLIED, "cm")
    ]


def test_a_catalog_manager_applies_with_the_action(client):
    product_import = ImportRowFactory().product_import
    client.force_login(staff_user(groups=("Catalog managers",)))

    listing = client.get(IMPORTS)
    client.post(IMPORTS, {"action": "apply_imports", "_selected_action": [product_import.pk]})

    product_import.refresh_from_db()
    assert action_offered(listing, "apply_imports")
    assert product_import.status == ImportStatus.APPLYING


def test_a_catalog_manager_reruns_failed_rows_with_the_action(client):
    row = ImportRowFactory(status="failed", errors=["Xentral: 503"])
    ProductImport.objects.filter(pk=row.product_import_id).update(
        status=ImportStatus.DONE_WITH_ERRORS
    )
    client.force_login(staff_user(groups=("Catalog managers",), username="cm"))

    response = client.post(
        IMPORTS,
        {"action": "rerun_failed", "_selected_action": [row.product_import_id]},
        follow=True,
    )

    row.refresh_from_db()
    assert "1 failed row(s) queued again." in response.content.decode()
    assert row.status == "pending"
    assert list(row.product_import.events.values_list("kind", "user__username")) == [
        (ImportEventKind.RERUN, "cm")
    ]


def test_a_mapping_viewer_cannot_deactivate(client, sandbox):
    reference = ExternalReference.objects.create(
        target_id="1", number="F-1", product=ProductFactory(number="MUG")
    )
    client.force_login(staff_user(*VIEWER))

    listing = client.get(MAPPINGS)
    client.post(MAPPINGS, {"action": "deactivate", "_selected_action": [reference.pk]})

    reference.refresh_from_db()
    assert not action_offered(listing, "deactivate")
    assert reference.is_active
    assert sandbox.requests() == []


def test_a_catalog_manager_deactivates_a_mapping(client, sandbox):
    sandbox.seed(externalReferenceTargets=[{"name": "Shop"}])
    [item] = sandbox.seed(products=[{"name": "Mug", "number": "MUG"}])["products"]
    product = ProductFactory(xentral_id=item["id"], number="MUG", name="Mug")
    client.force_login(staff_user(groups=("Catalog managers",)))
    client.post(
        reverse("admin:catalog_externalreference_add"),
        {"target_id": "1", "number": "F-9", "product": product.pk},
    )
    reference = ExternalReference.objects.get()

    client.post(MAPPINGS, {"action": "deactivate", "_selected_action": [reference.pk]})

    reference.refresh_from_db()
    assert not reference.is_active
    assert sandbox.state()["externalReferences"][0]["isActive"] is False


def test_the_health_page_needs_the_mapping_view_permission(client):
    client.force_login(staff_user("catalog.view_productimport"))

    assert client.get(reverse("admin:catalog_health"), {"target": "1"}).status_code == 403


def test_a_catalog_manager_opens_the_health_page(client):
    ProductFactory(number="NOMAP")
    client.force_login(staff_user(groups=("Catalog managers",)))

    page = client.get(reverse("admin:catalog_health"), {"target": "1"})

    assert page.status_code == 200
    assert "<td>NOMAP</td>" in page.content.decode()


def test_changing_an_import_is_not_applying_it(client):
    product_import = ImportRowFactory().product_import
    client.force_login(staff_user(*VIEWER, "catalog.change_productimport"))

    apply = client.post(reverse("admin:catalog_import_apply", args=[product_import.pk]))

    product_import.refresh_from_db()
    assert apply.status_code == 403
    assert product_import.status == ImportStatus.CHECKED


def test_failed_rows_need_the_import_view_permission(client):
    product_import = ProductImport.objects.create(filename="c.csv", status=ImportStatus.CHECKED)
    url = reverse("admin:catalog_import_failed_rows", args=[product_import.pk])
    client.force_login(staff_user("catalog.view_product"))
    denied = client.get(url)
    client.force_login(staff_user(*VIEWER, username="viewer"))

    allowed = client.get(url)

    assert (denied.status_code, allowed.status_code) == (403, 200)
    assert allowed["Content-Type"] == "text/csv; charset=utf-8"
