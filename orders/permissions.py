"""The "Order operators" staff group: may view orders and resubmit or resolve them."""

from django.contrib.auth.models import Group, Permission

OPERATORS_GROUP = "Order operators"
OPERATOR_CODENAMES = [
    "view_orderrequest",
    "resubmit_orderrequest",
    "view_orderevent",
    "view_webhookdelivery",
    "view_customerlink",
    "change_customerlink",
]


def operators_group_ensure(**kwargs) -> Group:
    """Create the group with its permissions if missing (after every migrate and flush)."""
    group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="orders", codename__in=OPERATOR_CODENAMES
        )
    )
    return group
