"""The staff groups that come with the hub hold exactly the permissions of their table, and a
migrate puts them back after a change made by hand."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from backoffice.groups import STAFF_GROUPS

pytestmark = pytest.mark.django_db


def _held(name: str) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for app_label, codename in Group.objects.get(name=name).permissions.values_list(
        "content_type__app_label", "codename"
    ):
        held.setdefault(app_label, set()).add(codename)
    return held


@pytest.mark.parametrize("name", list(STAFF_GROUPS))
def test_each_group_holds_exactly_its_listed_permissions(name):
    listed = {app: set(codenames) for app, codenames in STAFF_GROUPS[name].items()}
    assert _held(name) == listed


def test_every_listed_permission_exists():
    for by_app in STAFF_GROUPS.values():
        for app_label, codenames in by_app.items():
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            assert sorted(found.values_list("codename", flat=True)) == sorted(codenames)


def test_migrate_restores_a_group_changed_or_deleted_by_hand():
    viewers = Group.objects.get(name="Stock viewers")
    viewers.permissions.add(Permission.objects.get(codename="refresh_productstock"))
    Group.objects.filter(name="Catalog managers").delete()

    call_command("migrate", verbosity=0)

    assert "refresh_productstock" not in _held("Stock viewers")["stock"]
    assert _held("Catalog managers") == {
        app: set(codenames) for app, codenames in STAFF_GROUPS["Catalog managers"].items()
    }
