"""API URLs of the catalog app (mounted under /api/v1/catalog/)."""

from django.urls import re_path

from catalog import api

urlpatterns = [
    re_path(r"^imports/?$", api.ImportCollection.as_view(), name="catalog-imports"),
    re_path(
        r"^imports/(?P<import_id>[0-9a-f-]{36})/?$",
        api.ImportDetail.as_view(),
        name="catalog-import",
    ),
    re_path(
        r"^imports/(?P<import_id>[0-9a-f-]{36})/apply/?$",
        api.ImportApply.as_view(),
        name="catalog-import-apply",
    ),
    re_path(r"^resolve/?$", api.Resolve.as_view(), name="catalog-resolve"),
]
