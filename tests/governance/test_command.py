"""`learncity governance sweep [--today YYYY-MM-DD]` (governance/management/commands/governance.py): the daily
sweep marks every open task past its time limit overdue, with its history row (the system as actor), prints how many,
and moves nothing more when run again; a day that is not a date is refused (exit code 2) with nothing written.

The world: tests/governance/factories.py (达州's committee and its units). The sweep runs over every committee's
tasks: the day it is given (1 April 2026) is before the time limits of the demo city's open tasks (its year, 2026,
as of 1 November), so the count it prints is the world's; on the real today, the test looks at the world's tasks."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from learncity.governance import services
from learncity.governance.inputs import ImportIn, TaskIn, UnitIn
from learncity.governance.models import Task, TaskState, TaskTransition, WorkPlan
from tests.governance.factories import governance_fixtures, moved

governance_built, gov = governance_fixtures()
S = TaskState
DAY = datetime.timedelta(days=1)


def _plan(gov, year: int) -> WorkPlan:
    text = f"{year}年达州市终身教育工作要点\n一、工作重点\n(一)完善终身教育运行机制。加强统筹。(牵头单位：市教育局)"
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee,
                                    data=ImportIn(text=text, year=year))


def _task(gov, plan: WorkPlan, title: str, due_on: datetime.date) -> Task:
    return services.task_create(actor=gov.city_admin, data=TaskIn(
        item_id=plan.items.get().pk, title=title, due_on=due_on, lead=[UnitIn(member_unit_id=gov.units["教育局"].pk)]))


def _sweep(*args) -> str:
    out = io.StringIO()
    call_command("governance", "sweep", *args, stdout=out)
    return out.getvalue()


def _states(*tasks: Task) -> list[str]:
    return [Task.objects.get(pk=t.pk).state for t in tasks]


def test_the_sweep_on_a_given_day_marks_the_open_late_tasks_overdue_and_says_how_many(gov):
    plan = _plan(gov, 2026)
    waiting = _task(gov, plan, "编写社区教育读本", datetime.date(2026, 3, 31))
    under_way = moved(gov.city_admin, _task(gov, plan, "举办骨干培训班", datetime.date(2026, 3, 30)), "start")
    done = moved(gov.city_admin, moved(gov.city_admin, _task(gov, plan, "召开推进会", datetime.date(2026, 3, 1)),
                                       "start"), "complete")
    on_time = _task(gov, plan, "开展宣传周", datetime.date(2026, 4, 1))

    out = _sweep("--today", "2026-04-01")

    assert out.splitlines()[0] == "2026-04-01：2 项任务已标记为逾期"
    assert _states(waiting, under_way, done, on_time) == [S.OVERDUE, S.OVERDUE, S.DONE, S.NOT_STARTED]
    rows = TaskTransition.objects.filter(to_state=S.OVERDUE, task__plan=plan).order_by("task__due_on")
    assert [(r.task_id, r.from_state, r.actor, r.reason) for r in rows] == [
        (under_way.pk, S.IN_PROGRESS, None, "超过完成时限 2026-03-30"),
        (waiting.pk, S.NOT_STARTED, None, "超过完成时限 2026-03-31")]
    # run again the same day (cron retried it): nothing more moves
    assert _sweep("--today", "2026-04-01").splitlines()[0] == "2026-04-01：0 项任务已标记为逾期"
    assert TaskTransition.objects.filter(to_state=S.OVERDUE, task__plan=plan).count() == 2


def test_the_sweep_runs_for_today_by_default(gov):
    today = timezone.localdate()
    plan = _plan(gov, (today - DAY).year)
    late = _task(gov, plan, "编写社区教育读本", today - DAY)
    due_today = _task(gov, plan, "举办骨干培训班", today)

    out = _sweep()

    first = out.splitlines()[0]
    assert first.startswith(f"{today.isoformat()}：") and first.endswith(" 项任务已标记为逾期")
    assert _states(late, due_today) == [S.OVERDUE, S.NOT_STARTED]  # due today is not late


@pytest.mark.parametrize("day", ["2026-02-30", "tomorrow", "01/04/2026"])
def test_a_day_that_is_not_a_date_is_refused_with_nothing_moved(gov, day):
    plan = _plan(gov, 2026)
    task = _task(gov, plan, "编写社区教育读本", datetime.date(2026, 3, 31))

    with pytest.raises(CommandError, match=f"「{day}」不是日期（例如 2026-11-01）") as refused:
        _sweep("--today", day)

    assert refused.value.returncode == 2
    assert _states(task) == [S.NOT_STARTED] and not TaskTransition.objects.filter(task=task).exists()


def test_an_unknown_action_is_refused(gov):
    with pytest.raises(CommandError, match="invalid choice: 'lapse'"):
        call_command("governance", "lapse")
