"""A crash on an API path is a bare 500 problem, inside DRF views and outside them; the OpenAPI
document describes the answers the API really gives."""

import pytest
from django.test import Client

from backoffice.middleware import RequestSizeLimitMiddleware
from tests.factories import channel_with_key

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def api_client():
    _, key = channel_with_key()
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")


def _bare_500(response) -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "https://xentral-hub.invalid/problems/500",
        "title": "Internal server error",
        "status": 500,
        "detail": "The hub failed to answer this request; the error is logged.",
        "errors": [],
    }


def test_a_crash_in_an_api_view_is_a_500_problem_without_a_traceback(api_client, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("orders.selectors.orders_for_channel", crash)

    response = api_client.get("/api/v1/orders")

    _bare_500(response)
    assert b"secret internals" not in response.content


def test_a_crash_outside_the_views_is_a_500_problem_too(api_client, monkeypatch):
    def crash(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(RequestSizeLimitMiddleware, "__call__", crash)

    response = api_client.get("/api/v1/orders")

    _bare_500(response)
    assert b"secret internals" not in response.content


def test_admin_pages_keep_djangos_own_error_pages(client):
    response = client.get("/admin/no-such-page/")

    assert response.status_code in (302, 404)
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_documents_envelopes_and_problem_answers(client):
    schema = client.get("/api/v1/schema?format=json").json()
    paths = schema["paths"]

    listing = paths["/api/v1/orders"]["get"]["responses"]
    assert listing["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderList"
    }
    assert set(listing) == {"200", "400", "401", "403", "429"}
    create = paths["/api/v1/orders"]["post"]["responses"]
    assert set(create) == {"200", "201", "202", "400", "401", "403", "409", "413", "415",
                           "422", "429"}  # fmt: skip
    assert list(create["422"]["content"]) == [PROBLEM]
    upload = paths["/api/v1/catalog/imports"]["post"]["responses"]
    assert set(upload) == {"202", "400", "401", "403", "413", "415", "429"}
    assert "/api/v1/catalog/imports/{import_id}/apply" in paths
    assert not [path for path in paths if path.endswith("/")]
    components = schema["components"]["schemas"]
    assert components["OrderPayloadRequest"]["properties"]["items"]["minItems"] == 1
    assert components["OrderPayloadRequest"]["additionalProperties"] is False
    assert [b["required"] for b in components["CustomerRequest"]["anyOf"]] == [
        ["number"],
        ["email", "name", "street", "zip", "city", "country"],
    ]
