"""django-q2 tasks of catalog imports: one step per task, the next one queued after it."""

from django_q.tasks import async_task

from catalog.imports.apply import import_run_chunk
from catalog.imports.dry_run import import_dry_run_step


def run_dry_run(import_id: str) -> None:
    if import_dry_run_step(import_id=import_id):
        async_task("catalog.tasks.run_dry_run", import_id)


def run_import_chunk(import_id: str) -> None:
    if import_run_chunk(import_id=import_id):
        async_task("catalog.tasks.run_import_chunk", import_id)
