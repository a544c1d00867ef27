"""Catalog admin: upload with dry run, apply once with progress and history, mappings and their
health."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.imports.apply import import_run_chunk
from catalog.imports.dry_run import import_dry_run_step
from catalog.models import ExternalReference, ImportEventKind, ProductImport, RowStatus
from catalog.parsing import normalise_rows
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.factories import ChannelFactory, ImportRowFactory, ProductFactory
from tests.task_queue import queue_purge, queue_run_all, queue_size

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("cat", "c@example.com", "pw"))
    return client


def file_row(number: str, **columns) -> dict:
    """An import row's data as the file reader stores it."""
    [row] = normalise_rows(
        [{"number": number, "name": f"Product {number}", **columns}], first_line=2
    )
    return row


def test_upload_shows_the_dry_run_and_apply_runs_it(staff, sandbox):
    sandbox.seed(externalReferenceTargets=[{"name": "Shop"}])
    with (SAMPLES / "catalog.csv").open("rb") as upload:
        response = staff.post(reverse("admin:catalog_upload"), {"file": upload}, follow=True)
    assert response.status_code == 200
    product_import = ProductImport.objects.get()
    assert "Dry run running: 0 of 6 rows" in response.content.decode()
    assert sandbox.requests() == [], "the upload request asks Xentral nothing"

    while import_dry_run_step(import_id=product_import.pk):
        pass
    page = staff.get(reverse("admin:catalog_productimport_change", args=[product_import.pk]))
    html = page.content.decode()
    assert "Dry run ready: 6 rows, 0 with errors" in html
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


def test_applying_twice_starts_one_chain_and_says_why_not(
    staff, sandbox, django_capture_on_commit_callbacks
):
    queue_purge()
    product_import = ImportRowFactory(number="ONCE-1", data=file_row("ONCE-1")).product_import
    ImportRowFactory(product_import=product_import, number="ONCE-2", data=file_row("ONCE-2"))
    apply_url = reverse("admin:catalog_import_apply", args=[product_import.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(apply_url)
    with django_capture_on_commit_callbacks(execute=True):
        second = staff.post(apply_url, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        action = staff.post(
            reverse("admin:catalog_productimport_changelist"),
            {"action": "apply_imports", "_selected_action": [product_import.pk]},
            follow=True,
        )
    refusal = "The import is being applied already; this page shows its progress."
    assert refusal in second.content.decode()
    assert refusal in action.content.decode()
    assert queue_size() == 1, "one chain of jobs"

    assert queue_run_all() == 2, "one chunk, then the one that finishes"
    product_import.refresh_from_db()
    assert product_import.status == "done"
    creates = sandbox.requests(method="POST", path_prefix="/api/v2/products")
    assert sorted(c["body"]["number"] for c in creates) == ["ONCE-1", "ONCE-2"]
    assert product_import.calls_used == len(sandbox.requests()) == 2
    assert list(product_import.rows.values_list("calls", flat=True)) == [1, 1]


def test_the_import_page_shows_who_applied_and_when_it_finished(staff, sandbox):
    product_import = ImportRowFactory(data=file_row("HIST-1"), number="HIST-1").product_import
    staff.post(reverse("admin:catalog_import_apply", args=[product_import.pk]))
    while import_run_chunk(import_id=product_import.pk):
        pass
    events = list(product_import.events.values_list("kind", "user__username", "message"))
    assert events == [
        (ImportEventKind.APPLIED, "cat", ""),
        (ImportEventKind.FINISHED, None, "Done"),
    ]
    page = staff.get(reverse("admin:catalog_productimport_change", args=[product_import.pk]))
    html = page.content.decode()
    assert "Apply started" in html
    assert "Finished" in html


def test_rerun_of_failed_rows_is_recorded_with_who(staff, sandbox):
    product_import = ImportRowFactory(data=file_row("RR-1"), number="RR-1").product_import
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v2/products", "status": 503}])
    staff.post(reverse("admin:catalog_import_apply", args=[product_import.pk]))
    while import_run_chunk(import_id=product_import.pk):
        pass
    assert product_import.rows.get().status == RowStatus.FAILED
    staff.post(reverse("admin:catalog_import_apply", args=[product_import.pk]), {"rerun": "1"})
    while import_run_chunk(import_id=product_import.pk):
        pass
    assert product_import.rows.get().status == RowStatus.DONE
    kinds = list(product_import.events.values_list("kind", "user__username", "message"))
    assert kinds == [
        (ImportEventKind.APPLIED, "cat", ""),
        (ImportEventKind.FINISHED, None, "Done with errors"),
        (ImportEventKind.RERUN, "cat", "1 failed row(s) queued again."),
        (ImportEventKind.FINISHED, None, "Done"),
    ]


def test_upload_of_a_broken_file_names_the_problem(staff):
    upload = SimpleUploadedFile("bad.csv", b"number,title\nA,B\n", content_type="text/csv")
    response = staff.post(reverse("admin:catalog_upload"), {"file": upload})
    assert "The required column &#x27;name&#x27; is missing." in response.content.decode()
    assert not ProductImport.objects.exists()


def test_mapping_is_added_through_to_xentral_and_deactivated(staff, sandbox):
    [item] = sandbox.seed(
        externalReferenceTargets=[{"name": "Shop"}], products=[{"name": "Mug", "number": "MUG"}]
    )["products"]
    product = ProductFactory(xentral_id=item["id"], number="MUG", name="Mug")
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


def test_a_foreign_number_of_another_product_is_refused_without_a_call(staff, sandbox):
    sandbox.seed(externalReferenceTargets=[{"name": "Shop"}])
    taken = ProductFactory(number="TAKEN")
    ExternalReference.objects.create(target_id="1", number="F-1", product=taken)
    other = ProductFactory(number="OTHER")
    sandbox.clear_requests()
    response = staff.post(
        reverse("admin:catalog_externalreference_add"),
        {"target_id": "1", "number": "F-1", "product": other.pk},
        follow=True,
    )
    assert (
        "External reference with this Xentral target id and Foreign number already exists."
        in response.content.decode()
    )
    assert sandbox.requests() == []
    assert list(ExternalReference.objects.values_list("product__number", flat=True)) == ["TAKEN"]


def test_health_view_lists_unmapped_products_only(staff):
    ProductFactory(number="NOMAP")
    mapped = ProductFactory(number="MAPPED")
    ExternalReference.objects.create(target_id="1", number="F-1", product=mapped)
    page = staff.get(reverse("admin:catalog_health"), {"target": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>NOMAP</td>" in html
    assert "<td>MAPPED</td>" not in html


def test_health_view_names_an_ean_on_several_products(staff):
    ProductFactory(number="EAN-A", ean="4000000000001")
    ProductFactory(number="EAN-B", ean="4000000000001")
    ProductFactory(number="EAN-C", ean="4000000000002")
    html = staff.get(reverse("admin:catalog_health"), {"target": "1"}).content.decode()
    assert "<td>EAN on several products</td><td>4000000000001</td><td>2</td>" in html
    assert "<td>EAN on several products</td><td>4000000000002</td>" not in html


def test_health_view_shows_skus_that_failed_orders_as_unknown(staff, sandbox):
    sandbox.seed(
        customers=[{"firstname": "Erika", "lastname": "M", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    payload = validated_payload(
        {"reference": "UNK-1", "customer": {"email": "e@example.com"},
         "items": [{"sku": "GHOST-9", "quantity": 1}], "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    order_submit(channel=ChannelFactory(), payload=payload)
    page = staff.get(reverse("admin:catalog_health"), {"target": "1"})
    html = page.content.decode()
    assert "SKUs seen in orders but unknown" in html
    assert "<td>GHOST-9</td><td>1</td>" in html
