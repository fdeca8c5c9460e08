"""The rollup refresh in the background: pages never refresh (they read, and say how fresh their figures are).

- `rollups_refresh_task`: a django.tasks task (django-tasks-db, run by `learncity db_worker`, which `learncity serve`
  starts) that folds every new record, outcome, reversal, volunteer service and learner into the rollups and bumps
  the "monitoring" cache version when a figure changed;
- `rollups_refresh_enqueue()`: enqueue it unless one is already waiting (intake calls it when an import job ends);
- `rollups_refresh_due()`: enqueue it when the rollups are behind the data (`learncity serve` asks every
  REFRESH_EVERY seconds); `learncity monitoring refresh` runs the same refresh at once, for cron.
"""

import logging

from django.db import transaction
from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from learncity.monitoring.rollups import rollups_behind, rollups_refresh

log = logging.getLogger(__name__)

REFRESH_EVERY = 300  # seconds between the supervisor's checks


@task
def rollups_refresh_task() -> dict:
    """Bring the rollups up to date (one transaction, under the watermarks' locks: two at once queue)."""
    return {"ranges": rollups_refresh()}


def _waiting() -> bool:
    return DBTaskResult.objects.filter(task_path=rollups_refresh_task.module_path,
                                       status=TaskResultStatus.READY).exists()


def rollups_refresh_enqueue() -> bool:
    """Enqueue a refresh after the current transaction commits, unless one is waiting already; True if enqueued
    (or to be, at the commit)."""
    if _waiting():
        return False
    transaction.on_commit(lambda: rollups_refresh_task.enqueue())
    return True


def rollups_refresh_due() -> bool:
    """Enqueue a refresh when data arrived since the last one (a cheap check); True if one was enqueued."""
    if not rollups_behind():
        return False
    enqueued = rollups_refresh_enqueue()
    if enqueued:
        log.info("monitoring: rollups behind the data, refresh enqueued")
    return enqueued
