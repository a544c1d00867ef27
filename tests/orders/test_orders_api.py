"""Orders over real HTTP: channel -> hub (live server) -> sandbox, for every answer of the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.models import StaffAlert
from catalog.index import resolve_skus
from orders.errors import OrderErrorCode
from orders.models import (
    CustomerLink,
    CustomerLinkKind,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    OrderStatus,
)
from orders.retries import orders_retry_due
from tests.factories import channel_with_key
from tests.orders.conftest import Hub, hub_calls, imports, order_payload, sales_orders

pytestmark = pytest.mark.django_db(transaction=True)


def _codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_new_order_is_created_in_xentral_and_answered_201(hub, demo):
    response = hub.post_order(order_payload())

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == OrderStatus.CREATED
    assert body["xentral"]["order_id"]
    assert body["xentral"]["order_number"]
    assert body["links"]["self"].endswith(f"/api/v1/orders/{body['id']}")
    assert response.headers["Location"] == body["links"]["self"]
    [created] = sales_orders(demo, "SHOP-12345")
    assert str(created["id"]) == body["xentral"]["order_id"]
    [sent] = imports(demo)
    assert sent["body"]["externalOrderNumber"] == "SHOP-12345"
    assert sent["body"]["project"] == {"id": "1"}
    assert sent["body"]["salesChannel"] == {"id": "1"}
    assert sent["body"]["financials"]["billingAddress"]["zipCode"] == "12345"
    assert "payment_status" not in sent["body"]
    order = OrderRequest.objects.get(pk=body["id"])
    assert order.payment_status == "paid"


def test_same_payload_again_is_a_replay_without_xentral_calls(hub, demo):
    first = hub.post_order(order_payload())
    demo.clear_requests()

    again = hub.post_order(order_payload())

    assert again.status_code == 200
    assert again.json() == first.json()
    assert hub_calls(demo) == []
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_same_reference_with_other_payload_is_a_conflict(hub, demo):
    first = hub.post_order(order_payload())

    other = hub.post_order(order_payload(items=[{"sku": "ART-003", "quantity": 1}]))

    assert other.status_code == 409
    assert other.json()["errors"][0]["code"] == "existing_order"
    assert other.json()["detail"] == (
        "Order SHOP-12345 exists with a different payload (status created); only failed "
        "orders may be resubmitted."
    )
    assert other.json()["existing_order"]["id"] == first.json()["id"]
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_unknown_sku_fails_with_422_naming_the_item(hub, demo):
    payload = order_payload(
        items=[{"sku": "ART-001", "quantity": 1}, {"sku": "SKU-123", "quantity": 1}]
    )

    response = hub.post_order(payload)

    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert {
        "field": "items[1].sku",
        "code": OrderErrorCode.UNKNOWN_SKU,
        "message": "Item SKU-123 not found",
    } in response.json()["errors"]
    assert response.json()["order"]["status"] == OrderStatus.FAILED
    assert imports(demo) == []


def test_failed_order_replayed_answers_200_and_is_not_retried(hub, demo):
    payload = order_payload(items=[{"sku": "SKU-123", "quantity": 1}])
    hub.post_order(payload)
    demo.clear_requests()

    again = hub.post_order(payload)

    assert again.status_code == 200
    assert again.json()["status"] == OrderStatus.FAILED
    assert hub_calls(demo) == []


def test_failed_order_resubmitted_with_corrected_payload_is_created_and_keeps_both(hub, demo):
    wrong = order_payload(items=[{"sku": "SKU-123", "quantity": 1}])
    first = hub.post_order(wrong)

    fixed = hub.post_order(order_payload(items=[{"sku": "ART-003", "quantity": 1}]))

    assert first.status_code == 422
    assert fixed.status_code == 201
    assert fixed.json()["id"] == first.json()["order"]["id"]
    event = OrderEvent.objects.get(order_id=fixed.json()["id"], kind=OrderEventKind.RESUBMITTED)
    assert event.data["previous_payload"]["items"][0]["sku"] == "SKU-123"
    assert event.data["payload"]["items"][0]["sku"] == "ART-003"
    assert len(sales_orders(demo, "SHOP-12345")) == 1


def test_disabled_product_fails_with_disabled_product(hub, demo):
    demo.seed(products=[{"number": "OLD-1", "name": "Old", "isDisabled": True}])

    response = hub.post_order(order_payload(items=[{"sku": "OLD-1", "quantity": 1}]))

    assert response.status_code == 422
    assert _codes(response) == ["disabled_product"]
    assert response.json()["errors"][0]["field"] == "items[0].sku"


def test_matrix_parent_fails_with_matrix_parent(hub, demo):
    response = hub.post_order(order_payload(items=[{"sku": "SHIRT", "quantity": 1}]))

    assert response.status_code == 422
    assert _codes(response) == ["matrix_parent"]


def test_unmapped_payment_and_shipping_fail_with_their_codes(hub, demo):
    response = hub.post_order(order_payload(payment="bitcoin", shipping="rocket"))

    assert response.status_code == 422
    assert set(_codes(response)) == {"unmapped_payment", "unmapped_shipping"}
    assert imports(demo) == []


def test_payment_maps_by_channel_map_then_designation_then_default(hub, demo, channel):
    methods = {m["type"]: m for m in demo.state()["paymentMethods"]}
    shipping = {m["type"]: m for m in demo.state()["shippingMethods"]}
    channel.payment_map = {"pp": methods["paypal"]["id"]}
    channel.shipping_default = shipping["pickup"]["id"]
    channel.save()
    designation = methods["invoice"]["designation"].upper()

    mapped = hub.post_order(order_payload(reference="A-1", payment="pp", shipping=None))
    by_label = hub.post_order(order_payload(reference="A-2", payment=designation))

    assert mapped.status_code == 201
    assert by_label.status_code == 201
    first, second = imports(demo)
    assert first["body"]["financials"]["paymentMethod"]["id"] == str(methods["paypal"]["id"])
    assert first["body"]["delivery"]["shippingMethod"]["id"] == str(shipping["pickup"]["id"])
    assert second["body"]["financials"]["paymentMethod"]["id"] == str(methods["invoice"]["id"])


def test_xentral_validation_error_fails_as_xentral_rejected_with_its_text(hub, demo):
    demo.faults(
        failNext=[{"method": "POST", "path": "/api/v1/salesOrders/actions/import", "status": 400}]
    )

    response = hub.post_order(order_payload())

    assert response.status_code == 422
    assert _codes(response) == ["xentral_rejected"]
    assert OrderRequest.objects.get().status == OrderStatus.FAILED


def test_known_customer_is_found_by_email_and_linked(hub, demo):
    response = hub.post_order(order_payload())

    assert response.json()["xentral"]["customer_created"] is False
    # Found, not created by this channel: its Xentral ids are not the channel's to see.
    assert response.json()["xentral"]["customer_id"] is None
    [known] = [
        c for c in demo.state()["customers"]
        if c["contactDetails"].get("email") == "kunde@example.com"
    ]  # fmt: skip
    link = CustomerLink.objects.get(value="kunde@example.com")
    assert link.xentral_customer_id == str(known["id"])
    assert OrderRequest.objects.get().xentral_customer_id == str(known["id"])
    assert demo.requests(path_prefix="/api/v2/customers", method="POST") == []


def test_known_customer_and_known_skus_cost_two_calls(hub, demo):
    resolve_skus(["ART-001", "ART-002"])
    hub.post_order(order_payload(reference="WARM-1"))
    demo.clear_requests()

    response = hub.post_order(order_payload(reference="WARM-2"))

    assert response.status_code == 201
    calls = [(c["method"], c["path"]) for c in hub_calls(demo)]
    assert calls == [
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{response.json()['xentral']['order_id']}"),
    ]


def test_cold_order_costs_exactly_five_calls_and_learns_the_number_from_the_order(hub, demo):
    resolve_skus(["ART-001", "ART-002"])
    hub.post_order(order_payload(reference="WARM-1"))
    demo.clear_requests()
    payload = order_payload(reference="NEW-1")
    payload["customer"].update(
        email="neu@example.com", name="Erika Maria Musterfrau", phone="0301234"
    )

    response = hub.post_order(payload)

    assert response.status_code == 201
    assert response.json()["xentral"]["customer_created"] is True
    [created] = demo.requests(path_prefix="/api/v2/customers", method="POST")[:1]
    assert created["body"]["customerType"] == "person"
    assert created["body"]["firstname"] == "Erika Maria"
    assert created["body"]["lastname"] == "Musterfrau"
    assert created["body"]["contactDetails"] == {"email": "neu@example.com", "phone": "0301234"}
    [address] = demo.requests(
        path_prefix=f"/api/v2/customers/{response.json()['xentral']['customer_id']}/addresses"
    )
    assert address["body"]["type"] == "masterdata"
    assert address["body"]["zip"] == "12345"
    customer_id = response.json()["xentral"]["customer_id"]
    assert [(c["method"], c["path"]) for c in hub_calls(demo)] == [
        ("GET", "/api/v2/customers"),
        ("POST", "/api/v2/customers"),
        ("POST", f"/api/v2/customers/{customer_id}/addresses"),
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", f"/api/v1/salesOrders/{response.json()['xentral']['order_id']}"),
    ]
    [customer] = [c for c in demo.state()["customers"] if str(c["id"]) == customer_id]
    assert response.json()["xentral"]["customer_number"] == customer["number"]
    links = CustomerLink.objects.order_by("value")
    assert list(links.values_list("value", "xentral_customer_number")) == [
        ("kunde@example.com", "10001"),
        ("neu@example.com", customer["number"]),
    ]


def test_new_company_customer_is_created_as_company(hub, demo):
    payload = order_payload()
    payload["customer"].update(email="einkauf@firma.example", company="Firma GmbH")

    response = hub.post_order(payload)

    assert response.status_code == 201
    [created] = demo.requests(path_prefix="/api/v2/customers", method="POST")[:1]
    assert created["body"]["customerType"] == "company"
    assert created["body"]["name"] == "Firma GmbH"


def test_new_customer_with_a_one_word_name_is_created_with_that_one_name(hub, demo):
    payload = order_payload()
    payload["customer"].update(email="cher@example.com", name=" Cher ")

    response = hub.post_order(payload)

    assert response.status_code == 201
    [created] = demo.requests(path_prefix="/api/v2/customers", method="POST")[:1]
    assert created["body"] == {
        "contactDetails": {"email": "cher@example.com"},
        "project": {"id": "1"},
        "customerType": "company",
        "name": "Cher",
        "salutation": "other",
    }
    customer_id = response.json()["xentral"]["customer_id"]
    customer = demo.api("GET", f"/api/v2/customers/{customer_id}").json()["data"]
    assert (customer["name"], customer["firstname"], customer["lastname"]) == ("Cher", "", "")
    assert customer["salutation"] == "other"
    [sent] = imports(demo)
    assert sent["body"]["customer"] == {"id": customer_id}
    assert sent["body"]["financials"]["billingAddress"]["name"] == "Cher"


def test_unknown_customer_fails_when_channel_may_not_create(live_server, demo):
    _, key = channel_with_key(allow_customer_creation=False)
    payload = order_payload()
    payload["customer"]["email"] = "fremd@example.com"

    response = Hub(live_server.url, key).post_order(payload)

    assert response.status_code == 422
    assert _codes(response) == ["customer_not_found"]
    assert demo.requests(path_prefix="/api/v2/customers", method="POST") == []


def test_gross_prices_are_sent_net_with_the_products_tax_rate(hub, demo):
    payload = order_payload(
        prices="gross", items=[{"sku": "ART-001", "quantity": 1, "price": "11.90"}]
    )

    response = hub.post_order(payload)

    assert response.status_code == 201
    [sent] = imports(demo)
    assert sent["body"]["positions"][0]["price"] == {"amount": "10.0000", "currency": "EUR"}


def test_net_prices_are_sent_as_given_strings(hub, demo):
    payload = order_payload(items=[{"sku": "ART-001", "quantity": 3, "price": 9.5}])

    hub.post_order(payload)

    [sent] = imports(demo)
    assert sent["body"]["positions"][0] == {
        "product": {"id": sent["body"]["positions"][0]["product"]["id"]},
        "quantity": 3,
        "price": {"amount": "9.5000", "currency": "EUR"},
    }
    assert Decimal(sent["body"]["positions"][0]["price"]["amount"]) == Decimal("9.5")


def test_delivery_address_and_notes_and_vat_id_are_mapped(hub, demo):
    payload = order_payload(
        notes="Bitte klingeln",
        delivery_address={
            "name": "Lager Süd",
            "street": "Weg 2",
            "zip": "80331",
            "city": "München",
            "country": "DE",
        },
    )
    payload["customer"]["vat_id"] = "DE123456789"

    hub.post_order(payload)

    [sent] = imports(demo)
    assert sent["body"]["comment"] == "Bitte klingeln"
    assert sent["body"]["financials"]["tax"] == {"vatId": "DE123456789"}
    assert sent["body"]["delivery"]["shippingAddress"] == {
        "name": "Lager Süd",
        "street": "Weg 2",
        "zipCode": "80331",
        "city": "München",
        "country": "DE",
    }


def test_channel_sees_only_its_own_orders(hub, demo, live_server):
    created = hub.post_order(order_payload()).json()
    _, other_key = channel_with_key(name="Other")
    other = Hub(live_server.url, other_key)

    foreign = other.get(f"/api/v1/orders/{created['id']}")
    own_list = other.get("/api/v1/orders?reference=SHOP-12345")

    assert foreign.status_code == 404
    assert own_list.json()["data"] == []


def test_two_channels_may_use_the_same_reference(hub, demo, live_server):
    _, other_key = channel_with_key(name="Other")

    first = hub.post_order(order_payload())
    second = Hub(live_server.url, other_key).post_order(order_payload())

    assert first.status_code == 201
    assert second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_get_order_and_filter_list_by_reference_and_status(hub, demo):
    created = hub.post_order(order_payload()).json()
    hub.post_order(order_payload(reference="BAD-1", items=[{"sku": "NOPE", "quantity": 1}]))

    one = hub.get(f"/api/v1/orders/{created['id']}/")
    by_reference = hub.get("/api/v1/orders/", params={"reference": "SHOP-12345"})
    failed = hub.get("/api/v1/orders", params={"status": OrderStatus.FAILED.value})

    assert one.status_code == 200
    assert one.json() == created
    assert [o["id"] for o in by_reference.json()["data"]] == [created["id"]]
    assert [o["reference"] for o in failed.json()["data"]] == ["BAD-1"]


def test_known_customer_is_found_by_number(hub, demo, channel):
    channel.allow_customer_number = True
    channel.save()
    [known] = [c for c in demo.state()["customers"] if c.get("number")][:1]
    payload = order_payload()
    payload["customer"] = {"number": known["number"]}

    response = hub.post_order(payload)

    assert response.status_code == 201
    assert response.json()["xentral"]["customer_id"] == str(known["id"])
    assert CustomerLink.objects.filter(kind=CustomerLinkKind.NUMBER, value=known["number"]).exists()
    assert demo.requests(path_prefix="/api/v2/customers", method="POST") == []


def test_unknown_customer_number_is_never_created(hub, demo, channel):
    channel.allow_customer_number = True
    channel.save()
    payload = order_payload()
    payload["customer"] = {"number": "99999999"}

    response = hub.post_order(payload)

    assert response.status_code == 422
    assert _codes(response) == ["customer_not_found"]
    assert demo.requests(path_prefix="/api/v2/customers", method="POST") == []


def test_unmapped_external_number_fails_naming_it(hub, demo):
    payload = order_payload(items=[{"external_number": "EXT-404", "target": "1", "quantity": 1}])

    response = hub.post_order(payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "items[0].external_number",
            "code": OrderErrorCode.UNKNOWN_EXTERNAL_NUMBER,
            "message": "Item EXT-404 not found for target 1",
        }
    ]
    assert OrderRequest.objects.get().errors[0]["external_number"] == "EXT-404"
    assert imports(demo) == []


def test_unknown_tax_category_holds_the_order_for_staff_without_guessing(hub, demo, settings):
    # ART-001 is a standard-rate product; this installation knows no standard rate.
    settings.TAX_RATES = {"reduced": Decimal("7"), "free": Decimal("0")}
    gross = {"prices": "gross", "items": [{"sku": "ART-001", "quantity": 1, "price": "11.90"}]}

    first = hub.post_order(order_payload(reference="TAX-1", **gross))
    second = hub.post_order(order_payload(reference="TAX-2", **gross))

    assert first.status_code == 202
    assert second.status_code == 202
    body = first.json()
    assert body["status"] == OrderStatus.QUEUED
    assert body["errors"] == [
        {
            "field": "",
            "code": OrderErrorCode.TAX_CONFIGURATION,
            "message": "Sales tax category 'standard' has no rate in TAX_RATES (known: free, "
            "reduced): a configuration fault of the hub, not of the order; it is kept and "
            "retried",
        }
    ]
    assert OrderRequest.objects.get(reference="TAX-1").status == OrderStatus.QUEUED
    [alert] = StaffAlert.objects.filter(resolved_at__isnull=True)
    assert alert.kind == StaffAlert.Kind.CONFIGURATION
    assert alert.message == (
        "Sales tax category 'standard' has no rate in TAX_RATES (known: free, reduced): add a "
        "rate for 'standard' to TAX_RATES. Orders with gross prices for such products wait in "
        "the queue until it is configured."
    )
    assert imports(demo) == []
    assert demo.requests(path_prefix="/api/v2/customers") == []

    settings.TAX_RATES = {"standard": Decimal("19"), "reduced": Decimal("7")}
    OrderRequest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert orders_retry_due() == 2

    assert set(OrderRequest.objects.values_list("status", flat=True)) == {OrderStatus.CREATED}
    assert [i["body"]["positions"][0]["price"]["amount"] for i in imports(demo)] == [
        "10.0000",
        "10.0000",
    ]
