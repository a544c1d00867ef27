"""URLs of the hub: the admin, the versioned API and its generated docs."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backoffice.health import HealthView
from backoffice.xentral.receiver import xentral_events_receive


def healthz(request):
    return JsonResponse({"status": "ok"})


api_v1 = [
    path("", include("orders.urls")),
    path("catalog/", include("catalog.urls")),
    path("", include("stock.urls")),
    path("", include("connectors.centra.urls")),
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    re_path(r"^xentral/events/?$", xentral_events_receive, name="xentral-events"),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("healthz", healthz),
]
