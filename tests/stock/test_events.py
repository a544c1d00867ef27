"""Stock events: a reservation or storage movement Xentral announces is read in the next cycle,
first, and without spending a list check on it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from backoffice.xentral.events import xentral_events_process_pending
from catalog.index import products_sync
from stock.models import ProductStock
from stock.poller import stock_poll_cycle
from tests.lifecycle import control
from tests.staff import staff_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stocked(sandbox, live_server):
    fillers = [{"name": f"F{i}", "number": f"F-{i:03d}", "stock": {"1": 1}} for i in range(60)]
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 10}}, *fillers])
    products_sync()
    url = f"{live_server.url}/api/v1/xentral/events"
    call_command("xentral_webhooks", "--subscribe", "--url", url, stdout=StringIO())
    stock_poll_cycle(budget=200)
    return sandbox


def test_a_reservation_only_change_reaches_the_stock_page_within_one_cycle_through_its_event(
    stocked, client
):
    control(stocked, "POST", "reservation", {"number": "MUG", "amount": 4, "reason": "Hold"})
    assert xentral_events_process_pending() == 1

    # Stock totals and reservations of MUG: exactly the two calls, no list check of 61.
    cycle = stock_poll_cycle(budget=2)

    assert (cycle.calls_spent, cycle.products_refreshed) == (2, 1)
    latest = ProductStock.objects.get(product__number="MUG").latest
    assert (latest.physical, latest.reserved, latest.sellable) == (10, 4, 6)
    client.force_login(staff_user("stock.view_productstock", "stock.view_stocksnapshot"))
    row = ProductStock.objects.get(product__number="MUG")
    page = client.get(reverse("admin:stock_productstock_change", args=[row.pk])).content.decode()
    assert "Hold" in page


def test_a_product_named_by_an_event_is_not_list_checked_again_in_that_cycle(stocked):
    control(stocked, "POST", "movement", {"number": "F-007", "physical": 9})
    assert xentral_events_process_pending() == 1

    cycle = stock_poll_cycle(budget=10)

    # F-007 read first (1 call), then the safety-net sweep's share of list checks: 61
    # products once an hour is one list call of 50 per cycle, F-007 not among them.
    assert (cycle.calls_spent, cycle.products_refreshed, cycle.products_checked) == (2, 1, 51)
    assert ProductStock.objects.get(product__number="F-007").latest.physical == 9


def test_without_stock_events_every_product_is_list_checked_each_cycle(stocked, settings):
    settings.XENTRAL_WEBHOOK_EVENTS = ["com.xentral.shipment.created.v1"]
    call_command("xentral_webhooks", "--subscribe", stdout=StringIO())
    stocked.set_stock("F-007", "1", 9)

    cycle = stock_poll_cycle(budget=10)

    # 2 list calls cover all 61; F-007's stockCount moved, so it is re-read.
    assert (cycle.calls_spent, cycle.products_refreshed, cycle.products_checked) == (3, 1, 61)
