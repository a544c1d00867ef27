"""API URLs of the stock app (mounted under /api/v1/)."""

from django.urls import re_path

from stock import api

urlpatterns = [
    re_path(r"^stock/?$", api.StockList.as_view(), name="stock-list"),
    re_path(r"^stock/(?P<sku>[^/]+)/?$", api.StockDetail.as_view(), name="stock-detail"),
]
