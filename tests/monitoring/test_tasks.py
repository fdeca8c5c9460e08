"""The rollup refresh in the background: enqueued once when data arrived (the supervisor's check, the end of an
import job), run by the worker; nothing to do when the rollups are current."""

import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from learncity.monitoring import rollups, selectors, tasks
from learncity.monitoring.periods import period_parse
from tests.people import factories as people_factories

from .conftest import record


@pytest.fixture
def root(db):
    """A superuser of the test's own (every scope), not the demo city's admin."""
    return people_factories.root()


def _waiting() -> int:
    return DBTaskResult.objects.filter(task_path=tasks.rollups_refresh_task.module_path, status="READY").count()


def test_nothing_is_enqueued_while_the_rollups_are_current(hand_city, django_capture_on_commit_callbacks):
    rollups.rollups_refresh()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rollups_refresh_due() is False
    assert _waiting() == 0


def test_new_data_enqueues_one_refresh_and_the_task_brings_the_figures_up(root, hand_city,
                                                                         django_capture_on_commit_callbacks):
    h = hand_city
    rollups.rollups_refresh()
    record(h, h.people["P1"], datetime.date(2026, 3, 15), "community")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rollups_refresh_due() is True
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rollups_refresh_due() is False  # one is waiting already: not a second
        assert tasks.rollups_refresh_enqueue() is False
    assert _waiting() == 1
    p = period_parse("2026-03")
    assert selectors.indicator_drilldown(actor=root, code="NONACAD-PT", place_id=h.city.pk,
                                         period=p).row.actual.numerator == 0
    assert tasks.rollups_refresh_task.call()["ranges"] > 0
    assert selectors.indicator_drilldown(actor=root, code="NONACAD-PT", place_id=h.city.pk,
                                         period=p).row.actual.numerator == 1
    assert not rollups.rollups_behind()
