"""The governance pages (governance/views.py) in the tests' own 达州 committee (tests/governance/factories.py): the
plans and my tasks, a plan, the task list and its filters, a task with its history, updates, moves, update form
and the office's decisions, evidence uploaded and downloaded, the office's import of work points (pasted, and a real
.docx) with its preview and its decisions, the office's new task; each form's refusals shown on the page with
nothing written; who gets a page, a 403 or a 404; the task page in English; the service hall's "我的工作任务"."""

import datetime
import re
from contextlib import contextmanager
from html import unescape

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.governance import services
from learncity.governance.inputs import ImportIn, MilestoneIn, UpdateIn
from learncity.governance.models import (
    Evidence,
    Milestone,
    ProgressUpdate,
    Task,
    TaskState,
    TaskTransition,
    TaskUnit,
    UnitAlias,
    UpdateState,
    WorkItem,
    WorkPlan,
)
from learncity.network.models import MemberUnit
from tests.governance.factories import (
    DAZHOU_2014,
    DAZHOU_UNKNOWN,
    PNG,
    docx_of,
    governance_fixtures,
    moved,
    two_items,
)

governance_built, gov = governance_fixtures()
TODAY = timezone.localdate()
YEAR = TODAY.year
TEXT = two_items(YEAR)
MECHANISM, SCHOOLS = "完善终身教育运行机制", "办好社区学校"




def snapshot():
    return (WorkPlan.objects.count(), WorkItem.objects.count(),
            list(Task.objects.order_by("pk").values_list("pk", "state", "due_on")), TaskUnit.objects.count(),
            TaskTransition.objects.count(),
            list(ProgressUpdate.objects.order_by("pk").values_list("pk", "state", "comment")),
            Evidence.objects.count(), UnitAlias.objects.count(), MemberUnit.objects.count(),
            list(Milestone.objects.order_by("pk").values_list("pk", "done_on")), AuditEvent.objects.count())


@contextmanager
def refused():
    """The page refused what was posted: the database is as it was (nothing written, nothing audited)."""
    before = snapshot()
    yield
    assert snapshot() == before, "a refused form must change nothing"


def html(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's text without its tags (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


@pytest.fixture
def as_(client):
    def sign_in(user):
        client.logout()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def plan(gov):
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=TEXT))


@pytest.fixture
def task(gov, plan):
    return Task.objects.get(plan=plan, title=MECHANISM)


@pytest.fixture
def started(gov, task):
    return moved(gov.education_reporter, task, "start")


@pytest.fixture
def update(gov, started):
    return services.update_post(actor=gov.reporter, task=started, data=UpdateIn(text="已开展培训"),
                                files=[("照片.png", PNG)])


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"governance:{name}", args=args)


# --- reading ----------------------------------------------------------------------------------------------------

def test_the_office_sees_its_plans_counted_by_state_and_where_to_import(gov, plan, started, as_):
    response = as_(gov.city_admin).get(_url("home"))
    assert response.status_code == 200
    page = text_of(response)
    assert plan.title in page
    assert "推进中 1" in page and "未启动 1" in page, page[page.find("年度工作要点"):][:600]
    assert _url("import", gov.committee.pk) in html(response)
    assert _url("plan", plan.pk) in html(response)


def test_a_member_unit_sees_its_own_open_tasks(gov, plan, started, as_):
    response = as_(gov.education_reporter).get(_url("home"))
    assert response.status_code == 200
    mine = html(response).split('data-testid="my-tasks"')[1].split("</section>")[0]
    assert MECHANISM in mine and SCHOOLS not in mine
    assert 'data-testid="office"' not in html(response)  # no import for a member unit


@pytest.mark.parametrize("role", ["staff", "learner"])
def test_staff_and_learners_have_no_part_in_it(gov, plan, task, role, as_):
    client = as_(gov.world.user(role))
    assert client.get(_url("home")).status_code == 403
    assert client.get(_url("tasks")).status_code == 403
    assert client.get(_url("plan", plan.pk)).status_code == 404
    assert client.get(_url("task", task.pk)).status_code == 404


def test_the_plan_page_shows_its_sections_items_tasks_states_units_and_time_limits(gov, plan, started, as_):
    response = as_(gov.expert).get(_url("plan", plan.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert "工作重点" in page and MECHANISM in page and SCHOOLS in page
    assert "推进中" in page and "未启动" in page
    assert f"{YEAR}-12-31 前完成" in page
    assert "牵头 达州市教育局" in page and "配合 达州市人力资源和社会保障局" in page
    assert "新增任务" not in page  # the expert reads; the office adds


def test_the_task_list_filters_by_state_and_mine(gov, plan, started, as_):
    client = as_(gov.city_admin)
    both = html(client.get(_url("tasks")))
    assert MECHANISM in both and SCHOOLS in both
    in_progress = html(client.get(_url("tasks"), {"state": "in_progress"}))
    assert MECHANISM in in_progress and SCHOOLS not in in_progress
    reporter = as_(gov.education_reporter)
    mine = html(reporter.get(_url("tasks"), {"mine": "1"}))
    assert MECHANISM in mine and SCHOOLS not in mine
    assert "没有符合条件的任务" in html(reporter.get(_url("tasks"), {"mine": "1", "state": "done"}))


def test_the_task_page_shows_units_history_updates_and_the_moves_open(gov, update, as_):
    task = update.task
    response = as_(gov.city_admin).get(_url("task", task.pk))
    assert response.status_code == 200
    page = text_of(response)
    assert "达州市教育局" in page and "达州市人力资源和社会保障局" in page
    assert "未启动 → 推进中" in page and str(gov.education_reporter) in page  # the history: who, from, to
    assert "已开展培训" in page and "照片.png" in page and "待审阅" in page
    forms = html(response)
    assert 'data-testid="move-complete"' in forms and 'data-testid="move-cancel"' in forms
    assert 'data-testid="move-start"' not in forms and 'data-testid="move-reschedule"' not in forms
    assert f'data-testid="decide-{update.pk}"' in forms  # the office decides the submitted update
    assert 'data-testid="update-form"' not in forms  # the city's office answers for no unit of this task


def test_a_lead_unit_sees_start_and_the_update_form_once_started(gov, task, as_):
    client = as_(gov.education_reporter)
    page = html(client.get(_url("task", task.pk)))
    assert 'data-testid="move-start"' in page and 'data-testid="move-complete"' not in page
    assert 'data-testid="update-form"' not in page  # not started: no progress yet
    moved(gov.education_reporter, task, "start")
    page = html(client.get(_url("task", task.pk)))
    assert 'data-testid="update-form"' in page and 'data-testid="moves"' not in page


def test_the_task_page_reads_in_english(gov, update, as_):
    client = as_(gov.city_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(_url("task", update.task.pk))
    assert response.status_code == 200
    page = text_of(response)
    for words in ("In progress", "Lead unit", "Cooperating units", "Progress", "History", "Complete",
                  "Awaiting review", "Accept", "Return for more", "Not started → In progress"):
        assert words in page, words
    for label in ("牵头单位", "配合单位", "办理记录", "进展情况", "确认完成", "采纳", "退回补充", "待审阅", "完成时限"):
        assert label not in page, label


def test_an_outsider_gets_404_for_a_task_and_its_evidence(gov, update, as_):
    evidence = update.evidence.get()
    client = as_(gov.district_admin_2)  # 达川区's official: the task is the city's, given to member units
    assert client.get(_url("task", update.task.pk)).status_code == 404
    assert client.get(_url("evidence", update.pk, evidence.pk)).status_code == 404


# --- moving a task ----------------------------------------------------------------------------------------------

def test_the_lead_unit_starts_its_task(gov, task, as_):
    response = as_(gov.education_reporter).post(_url("task_move", task.pk), {"event": "start"})
    assert response.status_code == 302 and response["Location"] == _url("task", task.pk)
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS
    assert TaskTransition.objects.filter(task=task, actor=gov.education_reporter).count() == 1


def test_completing_is_the_offices_a_unit_is_refused(gov, started, as_):
    with refused():
        response = as_(gov.education_reporter).post(_url("task_move", started.pk), {"event": "complete"})
    assert response.status_code == 403


def test_a_cancel_without_a_reason_is_shown_and_writes_nothing(gov, started, as_):
    with refused():
        response = as_(gov.city_admin).post(_url("task_move", started.pk), {"event": "cancel", "reason": " "})
    assert response.status_code == 400
    assert "请说明原因" in html(response).split('data-testid="move-errors"')[1]


def test_the_office_reschedules_an_overdue_task_with_a_reason_and_a_later_date(gov, started, as_):
    services.tasks_lapse(today=started.due_on.replace(year=started.due_on.year + 1))
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("task_move", started.pk), {"event": "reschedule", "reason": "延期",
                                                               "due_on": TODAY.isoformat()})
    assert response.status_code == 400 and "新的完成时限须晚于今天" in html(response)
    later = TODAY.replace(year=TODAY.year + 1)
    response = client.post(_url("task_move", started.pk), {"event": "reschedule", "reason": "延期",
                                                           "due_on": later.isoformat()})
    assert response.status_code == 302
    started.refresh_from_db()
    assert (started.state, started.due_on) == (TaskState.IN_PROGRESS, later)
    assert "延期" in html(client.get(_url("task", started.pk)))


# --- updates and the office's decisions -------------------------------------------------------------------------

def test_a_unit_posts_progress_with_figures_and_a_png_and_the_office_downloads_it(gov, started, as_):
    response = as_(gov.reporter).post(_url("update_new", started.pk), {
        "text": "已召开推进会", "figure_label": ["参训人数", ""], "figure_value": ["120", ""],
        "figure_unit": ["人", ""], "evidence": [SimpleUploadedFile("现场.png", PNG, "image/png")]})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(task=started)
    assert (update.member_unit, update.text, update.figures) == (
        gov.member_unit, "已召开推进会", [{"label": "参训人数", "value": "120", "unit": "人"}])
    evidence = update.evidence.get()
    download = as_(gov.city_admin).get(_url("evidence", update.pk, evidence.pk))
    assert download.status_code == 200
    assert download.content == PNG and download["Content-Type"] == "image/png"
    assert "attachment" in download["Content-Disposition"] and "%E7%8E%B0%E5%9C%BA.png" in download[
        "Content-Disposition"]


@pytest.mark.parametrize(("data", "message"), [
    ({"text": ""}, "必填"),
    ({"text": "进展", "figure_label": ["人数"], "figure_value": ["很多"], "figure_unit": [""]}, "「很多」不是数字"),
    ({"text": "进展", "evidence": "text"}, "不是 PDF、JPG 或 PNG"),
])
def test_a_bad_update_is_shown_and_writes_nothing(gov, started, data, message, as_):
    data = dict(data)
    if data.get("evidence") == "text":
        data["evidence"] = [SimpleUploadedFile("说明.png", b"just text", "image/png")]
    with refused():
        response = as_(gov.reporter).post(_url("update_new", started.pk), data)
    assert response.status_code == 400
    assert message in html(response).split('data-testid="update-errors"')[1]


def test_no_update_on_a_task_not_started(gov, task, as_):
    with refused():
        response = as_(gov.reporter).post(_url("update_new", task.pk), {"text": "进展"})
    assert response.status_code == 400 and "不能报送进展" in html(response)


def test_the_office_returns_an_update_with_a_comment_and_accepts_the_next(gov, update, as_):
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("update_decide", update.pk), {"decision": "return", "comment": ""})
    assert response.status_code == 400 and "退回补充时请写明需要补充的内容" in html(response)
    response = client.post(_url("update_decide", update.pk), {"decision": "return", "comment": "请补充名单"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.comment, update.decided_by) == (UpdateState.RETURNED, "请补充名单", gov.city_admin)
    assert "请补充名单" in html(as_(gov.reporter).get(_url("task", update.task_id)))
    with refused():  # decided once
        response = as_(gov.city_admin).post(_url("update_decide", update.pk), {"decision": "accept"})
    assert response.status_code == 400 and "已审阅" in html(response)


def test_a_unit_may_not_decide_its_own_update(gov, update, as_):
    with refused():
        response = as_(gov.reporter).post(_url("update_decide", update.pk), {"decision": "accept"})
    assert response.status_code == 403


# --- the office's import --------------------------------------------------------------------------------------

def test_the_import_page_is_the_offices(gov, as_):
    assert as_(gov.city_admin).get(_url("import", gov.committee.pk)).status_code == 200
    assert as_(gov.expert).get(_url("import", gov.committee.pk)).status_code == 403  # reads the committee
    assert as_(gov.staff).get(_url("import", gov.committee.pk)).status_code == 404


def test_the_preview_shows_title_year_items_units_and_asks_about_unknown_names(gov, as_):
    text = DAZHOU_2014.read_text(encoding="utf-8")
    with refused():
        response = as_(gov.city_admin).post(_url("import", gov.committee.pk), {"action": "preview", "text": text,
                                                                                "year": str(YEAR)})
    assert response.status_code == 200
    page = html(response)
    assert "工作要点" in page.split('data-testid="preview-title"')[1].split("</dd>")[0]
    assert str(YEAR) in page.split('data-testid="preview-year"')[1].split("</dd>")[0]
    unknown = page.split('data-testid="unknown"')[1].split("</div>")[0]
    for name in DAZHOU_UNKNOWN:
        assert f'value="{name}"' in unknown
    assert "新增为成员单位" in unknown and "不列入任务" in unknown and "达州市教育局" in unknown
    assert 'data-testid="preview-item-1"' in page and "牵头" in page.split('data-testid="preview-item-1"')[1]
    assert 'name="text"' in page and 'type="hidden"' in page


def test_an_import_with_undecided_names_is_refused_and_shows_the_preview_again(gov, as_):
    text = DAZHOU_2014.read_text(encoding="utf-8")
    with refused():
        response = as_(gov.city_admin).post(_url("import", gov.committee.pk), {"action": "import", "text": text})
    assert response.status_code == 400
    errors = html(response).split('data-testid="form-errors"')[1]
    assert "未能对应到本委员会的成员单位" in errors and "达州电大" in errors
    assert 'data-testid="unknown"' in html(response)


def test_the_import_with_decisions_writes_the_plan_and_goes_to_it(gov, as_):
    text = DAZHOU_2014.read_text(encoding="utf-8")
    names = DAZHOU_UNKNOWN
    decisions = [str(gov.units["教育局"].pk), "new"] + ["ignore"] * (len(names) - 2)
    response = as_(gov.city_admin).post(_url("import", gov.committee.pk), {
        "action": "import", "text": text, "year": str(YEAR), "unknown": names, "decision": decisions})
    assert response.status_code == 302
    plan = WorkPlan.objects.get(committee=gov.committee, year=YEAR)
    assert response["Location"] == _url("plan", plan.pk)
    assert UnitAlias.objects.filter(committee=gov.committee, name=names[0], member_unit=gov.units["教育局"]).exists()
    assert MemberUnit.objects.filter(committee=gov.committee, name=names[1]).exists()
    assert plan.tasks.count() == plan.items.count() > 0
    # a second plan of the same year: refused, shown, nothing written
    with refused():
        again = as_(gov.city_admin).post(_url("import", gov.committee.pk), {
            "action": "import", "text": text, "year": str(YEAR), "unknown": names,
            "decision": ["ignore"] * len(names)})
    assert again.status_code == 400 and f"已有 {YEAR} 年的工作要点" in html(again)


@pytest.mark.parametrize(("text", "message"), [
    ("只有一行字，没有标题", "没有找到文件标题"),
    (f"{YEAR}年达州市终身教育工作要点\n一、工作重点\n加强统筹。", "没有找到任何工作任务"),
])
def test_a_document_without_title_or_tasks_is_refused_on_the_page(gov, text, message, as_):
    with refused():
        response = as_(gov.city_admin).post(_url("import", gov.committee.pk), {"action": "preview", "text": text})
    assert response.status_code == 400
    assert message in html(response).split('data-testid="form-errors"')[1]


def test_a_docx_is_read_previewed_and_imported(gov, as_):
    client = as_(gov.city_admin)
    upload = SimpleUploadedFile("工作要点.docx", docx_of(TEXT.split("\n")),
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    with refused():
        preview = client.post(_url("import", gov.committee.pk), {"action": "preview", "file": upload})
    assert preview.status_code == 200
    page = html(preview)
    assert f"{YEAR}年达州市终身教育工作要点" in page and MECHANISM in page and SCHOOLS in page
    assert 'data-testid="unknown"' not in page  # every name known
    carried = re.search(r'<input type="hidden" name="text" value="([^"]*)"', page)[1]
    response = client.post(_url("import", gov.committee.pk), {"action": "import", "text": unescape(carried)})
    assert response.status_code == 302
    plan = WorkPlan.objects.get(committee=gov.committee)
    assert sorted(plan.tasks.values_list("title", flat=True)) == sorted([MECHANISM, SCHOOLS])


def test_a_file_that_is_not_a_docx_is_refused_on_the_page(gov, as_):
    with refused():
        response = as_(gov.city_admin).post(_url("import", gov.committee.pk), {
            "action": "preview", "file": SimpleUploadedFile("工作要点.docx", b"not a word file at all")})
    assert response.status_code == 400
    assert "不是 Word 文档（.docx）" in html(response).split('data-testid="form-errors"')[1]


# --- the office's new task --------------------------------------------------------------------------------------

def test_the_office_adds_a_task_to_an_item(gov, plan, as_):
    item = plan.items.get(position=1)
    client = as_(gov.city_admin)
    form = client.get(_url("task_new", item.pk))
    assert form.status_code == 200 and "达州市民政局" in html(form) and "通川区" in html(form)
    response = client.post(_url("task_new", item.pk), {
        "title": "编制社区教育地图", "description": "全市", "due_on": f"{YEAR}-10-31",
        "lead": [f"m:{gov.units['民政局'].pk}"], "cooperating": [f"c:{gov.lower['通川区'].pk}"]})
    assert response.status_code == 302
    task = Task.objects.get(item=item, title="编制社区教育地图")
    assert response["Location"] == _url("task", task.pk)
    assert sorted((u.part, str(u.unit)) for u in task.units.all()) == sorted(
        [("lead", "达州市民政局"), ("cooperating", str(gov.lower["通川区"]))])


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title": "", "due_on": f"{YEAR}-10-31", "lead": "unit"}, "title", "必填"),
    ({"title": "任务", "due_on": "明天", "lead": "unit"}, "due_on", "不是日期"),
    ({"title": "任务", "due_on": f"{YEAR}-10-31"}, "lead", "至少要有一个牵头单位"),
    ({"title": "任务", "due_on": f"{YEAR}-10-31", "lead": "unit", "indicator_codes": "NO-SUCH"},
     "indicator_codes", "没有这些指标：NO-SUCH"),
])
def test_a_bad_new_task_is_shown_beside_its_field_and_writes_nothing(gov, plan, data, field, message, as_):
    item = plan.items.get(position=1)
    data = dict(data)
    if data.get("lead") == "unit":
        data["lead"] = [f"m:{gov.units['民政局'].pk}"]
    with refused():
        response = as_(gov.city_admin).post(_url("task_new", item.pk), data)
    assert response.status_code == 400
    assert message in html(response).split(f'data-testid="error-{field}"')[1].split("</ul>")[0]


def test_a_member_unit_may_not_add_a_task(gov, plan, as_):
    with refused():
        response = as_(gov.education_reporter).post(_url("task_new", plan.items.get(position=1).pk),
                                                    {"title": "任务", "due_on": f"{YEAR}-10-31"})
    assert response.status_code == 403


# --- the service hall --------------------------------------------------------------------------------------------

def test_the_service_hall_lists_my_tasks_and_the_offices_work(gov, update, as_):
    page = html(as_(gov.education_reporter).get("/"))
    todo = page.split('data-testid="todo-tasks"')[1].split('<div class="card hall-todo')[0]
    assert "我的工作任务" in todo and MECHANISM in todo
    assert re.search(r'data-testid="todo-count">1<', todo)
    office = html(as_(gov.city_admin).get("/")).split('data-testid="todo-tasks"')[1]
    assert "1 条进展待审阅" in office.split('data-testid="tasks-office"')[1].split("</p>")[0]
    assert 'data-testid="todo-tasks"' not in html(as_(gov.staff).get("/"))


# --- milestones ---------------------------------------------------------------------------------------------------

def test_the_office_sets_a_milestone_on_the_task_page_and_the_lead_unit_marks_it_reached(gov, task, as_):
    page = as_(gov.city_admin).get(_url("task", task.pk))
    assert 'data-testid="milestone-form"' in html(page)
    response = as_(gov.city_admin).post(_url("milestone_new", task.pk), {"title": "完成调研", "due_on": str(TODAY)})
    assert response.status_code == 302
    milestone = Milestone.objects.get(task=task)
    lead = as_(gov.education_reporter).get(_url("task", task.pk))
    assert "完成调研" in text_of(lead) and f'data-testid="milestone-done-{milestone.pk}"' in html(lead)
    assert 'data-testid="milestone-form"' not in html(lead)
    assert as_(gov.education_reporter).post(_url("milestone_done", milestone.pk)).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    assert f"{TODAY:%Y-%m-%d} 已完成" in text_of(as_(gov.city_admin).get(_url("task", task.pk)))


def test_a_bad_milestone_is_shown_on_the_task_page_and_writes_nothing(gov, task, as_):
    late = task.due_on + datetime.timedelta(days=1)
    with refused():
        response = as_(gov.city_admin).post(_url("milestone_new", task.pk), {"title": "晚了", "due_on": str(late)})
    assert response.status_code == 400
    assert f"节点时限不能晚于任务的完成时限 {task.due_on}" in text_of(response)
    with refused():
        response = as_(gov.city_admin).post(_url("milestone_new", task.pk), {"title": "", "due_on": ""})
    assert response.status_code == 400


def test_only_the_office_sets_milestones_and_an_outsider_gets_404(gov, task, as_):
    with refused():
        assert as_(gov.education_reporter).post(
            _url("milestone_new", task.pk), {"title": "节点", "due_on": str(TODAY)}).status_code == 403
    with refused():
        assert as_(gov.user("district_admin")).post(
            _url("milestone_new", task.pk), {"title": "节点", "due_on": str(TODAY)}).status_code == 404
    milestone = services.milestone_add(actor=gov.city_admin, task=task, data=MilestoneIn(title="节点", due_on=TODAY))
    with refused():
        assert as_(gov.user("reporter")).post(_url("milestone_done", milestone.pk)).status_code == 403
        assert as_(gov.user("district_admin")).post(_url("milestone_done", milestone.pk)).status_code == 404
