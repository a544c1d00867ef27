"""API URLs of the orders app (mounted under /api/v1/; with or without a trailing slash)."""

from django.urls import re_path

from orders.api import OrderDetailView, OrderListView

app_name = "orders"

urlpatterns = [
    re_path(r"^orders/?$", OrderListView.as_view(), name="order-list"),
    re_path(r"^orders/(?P<id>[0-9a-fA-F-]{36})/?$", OrderDetailView.as_view(), name="order-detail"),
]
