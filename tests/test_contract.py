"""The OpenAPI contract checker catches what Xentral would reject, and accepts what is valid."""

from pathlib import Path

import pytest

from tests.contract import get_contract
from tests.support import skip_or_fail


@pytest.fixture
def contract(settings):
    if not Path(settings.XENTRAL_OPENAPI_DIR).is_dir():
        skip_or_fail(f"no Xentral OpenAPI documents at {settings.XENTRAL_OPENAPI_DIR}")
    return get_contract()


def entry(method, path, query=None, body=None):
    return {"method": method, "path": path, "query": query or {}, "body": body}


IMPORT_BODY = {
    "date": "2026-11-23",
    "externalOrderNumber": "SHOP-1",
    "customer": {"id": "1"},
    "project": {"id": "1"},
    "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
    "delivery": {"shippingMethod": {"id": "1"}},
    "positions": [
        {"product": {"id": "1"}, "quantity": 2, "price": {"amount": "9.99", "currency": "EUR"}}
    ],
}


def test_valid_requests_pass(contract):
    products_in = {
        "filter[0][key]": "number",
        "filter[0][op]": "in",
        "filter[0][value][]": ["ART-001", "ART-002"],
        "page[number]": "1",
        "page[size]": "50",
    }
    assert contract.violations(entry("GET", "/api/v2/products", products_in)) == []
    assert (
        contract.violations(entry("POST", "/api/v1/salesOrders/actions/import", body=IMPORT_BODY))
        == []
    )
    assert contract.violations(entry("GET", "/api/v1/products/17/stocks")) == []


def test_unknown_body_field_is_caught(contract):
    body = {**IMPORT_BODY, "paymentStatus": "paid"}
    problems = contract.violations(entry("POST", "/api/v1/salesOrders/actions/import", body=body))
    assert any("paymentStatus" in p for p in problems)


def test_wrong_body_type_is_caught(contract):
    body = {"name": "Shirt", "project": {"id": "1"}, "isMatrixProduct": "yes please"}
    problems = contract.violations(entry("POST", "/api/v2/products", body=body))
    assert any("isMatrixProduct" in p for p in problems)


def test_unknown_filter_key_and_big_page_are_caught(contract):
    query = {"filter[0][key]": "colour", "filter[0][op]": "equals", "filter[0][value]": "red",
             "page[number]": "1", "page[size]": "51"}  # fmt: skip
    problems = contract.violations(entry("GET", "/api/v2/products", query))
    assert "filter[0] key 'colour' is not allowed" in problems
    assert "page[size]=51 is over 50" in problems


def test_undeclared_parameter_unknown_path_and_method_are_caught(contract):
    assert contract.violations(entry("GET", "/api/v2/products", {"limit": "5"})) == [
        "query parameter 'limit' is not declared"
    ]
    assert contract.violations(entry("GET", "/api/v9/nothing")) == [
        "no path /api/v9/nothing in the OpenAPI documents"
    ]
    assert contract.violations(entry("DELETE", "/api/v1/salesOrders/actions/import")) == [
        "DELETE is not an operation of /api/v1/salesOrders/actions/import"
    ]
