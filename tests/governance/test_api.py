"""The committee's year through the JSON API (governance/api.py), with bearer tokens: the office imports work points
(text or .docx, the names it did not know decided), adds and moves tasks, and accepts or returns progress; a unit
starts its task and posts its progress with evidence; each role reads its part. A malformed body is a 422 naming the
field, a refused one a 400 with the field's message, an action not allowed a 403, anything outside the caller's
scope a 404, and no refusal writes anything. Who may call what, role by role, is declared in
tests/api/test_authorization_matrix.py.

The world: tests/governance/factories.py (达州's committee with its member units, 通川区's and 达川区's committees
below it, a reporter of 教育局 and the world's reporter of 人力资源和社会保障局)."""

import base64
import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.scopes import Role
from learncity.governance import services
from learncity.governance.inputs import ImportIn, MilestoneIn
from learncity.governance.models import (
    Evidence,
    Milestone,
    ProgressUpdate,
    Task,
    TaskTransition,
    TaskUnit,
    UnitAlias,
    WorkItem,
    WorkPlan,
)
from learncity.network.models import MemberUnit
from tests.governance.factories import (
    DAZHOU_2014,
    DAZHOU_UNKNOWN,
    PDF,
    docx_of,
    governance_fixtures,
    moved,
    two_items,
)
from tests.network.factories import committee_make, member_unit_make
from tests.people.factories import account_make
from tests.places.factories import place

governance_built, gov = governance_fixtures()
TODAY = timezone.localdate()
YEAR = TODAY.year
URL = "/api/governance"
# Two items: the first led by 教育局 with 人力资源和社会保障局 cooperating, the second by the two districts' committees.
TEXT = two_items(YEAR)
FIRST, SECOND = "完善终身教育运行机制", "办好社区学校"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def snapshot():
    return (list(WorkPlan.objects.order_by("pk").values_list("pk", "year")), WorkItem.objects.count(),
            list(Task.objects.order_by("pk").values_list("pk", "state", "due_on")), TaskUnit.objects.count(),
            TaskTransition.objects.count(),
            list(ProgressUpdate.objects.order_by("pk").values_list("pk", "state", "comment")),
            Evidence.objects.count(), UnitAlias.objects.count(), MemberUnit.objects.count(),
            list(Milestone.objects.order_by("pk").values_list("pk", "done_on")), AuditEvent.objects.count())


CODES = {422: "invalid_input", 403: "permission_denied", 404: "not_found", 401: "unauthorized"}


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert body["code"] == (code or CODES.get(status, "invalid")), body
    assert body["detail"]
    return body


def refused(send, status: int, code: str | None = None) -> dict:
    """The call's refusal (its JSON error), checked to have written nothing."""
    before = snapshot()
    body = error(send(), status, code)
    assert snapshot() == before, "a refused call must change nothing"
    return body


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


ROLES = ("city_admin", "district_admin", "district_admin_2", "staff", "reporter", "expert", "auditor", "learner")


@pytest.fixture
def as_(gov, api_as):
    """as_(user) -> the user's API client. Every role's is made first, its token (and the token's audit row) before
    anything a test compares; another user's is made on first use."""
    clients = {u.pk: api_as(u) for u in [*(gov.world.user(r) for r in ROLES), gov.education_reporter]}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = api_as(user)
        return clients[user.pk]

    return make


@pytest.fixture
def plan(gov):
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=TEXT))


@pytest.fixture
def task(plan):
    return Task.objects.get(plan=plan, title=FIRST)


@pytest.fixture
def started(gov, task):
    return moved(gov.education_reporter, task, "start")


def _units(task_json) -> set:
    return {(u["part"], u["name"]) for u in task_json["units"]}


def _titles(rows) -> list[str]:
    return [r["title"] for r in rows]


# --- work plans --------------------------------------------------------------------------------------------------

def test_the_office_lists_its_plans_with_their_tasks_by_state_and_reads_one_with_its_items(gov, plan, task, as_):
    moved(gov.city_admin, task, "start")
    client = as_(gov.city_admin)

    listed = client.get(f"{URL}/plans").json()
    one = client.get(f"{URL}/plans/{plan.pk}").json()

    assert [(p["id"], p["committee_id"], p["place_code"], p["year"], p["title"]) for p in listed] == [
        (plan.pk, gov.committee.pk, gov.city.code, YEAR, f"{YEAR}年达州市终身教育工作要点")]
    assert [(i["section"], i["position"], i["number"], i["title"]) for i in one["items"]] == [
        ("工作重点", 1, "一", FIRST), ("工作重点", 2, "二", SECOND)]
    first, second = (i["tasks"][0] for i in one["items"])
    assert (first["title"], first["state"], first["state_label"], first["due_on"]) == (
        FIRST, "in_progress", "推进中", f"{YEAR}-12-31")
    assert _units(first) == {("lead", "达州市教育局"), ("cooperating", "达州市人力资源和社会保障局")}
    assert _units(second) == {("lead", "通川区终身教育促进委员会"), ("lead", "达川区终身教育促进委员会")}


# (the plan's rule joins its committee's members: each task is counted once all the same)
@pytest.mark.parametrize("role", ["city_admin", "expert", "education_reporter"])
def test_a_plan_is_listed_with_its_count_of_tasks_by_state(gov, plan, task, as_, role):
    moved(gov.city_admin, task, "start")
    user = gov.education_reporter if role == "education_reporter" else gov.world.user(role)

    listed = as_(user).get(f"{URL}/plans").json()

    assert [(p["id"], p["task_count"], p["tasks_by_state"]) for p in listed] == [(plan.pk, 2, {
        "not_started": 1, "in_progress": 1, "done": 0, "overdue": 0, "cancelled": 0})]


def test_a_member_unit_reads_the_plan_but_only_its_own_units_tasks(gov, plan, as_):
    one = as_(gov.education_reporter).get(f"{URL}/plans/{plan.pk}").json()

    assert [len(i["tasks"]) for i in one["items"]] == [1, 0]
    assert _units(one["items"][0]["tasks"][0]) == {("lead", "达州市教育局")}  # not the other unit's part


@pytest.mark.parametrize("role", ["district_admin", "staff", "learner"])
def test_a_plan_outside_the_callers_committees_is_not_found(gov, plan, as_, role):
    client = as_(gov.world.user(role))

    assert client.get(f"{URL}/plans").json() == []
    error(client.get(f"{URL}/plans/{plan.pk}"), 404)


def test_no_route_answers_without_signing_in(gov, plan, client):
    error(client.get(f"{URL}/plans"), 401)
    refused(lambda: post(client, f"{URL}/committees/{gov.committee.pk}/import", {"text": TEXT}), 401)


# --- importing work points ---------------------------------------------------------------------------------------

def test_the_preview_of_the_dazhou_document_names_what_it_could_not_match_and_writes_nothing(gov, as_):
    client = as_(gov.city_admin)
    before = snapshot()

    response = post(client, f"{URL}/committees/{gov.committee.pk}/import/preview",
                    {"text": DAZHOU_2014.read_text(encoding="utf-8"), "decisions": {"达州电大": "new"}})

    assert response.status_code == 200, response.content.decode()[:500]
    body = response.json()
    assert (body["title"], body["year"], len(body["items"])) == ("达州市2014年继续教育工作要点", 2014, 12)
    assert body["unknown"] == DAZHOU_UNKNOWN
    assert body["undecided"] == DAZHOU_UNKNOWN[1:]
    first, second = body["items"][:2]
    assert (first["section"], first["number"], first["title"]) == ("工作重点", "一", "构建继续教育三级网络")
    names = {u["name"]: u for u in first["units"] + second["units"]}
    assert [m["name"] for m in names["市教育局"]["member_units"]] == ["达州市教育局"]
    assert (names["市教育局"]["part"], names["市教育局"]["unknown"]) == ("lead", False)
    assert (names["达州电大"]["unknown"], names["达州电大"]["decision"], names["达州电大"]["member_units"]) == (
        True, "new", [])
    lower = next(u for u in first["units"] if u["group"] == "lower_governments")
    assert [c["name"] for c in lower["committees"]] == ["通川区终身教育促进委员会", "达川区终身教育促进委员会"]
    assert snapshot() == before


def test_the_dazhou_seed_imports_through_the_api_with_the_offices_decisions(gov, as_):
    client = as_(gov.city_admin)
    text = DAZHOU_2014.read_text(encoding="utf-8")
    decisions = {"达州电大": services.NEW, "市广播电视台": str(gov.units["委宣传部"].pk),
                 "达州经开区管委会": services.IGNORE, "市政府督查室": services.IGNORE, "达州日报社": services.IGNORE}
    url = f"{URL}/committees/{gov.committee.pk}/import"
    preview = post(client, f"{url}/preview", {"text": text, "year": YEAR, "decisions": decisions}).json()
    assert (preview["unknown"], preview["undecided"]) == (DAZHOU_UNKNOWN, [])

    response = post(client, url, {"text": text, "year": YEAR, "decisions": decisions})

    assert response.status_code == 201, response.content.decode()[:500]
    body = response.json()
    plan = WorkPlan.objects.get(pk=body["id"])
    assert (body["title"], body["year"], plan.committee) == ("达州市2014年继续教育工作要点", YEAR, gov.committee)
    assert [(i["section"], i["title"]) for i in body["items"]][:2] == [
        ("工作重点", "构建继续教育三级网络"), ("工作重点", "打造继续教育公共服务平台")]
    assert len(body["items"]) == 12 and all(len(i["tasks"]) == 1 for i in body["items"])
    tasks = {i["title"]: i["tasks"][0] for i in body["items"]}
    assert _units(tasks["强化舆论宣传"]) == {("lead", "达州市委宣传部"), ("lead", "达州电大")}
    assert _units(tasks["打造继续教育公共服务平台"]) == {("lead", "达州市教育局"), ("lead", "达州市委编办"),
                                                    ("lead", "达州电大")}
    assert {t["state"] for t in tasks.values()} == {"not_started"}
    assert MemberUnit.objects.filter(committee=gov.committee, name="达州电大").exists()
    assert list(UnitAlias.objects.filter(committee=gov.committee).values_list("name", "member_unit")) == [
        ("市广播电视台", gov.units["委宣传部"].pk)]
    assert AuditEvent.objects.filter(action="workplan.import", object_id=str(plan.pk)).count() == 1


def test_the_import_is_refused_while_a_name_is_undecided_or_the_year_has_its_plan(gov, plan, as_):
    client = as_(gov.city_admin)
    url = f"{URL}/committees/{gov.committee.pk}/import"
    dazhou = DAZHOU_2014.read_text(encoding="utf-8")

    undecided = refused(lambda: post(client, url, {"text": dazhou, "decisions": {"达州电大": "ignore"}}), 400,
                        "units_undecided")
    assert undecided["errors"]["units"][0].endswith("：" + "、".join(DAZHOU_UNKNOWN[1:]))
    again = refused(lambda: post(client, url, {"text": TEXT}), 400)
    assert again["errors"]["year"] == [f"{gov.committee.name}已有 {YEAR} 年的工作要点"]


def test_a_decision_naming_another_committees_unit_is_refused_with_its_message(gov, as_):
    other = member_unit_make(gov.admin, committee_make(gov.admin, place("350400")), name="三明市教育局")
    client = as_(gov.city_admin)

    body = refused(lambda: post(client, f"{URL}/committees/{gov.committee.pk}/import", {
        "text": DAZHOU_2014.read_text(encoding="utf-8"), "decisions": {"达州电大": str(other.pk)}}), 400)

    assert body["errors"]["decisions"] == [f"「达州电大」的处理方式「{other.pk}」不是本委员会的成员单位"]


def test_a_document_without_tasks_is_refused_with_its_message(gov, as_):
    body = refused(lambda: post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/import", {
        "text": f"{YEAR}年达州市终身教育工作要点\n一、工作重点\n加强统筹。"}), 400)

    assert body["errors"]["text"][0].startswith("文件中没有找到任何工作任务")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": TEXT, "year": 1999}, "year"),
    ({"text": TEXT, "year": "今年"}, "year"),
    ({"text": TEXT, "decisions": ["达州电大"]}, "decisions"),
])
def test_a_malformed_import_is_a_422_naming_the_field(gov, as_, body, field):
    client = as_(gov.city_admin)
    for route in ("import", "import/preview"):
        answer = refused(lambda route=route: post(client, f"{URL}/committees/{gov.committee.pk}/{route}", body), 422)
        assert list(answer["errors"]) == [field]


@pytest.mark.parametrize(("role", "committee", "status"), [
    ("reporter", "city", 403),  # its unit sits on the committee: it reads the plan, it does not import one
    ("expert", "city", 403),
    ("auditor", "city", 403),
    ("district_admin", "city", 404),  # 通川区's administrator: not the city's committee
    ("district_admin", "达川区", 404),
    ("staff", "city", 404),
    ("learner", "city", 404),
])
def test_only_the_committees_office_imports(gov, as_, role, committee, status):
    target = gov.committee if committee == "city" else gov.lower[committee]
    client = as_(gov.world.user(role))

    for route in ("import", "import/preview"):
        refused(lambda route=route: post(client, f"{URL}/committees/{target.pk}/{route}", {"text": TEXT}), status)


def test_a_district_office_imports_its_own_committees_work_points(gov, as_):
    committee = gov.lower["通川区"]
    text = f"{YEAR}年通川区终身教育工作要点\n(一)办好社区学校。(责任单位：终身教育促进委员会办公室)"

    response = post(as_(gov.district_admin), f"{URL}/committees/{committee.pk}/import", {"text": text})

    assert response.status_code == 201, response.content.decode()[:500]
    assert _units(response.json()["items"][0]["tasks"][0]) == {("lead", committee.name)}


def test_the_dazhou_seed_imports_from_a_docx(gov, as_):
    decisions = dict.fromkeys(DAZHOU_UNKNOWN, services.IGNORE)
    content = docx_of(DAZHOU_2014.read_text(encoding="utf-8").splitlines())

    response = post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/import/docx", {
        "name": "达州市2014年继续教育工作要点.docx", "content_base64": b64(content), "year": YEAR,
        "decisions": decisions | {"达州电大": None}})  # a blank decision is no decision

    error(response, 400, "units_undecided")
    response = post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/import/docx", {
        "name": "达州市2014年继续教育工作要点.docx", "content_base64": b64(content), "year": YEAR,
        "decisions": decisions})
    assert response.status_code == 201, response.content.decode()[:500]
    body = response.json()
    assert (body["title"], body["year"], len(body["items"])) == ("达州市2014年继续教育工作要点", YEAR, 12)
    assert _units(body["items"][-1]["tasks"][0]) == {("lead", "达州市委宣传部")}


def _docx_import(client, gov, content_base64: str, name: str = "要点.docx"):
    return post(client, f"{URL}/committees/{gov.committee.pk}/import/docx",
                {"name": name, "content_base64": content_base64})


def test_a_file_that_is_not_a_docx_is_refused_with_its_message(gov, as_):
    client = as_(gov.city_admin)

    not_base64 = refused(lambda: _docx_import(client, gov, "这不是Base64"), 400)
    not_docx = refused(lambda: _docx_import(client, gov, b64(TEXT.encode()), name="要点.txt"), 400)
    zip_not_docx = io.BytesIO()
    with zipfile.ZipFile(zip_not_docx, "w") as z:
        z.writestr("readme.txt", "不是 Word 文档")
    other_zip = refused(lambda: _docx_import(client, gov, b64(zip_not_docx.getvalue())), 400)

    assert not_base64["errors"] == {"content_base64": ["文件「要点.docx」的 content_base64 不是有效的 Base64 编码"]}
    assert not_docx["errors"] == {"file": ["「要点.txt」不是 Word 文档（.docx）"]}
    assert other_zip["errors"] == {"file": ["「要点.docx」不是 Word 文档（.docx）"]}


def test_a_docx_too_big_or_expanding_too_far_is_refused_before_it_is_read(gov, as_, settings):
    client = as_(gov.city_admin)
    content = docx_of(TEXT.splitlines())
    settings.LEARNCITY_MAX_UPLOAD_BYTES = len(content) - 1

    too_big = refused(lambda: _docx_import(client, gov, b64(content)), 400, "file_rejected")
    settings.LEARNCITY_MAX_UPLOAD_BYTES = len(content) * 2
    settings.LEARNCITY_MAX_EXPANDED_BYTES = 1000
    too_far = refused(lambda: _docx_import(client, gov, b64(content)), 400, "file_rejected")

    assert too_big["errors"]["file"][0].startswith("文件「要点.docx」大小")
    assert "超过上限" in too_big["errors"]["file"][0]
    assert too_far["errors"]["file"][0].startswith("文件「要点.docx」解压后共")


@pytest.mark.parametrize(("body", "field"), [
    ({"content_base64": "", "decisions": {}}, "name"),
    ({"name": "要点.docx"}, "content_base64"),
    ({"name": "要点.docx", "content_base64": "", "year": 2101}, "year"),
])
def test_a_malformed_docx_import_is_a_422_naming_the_field(gov, as_, body, field):
    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/import/docx", body),
                     422)
    assert list(answer["errors"]) == [field]


# --- tasks -------------------------------------------------------------------------------------------------------

def test_each_role_lists_the_tasks_of_its_part_and_its_own_with_mine(gov, plan, task, as_):
    moved(gov.city_admin, task, "start")

    def listed(user, **query):
        response = as_(user).get(f"{URL}/tasks", query)
        assert response.status_code == 200, response.content.decode()[:500]
        body = response.json()
        assert body["count"] == len(body["items"])
        return _titles(body["items"])

    assert listed(gov.city_admin) == [FIRST, SECOND]
    assert listed(gov.city_admin, mine="true") == [SECOND]  # the city's officials answer for the districts'
    assert listed(gov.city_admin, state="in_progress") == [FIRST]
    assert listed(gov.city_admin, state="not_started") == [SECOND]
    assert listed(gov.expert) == listed(gov.auditor) == [FIRST, SECOND]
    assert listed(gov.education_reporter) == listed(gov.reporter, mine="true") == [FIRST]
    assert listed(gov.district_admin) == listed(gov.district_admin_2, mine="true") == [SECOND]
    assert listed(gov.staff) == listed(gov.learner) == []


def test_a_task_with_its_units_history_and_the_moves_the_caller_may_make(gov, task, as_):
    def read(user):
        response = as_(user).get(f"{URL}/tasks/{task.pk}")
        assert response.status_code == 200, response.content.decode()[:500]
        return response.json()

    assert (read(gov.city_admin)["events"], read(gov.education_reporter)["events"], read(gov.reporter)["events"],
            read(gov.expert)["events"]) == (["start", "cancel"], ["start"], [], [])
    response = post(as_(gov.education_reporter), f"{URL}/tasks/{task.pk}/move", {"event": "start"})
    assert response.status_code == 200, response.content.decode()[:500]
    body = read(gov.city_admin)
    assert (body["state"], body["events"], body["item_title"], body["committee_id"]) == (
        "in_progress", ["complete", "cancel"], FIRST, gov.committee.pk)
    assert _units(body) == {("lead", "达州市教育局"), ("cooperating", "达州市人力资源和社会保障局")}
    assert [(h["from_state"], h["to_state"], h["actor"], h["reason"]) for h in body["history"]] == [
        ("not_started", "in_progress", str(gov.education_reporter), "")]
    assert _units(read(gov.reporter)) == {("cooperating", "达州市人力资源和社会保障局")}


@pytest.mark.parametrize("role", ["district_admin", "district_admin_2", "staff", "learner"])
def test_a_task_outside_the_callers_part_is_not_found(gov, task, as_, role):
    client = as_(gov.world.user(role))

    error(client.get(f"{URL}/tasks/{task.pk}"), 404)
    error(client.get(f"{URL}/tasks/{task.pk}/updates"), 404)
    refused(lambda: post(client, f"{URL}/tasks/{task.pk}/move", {"event": "start"}), 404)


def test_the_office_adds_a_task_with_its_units(gov, plan, as_):
    item = WorkItem.objects.get(plan=plan, position=1)

    response = post(as_(gov.city_admin), f"{URL}/tasks", {
        "item_id": item.pk, "title": "编制社区教育指南", "description": "年内印发", "due_on": f"{YEAR}-10-31",
        "lead": [{"member_unit_id": gov.units["民政局"].pk}],
        "cooperating": [{"member_unit_id": gov.units["财政局"].pk}, {"committee_id": gov.lower["通川区"].pk}]})

    assert response.status_code == 201, response.content.decode()[:500]
    body = response.json()
    created = Task.objects.get(pk=body["id"])
    assert (created.item, created.title, body["due_on"], body["state"], body["events"]) == (
        item, "编制社区教育指南", f"{YEAR}-10-31", "not_started", ["start", "cancel"])
    assert _units(body) == {("lead", "达州市民政局"), ("cooperating", "达州市财政局"),
                            ("cooperating", "通川区终身教育促进委员会")}
    assert AuditEvent.objects.filter(action="task.create", object_id=str(created.pk)).count() == 1


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"lead": []}, "lead", "任务至少要有一个牵头单位"),
    ({"lead": [{"member_unit_id": None, "committee_id": None}]}, "lead", "这些单位不是本委员会的成员单位或下级委员会：?"),
    ({"indicator_codes": ["NO-SUCH"]}, "indicator_codes", "没有这些指标：NO-SUCH"),
    ({"due_on": "2001-01-01"}, "due_on", f"完成时限早于工作要点的年度 {YEAR}"),
])
def test_a_refused_task_is_a_400_with_the_fields_message(gov, plan, as_, change, field, message):
    item = WorkItem.objects.get(plan=plan, position=1)
    body = {"item_id": item.pk, "title": "编制社区教育指南", "due_on": f"{YEAR}-10-31",
            "lead": [{"member_unit_id": gov.units["民政局"].pk}]} | change

    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/tasks", body), 400)

    assert answer["errors"] == {field: [message]}


def test_a_unit_of_another_committee_is_refused(gov, plan, as_):
    other = member_unit_make(gov.admin, committee_make(gov.admin, place("350400")), name="三明市教育局")
    item = WorkItem.objects.get(plan=plan, position=1)

    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/tasks", {
        "item_id": item.pk, "title": "编制社区教育指南", "due_on": f"{YEAR}-10-31",
        "lead": [{"member_unit_id": other.pk}]}), 400)

    assert answer["errors"] == {"lead": [f"这些单位不是本委员会的成员单位或下级委员会：{other.pk}"]}


@pytest.mark.parametrize(("role", "status"), [
    ("education_reporter", 403), ("expert", 403),  # they read the item
    ("district_admin", 404), ("staff", 404),  # they do not: as if it did not exist
])
def test_only_the_office_adds_tasks(gov, plan, as_, role, status):
    item = WorkItem.objects.get(plan=plan, position=1)
    user = gov.education_reporter if role == "education_reporter" else gov.world.user(role)

    refused(lambda: post(as_(user), f"{URL}/tasks", {
        "item_id": item.pk, "title": "编制社区教育指南", "due_on": f"{YEAR}-10-31",
        "lead": [{"member_unit_id": gov.units["教育局"].pk}]}), status)


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"due_on": "下个月"}, "due_on"),
    ({"item_id": "一"}, "item_id"),
    ({"lead": [{"member_unit_id": "教育局"}]}, "lead.0.member_unit_id"),
])
def test_a_malformed_task_is_a_422_naming_the_field(gov, plan, as_, change, field):
    body = {"item_id": WorkItem.objects.get(plan=plan, position=1).pk, "title": "编制社区教育指南",
            "due_on": f"{YEAR}-10-31", "lead": [{"member_unit_id": gov.units["民政局"].pk}]} | change

    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/tasks", body), 422)

    assert list(answer["errors"]) == [field]


def test_the_office_moves_a_task_through_its_states(gov, task, as_):
    client = as_(gov.city_admin)

    started = post(client, f"{URL}/tasks/{task.pk}/move", {"event": "start"}).json()
    done = post(client, f"{URL}/tasks/{task.pk}/move", {"event": "complete"}).json()

    assert (started["state"], done["state"], done["events"]) == ("in_progress", "done", [])
    assert [h["to_state"] for h in done["history"]] == ["in_progress", "done"]
    assert AuditEvent.objects.filter(action="task.complete", object_id=str(task.pk)).count() == 1


def test_a_cancel_needs_a_reason_and_a_reschedule_a_later_time_limit(gov, task, as_):
    client = as_(gov.city_admin)
    url = f"{URL}/tasks/{task.pk}/move"

    cancel = refused(lambda: post(client, url, {"event": "cancel"}), 400)
    cancelled = post(client, url, {"event": "cancel", "reason": "并入其他任务"}).json()

    assert cancel["errors"] == {"reason": ["请说明原因"]}
    assert ([h["reason"] for h in cancelled["history"]], cancelled["state"]) == (["并入其他任务"], "cancelled")


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"event": "lapse"}, "event", "invalid"),  # the system's move, not a caller's
    ({"event": "fly"}, "event", "invalid"),
    ({"event": "complete"}, "state", "transition_refused"),  # not started: nothing to complete
    ({"event": "reschedule", "reason": "延期", "due_on": f"{YEAR + 1}-06-30"}, "state", "transition_refused"),
    ({"event": "reschedule", "reason": "延期"}, "due_on", "invalid"),  # a reschedule names its new time limit
])
def test_a_move_the_table_does_not_allow_is_refused_with_its_message(gov, task, as_, body, field, code):
    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/tasks/{task.pk}/move", body), 400, code)

    assert list(answer["errors"]) == [field]


@pytest.mark.parametrize(("role", "event"), [
    ("reporter", "start"),  # a cooperating unit does not start the task
    ("education_reporter", "cancel"),  # the lead unit starts it; the office cancels
    ("expert", "start"),
    ("auditor", "start"),
])
def test_a_move_the_caller_may_not_make_is_a_403(gov, task, as_, role, event):
    user = gov.education_reporter if role == "education_reporter" else gov.world.user(role)

    refused(lambda: post(as_(user), f"{URL}/tasks/{task.pk}/move", {"event": event, "reason": "试一试"}), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "event"),
    ({"event": ""}, "event"),
    ({"event": "reschedule", "reason": "延期", "due_on": "明年"}, "due_on"),
    ({"event": "cancel", "reason": "长" * 501}, "reason"),
])
def test_a_malformed_move_is_a_422_naming_the_field(gov, task, as_, body, field):
    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/tasks/{task.pk}/move", body), 422)

    assert list(answer["errors"]) == [field]


# --- progress updates --------------------------------------------------------------------------------------------

def _update(client, task, files=(), change=None):
    return post(client, f"{URL}/tasks/{task.pk}/updates", {
        "text": "已召开全市社区教育工作推进会", "figures": [{"label": "参训人数", "value": "120", "unit": "人"}],
        "files": [{"name": n, "content_base64": b64(c)} for n, c in files]} | (change or {}))


def test_a_unit_posts_its_progress_with_evidence_and_the_office_reads_and_accepts_it(gov, started, as_):
    response = _update(as_(gov.reporter), started, files=[("签到表.pdf", PDF)])

    assert response.status_code == 201, response.content.decode()[:500]
    posted = response.json()
    assert (posted["task_id"], posted["unit_name"], posted["author"], posted["state"], posted["figures"]) == (
        started.pk, "达州市人力资源和社会保障局", str(gov.reporter), "submitted",
        [{"label": "参训人数", "value": "120", "unit": "人"}])
    assert [(e["name"], e["content_type"], e["size"]) for e in posted["evidence"]] == [
        ("签到表.pdf", "application/pdf", len(PDF))]
    office = as_(gov.city_admin)
    assert [u["id"] for u in office.get(f"{URL}/tasks/{started.pk}/updates").json()] == [posted["id"]]
    evidence = office.get(f"{URL}/updates/{posted['id']}/evidence/{posted['evidence'][0]['id']}")
    assert (evidence.status_code, evidence["Content-Type"], evidence.content) == (200, "application/pdf", PDF)
    assert "attachment" in evidence["Content-Disposition"]

    decided = post(office, f"{URL}/updates/{posted['id']}/decide", {"accept": True}).json()

    assert (decided["state"], decided["decided_by"]) == ("accepted", str(gov.city_admin))
    assert AuditEvent.objects.filter(action="task.update_accept", object_id=str(posted["id"])).count() == 1


def test_each_unit_reads_its_own_updates_and_not_another_units(gov, started, as_):
    mine = _update(as_(gov.education_reporter), started).json()
    theirs = _update(as_(gov.reporter), started, files=[("签到表.pdf", PDF)]).json()
    client = as_(gov.education_reporter)

    assert [u["id"] for u in client.get(f"{URL}/tasks/{started.pk}/updates").json()] == [mine["id"]]
    error(client.get(f"{URL}/updates/{theirs['id']}/evidence/{theirs['evidence'][0]['id']}"), 404)
    assert {u["id"] for u in as_(gov.expert).get(f"{URL}/tasks/{started.pk}/updates").json()} == {
        mine["id"], theirs["id"]}


def test_a_returned_update_needs_a_comment_and_an_update_is_decided_once(gov, started, as_):
    update = _update(as_(gov.reporter), started).json()
    office = as_(gov.city_admin)
    url = f"{URL}/updates/{update['id']}/decide"

    no_comment = refused(lambda: post(office, url, {"accept": False}), 400)
    returned = post(office, url, {"accept": False, "comment": "请补充签到表"}).json()
    twice = refused(lambda: post(office, url, {"accept": True}), 400, "already_decided")

    assert no_comment["errors"] == {"comment": ["退回补充时请写明需要补充的内容"]}
    assert (returned["state"], returned["comment"]) == ("returned", "请补充签到表")
    assert list(twice["errors"]) == ["state"]


@pytest.mark.parametrize(("role", "status"), [
    ("reporter", 403),  # its own update: read, not decided
    ("expert", 403),
    ("auditor", 403),
    ("education_reporter", 404),  # another unit's
    ("district_admin", 404),
    ("staff", 404),
])
def test_only_the_office_decides_an_update(gov, started, as_, role, status):
    update = _update(as_(gov.reporter), started).json()
    user = gov.education_reporter if role == "education_reporter" else gov.world.user(role)

    refused(lambda: post(as_(user), f"{URL}/updates/{update['id']}/decide", {"accept": True}), status)


def test_no_progress_is_posted_on_a_task_not_under_way_nor_by_a_unit_not_on_it(gov, task, as_):
    not_started = refused(lambda: _update(as_(gov.education_reporter), task), 400)
    moved(gov.city_admin, task, "start")
    unit = member_unit_make(gov.admin, gov.committee, name="达州市总工会")
    outsider = as_(account_make(Role.MEMBER_UNIT_REPORTER, actor=gov.admin, member_unit=unit))
    refused(lambda: _update(outsider, task), 404)  # its unit is not on the task: it does not see it
    refused(lambda: _update(as_(gov.expert), task), 403)  # reads the task, answers for none of its units

    assert not_started["errors"]["task"][0].startswith(f"任务「{FIRST}」当前为")


@pytest.mark.parametrize(("files", "field", "start"), [
    ([("照片.png", b"not an image")], "evidence", "文件「照片.png」不是 PDF、JPG 或 PNG"),
    ([("空.pdf", b"")], "evidence", "文件「空.pdf」是空的"),
    ([(f"{i}.pdf", PDF) for i in range(6)], "evidence", "证明材料最多 5 份"),
])
def test_refused_evidence_is_a_400_with_its_message(gov, started, as_, files, field, start):
    answer = refused(lambda: _update(as_(gov.reporter), started, files=files), 400)

    assert answer["errors"][field][0].startswith(start)


def test_evidence_not_in_base64_or_too_big_is_refused_before_it_is_decoded(gov, started, as_, settings):
    client = as_(gov.reporter)
    not_base64 = refused(lambda: post(client, f"{URL}/tasks/{started.pk}/updates", {
        "text": "进展", "files": [{"name": "签到表.pdf", "content_base64": "%%%"}]}), 400)
    settings.LEARNCITY_MAX_UPLOAD_BYTES = len(PDF) - 1
    too_big = refused(lambda: _update(client, started, files=[("签到表.pdf", PDF)]), 400, "file_rejected")

    assert not_base64["errors"] == {"files": ["文件「签到表.pdf」的 content_base64 不是有效的 Base64 编码"]}
    assert too_big["errors"]["file"][0].startswith("文件「签到表.pdf」大小")


@pytest.mark.parametrize(("change", "field"), [
    ({"text": ""}, "text"),
    ({"figures": [{"label": "参训人数", "value": "很多"}]}, "figures.0.value"),
    ({"figures": [{"value": "1"}]}, "figures.0.label"),
    ({"files": [{"name": "签到表.pdf"}]}, "files.0.content_base64"),
    ({"member_unit_id": "人社局"}, "member_unit_id"),
])
def test_a_malformed_update_is_a_422_naming_the_field(gov, started, as_, change, field):
    answer = refused(lambda: _update(as_(gov.reporter), started, change=change), 422)

    assert list(answer["errors"]) == [field]


@pytest.mark.parametrize(("body", "field"), [({}, "accept"), ({"accept": "也许"}, "accept"),
                                             ({"accept": False, "comment": "长" * 501}, "comment")])
def test_a_malformed_decision_is_a_422_naming_the_field(gov, started, as_, body, field):
    update = _update(as_(gov.reporter), started).json()

    answer = refused(lambda: post(as_(gov.city_admin), f"{URL}/updates/{update['id']}/decide", body), 422)

    assert list(answer["errors"]) == [field]


def test_evidence_of_another_update_is_not_found(gov, started, as_):
    first = _update(as_(gov.reporter), started, files=[("签到表.pdf", PDF)]).json()
    second = _update(as_(gov.reporter), started).json()
    office = as_(gov.city_admin)

    error(office.get(f"{URL}/updates/{second['id']}/evidence/{first['evidence'][0]['id']}"), 404)
    error(office.get(f"{URL}/updates/{second['id'] + 1000}/evidence/{first['evidence'][0]['id']}"), 404)


# --- milestones ---------------------------------------------------------------------------------------------------

def test_the_office_sets_a_milestone_and_the_lead_unit_marks_it_reached(gov, task, as_):
    url = f"/api/governance/tasks/{task.pk}/milestones"
    response = post(as_(gov.city_admin), url, {"title": "完成调研", "due_on": str(TODAY)})
    assert response.status_code == 201, response.content
    milestone = response.json()
    assert (milestone["title"], milestone["due_on"], milestone["done_on"]) == ("完成调研", str(TODAY), None)
    listed = as_(gov.education_reporter).get(url).json()
    assert [m["id"] for m in listed] == [milestone["id"]]
    done = post(as_(gov.education_reporter), f"/api/governance/milestones/{milestone['id']}/done", {})
    assert done.status_code == 200, done.content
    assert done.json()["done_on"] == str(TODAY)
    body = refused(lambda: post(as_(gov.city_admin), f"/api/governance/milestones/{milestone['id']}/done", {}), 400)
    assert body["errors"] == {"done_on": [f"节点「完成调研」已于 {TODAY} 完成"]}


def test_a_bad_milestone_is_refused_naming_its_field(gov, task, as_):
    url = f"/api/governance/tasks/{task.pk}/milestones"
    late = str(task.due_on + datetime.timedelta(days=1))
    body = refused(lambda: post(as_(gov.city_admin), url, {"title": "晚了", "due_on": late}), 400)
    assert body["errors"] == {"due_on": [f"节点时限不能晚于任务的完成时限 {task.due_on}"]}
    body = refused(lambda: post(as_(gov.city_admin), url, {"title": "", "due_on": "明天"}), 422)
    assert sorted(body["errors"]) == ["due_on", "title"]


def test_a_milestone_is_the_offices_to_set_and_outside_the_task_not_found(gov, task, as_):
    url = f"/api/governance/tasks/{task.pk}/milestones"
    refused(lambda: post(as_(gov.education_reporter), url, {"title": "节点", "due_on": str(TODAY)}), 403)
    refused(lambda: post(as_(gov.user("district_admin")), url, {"title": "节点", "due_on": str(TODAY)}), 404)
    milestone = services.milestone_add(actor=gov.city_admin, task=task,
                                       data=MilestoneIn(title="节点", due_on=TODAY))
    refused(lambda: post(as_(gov.user("reporter")), f"/api/governance/milestones/{milestone.pk}/done", {}), 403)
    refused(lambda: post(as_(gov.user("district_admin")), f"/api/governance/milestones/{milestone.pk}/done", {}),
            404)
    assert as_(gov.user("district_admin")).get(url).status_code == 404
