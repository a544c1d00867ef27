"""Staff groups that come with the hub, recreated after every migrate and flush."""

from django.contrib.auth.models import Group, Permission


def group_ensure(name: str, app_label: str, codenames: list[str]) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )
    return group
