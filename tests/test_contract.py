"""The OpenAPI contract checker catches requests Xentral would reject and answers its documents
do not describe, and accepts what is valid."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import off_contract
from tests.contract import get_contract
from tests.support import ROOT, skip_or_fail


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


def answered(method, path, status, body=None, headers=None, query=None, fault=None):
    content_type = {"Content-Type": "application/json"} if body is not None else {}
    return {
        **entry(method, path, query),
        "response": {"status": status, "headers": {**content_type, **(headers or {})},
                     "body": body, "fault": fault},
    }  # fmt: skip


def test_an_off_document_answer_and_request_fail_the_test_naming_where(contract):
    page = {"data": [{"id": "7", "name": "Size", "sort": 1, "values": []}],
            "extra": {"totalCount": 1, "page": {"number": 1, "size": 10}}}  # fmt: skip
    answer = answered("GET", "/api/v1/products/3/options", 200, page)
    request = {
        **answered(
            "GET",
            "/api/v2/customers",
            200,
            {"data": [], "extra": {"totalCount": 0, "page": {"number": 1, "size": 10}}},
        ),
        "query": {
            "filter[0][key]": "email",
            "filter[0][op]": "contains",
            "filter[0][value]": "a@b.c",
        },
        "headers": {"User-Agent": "xentral-hub/1.0"},
    }
    assert off_contract(contract, [answer, request]) == [
        "GET /api/v1/products/{id}/options -> 200: answer body $.data[0]: Additional properties "
        "are not allowed ('values' was unexpected)",
        "GET /api/v2/customers: filter[0] op 'contains' is not allowed for key 'email'",
    ]


def test_answer_status_content_type_and_empty_bodies_are_checked(contract):
    def problems(*args, **kwargs):
        return contract.answer_violations(answered(*args, **kwargs))

    assert problems("GET", "/api/v2/products/3", 422, {"title": "x"}) == [
        "GET /api/v2/products/{id} -> 422: status 422 is not documented for this operation"
    ]
    assert problems("POST", "/api/v2/products", 201, {"data": {"id": "3"}}) == [
        "POST /api/v2/products -> 201: Content-Type application/json is not one of ['text/html']"
    ]
    empty_201 = {"Content-Type": "text/html; charset=UTF-8", "Location": "/api/v2/products/3"}
    assert problems("POST", "/api/v2/products", 201, headers=empty_201) == []
    assert problems("PATCH", "/api/v2/products/3", 204, {"ok": True}) == [
        "PATCH /api/v2/products/{id} -> 204: a body where the documents give none: "
        "\"{'ok': True}\"",
        "PATCH /api/v2/products/{id} -> 204: Content-Type application/json where the documents "
        "give no body",
    ]
    assert problems("GET", "/api/v2/products/3", 404) == []


def test_admitted_answers_are_checked_against_xentrals_error_shapes(contract):
    def problems(*args, **kwargs):
        return contract.answer_violations(answered(*args, **kwargs))

    too_many = {"message": "Too Many Requests"}
    assert problems("GET", "/api/v1/products/3/parts", 429, too_many) == [
        "GET /api/v1/products/{id}/parts -> 429: a 429 without Retry-After"
    ]
    assert problems("GET", "/api/v1/products/3/parts", 429, too_many, {"Retry-After": "2"}) == []
    assert problems("GET", "/api/v1/products/3/parts", 401, {"message": "Unauthenticated."}) == []
    assert problems("GET", "/api/v1/products/3/parts", 401, {"message": 401}) == [
        "GET /api/v1/products/{id}/parts -> 401: answer body $.message: 401 is not of type 'string'"
    ]
    assert problems("GET", "/api/v1/products/3/parts", 503, {"title": "Down"}) == [
        "GET /api/v1/products/{id}/parts -> 503: status 503 is not documented for this operation"
    ]
    assert problems("GET", "/api/v1/products/3/parts", 503, {"t": 1}, fault="injected") == []
    assert contract.answer_violations(answered("GET", "/api/v1/products/3/parts", 0)) == [
        "GET /api/v1/products/{id}/parts -> dropped connection: dropped without an injected fault"
    ]
    dropped = answered("POST", "/api/v2/products", 0, fault="commitThenDrop")
    assert contract.answer_violations(dropped) == []


def test_filter_keys_through_any_of_arrays_and_page_rules_are_checked(contract):
    def problems(path, **query):
        return contract.violations(entry("GET", path, query))

    email = {"filter[0][key]": "email", "filter[0][value]": "a@b.c"}
    assert problems("/api/v2/customers", **email, **{"filter[0][op]": "equals"}) == []
    assert problems("/api/v2/customers", **{**email, "filter[0][key]": "colour",
                                            "filter[0][op]": "equals"}) == [
        "filter[0] key 'colour' is not allowed"
    ]  # fmt: skip
    listed = {"filter[0][key]": "number", "filter[0][op]": "in", "filter[0][value]": "A"}
    assert problems("/api/v2/products", **listed) == [
        "filter[0] op 'in' takes an array: filter[0][value][]"
    ]
    one = {"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value][]": ["A"]}
    assert problems("/api/v2/products", **one) == [
        "filter[0] op 'equals' takes one value, not an array"
    ]
    assert problems("/api/v2/products", **{"page[size]": "10"}) == [
        "page takes exactly page[number] and page[size], got ['size']"
    ]
    assert problems("/api/v2/products", **{"page[number]": "0", "page[size]": "10"}) == [
        "page[number]=0 is below 1"
    ]
    assert problems("/api/v2/products", **{"page[number]": "1", "page[size]": "x"}) == [
        "query page[size]: 'x' does not match '\\\\d+'"
    ]


@pytest.mark.slow
def test_a_missing_spec_directory_fails_a_sandbox_test_under_require_all(tmp_path):
    env = {**os.environ, "HUB_REQUIRE_ALL": "1", "XENTRAL_OPENAPI_DIR": str(tmp_path / "none")}
    target = "tests/sandbox/test_conventions.py::test_unknown_id_is_404_without_a_body"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-2000:]
    assert "HUB_REQUIRE_ALL=1 but no OpenAPI documents at" in run.stdout
