"""Catalog admin: upload with dry run, apply with progress, mappings and their health."""

from pathlib import Path

import pytest
from django.urls import reverse

from catalog.imports.apply import import_run_chunk
from catalog.models import ExternalReference, Product, ProductImport, RowStatus

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("cat", "c@example.com", "pw"))
    return client


def test_upload_shows_the_dry_run_and_apply_runs_it(staff, sandbox):
    sandbox.seed(externalReferenceTargets=[{"name": "Shop"}])
    with (SAMPLES / "catalog.csv").open("rb") as upload:
        response = staff.post(reverse("admin:catalog_upload"), {"file": upload}, follow=True)
    assert response.status_code == 200
    product_import = ProductImport.objects.get()
    html = response.content.decode()
    assert "HOODIE-S-BLACK" in html
    assert "Apply to Xentral" in html
    assert sandbox.requests(method="POST") == []

    staff.post(reverse("admin:catalog_import_apply", args=[product_import.pk]))
    while import_run_chunk(import_id=product_import.pk):
        pass
    page = staff.get(reverse("admin:catalog_productimport_change", args=[product_import.pk]))
    assert "100%" in page.content.decode()
    statuses = dict(product_import.rows.values_list("number", "status"))
    assert set(statuses.values()) == {RowStatus.DONE}, product_import.rows.values("errors")


def test_upload_of_a_broken_file_names_the_problem(staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bad.csv", b"number,title\nA,B\n", content_type="text/csv")
    response = staff.post(reverse("admin:catalog_upload"), {"file": upload})
    assert "The required column &#x27;name&#x27; is missing." in response.content.decode()
    assert not ProductImport.objects.exists()


def test_mapping_is_added_through_to_xentral_and_deactivated(staff, sandbox):
    [item] = sandbox.seed(
        externalReferenceTargets=[{"name": "Shop"}], products=[{"name": "Mug", "number": "MUG"}]
    )["products"]
    product = Product.objects.create(xentral_id=item["id"], number="MUG", name="Mug")
    staff.post(
        reverse("admin:catalog_externalreference_add"),
        {"target_id": "1", "number": "F-9", "product": product.pk},
    )
    reference = ExternalReference.objects.get()
    assert [r["number"] for r in sandbox.state()["externalReferences"]] == ["F-9"]
    found = staff.get(reverse("admin:catalog_externalreference_changelist"), {"q": "MUG"})
    assert "F-9" in found.content.decode()
    staff.post(
        reverse("admin:catalog_externalreference_changelist"),
        {"action": "deactivate", "_selected_action": [reference.pk]},
    )
    reference.refresh_from_db()
    assert not reference.is_active
    assert sandbox.state()["externalReferences"][0]["isActive"] is False


def test_health_view_lists_unmapped_products(staff):
    Product.objects.create(xentral_id="1", number="NOMAP", name="No mapping")
    page = staff.get(reverse("admin:catalog_health"), {"target": "1"})
    assert page.status_code == 200
    assert "NOMAP" in page.content.decode()
