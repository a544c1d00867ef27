"""The stock app's way to Xentral: a client whose calls count against the stock budget share."""

from typing import Any

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient


def stock_client(client: XentralClient | None = None, *, subject: Any = None) -> XentralClient:
    """The given client, or a new one spending the stock share and logging `subject`."""
    return client or XentralClient(purpose=Purpose.STOCK, subject=subject)
