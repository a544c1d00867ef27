"""XentralClient: the only code that speaks HTTP to Xentral (or the built-in sandbox).

INTERFACE STUB - being implemented. Other code relies on exactly these names and signatures.
"""

from collections.abc import Iterator
from typing import Any

from backoffice.models import Purpose

USER_AGENT = "xentral-hub/1.0"
MAX_PAGE_SIZE = 50


def filter_params(*conditions: tuple[str, str, Any], start: int = 0) -> dict[str, Any]:
    """`("number", "in", ["A", "B"]), ("updatedAt", "greaterThan", "...")` as Xentral's
    `filter[i][key|op|value]` query parameters (list values as `filter[i][value][]`)."""
    raise NotImplementedError


class XentralClient:
    """Pooled session, bearer auth, JSON headers, paging, typed errors, pacing, shared budget.

    `purpose` (order, catalog, stock, sync) decides the budget share; `subject` (a model
    instance) is written on every logged `XentralCall`. `calls_made` counts this instance's
    calls so a service can report what an operation cost.
    """

    def __init__(self, *, purpose: Purpose | str = Purpose.SYNC, subject: Any = None, **options):
        self.purpose = Purpose(purpose)
        self.subject = subject
        self.calls_made = 0

    def bound(
        self, *, purpose: Purpose | str | None = None, subject: Any = None
    ) -> "XentralClient":
        """A client sharing this one's session and pacing, for another purpose or subject."""
        raise NotImplementedError

    def get(self, path: str, *, params: dict | None = None) -> Any:
        """Parsed JSON of a GET (retried a bounded number of times on retryable errors)."""
        raise NotImplementedError

    def create(self, path: str, json: Any) -> str:
        """POST a V1/V2 create; returns the new id (last segment of `Location`)."""
        raise NotImplementedError

    def post(self, path: str, json: Any = None) -> Any:
        """POST (V3 creates, actions); parsed JSON body or None. Never retried."""
        raise NotImplementedError

    def patch(self, path: str, json: Any) -> Any:
        raise NotImplementedError

    def paginate(
        self, path: str, *, params: dict | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[dict]:
        """Items of a V1/V2 list across pages (`page[number]` + `page[size]`; stops at
        `extra.totalCount` or on a short page)."""
        raise NotImplementedError

    def paginate_v3(
        self, path: str, *, params: dict | None = None, per_page: int = 100
    ) -> Iterator[dict]:
        raise NotImplementedError
