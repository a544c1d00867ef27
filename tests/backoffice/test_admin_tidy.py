"""The admin offers only what makes sense: no Add or Delete for what the hub mirrors from
Xentral or records itself, a link to the mapping health page, figures that do not wrap."""

import pytest
from django.urls import reverse

from catalog.models import ProductImport
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

READ_ONLY = {
    "stock_pollcycle": "Add poll cycle",
    "stock_warehouse": "Add warehouse",
    "stock_storagelocation": "Add storage location",
    "stock_stockalert": "Add stock alert",
    "catalog_product": "Add product",
    "orders_customerlink": "Add customer link",
    "orders_webhookdelivery": "Add webhook delivery",
    "backoffice_xentralcall": "Add Xentral call",
}


@pytest.fixture
def superuser(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_no_add_or_bulk_delete_where_the_hub_mirrors_or_records(superuser, name):
    page = superuser.get(reverse(f"admin:{name}_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert READ_ONLY[name] not in html
    assert 'value="delete_selected"' not in html
    assert superuser.get(reverse(f"admin:{name}_add")).status_code == 403


def test_products_of_the_index_cannot_be_deleted(superuser):
    product = ProductFactory(number="MUG")
    assert (
        superuser.get(reverse("admin:catalog_product_delete", args=[product.pk])).status_code == 403
    )
    assert not ProductImport.objects.exists()


def test_the_mapping_health_page_is_linked_from_the_dashboard_and_the_mappings(superuser):
    health = reverse("admin:catalog_health")
    for page in ("admin:index", "admin:catalog_externalreference_changelist"):
        assert (
            f'href="{health}" id="mapping-health-link"'
            in superuser.get(reverse(page)).content.decode()
        )


def test_the_dashboard_budget_figures_do_not_wrap(superuser):
    html = superuser.get(reverse("admin:index")).content.decode()
    assert '<th class="number">calls</th>' in html
    assert "#hub-dashboard th.number, #hub-dashboard td.number { white-space: nowrap;" in html
