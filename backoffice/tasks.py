"""django-q2 tasks of the core: thin wrappers that take ids and are safe to run twice."""

from backoffice.xentral.events import xentral_event_process, xentral_events_process_pending
from backoffice.xentral.names import xentral_names_sync


def process_xentral_event(event_id: int) -> str:
    return xentral_event_process(event_id=event_id).status


def process_pending_xentral_events() -> int:
    return xentral_events_process_pending()


def sync_xentral_names() -> dict[str, int]:
    return xentral_names_sync()
