"""The sandbox answers like Xentral: auth, media types, problems, creates, paging, filters,
rate limits and the request log."""

import time

import pytest
import requests

from tests.support import SANDBOX_TOKEN, start_sandbox

PRODUCT = {"name": "Mug", "number": "MUG-1", "project": {"id": "1"}}


def test_missing_or_wrong_token_is_401_with_a_message(sandbox):
    url = f"{sandbox.url}/api/v2/products"
    assert requests.get(url, headers={"Accept": "application/json"}).status_code == 401
    wrong = sandbox.api("GET", "/api/v2/products", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"] == "application/json"
    assert wrong.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("accept", ["", "text/html", "application/xml"])
def test_accept_other_than_json_is_406(sandbox, accept):
    response = sandbox.api("GET", "/api/v2/products", headers={"Accept": accept})
    assert response.status_code == 406


def test_body_that_is_not_json_is_415(sandbox):
    response = sandbox.api(
        "POST", "/api/v2/products", data="name=Mug", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert sandbox.state()["products"] == []


def test_create_answers_201_with_location_and_empty_body(sandbox):
    response = sandbox.api("POST", "/api/v2/products", json=PRODUCT)
    assert response.status_code == 201
    assert response.content == b""
    product_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert product_id.isdigit()
    view = sandbox.api("GET", f"/api/v2/products/{product_id}").json()["data"]
    assert view["number"] == "MUG-1"


def test_missing_and_unknown_fields_are_400_with_mirrored_violations(sandbox):
    response = sandbox.api("POST", "/api/v2/products", json={"number": "X", "colour": "red"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith("/problems/request-validation")
    assert problem["violations"]["name"] == ["Field 'name' is required."]
    assert problem["violations"]["project"] == ["Field 'project' is required."]
    assert problem["violations"]["colour"] == ["This field was not expected."]


def test_duplicate_product_number_is_409(sandbox):
    assert sandbox.api("POST", "/api/v2/products", json=PRODUCT).status_code == 201
    response = sandbox.api("POST", "/api/v2/products", json=PRODUCT)
    assert response.status_code == 409
    assert response.json()["title"] == "A product with this number exists already."


def test_patch_answers_204_and_bumps_updated_at(sandbox):
    [product] = sandbox.seed(products=[PRODUCT])["products"]
    time.sleep(0.002)
    response = sandbox.api("PATCH", f"/api/v2/products/{product['id']}", json={"name": "Cup"})
    assert response.status_code == 204
    view = sandbox.api("GET", f"/api/v2/products/{product['id']}").json()["data"]
    assert view["name"] == "Cup"
    assert view["updatedAt"] > product["updatedAt"]


def test_unknown_id_is_404_without_a_body(sandbox):
    response = sandbox.api("GET", "/api/v2/products/999")
    assert response.status_code == 404
    assert response.content == b""
    assert "Content-Type" not in response.headers


def test_duplicate_number_conflict_names_its_messages(sandbox):
    sandbox.api("POST", "/api/v2/products", json=PRODUCT)
    problem = sandbox.api("POST", "/api/v2/products", json=PRODUCT).json()
    assert problem == {
        "type": "https://api.xentral.biz/problems/conflict",
        "title": "A product with this number exists already.",
        "messages": ["A product with this number exists already."],
    }


@pytest.mark.slow
def test_rate_limit_windows_start_at_a_random_phase_per_sandbox_start():
    """Two starts with one call per hour: the windows end at different minutes of the hour
    (windows aligned to the clock would both end on the hour)."""
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}", "Accept": "application/json"}
    window_ends = []
    for _ in range(2):
        proc, url = start_sandbox("--rate-limit", "1/3600")
        try:
            assert requests.get(f"{url}/api/v2/products", headers=headers).status_code == 200
            limited = requests.get(f"{url}/api/v2/products", headers=headers)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        assert limited.status_code == 429
        window_ends.append(int(limited.headers["X-RateLimit-Reset"]) % 3600)
    assert window_ends[0] != window_ends[1]


def test_paging_reports_total_and_rejects_pages_over_50(sandbox):
    sandbox.seed(products=[{"name": f"P{i}", "number": f"P-{i:02d}"} for i in range(23)])
    page = sandbox.api("GET", "/api/v2/products", params={"page[number]": 3, "page[size]": 10})
    body = page.json()
    assert [p["number"] for p in body["data"]] == ["P-20", "P-21", "P-22"]
    assert body["extra"] == {"totalCount": 23, "page": {"number": 3, "size": 10}}
    too_big = sandbox.api("GET", "/api/v2/products", params={"page[number]": 1, "page[size]": 51})
    assert too_big.status_code == 400


def test_filters_with_in_and_disallowed_keys(sandbox):
    sandbox.seed(products=[{"name": n, "number": n} for n in ("A", "B", "C")])
    params = {
        "filter[0][key]": "number",
        "filter[0][op]": "in",
        "filter[0][value][]": ["A", "C", "Z"],
    }
    found = sandbox.api("GET", "/api/v2/products", params=params).json()["data"]
    assert sorted(p["number"] for p in found) == ["A", "C"]
    bad_key = {"filter[0][key]": "colour", "filter[0][op]": "equals", "filter[0][value]": "x"}
    assert sandbox.api("GET", "/api/v2/products", params=bad_key).status_code == 400
    bad_op = {"filter[0][key]": "email", "filter[0][op]": "contains", "filter[0][value]": "x"}
    assert sandbox.api("GET", "/api/v2/customers", params=bad_op).status_code == 400


def test_updated_at_filter_returns_only_changed_products(sandbox):
    first, second = sandbox.seed(
        products=[{"name": "A", "number": "A"}, {"name": "B", "number": "B"}]
    )["products"]
    time.sleep(0.002)
    sandbox.api("PATCH", f"/api/v2/products/{second['id']}", json={"name": "B2"})
    params = {
        "filter[0][key]": "updatedAt",
        "filter[0][op]": "greaterThan",
        "filter[0][value]": first["updatedAt"],
    }
    changed = sandbox.api("GET", "/api/v2/products", params=params).json()["data"]
    assert [p["number"] for p in changed] == ["B"]


def test_every_answer_carries_rate_limit_headers(sandbox):
    response = sandbox.api("GET", "/api/v2/products")
    assert int(response.headers["X-RateLimit-Limit"]) > 0
    assert int(response.headers["X-RateLimit-Remaining"]) > 0


def test_rate_limit_answers_429_with_retry_after_and_resets(sandbox):
    sandbox.faults(rateLimit={"limit": 3, "windowSeconds": 1})
    for _ in range(5):
        time.sleep(1)  # a fresh window, whatever its phase
        answers = [sandbox.api("GET", "/api/v2/products") for _ in range(5)]
        remaining = [a.headers["X-RateLimit-Remaining"] for a in answers]
        if remaining == ["2", "1", "0", "0", "0"]:
            break  # all five fell into one window (else a window ended between them)
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    limited = answers[-1]
    assert limited.json() == {"message": "Too Many Requests"}
    assert int(limited.headers["Retry-After"]) >= 1
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
    time.sleep(1.05)
    assert sandbox.api("GET", "/api/v2/products").status_code == 200


def test_request_log_records_calls_without_authorization(sandbox):
    sandbox.api("GET", "/api/v2/products", params={"page[number]": 1, "page[size]": 5})
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert entry["method"] == "GET"
    assert entry["query"] == {"page[number]": "1", "page[size]": "5"}
    assert "Authorization" not in entry["headers"]
    assert entry["status"] == 200
    assert entry["durationMs"] >= 0
    sandbox.clear_requests()
    assert sandbox.requests() == []


def test_reset_clears_state_faults_and_log(sandbox):
    sandbox.seed(products=[PRODUCT])
    sandbox.faults(errorRate=1.0)
    sandbox.reset()
    state = sandbox.state()
    assert state["products"] == []
    assert [w["id"] for w in state["warehouses"]] == ["1"]
    assert [p["id"] for p in state["projects"]] == ["1"]
    assert sandbox.api("GET", "/api/v2/products").status_code == 200
    sandbox.reset()
    assert sandbox.requests() == []


def test_state_survives_a_restart_with_a_state_file(tmp_path):
    state_file = tmp_path / "state.json"
    proc, url = start_sandbox("--rate-limit", "off", "--state", str(state_file))
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}", "Accept": "application/json"}
    try:
        assert requests.post(f"{url}/api/v2/products", json=PRODUCT, headers=headers).ok
        deadline = time.monotonic() + 5
        while not state_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc, url = start_sandbox("--rate-limit", "off", "--state", str(state_file))
    try:
        numbers = [p["number"] for p in requests.get(f"{url}/_sandbox/state").json()["products"]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert numbers == ["MUG-1"]
