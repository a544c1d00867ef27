"""A Centra channel's configuration: the create command, the outbound URL policy on its
endpoint, the write-only token in the admin, the connection test's permission and the
dashboard's token-expiry warning."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from backoffice.dashboard import attention_items
from backoffice.models import Channel, ChannelKind
from connectors.centra.models import CentraCall, CentraChannel
from connectors.centra.services import centra_channel_create
from tests.centra.conftest import channel_form
from tests.staff import staff_user

pytestmark = pytest.mark.django_db

TOKEN = "centra-secret-token-value"
CHECKBOX = (
    '<input type="checkbox" name="use_events_queue" id="id_use_events_queue"{checked} '
    'aria-describedby="id_use_events_queue_helptext">'
)


def _centra(**fields) -> CentraChannel:
    return centra_channel_create(
        name=fields.pop("name", "Centra EU"),
        graphql_url=fields.pop("graphql_url", "https://brand.centra.com/graphql"),
        api_token=TOKEN,
        webhook_secret="whsec",
        **fields,
    )


def test_the_command_creates_a_centra_channel_and_prints_its_webhook_path_last():
    out = StringIO()
    call_command(
        "create_centra_channel",
        "Centra EU",
        "--graphql-url",
        "https://brand.centra.com/graphql",
        "--token",
        TOKEN,
        "--webhook-secret",
        "whsec",
        "--warehouse-map",
        "1=7",
        "2=8",
        "--project-id",
        "3",
        stdout=out,
    )

    centra = CentraChannel.objects.select_related("channel").get()
    assert centra.channel.name == "Centra EU"
    assert centra.channel.kind == ChannelKind.CENTRA
    assert centra.channel.project_id == "3"
    assert centra.api_token == TOKEN
    assert centra.warehouse_map == {"1": "7", "2": "8"}
    last_line = out.getvalue().strip().splitlines()[-1]
    assert last_line == f"/api/v1/centra/{centra.channel_id}/webhook"
    assert TOKEN not in out.getvalue()


def test_a_loopback_endpoint_is_refused_unless_the_outbound_policy_allows_it(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_centra_channel", "Local", "--graphql-url", "http://127.0.0.1:8766/graphql",
            "--token", TOKEN, "--webhook-secret", "s", stdout=StringIO(),
        )  # fmt: skip
    assert "graphql_url: Plain http is allowed only for hosts in OUTBOUND_ALLOWED_HOSTS" in str(
        refused.value
    )
    assert Channel.objects.count() == 0

    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    _centra(name="Local", graphql_url="http://127.0.0.1:8766/graphql")
    assert CentraChannel.objects.get().graphql_url == "http://127.0.0.1:8766/graphql"


def test_the_admin_never_shows_the_token_and_an_empty_field_keeps_it(client):
    centra = _centra()
    client.force_login(staff_user("centra.view_centrachannel", "centra.change_centrachannel"))
    url = reverse("admin:centra_centrachannel_change", args=[centra.pk])

    page = client.get(url)
    saved = client.post(
        url,
        {
            "channel": centra.channel_id,
            "graphql_url": centra.graphql_url,
            "api_token": "",
            "webhook_secret": "",
            "token_expires_on": "2030-01-31",
            "project_map": "{}",
            "payment_map": '{"adyen": "card"}',
            "shipping_map": "{}",
            "warehouse_map": "{}",
            "confirm_orders": "on",
            "wait_while_on_hold": "on",
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert TOKEN not in html
    assert "whsec" not in html
    assert f"/api/v1/centra/{centra.channel_id}/webhook" in html
    # Help text is rendered as HTML: a placeholder in angle brackets would vanish as a tag.
    assert "https://your-brand.centra.com/graphql" in html
    assert saved.status_code == 302
    centra.refresh_from_db()
    assert centra.api_token == TOKEN
    assert centra.webhook_secret == "whsec"
    assert centra.payment_map == {"adyen": "card"}
    assert str(centra.token_expires_on) == "2030-01-31"
    assert centra.capture_on_shipment is False


def test_the_channel_page_shows_the_events_queue_setting_and_saves_it(client):
    centra = _centra()
    url = reverse("admin:centra_centrachannel_change", args=[centra.pk])
    form = channel_form(centra)
    client.force_login(staff_user("centra.view_centrachannel", "centra.change_centrachannel"))

    page = client.get(url)
    switched_on = client.post(url, {**form, "use_events_queue": "on"})
    centra.refresh_from_db()
    on_after_save = centra.use_events_queue
    shown_on = client.get(url)
    switched_off = client.post(url, form)

    assert page.context["adminform"].form.fields["use_events_queue"].label == (
        "Read Centra's events queue"
    )
    assertContains(page, CHECKBOX.format(checked=""), html=True)
    assert (switched_on.status_code, on_after_save) == (302, True)
    assert shown_on.context["adminform"].form.initial["use_events_queue"] is True
    assertContains(shown_on, CHECKBOX.format(checked=" checked"), html=True)
    assert switched_off.status_code == 302
    centra.refresh_from_db()
    assert centra.use_events_queue is False


def test_staff_who_may_only_view_a_channel_see_the_events_queue_setting_but_cannot_change_it(
    client,
):
    centra = _centra(use_events_queue=True)
    url = reverse("admin:centra_centrachannel_change", args=[centra.pk])
    client.force_login(staff_user("centra.view_centrachannel"))

    page = client.get(url)
    refused = client.post(url, {"channel": centra.channel_id, "use_events_queue": ""})

    html = page.content.decode()
    row = html[html.index('class="form-row field-use_events_queue"') :]
    row = row[: row.index('class="form-row', 1)]
    assert page.status_code == 200
    assert "<label>Read Centra&#x27;s events queue:</label>" in row
    assert '<img src="/static/admin/img/icon-yes.svg" alt="True">' in row
    assert 'name="use_events_queue"' not in html
    assert refused.status_code == 403
    centra.refresh_from_db()
    assert centra.use_events_queue is True


def test_the_connection_test_needs_its_permission_and_a_post(client):
    centra = _centra()
    url = reverse("admin:centra_centrachannel_test", args=[centra.pk])
    client.force_login(staff_user("centra.view_centrachannel"))

    refused = client.post(url)
    page = client.get(reverse("admin:centra_centrachannel_change", args=[centra.pk]))

    assert refused.status_code == 403
    assert "Test connection" not in page.content.decode()
    assert CentraCall.objects.count() == 0


def test_a_failed_connection_test_says_why(client, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    centra = _centra(graphql_url="http://127.0.0.1:9/graphql")
    client.force_login(
        staff_user("centra.view_centrachannel", "centra.test_centrachannel", username="tester")
    )
    url = reverse("admin:centra_centrachannel_test", args=[centra.pk])

    wrong_method = client.get(url)
    tested = client.post(url, follow=True)

    assert wrong_method.status_code == 405
    messages = [str(m) for m in tested.context["messages"]]
    assert messages == [
        "Connection failed. CentraUnavailable: No answer from Centra for RateLimits"
    ]
    call = CentraCall.objects.get()
    assert (call.operation, call.status, call.centra) == ("RateLimits", None, centra)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (8, None),
        (7, "expires in 7 days"),
        (1, "expires in 1 day"),
        (0, "expires today"),
        (-2, "expired on {date}"),
    ],
)
def test_the_dashboard_warns_a_week_before_the_token_expires(days, label):
    expires = timezone.localdate() + timedelta(days=days)
    centra = _centra(token_expires_on=expires)

    rows = [row for row in attention_items() if "Centra API token" in row["label"]]

    if label is None:
        assert rows == []
        return
    when = label.format(date=expires)
    assert rows == [
        {
            "label": f"Centra API token of Centra EU {when}: create a new token in Centra and "
            "enter it here",
            "count": 1,
            "url": reverse("admin:centra_centrachannel_change", args=[centra.pk]),
        }
    ]
