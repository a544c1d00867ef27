"""Which Xentral project a Centra order goes to: the channel's market/store mapping
(`CentraChannel.project_map`), checked key by key when staff save it.

A market is looked up before its store. Centra's store logic ("Store logic and basic
concepts"): "Markets divide your store into logical entities", and a market belongs to one
store (`markets(where: {storeId})`, `market { store { id } }` in the B2B examples), so a market
entry is the narrower rule and a store entry the default for the store's other markets.
"""

import re

from django.core.exceptions import ValidationError

KEY = re.compile(r"^(market|store):([1-9][0-9]{0,9})$")
PROJECT_ID = re.compile(r"^[1-9][0-9]{0,19}$")


def _project_id(value) -> str | None:
    """A Xentral project id as the mapping may hold it: digits as text, or a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    return value if isinstance(value, str) and PROJECT_ID.match(value) else None


def project_map_validate(value) -> None:
    """One error per bad key and per bad value, each naming the entry."""
    if not isinstance(value, dict):
        raise ValidationError(
            "Give a JSON object of Centra market or store -> Xentral project id, e.g. "
            '{"market:1": "2", "store:2": "3"}.',
            code="not_an_object",
        )
    problems = []
    for key, project in value.items():
        if not KEY.match(key):
            problems.append(
                ValidationError(
                    f'Key "{key}": write "market:<id>" or "store:<id>" with the Centra id '
                    "(a whole number).",
                    code="invalid_key",
                )
            )
        if _project_id(project) is None:
            problems.append(
                ValidationError(
                    f'Value of "{key}": a Xentral project id (a whole number such as "2"), '
                    f"not {project!r}.",
                    code="invalid_project",
                )
            )
    if problems:
        raise ValidationError(problems)


def centra_order_project(*, project_map: dict, order: dict) -> tuple[str, str] | None:
    """(mapping key, Xentral project id) for a Centra order as read (`market { id }`,
    `store { id }`), or None when neither is mapped: the channel's project then applies."""
    candidates = []
    for kind in ("market", "store"):
        found = (order.get(kind) or {}).get("id")
        if found is not None:
            candidates.append(f"{kind}:{found}")
    for key in candidates:
        project = _project_id(project_map.get(key))
        if project is not None:
            return key, project
    return None
