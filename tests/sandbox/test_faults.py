"""Injected faults: latency, error rates, planned failures and commit-then-drop."""

import time

import pytest
import requests

PRODUCT = {"name": "Mug", "number": "MUG-1", "project": {"id": "1"}}


def test_fail_next_answers_the_planned_status_once(sandbox):
    sandbox.faults(failNext=[{"method": "GET", "path": "/api/v2/products", "status": 503}])
    assert sandbox.api("GET", "/api/v2/products").status_code == 503
    assert sandbox.api("GET", "/api/v2/products").status_code == 200


def test_injected_errors_happen_before_any_write(sandbox):
    sandbox.faults(errorRate=1.0, errorStatus=500, methods=["POST"])
    assert sandbox.api("POST", "/api/v2/products", json=PRODUCT).status_code == 500
    assert sandbox.state()["products"] == []
    assert sandbox.api("GET", "/api/v2/products").status_code == 200


def test_faults_can_be_limited_to_paths(sandbox):
    sandbox.faults(errorRate=1.0, paths=["/api/v2/customers"])
    assert sandbox.api("GET", "/api/v2/customers").status_code == 503
    assert sandbox.api("GET", "/api/v2/products").status_code == 200


def test_latency_delays_answers(sandbox):
    sandbox.faults(latencyMs=150)
    started = time.monotonic()
    assert sandbox.api("GET", "/api/v2/products").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_commit_then_drop_applies_the_write_and_answers_nothing(sandbox):
    sandbox.faults(commitThenDropRate=1.0)
    with pytest.raises(requests.ConnectionError):
        sandbox.api("POST", "/api/v2/products", json=PRODUCT)
    assert [p["number"] for p in sandbox.state()["products"]] == ["MUG-1"]


def test_planned_drop(sandbox):
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v2/products", "drop": True}])
    with pytest.raises(requests.ConnectionError):
        sandbox.api("POST", "/api/v2/products", json=PRODUCT)
    assert sandbox.api("POST", "/api/v2/products", json={**PRODUCT, "number": "MUG-2"}).ok
