"""URLs of the Centra connector: each Centra channel's webhook receiver."""

from django.urls import path

from connectors.centra.webhooks import webhook_receive

app_name = "centra"

urlpatterns = [
    path("centra/<int:channel_id>/webhook", webhook_receive, name="webhook"),
]
