"""Xentral events for staff: failed events listed and filtered by their retry state, "retry
now" (its own permission), and the dashboard's "Subscribe to Xentral events" (its own
permission, POST only, CSRF-checked) doing what `manage.py xentral_webhooks --subscribe` does."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.models import XentralEvent, XentralEventStatus, XentralWebhook
from backoffice.xentral.events import xentral_events_process_pending
from stock.models import ProductStock
from tests.factories import ProductFactory
from tests.staff import action_offered, staff_user

pytestmark = pytest.mark.django_db

EVENTS = reverse("admin:backoffice_xentralevent_changelist")
SUBSCRIBE = reverse("admin:backoffice_xentral_subscribe")
STOCK_HANDLER = "stock.xentral_events._product_changed"


def failed_event(product_id: str, *, retry_at=None, n: int = 0) -> XentralEvent:
    """A reservation event whose stock handler failed `attempts` times."""
    return XentralEvent.objects.create(
        body_sha256=f"{n:064d}",
        type="com.xentral.reservation.changed.v1",
        body={"productId": int(product_id)},
        raw="{}",
        status=XentralEventStatus.FAILED,
        processed_at=timezone.now(),
        attempts=6,
        next_attempt_at=retry_at,
        failed_handlers=[STOCK_HANDLER],
        error=f"{STOCK_HANDLER}: database is locked",
    )


@pytest.fixture
def used_up():
    product = ProductFactory(xentral_id="41", is_stock_item=True)
    return product, failed_event("41")


def test_staff_filter_failed_events_by_retry_state(client, used_up):
    _, exhausted = used_up
    scheduled = failed_event("41", retry_at=timezone.now() + timedelta(minutes=5), n=1)
    client.force_login(staff_user("backoffice.view_xentralevent"))

    by_state = {
        value: client.get(EVENTS, {"retry": value}).context["cl"].result_list
        for value in ("scheduled", "exhausted")
    }

    assert [e.pk for e in by_state["scheduled"]] == [scheduled.pk]
    assert [e.pk for e in by_state["exhausted"]] == [exhausted.pk]


def test_retry_now_runs_the_failed_handler_again(client, used_up):
    product, event = used_up
    client.force_login(staff_user("backoffice.view_xentralevent", "backoffice.retry_xentralevent"))

    listing = client.get(EVENTS)
    answer = client.post(
        EVENTS, {"action": "retry_now", "_selected_action": [event.pk]}, follow=True
    )
    xentral_events_process_pending()

    event.refresh_from_db()
    assert action_offered(listing, "retry_now")
    assert "1 event(s) handed to a worker again." in answer.content.decode()
    assert (event.status, event.attempts, event.failed_handlers, event.error) == (
        XentralEventStatus.PROCESSED,
        7,
        [],
        "",
    )
    assert ProductStock.objects.get(product=product).needs_refresh is True


def test_retry_now_needs_its_permission(client, used_up):
    _, event = used_up
    client.force_login(staff_user("backoffice.view_xentralevent"))

    listing = client.get(EVENTS)
    client.post(EVENTS, {"action": "retry_now", "_selected_action": [event.pk]})

    event.refresh_from_db()
    assert not action_offered(listing, "retry_now")
    assert event.status == XentralEventStatus.FAILED


def test_failed_events_show_on_the_dashboard(client, used_up):
    client.force_login(staff_user("backoffice.view_xentralevent"))

    html = client.get(reverse("admin:index")).content.decode()

    assert f'<a href="{EVENTS}?status__exact=failed">Xentral events whose handling failed' in html


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_button_subscribes_like_the_command(sandbox, live_server, settings):
    settings.HUB_BASE_URL = live_server.url
    staff = staff_user("backoffice.subscribe_xentralwebhook")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    dashboard = client.get(reverse("admin:index"))
    token = dashboard.cookies["csrftoken"].value

    first = client.post(SUBSCRIBE, {"csrfmiddlewaretoken": token}, follow=True)
    again = client.post(SUBSCRIBE, {"csrfmiddlewaretoken": token}, follow=True)

    url = f"{live_server.url}/api/v1/xentral/events"
    registration = XentralWebhook.objects.get()
    assert 'id="xentral-subscribe"' in dashboard.content.decode()
    assert f"Subscribed as webhook {registration.xentral_id} to {url} for 5 event type(s)." in (
        first.content.decode()
    )
    assert again.status_code == 200
    assert [(h["id"], h["url"]) for h in sandbox.api("GET", "/api/v1/webhooks").json()["data"]] == [
        (registration.xentral_id, url)
    ]
    assert f"subscribed as webhook {registration.xentral_id} (5 event types)" in (
        again.content.decode()
    )


def test_subscribing_needs_its_permission_a_post_and_the_csrf_token(sandbox):
    viewer = Client(enforce_csrf_checks=True)
    viewer.force_login(staff_user("backoffice.view_xentralevent", username="viewer"))
    allowed = Client(enforce_csrf_checks=True)
    allowed.force_login(staff_user("backoffice.subscribe_xentralwebhook", username="ops"))

    no_right = viewer.get(reverse("admin:index"))
    denied = viewer.post(SUBSCRIBE, {"csrfmiddlewaretoken": no_right.cookies["csrftoken"].value})
    get = allowed.get(SUBSCRIBE)
    no_token = allowed.post(SUBSCRIBE)

    assert 'id="xentral-subscribe"' not in no_right.content.decode()
    assert (denied.status_code, get.status_code, no_token.status_code) == (403, 405, 403)
    assert XentralWebhook.objects.count() == 0
    assert sandbox.requests(path_prefix="/api/v1/webhook") == []
