"""Writes on the shared core: channels, their API keys, and staff alerts."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from backoffice.models import ApiKey, Channel, Scope, StaffAlert, StaffAlertEvent

KEY_PREFIX = "xh_"


def hash_api_key(raw_key: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is as safe as a slow one and keeps
    # authentication cheap on every request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def parse_scopes(raw: str | list[str]) -> list[str]:
    """Scopes from `a,b` or a list; unknown ones raise ValueError naming them."""
    items = raw.split(",") if isinstance(raw, str) else raw
    scopes = sorted({s.strip() for s in items if s.strip()})
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValueError(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(Scope.values)}"
        )
    return scopes


@transaction.atomic
def api_key_create(*, channel: Channel, scopes: list[str], name: str = "") -> tuple[ApiKey, str]:
    """Create a key for the channel; returns the row and the raw key, which is never stored."""
    prefix = secrets.token_hex(6)
    raw_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        channel=channel,
        name=name,
        prefix=prefix,
        key_hash=hash_api_key(raw_key),
        scopes=parse_scopes(scopes),
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key` (with its channel), or None."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    prefix, _, _ = raw_key.removeprefix(KEY_PREFIX).partition("_")
    api_key = (
        ApiKey.objects.select_related("channel")
        .filter(prefix=prefix, revoked_at__isnull=True, channel__is_active=True)
        .first()
    )
    if api_key is None or not secrets.compare_digest(api_key.key_hash, hash_api_key(raw_key)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


@transaction.atomic
def channel_create(*, name: str, scopes: list[str], **fields) -> tuple[Channel, str]:
    """Create a channel with one API key; returns the channel and the raw key."""
    channel = Channel(name=name, **fields)
    channel.full_clean()
    channel.save()
    _, raw_key = api_key_create(channel=channel, scopes=scopes, name="initial")
    return channel, raw_key


@transaction.atomic
def staff_alert_open(*, kind: str, message: str) -> StaffAlert:
    """Open an alert, or return the open one saying the same: staff are told once per fault
    (one per missing tax category, say), not once per order."""
    alert = (
        StaffAlert.objects.select_for_update()
        .filter(kind=kind, message=message, resolved_at__isnull=True)
        .order_by("opened_at")
        .first()
    )
    if alert is not None:
        return alert
    alert = StaffAlert.objects.create(kind=kind, message=message)
    StaffAlertEvent.objects.create(alert=alert, kind=StaffAlertEvent.Kind.OPENED)
    return alert


@transaction.atomic
def staff_alerts_resolve(*, alerts, user=None) -> int:
    """Resolve the open ones among `alerts`, recording who did it; returns how many."""
    open_alerts = list(
        StaffAlert.objects.select_for_update().filter(
            pk__in=[a.pk for a in alerts], resolved_at__isnull=True
        )
    )
    now = timezone.now()
    for alert in open_alerts:
        alert.resolved_at = now
        alert.save(update_fields=["resolved_at"])
        StaffAlertEvent.objects.create(alert=alert, kind=StaffAlertEvent.Kind.RESOLVED, user=user)
    return len(open_alerts)
