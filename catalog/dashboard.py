"""What the catalog asks staff to look at, for the admin dashboard."""

from django.urls import reverse

from catalog.models import ImportRow, ImportStatus, ProductImport, RowStatus


def attention() -> list[dict]:
    failed = ImportRow.objects.filter(status=RowStatus.FAILED).count()
    running = ProductImport.objects.filter(status=ImportStatus.APPLYING).count()
    changelist = reverse("admin:catalog_productimport_changelist")
    rows = [
        (
            "Import rows in error",
            failed,
            f"{changelist}?status__exact={ImportStatus.DONE_WITH_ERRORS}",
        ),
        ("Imports running", running, f"{changelist}?status__exact={ImportStatus.APPLYING}"),
    ]
    return [{"label": label, "count": count, "url": url} for label, count, url in rows if count]
