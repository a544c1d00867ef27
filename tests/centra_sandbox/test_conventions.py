"""Centra's conventions around every call, over real HTTP: the token, validation errors,
the rate-limit buckets with 429 and Retry-After, extensions, and injected faults."""

import time
from email.utils import parsedate_to_datetime

import pytest


def test_a_missing_or_wrong_token_is_refused(centra_sandbox):
    wrong = centra_sandbox.graphql("{ warehouses { id } }", token="not-the-token")
    assert wrong.status_code == 401
    assert wrong.json() == {
        "errors": [{"message": "Unauthorized", "extensions": {"category": "authentication"}}]
    }
    missing = centra_sandbox.http.post(
        centra_sandbox.graphql_url, json={"query": "{ rateLimits { quota } }"}
    )
    assert missing.status_code == 401


def test_the_graphql_access_cookie_authorises(centra_sandbox):
    answer = centra_sandbox.http.post(
        centra_sandbox.graphql_url,
        json={"query": "{ warehouses { id name } }"},
        cookies={"graphql-access": centra_sandbox.token},
    )
    assert answer.status_code == 200
    assert answer.json()["data"] == {
        "warehouses": [{"id": 1, "name": "Main warehouse"}, {"id": 2, "name": "Store warehouse"}]
    }


def test_an_unknown_field_is_a_validation_error_without_data(centra_sandbox):
    answer = centra_sandbox.graphql("{ orders { number currency } }")
    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [
            {
                "message": "Cannot query field 'currency' on type 'Order'.",
                "locations": [{"line": 1, "column": 19}],
            }
        ]
    }


def test_a_limit_over_200_is_an_error(centra_sandbox):
    answer = centra_sandbox.graphql("{ orders(limit: 201) { number } }")
    body = answer.json()
    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == ["Limit must be in range 1 - 200"]


def test_extensions_report_complexity_and_permissions(centra_sandbox):
    answer = centra_sandbox.graphql("{ orders(limit: 5) { number lines { id } } }")
    assert answer.json()["extensions"] == {
        "complexity": 1 + 5 * (1 + 1 + 1),
        "permissionsUsed": ["Order:read"],
        "appVersion": "stand-in",
    }


def test_rate_limits_query_shows_six_buckets_of_the_growth_tier(centra_sandbox):
    rows = centra_sandbox.graphql(
        "{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }"
    ).json()["data"]["rateLimits"]
    assert [(r["type"], r["intervalSeconds"], r["quota"]) for r in rows] == [
        ("REQUEST_COUNT", "TEN_SECONDS", 60),
        ("REQUEST_COUNT", "ONE_HOUR", 5000),
        ("QUERY_COMPLEXITY", "TEN_SECONDS", 250000),
        ("QUERY_COMPLEXITY", "ONE_HOUR", 30000000),
        ("MUTATION_COUNT", "TEN_SECONDS", 20),
        ("MUTATION_COUNT", "ONE_HOUR", 1800),
    ]
    assert all(r["quota"] == r["usedQuota"] + r["remainingQuota"] for r in rows)
    assert rows[0]["usedQuota"] == 1  # the query counts against the limits itself


def test_the_request_bucket_answers_429_with_retry_after(centra_sandbox):
    centra_sandbox.set_faults(buckets={"REQUEST_COUNT": {"TEN_SECONDS": 3}})
    statuses = [centra_sandbox.graphql("{ warehouses { id } }").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = centra_sandbox.graphql("{ warehouses { id } }")
    retry_at = int(refused.headers["Retry-After"])
    assert time.time() < retry_at <= time.time() + 10
    assert refused.json() == {"errors": [{"message": "Too Many Requests"}]}


def test_the_mutation_bucket_is_separate(centra_sandbox):
    centra_sandbox.set_faults(buckets={"MUTATION_COUNT": {"TEN_SECONDS": 2}})
    mutation = "mutation { confirmEvents(input: {eventsIds: []}) { userErrors { message } } }"
    statuses = [centra_sandbox.graphql(mutation).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert centra_sandbox.graphql("{ warehouses { id } }").status_code == 200


@pytest.mark.parametrize("style", ["seconds", "http-date"])
def test_retry_after_can_be_written_in_other_forms(centra_sandbox, style):
    centra_sandbox.set_faults(buckets={"REQUEST_COUNT": {"TEN_SECONDS": 1}}, retryAfter=style)
    centra_sandbox.graphql("{ warehouses { id } }")
    value = centra_sandbox.graphql("{ warehouses { id } }").headers["Retry-After"]
    if style == "seconds":
        assert 1 <= int(value) <= 10
    else:
        assert 0 < parsedate_to_datetime(value).timestamp() - time.time() <= 11


def test_a_planned_429_hits_the_named_operation_once(centra_sandbox):
    centra_sandbox.set_faults(failNext=[{"operation": "setStock", "status": 429}])
    assert centra_sandbox.graphql("{ warehouses { id } }").status_code == 200
    stock = """mutation { setStock(input: {warehouse: {id: 1}, description: "d",
        stockQuantityType: PHYSICAL, productSizes: [{productSize: {SKU: "ART-001"},
        quantity: 1}]}) { userErrors { message } } }"""
    refused = centra_sandbox.graphql(stock)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert centra_sandbox.graphql(stock).status_code == 200


def test_a_planned_user_error_changes_nothing(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 1}])
    centra_sandbox.set_faults(
        failNext=[
            {
                "operation": "confirmOrder",
                "userErrors": [{"message": "Order is locked by another user", "path": []}],
            }
        ]
    )
    confirm = """mutation c($n: Int!) { confirmOrder(input: {order: {number: $n}}) {
        order { status } userErrors { message path } userWarnings { message path } } }"""
    answer = centra_sandbox.graphql(confirm, {"n": number})
    assert answer.status_code == 200
    assert answer.json()["data"] == {
        "confirmOrder": {
            "order": None,
            "userErrors": [{"message": "Order is locked by another user", "path": []}],
            "userWarnings": [],
        }
    }
    assert centra_sandbox.order(number)["status"] == "PENDING"
    again = centra_sandbox.graphql(confirm, {"n": number}).json()["data"]["confirmOrder"]
    assert again["order"] == {"status": "CONFIRMED"}


def test_a_planned_server_error_and_the_call_count(centra_sandbox):
    centra_sandbox.set_faults(failNext=[{"path": "/graphql", "status": 503}])
    assert centra_sandbox.graphql("{ warehouses { id } }").status_code == 503
    assert centra_sandbox.graphql("{ warehouses { id } }").status_code == 200
    assert centra_sandbox.state()["calls"] == 2
    log = centra_sandbox.requests()
    assert [(e["status"], e["fault"], e["operations"]) for e in log] == [
        (503, "injected", ["warehouses"]),
        (200, None, ["warehouses"]),
    ]


def test_bad_faults_are_refused(centra_sandbox):
    answer = centra_sandbox.http.put(
        f"{centra_sandbox.url}/_centra/faults", json={"buckets": {"NOPE": {"TEN_SECONDS": 1}}}
    )
    assert answer.status_code == 400
