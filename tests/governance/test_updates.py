"""Progress updates (governance/services/updates.py) and who reads what (governance/selectors.py): a unit posts
its progress with figures and evidence while its task is under way; the office accepts it or returns it with what
is missing; every refusal writes nothing; each role reads its own part."""


import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import DomainError, PermissionDenied
from learncity.governance import selectors, services
from learncity.governance.inputs import DecisionIn, FigureIn, ImportIn, UpdateIn
from learncity.governance.models import Evidence, ProgressUpdate, Task, TaskState, UpdateState
from tests.checks import refuses
from tests.governance.factories import PDF, PNG, governance_fixtures, moved, two_items

governance_built, gov = governance_fixtures()
TODAY = timezone.localdate()
TEXT = two_items(TODAY.year)




def snapshot():
    return (list(ProgressUpdate.objects.order_by("pk").values_list("pk", "state", "comment")),
            Evidence.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture
def plan(gov):
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=TEXT))


@pytest.fixture
def task(gov, plan):
    return moved(gov.education_reporter, Task.objects.get(plan=plan, title="完善终身教育运行机制"), "start")


def _post(actor, task, files=(), **kw):
    return services.update_post(actor=actor, task=task, files=list(files), data=UpdateIn(**({
        "text": "已召开全市社区教育工作推进会", "figures": [FigureIn(label="参训人数", value="120", unit="人")]} | kw)))


def test_a_cooperating_unit_posts_its_progress_with_figures_and_evidence(gov, task):
    update = _post(gov.reporter, task, files=[("现场照片.png", PNG), ("签到表.pdf", PDF)])
    assert (update.member_unit, update.committee, update.author, update.state) == (
        gov.units["人力资源和社会保障局"], None, gov.reporter, UpdateState.SUBMITTED)
    assert update.figures == [{"label": "参训人数", "value": "120", "unit": "人"}]
    files = list(Evidence.objects.filter(update=update).order_by("id").values_list("name", "content_type", "size"))
    assert files == [("现场照片.png", "image/png", len(PNG)), ("签到表.pdf", "application/pdf", len(PDF))]
    assert bytes(Evidence.objects.get(update=update, name="签到表.pdf").content) == PDF
    assert AuditEvent.objects.filter(action="task.update_post", object_id=str(update.pk)).exists()


@pytest.mark.parametrize("state", [TaskState.NOT_STARTED, TaskState.DONE, TaskState.CANCELLED])
def test_no_progress_is_posted_on_a_task_not_under_way(gov, plan, state):
    task = Task.objects.get(plan=plan, title="完善终身教育运行机制")
    if state != TaskState.NOT_STARTED:
        task = moved(gov.city_admin, task, "cancel", reason="并入") if state == TaskState.CANCELLED else moved(
            gov.city_admin, moved(gov.city_admin, task, "start"), "complete")
    error = refused(_post, actor=gov.education_reporter, task=task)
    assert error.errors["task"][0].startswith("任务「完善终身教育运行机制」当前为")


@pytest.mark.parametrize(("files", "message"), [
    ([("a.txt", b"hello")], "文件「a.txt」不是 PDF、JPG 或 PNG"),
    ([("empty.pdf", b"")], "文件「empty.pdf」是空的"),
    ([(f"p{i}.png", PNG) for i in range(6)], "证明材料最多 5 份"),
], ids=["not_evidence", "empty", "too_many"])
def test_wrong_evidence_is_refused_by_name(gov, task, files, message):
    error = refused(_post, actor=gov.reporter, task=task, files=files)
    assert error.errors == {"evidence": [message]}


@pytest.mark.parametrize(("kw", "field"), [
    ({"text": ""}, "text"), ({"figures": [{"label": "人数", "value": "abc"}]}, "figures.value"),
    ({"figures": [{"label": "", "value": "1"}]}, "figures.label"),
], ids=["no_text", "figure_not_a_number", "figure_without_label"])
def test_an_update_that_is_not_well_formed_is_refused_at_the_door(kw, field):
    from learncity.core.inputs import parse

    with pytest.raises(DomainError) as exc:
        parse(UpdateIn, {"text": "进展"} | kw)
    assert field in exc.value.errors


@pytest.mark.parametrize("who", ["district_admin_2", "expert", "auditor", "staff", "learner"])
def test_whoever_answers_for_none_of_its_units_cannot_post(gov, task, who):
    refused(_post, PermissionDenied, actor=gov.user(who), task=task)


def test_an_author_of_several_units_names_the_one_they_post_for(gov, plan):
    task = moved(gov.city_admin, Task.objects.get(plan=plan, title="办好社区学校"), "start")
    error = refused(_post, actor=gov.city_admin, task=task)  # 通川区's and 达川区's committees are both the city's
    assert error.errors["member_unit_id"][0].startswith("您负责该任务的多个单位，请选择本次报送的单位：")
    update = _post(gov.city_admin, task, committee_id=gov.lower["达川区"].pk)
    assert update.committee == gov.lower["达川区"]
    assert _post(gov.district_admin, task).committee == gov.lower["通川区"]


def test_the_office_accepts_or_returns_an_update_once(gov, task):
    first, second = _post(gov.reporter, task), _post(gov.education_reporter, task)
    accepted = services.update_decide(actor=gov.city_admin, update=first, data=DecisionIn(accept=True))
    returned = services.update_decide(actor=gov.city_admin, update=second,
                                      data=DecisionIn(accept=False, comment="请补充参训人员名单"))
    assert (accepted.state, accepted.decided_by) == (UpdateState.ACCEPTED, gov.city_admin)
    assert (returned.state, returned.comment) == (UpdateState.RETURNED, "请补充参训人员名单")
    error = refused(services.update_decide, actor=gov.city_admin, update=first, data=DecisionIn(accept=False,
                                                                                                 comment="x"))
    assert error.code == "already_decided"


def test_a_return_without_a_comment_is_refused(gov, task):
    update = _post(gov.reporter, task)
    error = refused(services.update_decide, actor=gov.city_admin, update=update, data=DecisionIn(accept=False))
    assert error.errors == {"comment": ["退回补充时请写明需要补充的内容"]}


@pytest.mark.parametrize("who", ["reporter", "district_admin", "expert", "auditor"])
def test_only_the_office_decides(gov, task, who):
    update = _post(gov.education_reporter, task)
    refused(services.update_decide, PermissionDenied, actor=gov.user(who), update=update,
            data=DecisionIn(accept=True))


def test_each_role_reads_its_own_part(gov, plan, task):
    _post(gov.reporter, task)
    every = {"完善终身教育运行机制", "办好社区学校"}

    def titles(who, **kw):
        actor = gov.user(who) if isinstance(who, str) else who
        return {t.title for t in selectors.task_list(actor=actor, **kw).filter(plan=plan)}

    assert titles("city_admin") == titles("expert") == titles("auditor") == titles("admin") == every
    assert titles("reporter") == titles(gov.education_reporter) == {"完善终身教育运行机制"}
    assert titles("district_admin") == titles("district_admin_2") == {"办好社区学校"}
    assert titles("staff") == titles("learner") == set()
    assert titles("city_admin", mine=True) == {"办好社区学校"}  # the city office answers for the district committees
    assert len(selectors.task_updates(actor=gov.education_reporter, task=task)) == 0  # another unit's update
    assert len(selectors.task_updates(actor=gov.reporter, task=task)) == 1
    assert len(selectors.task_updates(actor=gov.city_admin, task=task)) == 1
    assert {p.pk for p in selectors.plan_list(actor=gov.reporter)} == {plan.pk}  # the plan its committee sent


def test_the_service_halls_to_do_counts_tasks_updates_and_lateness(gov, plan, task):
    _post(gov.reporter, task)
    mine = selectors.home_tasks(actor=gov.reporter, today=TODAY)
    assert (mine["count"], mine["updates"], [t.title for t in mine["items"]]) == (1, 0, ["完善终身教育运行机制"])
    office = selectors.home_tasks(actor=gov.city_admin, today=TODAY)
    assert (office["updates"], office["late"]) == (1, 0)
    services.tasks_lapse(today=task.due_on + timezone.timedelta(days=1))
    assert selectors.home_tasks(actor=gov.city_admin, today=TODAY)["late"] == 2
    assert selectors.home_tasks(actor=gov.reporter, today=TODAY)["overdue"] == 1
