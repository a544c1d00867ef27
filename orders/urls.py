"""API URLs of the orders app (mounted under /api/v1/)."""

urlpatterns = []
