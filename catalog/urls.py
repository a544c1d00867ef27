"""API URLs of the catalog app (mounted under /api/v1/catalog/)."""

from django.urls import re_path

from backoffice.api.paths import UUID
from catalog import api

IMPORT_ID = rf"(?P<import_id>{UUID})"

urlpatterns = [
    re_path(r"^imports/?$", api.ImportCollection.as_view(), name="catalog-imports"),
    re_path(
        rf"^imports/{IMPORT_ID}/?$",
        api.ImportDetail.as_view(),
        name="catalog-import",
    ),
    re_path(
        rf"^imports/{IMPORT_ID}/apply/?$",
        api.ImportApply.as_view(),
        name="catalog-import-apply",
    ),
    re_path(
        rf"^imports/{IMPORT_ID}/failed-rows/?$",
        api.ImportFailedRows.as_view(),
        name="catalog-import-failed-rows",
    ),
    re_path(r"^resolve/?$", api.Resolve.as_view(), name="catalog-resolve"),
]
