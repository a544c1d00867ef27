"""Who may do what on the core's admin pages: each action and custom page refused (nothing
changed) without its permission and working with it; secrets never on a viewer's page or in a
cookie; a new key shown once, with the scopes chosen."""

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse

from backoffice.models import ApiKey, Scope, StaffAlert
from backoffice.services import api_key_authenticate, staff_alert_open
from tests.factories import ChannelFactory, channel_with_key
from tests.staff import action_offered, staff_user

pytestmark = pytest.mark.django_db

CHANNELS = reverse("admin:backoffice_channel_changelist")
KEYS = reverse("admin:backoffice_apikey_changelist")
ALERTS = reverse("admin:backoffice_staffalert_changelist")


def _key_url(channel) -> str:
    return reverse("admin:backoffice_channel_api_key", args=[channel.pk])


def test_a_channel_viewer_cannot_create_an_api_key(client):
    channel = ChannelFactory()
    client.force_login(staff_user("backoffice.view_channel"))

    listing = client.get(CHANNELS)
    client.post(CHANNELS, {"action": "create_api_key", "_selected_action": [channel.pk]})
    form = client.get(_key_url(channel))
    create = client.post(_key_url(channel), {"scopes": list(Scope.values)})
    page = client.get(reverse("admin:backoffice_channel_change", args=[channel.pk]))

    assert not action_offered(listing, "create_api_key")
    assert form.status_code == 403
    assert create.status_code == 403
    assert "Create an API key" not in page.content.decode()
    assert ApiKey.objects.count() == 0


def test_a_key_is_made_with_the_chosen_scopes_and_shown_once_in_the_answer_only(client):
    channel = ChannelFactory()
    client.force_login(staff_user("backoffice.view_channel", "backoffice.add_apikey"))

    action = client.post(CHANNELS, {"action": "create_api_key", "_selected_action": [channel.pk]})
    form = client.get(action["Location"])
    created = client.post(
        _key_url(channel), {"name": "ERP export", "scopes": [Scope.STOCK_READ, Scope.ORDERS_READ]}
    )

    assert action["Location"] == _key_url(channel)
    assert form.status_code == 200
    assert 'value="stock:read"' in form.content.decode()
    assert created.status_code == 200
    raw_key = created.context["raw_key"]
    api_key = api_key_authenticate(raw_key=raw_key)
    assert api_key.channel == channel
    assert api_key.name == "ERP export"
    assert api_key.scopes == ["orders:read", "stock:read"]
    assert created.content.decode().count(raw_key) == 1
    assert "no-store" in created["Cache-Control"]
    assert CookieStorage.cookie_name not in created.cookies
    assert all(raw_key not in morsel.value for morsel in created.cookies.values())
    assert all(raw_key not in str(value) for value in client.session.values())
    after = client.get(reverse("admin:backoffice_channel_change", args=[channel.pk]))
    assert raw_key not in after.content.decode()
    assert [str(m) for m in after.context["messages"]] == []


def test_a_key_needs_at_least_one_scope(client):
    channel = ChannelFactory()
    client.force_login(staff_user("backoffice.view_channel", "backoffice.add_apikey"))

    response = client.post(_key_url(channel), {"name": "none"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"scopes": ["This field is required."]}
    assert ApiKey.objects.count() == 0


def test_a_message_cookie_never_carries_a_key(client):
    """What the create action and page send back: no message at all, so nothing to decode."""
    channel = ChannelFactory()
    client.force_login(staff_user("backoffice.view_channel", "backoffice.add_apikey"))
    created = client.post(_key_url(channel), {"scopes": [Scope.ORDERS_WRITE]})
    cookie = client.cookies.get(CookieStorage.cookie_name)
    stored = CookieStorage(RequestFactory().get("/"))._decode(cookie.value) if cookie else None
    assert created.status_code == 200
    assert stored is None


def test_an_api_key_viewer_cannot_revoke(client):
    channel, raw_key = channel_with_key()
    client.force_login(staff_user("backoffice.view_apikey"))

    listing = client.get(KEYS)
    client.post(KEYS, {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]})

    assert not action_offered(listing, "revoke")
    assert api_key_authenticate(raw_key=raw_key).channel == channel


def test_revoking_needs_the_revoke_permission(client):
    _, raw_key = channel_with_key()
    client.force_login(staff_user("backoffice.view_apikey", "backoffice.revoke_apikey"))

    listing = client.get(KEYS)
    client.post(KEYS, {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]})

    assert action_offered(listing, "revoke")
    assert api_key_authenticate(raw_key=raw_key) is None


def test_an_alert_viewer_cannot_resolve(client):
    alert = staff_alert_open(kind=StaffAlert.Kind.OTHER, message="Look at the token")
    client.force_login(staff_user("backoffice.view_staffalert"))

    listing = client.get(ALERTS)
    client.post(ALERTS, {"action": "resolve", "_selected_action": [alert.pk]})
    page = client.get(reverse("admin:backoffice_staffalert_change", args=[alert.pk]))

    alert.refresh_from_db()
    assert not action_offered(listing, "resolve")
    assert alert.resolved_at is None
    assert list(alert.events.values_list("kind", flat=True)) == ["opened"]
    assert 'name="resolved_at' not in page.content.decode()


def test_resolving_needs_the_resolve_permission(client):
    alert = staff_alert_open(kind=StaffAlert.Kind.OTHER, message="Look at the token")
    client.force_login(
        staff_user("backoffice.view_staffalert", "backoffice.resolve_staffalert", username="ops")
    )

    client.post(ALERTS, {"action": "resolve", "_selected_action": [alert.pk]})

    alert.refresh_from_db()
    assert alert.resolved_at is not None
    events = [(e.kind, e.user.username if e.user else None) for e in alert.events.all()]
    assert events == [("opened", None), ("resolved", "ops")]


def test_a_channel_viewer_never_sees_the_webhook_secret(client):
    channel = ChannelFactory(
        webhook_url="https://shop.example/hook", webhook_secret="s3cret-value-123"
    )
    client.force_login(staff_user("backoffice.view_channel"))

    page = client.get(reverse("admin:backoffice_channel_change", args=[channel.pk]))
    listing = client.get(CHANNELS)

    assert page.status_code == 200
    html = page.content.decode()
    assert "https://shop.example/hook" in html
    assert "s3cret-value-123" not in html
    assert '<div class="readonly">set</div>' in html
    assert "s3cret-value-123" not in listing.content.decode()


def test_an_editor_replaces_the_secret_but_never_reads_it(client):
    channel = ChannelFactory(
        webhook_url="https://shop.example/hook", webhook_secret="s3cret-value-123"
    )
    client.force_login(staff_user("backoffice.view_channel", "backoffice.change_channel"))
    url = reverse("admin:backoffice_channel_change", args=[channel.pk])
    form = {
        "name": channel.name,
        "kind": "api",
        "is_active": "on",
        "project_id": "1",
        "sales_channel_id": "",
        "payment_map": "{}",
        "payment_default": "",
        "shipping_map": "{}",
        "shipping_default": "",
        "webhook_url": "https://shop.example/hook2",
        "webhook_secret": "",
    }

    page = client.get(url)
    kept = client.post(url, form)
    channel.refresh_from_db()
    kept_secret = channel.webhook_secret
    replaced = client.post(url, {**form, "webhook_secret": "n3w-secret-456"})
    channel.refresh_from_db()

    assert "s3cret-value-123" not in page.content.decode()
    assert 'name="webhook_secret"' in page.content.decode()
    assert kept.status_code == 302
    assert kept_secret == "s3cret-value-123"
    assert replaced.status_code == 302
    assert channel.webhook_url == "https://shop.example/hook2"
    assert channel.webhook_secret == "n3w-secret-456"
