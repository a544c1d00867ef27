"""Test helpers for the order lifecycle: the sandbox's fulfilment control actions."""

import requests


def control(sandbox, method: str, action: str, body=None):
    """Call `/_sandbox/<action>` (dispatch, cancel, reservation, movement, webhook-faults,
    webhook-deliveries); the JSON answer."""
    response = requests.request(method, f"{sandbox.url}/_sandbox/{action}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()
