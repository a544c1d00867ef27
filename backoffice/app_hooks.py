"""Optional per-app modules the core calls into (`<app>.schedules`, `.demo`, `.dashboard`)."""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app that has a module of that name."""
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
            continue
        yield config.label, module
