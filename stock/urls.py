"""API URLs of the stock app (mounted under /api/v1/)."""

urlpatterns = []
