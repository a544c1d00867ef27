"""Names instead of ids: Xentral's payment and shipping methods and reference targets are read
by a schedule into the hub's cache, and the channel page, the order page, the fix form and the
mapping list and form show them by name without calling Xentral."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from backoffice.models import XentralName
from backoffice.scheduling import declared_schedules
from backoffice.xentral.names import xentral_names_sync
from catalog.models import ExternalReference
from orders.models import OrderStatus
from tests.factories import ChannelFactory, OrderRequestFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(sandbox) -> dict[str, str]:
    """Two payment methods, one shipping method and one target in the sandbox, cached once;
    returns each one's Xentral id by its name."""
    created = sandbox.seed(
        paymentMethods=[
            {"type": "paypal", "designation": "PayPal"},
            {"type": "invoice", "designation": "Invoice"},
        ],
        shippingMethods=[{"type": "dhl_standard", "designation": "DHL Standard"}],
        externalReferenceTargets=[{"name": "Shopware", "isActive": True}],
    )
    xentral_names_sync()
    sandbox.clear_requests()
    ids = {}
    for collection in ("paymentMethods", "shippingMethods", "externalReferenceTargets"):
        for item in created[collection]:
            ids[item.get("designation") or item["name"]] = str(item["id"])
    return ids


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("boss", "b@example.com", "pw-123456"))
    return client


def _cached() -> set[tuple[str, str, str, str]]:
    return set(XentralName.objects.values_list("kind", "xentral_id", "code", "name"))


def test_the_sync_caches_exactly_what_xentral_lists(sandbox, named):
    assert _cached() == {
        ("payment_method", named["PayPal"], "paypal", "PayPal"),
        ("payment_method", named["Invoice"], "invoice", "Invoice"),
        ("shipping_method", named["DHL Standard"], "dhl_standard", "DHL Standard"),
        ("reference_target", named["Shopware"], "", "Shopware"),
    }


def test_a_method_gone_from_xentral_leaves_the_cache_and_a_renamed_one_is_renamed(sandbox, named):
    sandbox.reset()
    created = sandbox.seed(paymentMethods=[{"type": "paypal", "designation": "PayPal Plus"}])

    counts = xentral_names_sync()

    assert counts == {"payment_method": 1, "shipping_method": 0, "reference_target": 0}
    assert _cached() == {("payment_method", str(created["paymentMethods"][0]["id"]), "paypal",
                          "PayPal Plus")}  # fmt: skip
    assert [(r["method"], r["path"]) for r in sandbox.requests()] == [
        ("GET", "/api/v1/paymentMethods"),
        ("GET", "/api/v1/shippingMethods"),
        ("GET", "/api/v1/externalReferenceTargets"),
    ]


def test_the_names_are_refreshed_by_a_daily_schedule():
    [entry] = [
        e for e in declared_schedules() if e["func"] == "backoffice.tasks.sync_xentral_names"
    ]
    assert entry["schedule_type"] == "D"


def test_the_channel_page_names_its_mapped_and_default_methods(admin_client, sandbox, named):
    channel = ChannelFactory(
        name="Portal",
        payment_map={"pp": named["PayPal"], "cash": "99"},
        payment_default=named["Invoice"],
        shipping_map={"dhl": named["DHL Standard"]},
    )

    page = admin_client.get(reverse("admin:backoffice_channel_change", args=[channel.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f"<td><code>pp</code></td><td>PayPal (#{named['PayPal']})</td>" in html
    assert "<td><code>cash</code></td><td>#99</td>" in html, "an id Xentral does not list"
    assert f"<td><code>(default)</code></td><td>Invoice (#{named['Invoice']})</td>" in html
    assert f"<td><code>dhl</code></td><td>DHL Standard (#{named['DHL Standard']})</td>" in html
    form = page.context["adminform"].form
    assert form.fields["payment_default"].choices == [
        ("", "none"),
        (named["Invoice"], f"Invoice (#{named['Invoice']})"),
        (named["PayPal"], f"PayPal (#{named['PayPal']})"),
    ]
    assert sandbox.requests() == [], "a page view never calls Xentral"


def test_a_default_method_is_chosen_by_name_and_saved_as_its_id(admin_client, named):
    channel = ChannelFactory(name="Portal")
    url = reverse("admin:backoffice_channel_change", args=[channel.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "payment_map"}
    data.update(
        {
            "name": "Portal",
            "project_id": "1",
            "payment_map": "{}",
            "shipping_map": "{}",
            "payment_default": named["PayPal"],
            "shipping_default": named["DHL Standard"],
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
        }
    )

    response = admin_client.post(url, data)

    channel.refresh_from_db()
    assert response.status_code == 302
    assert (channel.payment_default, channel.shipping_default) == (
        named["PayPal"],
        named["DHL Standard"],
    )


def test_the_order_page_and_fix_form_name_the_methods(admin_client, sandbox, named):
    channel = ChannelFactory(
        name="Portal",
        payment_map={"pp": named["PayPal"]},
        shipping_map={"dhl": named["DHL Standard"]},
        payment_default=named["Invoice"],
    )
    order = OrderRequestFactory(channel=channel, status=OrderStatus.FAILED)
    order.payload = {**order.payload, "shipping": "dhl", "payment": None}
    order.save()

    detail = admin_client.get(reverse("admin:orders_orderrequest_change", args=[order.pk]))
    fix = admin_client.get(reverse("admin:orders_orderrequest_fix", args=[order.pk]))

    html = detail.content.decode()
    assert (
        "<tr><th>payment</th><td><code>-</code></td>"
        f"<td>channel default: Invoice (#{named['Invoice']})</td></tr>" in html
    )
    assert (
        "<tr><th>shipping</th><td><code>dhl</code></td>"
        f"<td>DHL Standard (#{named['DHL Standard']})</td></tr>" in html
    )
    methods = fix.context["forms"].methods
    assert methods.fields["payment"].choices == [
        ("", f"channel default: Invoice (#{named['Invoice']})"),
        ("pp", f"pp → PayPal (#{named['PayPal']})"),
    ]
    assert methods.fields["shipping"].choices == [
        ("", "none (no default)"),
        ("dhl", f"dhl → DHL Standard (#{named['DHL Standard']})"),
    ]
    assert sandbox.requests() == []


def test_the_mapping_list_filter_and_form_name_the_target(admin_client, sandbox, named):
    target = named["Shopware"]
    ExternalReference.objects.create(target_id=target, number="SW-1", product=ProductFactory())
    ExternalReference.objects.create(target_id="77", number="OLD-1", product=ProductFactory())

    listing = admin_client.get(reverse("admin:catalog_externalreference_changelist"))
    add = admin_client.get(reverse("admin:catalog_externalreference_add"), {"target_id": "77"})

    html = listing.content.decode()
    assert f'<td class="field-target">Shopware (#{target})</td>' in html
    assert '<td class="field-target">#77</td>' in html
    spec = next(f for f in listing.context["cl"].filter_specs if f.title == "target")
    assert spec.lookup_choices == [(target, f"Shopware (#{target})"), ("77", "#77")]
    assert add.context["adminform"].form.fields["target_id"].choices == [
        (target, f"Shopware (#{target})"),
        ("77", "#77 (not in Xentral's list)"),
    ]
    assert sandbox.requests() == []
