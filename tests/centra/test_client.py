"""The Centra client against the stand-in over HTTP: every named document is valid in Centra's
schema as the stand-in serves it; 429 with Retry-After (each form) waits or raises; userErrors
and GraphQL errors in HTTP 200 raise typed errors; every call is logged without the token."""

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from connectors.centra.client import CentraClient
from connectors.centra.documents import DOCUMENTS
from connectors.centra.errors import (
    CentraAuthError,
    CentraRateLimited,
    CentraUserError,
)
from connectors.centra.models import CentraCall, CentraChannel
from connectors.centra.services import centra_channel_create

SDL = Path(__file__).resolve().parents[2] / "connectors/centra/sandbox/schema.graphql"


@pytest.mark.parametrize("operation", sorted(DOCUMENTS))
def test_every_document_is_valid_in_the_centra_schema(operation):
    schema = build_schema(SDL.read_text())

    problems = validate(schema, parse(DOCUMENTS[operation]))

    assert [str(p) for p in problems] == []


@pytest.fixture
def stand_in(centra_sandbox, settings, db) -> CentraChannel:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    return centra_channel_create(
        name="Centra EU",
        graphql_url=centra_sandbox.graphql_url,
        api_token=centra_sandbox.token,
        webhook_secret="s",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["timestamp", "seconds", "http-date"])
def test_a_429_is_waited_for_once_in_any_retry_after_form(stand_in, centra_sandbox, form):
    centra_sandbox.set_faults(retryAfter=form, failNext=[{"status": 429, "retryAfterSeconds": 2}])
    waits = []

    data = CentraClient(stand_in, sleep=waits.append).query("RateLimits")

    assert len(data["rateLimits"]) == 6
    assert len(waits) == 1
    assert 1.0 <= waits[0] <= 3.0  # 2 s, rounded up to a whole second by the date forms
    calls = list(CentraCall.objects.order_by("id").values_list("operation", "status"))
    assert calls == [("RateLimits", 429), ("RateLimits", 200)]


@pytest.mark.django_db
def test_a_429_raises_for_a_caller_that_must_not_wait(stand_in, centra_sandbox):
    centra_sandbox.set_faults(
        retryAfter="seconds", failNext=[{"status": 429, "retryAfterSeconds": 3}]
    )

    with pytest.raises(CentraRateLimited) as limited:
        CentraClient(stand_in, wait=False).query("RateLimits")

    assert limited.value.retry_after == 3.0
    assert limited.value.retryable is True


@pytest.mark.django_db
def test_user_errors_in_an_http_200_raise_with_centras_words(stand_in, centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 9.5}])
    centra_sandbox.set_faults(
        failNext=[{"operation": "confirmOrder",
                   "userErrors": [{"message": "Order is locked by another integration",
                                   "path": ["input", "order"]}]}]
    )  # fmt: skip

    with pytest.raises(CentraUserError) as refused:
        CentraClient(stand_in).mutate("ConfirmOrder", {"number": number})

    assert str(refused.value) == (
        "Centra refused ConfirmOrder: Order is locked by another integration (at input.order)"
    )
    assert refused.value.action == "fix_data"
    assert centra_sandbox.order(number)["status"] == "PENDING"


@pytest.mark.django_db
def test_a_real_user_error_is_raised_and_logged_without_the_token(stand_in, centra_sandbox):
    with pytest.raises(CentraUserError) as refused:
        CentraClient(stand_in).mutate("ConfirmOrder", {"number": 424242})

    assert refused.value.problems[0]["path"] == ["input", "order"]
    call = CentraCall.objects.get()
    assert (call.operation, call.kind, call.status) == ("ConfirmOrder", "mutation", 200)
    assert call.variables == {"number": 424242}
    assert centra_sandbox.token not in call.response_excerpt + call.error + str(call.variables)


@pytest.mark.django_db
def test_a_wrong_token_is_a_configuration_error(stand_in, centra_sandbox):
    stand_in.api_token = "not-the-token"

    with pytest.raises(CentraAuthError) as refused:
        CentraClient(stand_in).query("RateLimits")

    assert refused.value.action == "fix_configuration"
    assert refused.value.status == 401
