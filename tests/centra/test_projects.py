"""The Centra channel's market/store -> Xentral project mapping, over HTTP against both
stand-ins: the order's market (then its store) picks the project Xentral receives, an unmapped
order takes the channel's, staff see which on the order's page, and the admin refuses a bad
mapping entry by entry."""

import json

import pytest
from django.urls import reverse

from connectors.centra.models import CentraChannel, CentraOrder
from connectors.centra.services import centra_channel_create
from orders.models import OrderRequest, OrderStatus
from tests.centra.conftest import channel_form, work
from tests.staff import staff_user

pytestmark = pytest.mark.django_db(transaction=True)
CUSTOMERS = "/api/v2/customers"
LINE = [{"sku": "ART-001", "quantity": 1, "unitPrice": 23.80}]


def _projects(demo, *names: str) -> list[str]:
    created = demo.seed(projects=[{"name": n, "abbreviation": n[:4].upper()} for n in names])
    return [str(p["id"]) for p in created["projects"]]


def _map(centra, project_map: dict) -> None:
    CentraChannel.objects.filter(pk=centra.pk).update(project_map=project_map)


def _order_in(centra_sandbox, deliveries: int, **extra) -> OrderRequest:
    number = centra_sandbox.create_order(LINE, **extra)
    centra_sandbox.wait_for_deliveries(deliveries)
    work()
    return OrderRequest.objects.get(reference=str(number))


def _xentral_project(demo, order: OrderRequest) -> str:
    (found,) = [o for o in demo.state()["salesOrders"] if o["id"] == order.xentral_order_id]
    return str(found["project"]["id"])


def test_an_order_in_a_mapped_market_lands_in_its_project_and_an_unmapped_one_in_the_channels(
    centra, centra_sandbox, demo, client
):
    (nordics,) = _projects(demo, "Nordics")
    _map(centra, {"market:3": nordics})

    mapped = _order_in(centra_sandbox, 1, market=3)
    unmapped = _order_in(centra_sandbox, 2)  # market 1, the retail store's default

    assert (mapped.status, unmapped.status) == (OrderStatus.CREATED, OrderStatus.CREATED)
    assert _xentral_project(demo, mapped) == nordics
    assert _xentral_project(demo, unmapped) == centra.channel.project_id == "1"
    bindings = CentraOrder.objects.order_by("number").values_list("project_id", "project_rule")
    assert list(bindings) == [(nordics, "market:3"), ("", "")]
    client.force_login(staff_user("orders.view_orderrequest"))
    pages = [
        client.get(reverse("admin:orders_orderrequest_change", args=[o.pk])).content.decode()
        for o in (mapped, unmapped)
    ]
    assert (
        f'<p id="order-project">Xentral project: <strong>{nordics}</strong> (Centra market 3)</p>'
        in pages[0]
    )
    assert (
        '<p id="order-project">Xentral project: <strong>1</strong> (channel Centra EU)</p>'
        in pages[1]
    )


def _xentral_customer(demo, email: str) -> dict:
    (found,) = [c for c in demo.state()["customers"] if c["contactDetails"].get("email") == email]
    return found


@pytest.mark.parametrize("v3_customers", [False, True], ids=["v2", "v3"])
def test_a_customer_created_for_an_order_in_a_mapped_market_gets_its_project(
    centra, centra_sandbox, demo, settings, v3_customers
):
    settings.XENTRAL_V3_CUSTOMERS = v3_customers
    (nordics,) = _projects(demo, "Nordics")
    _map(centra, {"market:3": nordics})

    mapped = _order_in(centra_sandbox, 1, market=3, email="nordisch@example.com")
    unmapped = _order_in(centra_sandbox, 2, email="retail@example.com")

    assert (mapped.customer_created, unmapped.customer_created) == (True, True)
    in_nordics = _xentral_customer(demo, "nordisch@example.com")
    in_retail = _xentral_customer(demo, "retail@example.com")
    assert (str(in_nordics["id"]), in_nordics["project"]) == (
        mapped.xentral_customer_id,
        {"id": nordics},
    )
    assert (str(in_retail["id"]), in_retail["project"]) == (
        unmapped.xentral_customer_id,
        {"id": centra.channel.project_id},
    )
    path, field = ("/api/v3/customers", "mainProject") if v3_customers else (CUSTOMERS, "project")
    sent = [r["body"][field] for r in demo.requests(method="POST") if r["path"] == path]
    assert sent == [{"id": nordics}, {"id": "1"}]
    assert [_xentral_project(demo, o) for o in (mapped, unmapped)] == [nordics, "1"]


def test_a_market_entry_wins_over_its_stores_and_a_store_entry_covers_its_other_markets(
    centra, centra_sandbox, demo
):
    retail, nordics, wholesale = _projects(demo, "Retail", "Nordics", "Wholesale")
    _map(centra, {"store:1": retail, "market:3": nordics, "store:2": wholesale})

    in_nordics = _order_in(centra_sandbox, 1, market=3)
    in_retail_eu = _order_in(centra_sandbox, 2, market=1)
    in_wholesale = _order_in(centra_sandbox, 3, wholesale=True, email="einkauf@haendler.example")

    assert [_xentral_project(demo, o) for o in (in_nordics, in_retail_eu, in_wholesale)] == [
        nordics,
        retail,
        wholesale,
    ]
    rules = CentraOrder.objects.order_by("number").values_list("project_rule", flat=True)
    assert list(rules) == ["market:3", "store:1", "store:2"]


def test_a_failed_order_keeps_its_mapped_project_when_staff_correct_and_resubmit_it(
    centra, centra_sandbox, demo, client
):
    (nordics,) = _projects(demo, "Nordics")
    _map(centra, {"market:3": nordics})
    CentraChannel.objects.filter(pk=centra.pk).update(shipping_map={"dhl-standard": "courier"})
    failed = _order_in(centra_sandbox, 1, market=3)
    client.force_login(staff_user("orders.view_orderrequest", "orders.resubmit_orderrequest"))
    fix_page = client.get(reverse("admin:orders_orderrequest_fix", args=[failed.pk]))

    client.post(
        reverse("admin:orders_orderrequest_resubmit", args=[failed.pk]),
        {"payload": json.dumps(dict(failed.payload, shipping="dhl_standard"))},
    )

    assert failed.status == OrderStatus.FAILED
    assert (
        f'<span id="order-project">Xentral project <strong>{nordics}</strong> '
        "(Centra market 3)</span>" in fix_page.content.decode()
    )
    failed.refresh_from_db()
    assert failed.status == OrderStatus.CREATED
    assert _xentral_project(demo, failed) == nordics


def test_the_admin_refuses_a_bad_mapping_naming_each_bad_key_and_value(client):
    centra = centra_channel_create(
        name="Centra EU",
        graphql_url="https://brand.centra.com/graphql",
        api_token="token",
        webhook_secret="whsec",
    )
    client.force_login(staff_user("centra.view_centrachannel", "centra.change_centrachannel"))
    url = reverse("admin:centra_centrachannel_change", args=[centra.pk])
    form = channel_form(centra)

    refused = client.post(
        url, {**form, "project_map": '{"markt:1": "2", "store:x": 3, "market:2": "two", '
                                     '"store:1": true, "market:4": "4"}'}
    )  # fmt: skip
    not_an_object = client.post(url, {**form, "project_map": '["market:1"]'})
    saved = client.post(url, {**form, "project_map": '{"market:3": "4", "store:2": 5}'})

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["project_map"] == [
        'Key "markt:1": write "market:<id>" or "store:<id>" with the Centra id (a whole number).',
        'Key "store:x": write "market:<id>" or "store:<id>" with the Centra id (a whole number).',
        'Value of "market:2": a Xentral project id (a whole number such as "2"), not \'two\'.',
        'Value of "store:1": a Xentral project id (a whole number such as "2"), not True.',
    ]
    assert not_an_object.context["adminform"].form.errors["project_map"] == [
        "Give a JSON object of Centra market or store -> Xentral project id, e.g. "
        '{"market:1": "2", "store:2": "3"}.'
    ]
    assert saved.status_code == 302
    centra.refresh_from_db()
    assert centra.project_map == {"market:3": "4", "store:2": 5}
