"""API authentication fails closed: a view must name its scope to be usable at all."""

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.factories import channel_with_key

pytestmark = pytest.mark.django_db


class ScopelessView(APIView):
    """A view that forgot to declare `required_scope`."""

    def get(self, request):
        return Response({"secret": "nobody should read this"})


urlpatterns = [path("scopeless", ScopelessView.as_view())]


@pytest.mark.urls("tests.backoffice.test_api_auth")
def test_a_view_without_a_declared_scope_refuses_every_key(client):
    _, key = channel_with_key()  # a key with every scope
    response = client.get("/scopeless", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "declares no scope" in response.json()["detail"]
    assert "secret" not in response.json()


@pytest.mark.urls("tests.backoffice.test_api_auth")
def test_a_view_without_a_declared_scope_still_asks_for_a_key(client):
    response = client.get("/scopeless")
    assert response.status_code == 401
