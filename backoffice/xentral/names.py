"""Names of the Xentral ids staff see (payment and shipping methods, external reference
targets): read by a daily schedule into `XentralName`, so pages show names without a call."""

from django.db import transaction

from backoffice.models import Purpose, XentralName, XentralNameKind
from backoffice.xentral.client import XentralClient

PAGED_LISTS = {
    XentralNameKind.PAYMENT_METHOD: "/api/v1/paymentMethods",
    XentralNameKind.SHIPPING_METHOD: "/api/v1/shippingMethods",
}
# The targets' operation declares no paging: one call answers every target.
TARGETS_PATH = "/api/v1/externalReferenceTargets"


def xentral_names_sync(*, client: XentralClient | None = None) -> dict[str, int]:
    """Read each list once and make the cache hold exactly what Xentral answered (an id gone
    from Xentral leaves the cache); returns the count per kind."""
    client = client or XentralClient(purpose=Purpose.SYNC)
    lists = {kind: list(client.paginate(path)) for kind, path in PAGED_LISTS.items()}
    lists[XentralNameKind.REFERENCE_TARGET] = (client.get(TARGETS_PATH) or {}).get("data") or []
    counts = {}
    for kind, items in lists.items():
        counts[kind.value] = _names_replace(kind, items)
    return counts


def _names_replace(kind: XentralNameKind, items: list[dict]) -> int:
    with transaction.atomic():
        seen = []
        for item in items:
            xentral_id = str(item["id"])
            seen.append(xentral_id)
            XentralName.objects.update_or_create(
                kind=kind,
                xentral_id=xentral_id,
                defaults={
                    "code": str(item.get("type") or ""),
                    "name": str(item.get("designation") or item.get("name") or f"#{xentral_id}"),
                },
            )
        XentralName.objects.filter(kind=kind).exclude(xentral_id__in=seen).delete()
    return len(seen)


def xentral_names(kind: XentralNameKind) -> dict[str, str]:
    """Xentral id -> name, for every cached id of a kind."""
    return dict(XentralName.objects.filter(kind=kind).values_list("xentral_id", "name"))


def xentral_name_label(names: dict[str, str], xentral_id: str | int | None) -> str:
    """`PayPal (#3)` for a cached id, `#3` for one the cache does not know, "" for none."""
    if xentral_id in (None, ""):
        return ""
    xentral_id = str(xentral_id)
    name = names.get(xentral_id)
    return f"{name} (#{xentral_id})" if name else f"#{xentral_id}"


def xentral_name_choices(kind: XentralNameKind, current: str = "") -> list[tuple[str, str]]:
    """Choices for a form field naming an id of `kind`; the current value stays selectable
    even when the cache does not (yet) hold it."""
    choices = [
        (n.xentral_id, f"{n.name} (#{n.xentral_id})") for n in XentralName.objects.filter(kind=kind)
    ]
    if current and current not in {value for value, _ in choices}:
        choices.append((current, f"#{current} (not in Xentral's list)"))
    return choices
