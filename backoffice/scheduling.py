"""Installing the django-q2 schedules every app declares: after each `migrate`, and on demand."""

from django.db import DEFAULT_DB_ALIAS, connections

from backoffice.app_hooks import app_modules

SCHEDULE_TABLE = "django_q_schedule"


def declared_schedules() -> list[dict]:
    """`SCHEDULES` of every installed app that has a `schedules` module."""
    return [entry for _, module in app_modules("schedules") for entry in module.SCHEDULES]


def schedules_install(*, using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, bool]]:
    """Create or update each declared schedule by name; returns (name, created) per schedule.
    Idempotent, so every deploy's `migrate` can run it."""
    from django_q.models import Schedule

    installed = []
    for entry in declared_schedules():
        fields = {k: v for k, v in entry.items() if k != "name"}
        _, created = Schedule.objects.using(using).update_or_create(
            name=entry["name"], defaults=fields
        )
        installed.append((entry["name"], created))
    return installed


def schedules_install_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver: a plain deploy (migrate, web, worker) has its schedules, so
    nothing waits on a separate command. Skipped while django-q's table does not exist yet
    (a partial migrate)."""
    if SCHEDULE_TABLE not in connections[using].introspection.table_names():
        return
    schedules_install(using=using)
