"""Staff users for admin tests: a user with exactly the permissions named, or in a hub group."""

from django.contrib.auth.models import Group, Permission, User


def staff_user(*permissions: str, username: str = "staff", groups: tuple[str, ...] = ()) -> User:
    """An active staff user holding `app_label.codename` permissions and the named groups."""
    user = User.objects.create_user(username, password="pw-123456", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def action_offered(response, action: str) -> bool:
    """Whether a changelist page offers the action in its drop-down."""
    return f'value="{action}"' in response.content.decode()
