"""Real browser: staff configure a Centra channel, never see its token again, read the webhook
URL to enter in Centra, and test the connection against the stand-in; from the channel page they
open the stock each product was last told in Centra."""

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from connectors.centra.models import CentraCall, CentraChannel, CentraStockItem
from connectors.centra.services import centra_channel_create
from tests.factories import ProductFactory
from tests.screenshots import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server) -> None:
    """A superuser signs in to the admin through its login form."""
    User.objects.create_superuser("manager", "m@example.com", "sicher-123456")
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "sicher-123456")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def test_staff_configure_a_centra_channel_and_test_its_connection(
    page, live_server, centra_sandbox, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    centra = centra_channel_create(
        name="Centra EU",
        graphql_url=centra_sandbox.graphql_url,
        api_token="wrong-token",
        webhook_secret="whsec-1",
    )
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/centra/centrachannel/{centra.pk}/change/")
    webhook = page.locator(".field-webhook_address .readonly").inner_text()
    assert webhook == f"http://localhost:8000/api/v1/centra/{centra.channel_id}/webhook"
    assert page.locator("#id_api_token").input_value() == ""
    assert "wrong-token" not in page.content()

    page.click("#test-connection")
    page.wait_for_url(re.compile(r"/change/$"))
    failed = page.locator(".messagelist .error").inner_text()
    assert (
        failed
        == "Connection failed. CentraAuthError: Centra refused the token (401) for RateLimits"
    )

    page.fill("#id_api_token", centra_sandbox.token)
    page.fill("#id_token_expires_on", "2030-01-31")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/change/$"))
    page.click("#test-connection")
    page.wait_for_url(re.compile(r"/change/$"))
    worked = page.locator(".messagelist .success").inner_text()
    assert worked.startswith("Connection works. Centra answered: REQUEST_COUNT TEN_SECONDS: ")
    screenshot(page, "centra-channel-configuration")

    centra.refresh_from_db()
    assert centra.api_token == centra_sandbox.token
    assert str(centra.token_expires_on) == "2030-01-31"
    assert list(CentraCall.objects.order_by("id").values_list("status", flat=True)) == [401, 200]
    assert CentraChannel.objects.count() == 1


def test_stock_viewers_see_what_centra_was_told_per_product(page, live_server):
    centra = centra_channel_create(
        name="Centra EU",
        graphql_url="https://brand.centra.com/graphql",
        api_token="token",
        webhook_secret="whsec",
        warehouse_map={"1": "7", "2": "8"},
    )
    pushed = ProductFactory(number="ART-001", ean="4000000000001")
    unknown = ProductFactory(number="NEW-1", ean="9999999999999")
    CentraStockItem.objects.create(
        centra=centra, product=pushed, quantities={"7": 10, "8": 3}, pushed_at=timezone.now()
    )
    CentraStockItem.objects.create(
        centra=centra,
        product=unknown,
        unknown_since=timezone.now(),
        sent_as="EAN 9999999999999",
        error="Product size 9999999999999 not found",
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/centra/centrachannel/{centra.pk}/change/")
    page.click("#centra-stock")
    page.wait_for_url(re.compile(r"/admin/centra/centrastockitem/\?centra__id__exact="))

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert page.locator("#result_list tbody tr .field-held").all_inner_texts() == [
        "7: 10, 8: 3",
        "-",
    ]
    assert page.locator("#result_list tbody tr .field-push_state").all_inner_texts() == [
        "Pushed",
        "Unknown in Centra",
    ]
    screenshot(page, "centra-stock-items")
    # The list fits beside the filters at 1280 pixels: no column hides under them.
    right = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().right")
    filters = page.evaluate(
        "document.querySelector('#changelist-filter').getBoundingClientRect().left"
    )
    assert right <= filters
