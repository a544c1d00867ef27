"""The admin list of what each product was last told in Centra (CentraStockItem): read only,
searched by SKU or EAN, filtered by channel, Centra warehouse and push state, sizes unknown in
Centra visible; linked from the Centra channel page and the mapping-health page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors.centra.models import CentraStockItem
from connectors.centra.selectors import stock_push_state
from connectors.centra.services import centra_channel_create
from tests.factories import ProductFactory
from tests.staff import staff_user

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/centra/centrastockitem/"


def _centra(name: str, warehouse_map: dict):
    return centra_channel_create(
        name=name,
        graphql_url="https://brand.centra.com/graphql",
        api_token="token",
        webhook_secret="whsec",
        warehouse_map=warehouse_map,
    )


@pytest.fixture
def items():
    """Per state one item of "Centra EU" (warehouses 7 and 8), and one of "Centra US" (9)."""
    eu = _centra("Centra EU", {"1": "7", "2": "8"})
    us = _centra("Centra US", {"1": "9"})
    now = timezone.now()

    def item(centra, number, ean, **fields):
        product = ProductFactory(number=number, ean=ean)
        return CentraStockItem.objects.create(centra=centra, product=product, **fields)

    return {
        "pushed": item(eu, "ART-001", "4000000000001", quantities={"7": 10, "8": 3},
                       pushed_at=now, sent_as="EAN 4000000000001"),
        "owed": item(eu, "ART-002", "4000000000002", quantities={"7": 4}, due=True),
        "retrying": item(eu, "ART-003", "4000000000003", due=True,
                         next_attempt_at=now + timedelta(seconds=30),
                         error="Centra's rate limit is reached (SetStock)"),
        "unknown": item(eu, "NEW-1", "9999999999999", unknown_since=now,
                        sent_as="EAN 9999999999999", error="Product size 9999999999999 not found"),
        "other": item(us, "ART-004", "4000000000004", quantities={"9": 6}),
    }  # fmt: skip


def _listed(client, query: str = "") -> list[str]:
    response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return [row.product.number for row in response.context["cl"].result_list]


@pytest.fixture
def viewer(client):
    client.force_login(staff_user(groups=("Stock viewers",)))
    return client


def test_every_item_is_listed_with_what_centra_holds_and_its_push_state(items, viewer):
    response = viewer.get(CHANGELIST)
    page = response.content.decode()

    assert [row.product.number for row in response.context["cl"].result_list] == [
        "ART-001", "ART-002", "ART-003", "ART-004", "NEW-1",
    ]  # fmt: skip
    assert '<td class="field-held">7: 10, 8: 3</td>' in page
    states = [stock_push_state(row).label for row in response.context["cl"].result_list]
    assert states == ["Pushed", "Owed", "Owed, retry later", "Pushed", "Unknown in Centra"]
    assert '<td class="field-push_state">Unknown in Centra</td>' in page
    assert '<td class="field-problem">Product size 9999999999999 not found</td>' in page
    assert "Centra&#x27;s rate limit is reached (SetStock) (next try " in page


def test_items_are_found_by_sku_or_ean(items, viewer):
    assert _listed(viewer, "?q=ART-002") == ["ART-002"]
    assert _listed(viewer, "?q=9999999999999") == ["NEW-1"]


def test_items_filter_by_channel_warehouse_and_state(items, viewer):
    eu = items["pushed"].centra
    assert _listed(viewer, f"?centra__id__exact={eu.pk}") == [
        "ART-001", "ART-002", "ART-003", "NEW-1",
    ]  # fmt: skip
    assert _listed(viewer, "?warehouse=8") == ["ART-001"]
    assert _listed(viewer, "?warehouse=9") == ["ART-004"]
    assert _listed(viewer, "?state=unknown") == ["NEW-1"]
    assert _listed(viewer, "?state=owed") == ["ART-002"]
    assert _listed(viewer, "?state=retrying") == ["ART-003"]
    assert _listed(viewer, "?state=pushed") == ["ART-001", "ART-004"]


def test_the_list_is_read_only_and_needs_its_permission(items, viewer, client):
    item = items["pushed"]
    assert viewer.get(f"{CHANGELIST}add/").status_code == 403
    detail = viewer.get(f"{CHANGELIST}{item.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert viewer.post(f"{CHANGELIST}{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CentraStockItem.objects.count() == 5

    client.force_login(staff_user("centra.view_centrachannel", username="no-stock"))
    assert client.get(CHANGELIST).status_code == 403


def test_the_channel_page_and_the_mapping_health_page_link_to_it(items, client):
    eu = items["pushed"].centra
    client.force_login(staff_user("centra.view_centrachannel", "catalog.view_externalreference",
                                  "centra.view_centrastockitem"))  # fmt: skip

    channel = client.get(f"/admin/centra/centrachannel/{eu.pk}/change/").content.decode()
    health = client.get(reverse("admin:catalog_health")).content.decode()

    assert f'href="{CHANGELIST}?centra__id__exact={eu.pk}" id="centra-stock"' in channel
    assert (
        f'<a href="{CHANGELIST}?state=unknown">Every product&#x27;s stock push to Centra</a>'
        in (health)
    )


def test_the_channel_page_offers_no_stock_link_without_the_permission(items, client):
    eu = items["pushed"].centra
    client.force_login(staff_user("centra.view_centrachannel"))

    channel = client.get(f"/admin/centra/centrachannel/{eu.pk}/change/").content.decode()

    assert "centra-stock" not in channel
