"""Admin pages of the core: dashboard, channels with keys shown once, call log, alerts."""

import pytest
from django.urls import reverse

from backoffice.heartbeat import worker_heartbeat_record
from backoffice.models import ApiKey, StaffAlert
from backoffice.services import api_key_authenticate, staff_alert_open
from tests.factories import channel_with_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    # A worker is sweeping, so the dashboard shows only what each test arranges.
    worker_heartbeat_record()
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_dashboard_lists_what_needs_attention(staff):
    StaffAlert.objects.create(
        kind=StaffAlert.Kind.XENTRAL_AUTH, message="Xentral refused the token"
    )
    page = staff.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Needs attention" in html
    assert "Open configuration alerts" in html
    assert "Xentral refused the token" in html
    assert "Xentral rate budget" in html


def test_revoke_action(staff):
    channel, raw_key = channel_with_key()
    api_key = ApiKey.objects.get(channel=channel)
    staff.post(
        reverse("admin:backoffice_apikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    assert api_key_authenticate(raw_key=raw_key) is None


@pytest.mark.parametrize(
    "name",
    ["backoffice_channel", "backoffice_apikey", "backoffice_xentralcall", "backoffice_staffalert"],
)
def test_changelists_render(staff, name):
    channel_with_key()
    assert staff.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_resolving_an_alert_takes_it_off_the_dashboard(staff):
    alert = staff_alert_open(kind=StaffAlert.Kind.OTHER, message="Look at the token")
    staff.post(
        reverse("admin:backoffice_staffalert_changelist"),
        {"action": "resolve", "_selected_action": [alert.pk]},
    )
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    html = staff.get(reverse("admin:index")).content.decode()
    assert "Look at the token" not in html
    assert "Open configuration alerts" not in html
    events = [(e.kind, e.user.username if e.user else None) for e in alert.events.all()]
    assert events == [("opened", None), ("resolved", "boss")]


def test_an_alert_of_a_kind_already_open_is_not_opened_twice():
    first = staff_alert_open(kind=StaffAlert.Kind.XENTRAL_AUTH, message="token rejected")
    again = staff_alert_open(kind=StaffAlert.Kind.XENTRAL_AUTH, message="token rejected")
    assert again.pk == first.pk
    assert StaffAlert.objects.count() == 1
    assert first.events.count() == 1


def test_another_fault_of_the_same_kind_gets_its_own_alert():
    staff_alert_open(kind=StaffAlert.Kind.CONFIGURATION, message="No rate for 'super-reduced'")
    staff_alert_open(kind=StaffAlert.Kind.CONFIGURATION, message="No rate for 'luxury'")
    assert sorted(StaffAlert.objects.values_list("message", flat=True)) == [
        "No rate for 'luxury'",
        "No rate for 'super-reduced'",
    ]


def test_channel_list_never_shows_the_webhook_secret(staff):
    channel_with_key(webhook_url="https://shop.example/hook", webhook_secret="s3cret-value")
    html = staff.get(reverse("admin:backoffice_channel_changelist")).content.decode()
    assert "s3cret-value" not in html


def test_staff_grant_ordering_by_customer_number_on_the_channel_page(staff):
    channel, _ = channel_with_key()
    page = staff.get(reverse("admin:backoffice_channel_change", args=[channel.pk]))
    assert 'name="allow_customer_number"' in page.content.decode()
