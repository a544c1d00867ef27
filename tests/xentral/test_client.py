"""XentralClient against the sandbox process: headers, paging, filters, Location, typed errors,
pacing, retries, timeouts and the call log."""

import pytest

from backoffice.models import Purpose, XentralCall
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import (
    XentralAuthError,
    XentralConflict,
    XentralNotFound,
    XentralRateLimited,
    XentralUnavailable,
    XentralValidationError,
)
from backoffice.xentral.params import filter_params
from tests.support import clear_redis_rate_counter, skip_or_fail

pytestmark = pytest.mark.django_db

PRODUCT = {"name": "Mug", "number": "MUG-1", "project": {"id": "1"}}


class Sleeps(list):
    """An injected sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def client(**options) -> XentralClient:
    return XentralClient(purpose=Purpose.SYNC, sleep=options.pop("sleep", Sleeps()), **options)


def test_every_request_carries_token_json_headers_and_user_agent(sandbox):
    client().create("/api/v2/products", PRODUCT)
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert entry["headers"]["Accept"] == "application/json"
    assert entry["headers"]["Content-Type"] == "application/json"
    assert entry["headers"]["User-Agent"].startswith("xentral-hub/")
    assert entry["status"] == 201


def test_create_returns_the_id_from_location(sandbox):
    new_id = client().create("/api/v2/products", PRODUCT)
    assert new_id.isdigit()
    assert client().get(f"/api/v2/products/{new_id}")["data"]["number"] == "MUG-1"


def test_paginate_walks_every_page_with_both_page_parameters(sandbox):
    sandbox.seed(products=[{"name": f"P{i}", "number": f"P-{i:03d}"} for i in range(120)])
    items = list(client().paginate("/api/v2/products"))
    assert len(items) == 120
    queries = [e["query"] for e in sandbox.requests(path_prefix="/api/v2/products")]
    assert [(q["page[number]"], q["page[size]"]) for q in queries] == [
        ("1", "50"),
        ("2", "50"),
        ("3", "50"),
    ]


def test_paginate_stops_on_a_short_page_without_total(sandbox):
    [product] = sandbox.seed(products=[{"name": "M", "number": "M", "stock": {"1": 9}}])["products"]
    sandbox.api("POST", "/api/v2/products", json={**PRODUCT, "number": "X"})
    rows = list(client().paginate(f"/api/v1/products/{product['id']}/storageLocations"))
    assert len(rows) == 1
    assert len(sandbox.requests(path_prefix="/api/v1/products")) == 1


def test_page_size_is_clamped_to_50(sandbox):
    list(client().paginate("/api/v2/products", page_size=500))
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert entry["query"]["page[size]"] == "50"


def test_filters_with_in_are_sent_as_value_lists(sandbox):
    sandbox.seed(products=[{"name": n, "number": n} for n in ("A", "B", "C")])
    params = filter_params(("number", "in", ["A", "C"]), ("name", "contains", "a"))
    found = client().get("/api/v2/products", params=params)["data"]
    assert [p["number"] for p in found] == ["A"]
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert entry["query"]["filter[0][value][]"] == ["A", "C"]
    assert entry["query"]["filter[1][op]"] == "contains"


@pytest.mark.no_contract  # the body lacks a required field on purpose
def test_validation_error_keeps_the_violations(sandbox):
    with pytest.raises(XentralValidationError) as caught:
        client().create("/api/v2/products", {"number": "X", "project": {"id": "1"}})
    assert caught.value.violations == {"name": ["Field 'name' is required."]}
    assert "name: Field 'name' is required." in caught.value.problem_text
    assert not caught.value.retryable


@pytest.mark.no_contract
def test_wrong_token_is_an_auth_error(sandbox):
    with pytest.raises(XentralAuthError) as caught:
        client(token="wrong").get("/api/v2/products")
    assert caught.value.action == "fix_configuration"


def test_unknown_id_is_not_found_and_duplicate_is_conflict(sandbox):
    with pytest.raises(XentralNotFound):
        client().get("/api/v2/products/999")
    client().create("/api/v2/products", PRODUCT)
    with pytest.raises(XentralConflict) as caught:
        client().create("/api/v2/products", PRODUCT)
    assert "exists already" in caught.value.problem_text


def test_429_raises_rate_limited_with_retry_after_when_the_wait_is_long(sandbox, settings):
    settings.XENTRAL_MAX_INLINE_WAIT_S = 0.5
    sandbox.faults(rateLimit={"limit": 1, "windowSeconds": 30})
    api = client()
    api.get("/api/v2/products")
    with pytest.raises(XentralRateLimited) as caught:
        api.get("/api/v2/products")
    assert caught.value.retryable
    assert 1 <= caught.value.retry_after <= 30


def test_short_429_is_waited_for_inline_once(sandbox, settings):
    settings.XENTRAL_MAX_INLINE_WAIT_S = 5
    sandbox.faults(failNext=[{"method": "GET", "path": "/api/v2/products", "status": 429}])
    sleeps = Sleeps()
    assert client(sleep=sleeps).get("/api/v2/products")["data"] == []
    assert len(sandbox.requests(path_prefix="/api/v2/products")) == 2
    assert sleeps, "the client waited before trying again"


def test_get_is_retried_on_503(sandbox):
    sandbox.faults(failNext=[{"method": "GET", "path": "/api/v2/products", "status": 503}])
    assert client().get("/api/v2/products")["data"] == []
    assert [e["status"] for e in sandbox.requests(path_prefix="/api/v2/products")] == [503, 200]


def test_get_gives_up_after_the_bounded_retries(sandbox, settings):
    settings.XENTRAL_GET_RETRIES = 2
    sandbox.faults(errorRate=1.0, errorStatus=502)
    with pytest.raises(XentralUnavailable):
        client().get("/api/v2/products")
    assert len(sandbox.requests(path_prefix="/api/v2/products")) == 3


def test_post_is_never_retried(sandbox):
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v2/products", "status": 503}])
    with pytest.raises(XentralUnavailable):
        client().create("/api/v2/products", PRODUCT)
    assert len(sandbox.requests(path_prefix="/api/v2/products", method="POST")) == 1


def test_dropped_connection_after_commit_is_unavailable_and_not_retried(sandbox):
    sandbox.faults(commitThenDropRate=1.0)
    with pytest.raises(XentralUnavailable):
        client().create("/api/v2/products", PRODUCT)
    assert len(sandbox.state()["products"]) == 1


def test_read_timeout_is_unavailable(sandbox, settings):
    settings.XENTRAL_READ_TIMEOUT_S = 0.1
    settings.XENTRAL_GET_RETRIES = 0
    sandbox.faults(latencyMs=400)
    with pytest.raises(XentralUnavailable) as caught:
        client().get("/api/v2/products")
    assert "in time" in caught.value.message


def test_client_slows_down_as_remaining_falls(sandbox):
    sandbox.faults(rateLimit={"limit": 12, "windowSeconds": 30})
    sleeps = Sleeps()
    api = client(sleep=sleeps)
    for _ in range(11):
        api.get("/api/v2/products")
    # Remaining before calls 8-11: 5, 4, 3 (below 50 %: ~50 ms) and 2 (below 25 %: ~200 ms).
    assert sleeps == [0.05, 0.05, 0.05, 0.2]


def test_every_call_is_logged_with_purpose_and_subject_and_no_token(sandbox):
    subject = XentralCall.objects.create(
        at="2026-01-01T00:00:00Z", method="GET", path="/x", purpose=Purpose.SYNC
    )
    api = XentralClient(purpose=Purpose.CATALOG, subject=subject)
    api.create("/api/v2/products", PRODUCT)
    bound = api.bound(purpose=Purpose.STOCK)
    bound.get("/api/v2/products")
    assert (api.calls_made, bound.calls_made) == (1, 1)
    calls = XentralCall.objects.exclude(pk=subject.pk).order_by("id")
    assert [(c.method, c.status, c.purpose) for c in calls] == [
        ("POST", 201, "catalog"),
        ("GET", 200, "stock"),
    ]
    assert calls[0].subject_type == "backoffice.xentralcall"
    assert calls[0].subject_id == str(subject.pk)
    assert calls[0].request_body == PRODUCT
    assert calls[1].rate_limit_remaining is not None
    for call in calls:
        assert "sandbox-token" not in f"{call.query}{call.request_body}{call.response_excerpt}"


def test_a_failed_log_write_does_not_fail_the_call(sandbox, settings, django_db_blocker, caplog):
    # The budget counts in Redis here, so only the call log needs the (now blocked) database.
    try:
        clear_redis_rate_counter("redis://127.0.0.1:6379/6")
    except Exception as exc:
        skip_or_fail(f"Redis is not reachable on 127.0.0.1:6379: {exc}")
    settings.Q2_REDIS_URL = "redis://127.0.0.1:6379/6"
    with django_db_blocker.block():
        body = client().get("/api/v2/products")
    assert isinstance(body["data"], list)
    assert "could not log the Xentral call" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_stop_at_xentrals_last_call_instead_of_drawing_429s(sandbox):
    """Xentral says 2 calls remain; 4 threads then ask at once while the answers take a
    while: the 2 that fit are sent, the others are refused before sending, no 429."""
    from concurrent.futures import ThreadPoolExecutor

    from backoffice.xentral.budget import BudgetExhausted

    sandbox.faults(rateLimit={"limit": 3, "windowSeconds": 60}, latencyMs=300)
    client(wait_for_budget=False).get("/api/v2/products")
    sandbox.clear_requests()

    def call(_):
        try:
            client(wait_for_budget=False).get("/api/v2/products")
        except BudgetExhausted:
            return "refused"
        return "sent"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(call, range(4)))

    assert outcomes == ["refused", "refused", "sent", "sent"]
    assert [e["status"] for e in sandbox.requests(path_prefix="/api/v2/products")] == [200, 200]


def test_web_requests_leave_xentrals_last_calls_to_the_worker(sandbox, settings):
    from backoffice.xentral.budget import BudgetExhausted

    settings.XENTRAL_HEADROOM = 2
    sandbox.faults(rateLimit={"limit": 4, "windowSeconds": 60})
    web = client(wait_for_budget=False, pace=False)
    web.get("/api/v2/products")
    web.get("/api/v2/products")  # Xentral: 2 left, the headroom
    with pytest.raises(BudgetExhausted):
        web.get("/api/v2/products")
    worker = client(wait_for_budget=False)
    worker.get("/api/v2/products")
    worker.get("/api/v2/products")  # Xentral: none left
    with pytest.raises(BudgetExhausted):
        worker.get("/api/v2/products")
    assert [e["status"] for e in sandbox.requests(path_prefix="/api/v2/products")] == [200] * 4
