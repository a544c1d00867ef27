"""Optional per-app modules the core calls into (`<app>.schedules`, `.demo`, `.dashboard`)."""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps

# Which apps have which module, found once per process: the lookup of an absent module walks
# the import path, and hooks such as `order_lifecycle` run on every order.
_found: dict[str, tuple[tuple[str, ModuleType], ...]] = {}


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app that has a module of that name."""
    if name not in _found:
        modules = []
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.{name}":
                    raise
                continue
            modules.append((config.label, module))
        _found[name] = tuple(modules)
    yield from _found[name]


def app_hook_entries(name: str, table: str, key: str) -> list:
    """Each app's entry for `key` in the dict `table` of its `name` module (a connector's
    handler per channel kind, say), in app order; apps without one are left out."""
    return [
        entry
        for _, module in app_modules(name)
        if (entry := getattr(module, table, {}).get(key)) is not None
    ]
