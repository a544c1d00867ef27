"""API URLs of the orders app (mounted under /api/v1/; with or without a trailing slash)."""

from django.urls import re_path

from backoffice.api.paths import UUID
from orders.api import OrderDetailView, OrderListView
from orders.cancel_api import OrderCancelView

app_name = "orders"

ORDER_ID = rf"(?P<id>{UUID})"

urlpatterns = [
    re_path(r"^orders$", OrderListView.as_view(), name="order-list"),
    re_path(rf"^orders/{ORDER_ID}$", OrderDetailView.as_view(), name="order-detail"),
    re_path(rf"^orders/{ORDER_ID}/cancel/?$", OrderCancelView.as_view(), name="order-cancel"),
    # The same views with a trailing slash, left out of the schema so each path appears once.
    re_path(r"^orders/$", OrderListView.as_view(schema=None)),
    re_path(rf"^orders/{ORDER_ID}/$", OrderDetailView.as_view(schema=None)),
]
