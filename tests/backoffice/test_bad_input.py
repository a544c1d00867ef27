"""Inputs that once crashed the API: each is a 400 or 404 problem naming what is wrong, over
real HTTP, and nothing is stored."""

import json

import pytest
import requests

from catalog.models import ProductImport
from orders.models import OrderRequest
from tests.factories import channel_with_key
from tests.orders.conftest import order_payload

pytestmark = pytest.mark.django_db(transaction=True)
PROBLEM = "application/problem+json"


@pytest.fixture
def api(live_server):
    _, key = channel_with_key()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    session.base = f"{live_server.url}/api/v1"
    return session


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


def _post_json(api, path: str, text: str):
    headers = {"Content-Type": "application/json"}
    return api.post(f"{api.base}{path}", data=text.encode(), headers=headers)


@pytest.mark.parametrize(
    "path",
    [
        "/catalog/imports/------------------------------------",
        "/catalog/imports/------------------------------------/apply",
        "/catalog/imports/not-an-id",
        "/orders/not-a-uuid",
        "/orders/12345678-1234-1234-1234-1234567890ag",
        "/no-such-thing",
    ],
)
def test_an_id_or_path_that_matches_nothing_is_a_404_problem(api, path):
    response = api.post(f"{api.base}{path}") if path.endswith("apply") else api.get(api.base + path)

    assert _problem(response, 404)["title"] == "Not Found"


@pytest.mark.parametrize("path", ["/orders", "/catalog/imports"])
def test_deeply_nested_json_is_a_400_problem(api, path):
    response = _post_json(api, path, "[" * 100_000)

    assert _problem(response, 400)["errors"] in (
        [{"field": "", "code": "too_deep", "message": "JSON nested deeper than 32 levels"}],
        # The catalog reports file faults by row and column (read as a stream, by path).
        [
            {
                "field": "[0]" * 32,
                "code": "invalid_file",
                "message": "JSON nested deeper than 32 levels",
            }
        ],
    )
    assert not OrderRequest.objects.exists()
    assert not ProductImport.objects.exists()


def test_custom_fields_nested_500_levels_is_a_400_naming_the_field(api):
    payload = order_payload()
    nested: dict = {}
    for _ in range(500):
        nested = {"a": nested}
    payload["custom_fields"] = nested

    response = _post_json(api, "/orders", json.dumps(payload))

    [error] = _problem(response, 400)["errors"]
    assert error["code"] == "too_deep"
    assert error["field"] == "custom_fields" + ".a" * 31
    assert not OrderRequest.objects.exists()


@pytest.mark.parametrize(
    ("spelled", "message"),
    [
        ('"\\udfff"', "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode"),
        ('"\\ud800x"', "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode"),
        ('"A\\u0000B"', "NUL characters (\\u0000) are not allowed"),
    ],
)
def test_a_string_no_database_can_store_is_a_400_naming_the_field(api, spelled, message):
    text = json.dumps(order_payload(reference="PLACEHOLDER"))
    text = text.replace('"PLACEHOLDER"', spelled)

    response = _post_json(api, "/orders", text)

    assert _problem(response, 400)["errors"] == [
        {"field": "reference", "code": "invalid", "message": message}
    ]
    assert not OrderRequest.objects.exists()


def test_a_lone_surrogate_in_a_key_names_the_key(api):
    text = json.dumps(order_payload()).replace('"notes"', '"no\\udfffte"', 1)
    if "no\\udfffte" not in text:
        text = text[:-1] + ', "no\\udfffte": "x"}'

    response = _post_json(api, "/orders", text)

    assert _problem(response, 400)["errors"] == [
        {
            "field": "no\\udfffte",
            "code": "invalid",
            "message": "A lone surrogate (\\ud800-\\udfff) is not a character; send valid Unicode",
        }
    ]


def test_nul_in_a_query_parameter_is_a_400_naming_it(api):
    response = api.get(f"{api.base}/orders", params={"reference": "A\x00B"})

    assert _problem(response, 400)["errors"] == [
        {
            "field": "reference",
            "code": "invalid",
            "message": "NUL characters (\\u0000) are not allowed",
        }
    ]


def test_a_csv_field_over_the_csv_limit_is_a_row_error(api):
    content = b"number,name,description\nA-1,Alpha," + b"x" * 200_000 + b"\n"

    response = api.post(
        f"{api.base}/catalog/imports", files={"file": ("big.csv", content, "text/csv")}
    )

    [error] = _problem(response, 400)["errors"]
    assert error["field"] == "row 2.description"
    assert not ProductImport.objects.exists()


def test_an_unknown_method_is_a_405_problem(api):
    response = api.delete(f"{api.base}/orders")

    assert _problem(response, 405)["title"] == 'Method "DELETE" not allowed.'
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
