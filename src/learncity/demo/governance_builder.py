"""The demo city's committee year: the seeds' Fuzhou 2015 work points imported as the city committee's plan for the
demo's year, and the year as it stands on the demo's today (learncity.demo.clock.TODAY, 1 November), built only
through the governance services, as the people who would do each step:

- the office (the city administrator) previews the document, decides the three names no member unit carries
  (市科技局 is the 科学技术局, 市委农办 the 农业农村局, 市社区大学 becomes a new member unit) and imports it: one
  task an item, thirteen, due by the year's end;
- tasks are started by their lead unit's reporter (the demo's reporter, of 人力资源和社会保障局) or by the office;
  the office completes three, cancels one with its reason, and adds two of its own with earlier time limits, which
  the system's sweep (`tasks_lapse` on the demo's today, what `learncity governance sweep` runs daily) marks
  overdue: one stays overdue, the other the office reschedules;
- the reporter posts progress with figures, as a lead unit and as a cooperating unit, some with a chart of the
  figures as evidence (a PNG drawn here); the office accepts most, returns one asking for more, which the reporter
  answers with a new update, waiting for the office like one other.

So every task state, every update state and their history show right after `make demo`: the plan and its tasks to
the city's officials, the reporter's own tasks on their list. Deterministic: figures come from the given rng.
Nothing is built when the city's committee already has the year's plan.
"""

import datetime
import random
import struct
import zlib
from pathlib import Path

from django.db import transaction

from learncity.demo.governance_assessment import build_assessment
from learncity.demo.governance_inspections import build_inspections
from learncity.demo.governance_meetings import build_meetings
from learncity.demo.governance_reports import build_reports
from learncity.demo.governance_statistics import build_annual_statistics
from learncity.governance import selectors, services
from learncity.governance.inputs import DecisionIn, FigureIn, ImportIn, MoveIn, TaskIn, UnitIn, UpdateIn
from learncity.governance.models import Task, WorkPlan
from learncity.network.models import MemberUnit
from learncity.people.models import User
from learncity.places.models import Place

STAGE = "工作要点"
DOCUMENT = Path(__file__).resolve().parent / "seeds" / "fuzhou_2015_work_points.txt"
# The office's decisions on the names the document writes that no member unit carries: a member unit (by the end
# of its name), or a new member unit.
DECISIONS = {"市科技局": "科学技术局", "市委农办": "农业农村局", "市社区大学": services.NEW}


def build_governance(city: Place, rng: random.Random, users: dict[str, User], today: datetime.date,
                     progress=lambda stage, done, total: None) -> dict[str, int]:
    """The city committee's plan for `today`'s year and its tasks and updates as of `today`. Returns the counts."""
    office, reporter = users["city_admin"], users["reporter"]
    committee = selectors.committees_governed(actor=office).filter(place=city).first()
    if committee is None or WorkPlan.objects.restrict(office).filter(committee=committee, year=today.year).exists():
        return {"work_tasks": 0, "progress_updates": 0}
    progress(STAGE, 0, 3)
    with transaction.atomic():
        plan = _plan_import(office, committee, today)
        tasks = list(selectors.task_list(actor=office).filter(plan=plan).order_by("item__position", "id"))
        progress(STAGE, 1, 3)
        year = _year(office, reporter, plan, tasks, rng, today)
        year |= build_meetings(office, plan, today)
        year |= build_reports(office, users, committee, today, random.Random(f"{rng.random()}:reports"))
        year |= build_inspections(office, committee, city, today, random.Random(f"{rng.random()}:inspections"))
        year |= build_annual_statistics(office, users, committee, today, random.Random(f"{rng.random()}:statistics"))
        build_assessment(office, committee, today)  # last: it reads the whole year
        progress(STAGE, 2, 3)
    progress(STAGE, 3, 3)
    return year


def _plan_import(office: User, committee, today: datetime.date) -> WorkPlan:
    """The office previews the document, decides each name it did not recognise, and imports it."""
    text = DOCUMENT.read_text(encoding="utf-8")
    preview = services.import_preview(actor=office, committee=committee, data=ImportIn(text=text, year=today.year))
    units = list(MemberUnit.objects.restrict(office).filter(committee=committee).order_by("pk"))
    decisions = {}
    for name in preview.unknown:
        decided = DECISIONS.get(name, services.IGNORE)
        if decided not in (services.NEW, services.IGNORE):
            unit = next((u for u in units if u.name.endswith(decided)), None)
            decided = str(unit.pk) if unit else services.NEW
        decisions[name] = decided
    return services.workplan_import(actor=office, committee=committee,
                                    data=ImportIn(text=text, year=today.year, decisions=decisions))


def _move(actor, task: Task, event: str, *, today: datetime.date, **kw) -> Task:
    return services.task_move(actor=actor, task=task, data=MoveIn(event=event, **kw), today=today)


def _start(office: User, reporter: User, task: Task, today: datetime.date) -> Task:
    """Started by the reporter where their unit leads it, by the office otherwise."""
    actor = reporter if "start" in services.events_open(reporter, task) else office
    return _move(actor, task, "start", today=today)


def _post(reporter: User, task: Task, text: str, figures: list[tuple[str, int, str]], *, chart: str = ""):
    files = [(chart, bar_chart_png([v for _, v, _ in figures]))] if chart else []
    return services.update_post(actor=reporter, task=task, files=files, data=UpdateIn(text=text, figures=[
        FigureIn(label=label, value=str(value), unit=unit) for label, value, unit in figures]))


def _decide(office: User, update, comment: str = "", *, accept: bool = True):
    return services.update_decide(actor=office, update=update, data=DecisionIn(accept=accept, comment=comment))


def _year(office: User, reporter: User, plan: WorkPlan, tasks: list[Task], rng: random.Random,
          today: datetime.date) -> dict[str, int]:
    """The tasks by the document's order (1 完善终身教育运行机制 … 13 加大终身学习宣传力度), moved as the year went."""
    t = {n: task for n, task in enumerate(tasks, start=1)}
    updates = 0
    for n in (1, 2, 3, 4, 5, 7, 10, 11, 13):
        t[n] = _start(office, reporter, t[n], today)

    # 1: the reporter's unit cooperates; the office accepts its update and confirms the task done.
    _decide(office, _post(reporter, t[1], "已建立成员单位联络员制度，按季度召开联络员会议，通报各单位终身教育工作进展。",
                          [("联络员会议", rng.randint(3, 4), "次"), ("参会成员单位", rng.randint(12, 15), "个")]))
    # 2: cooperating, with the training's figures and their chart.
    _decide(office, _post(reporter, t[2], "配合举办社区工作者岗位培训班，组织人社系统师资授课，并提供结业统计。",
                          [("社区工作者培训", rng.randint(180, 260), "人"), ("培训课时", rng.randint(24, 40), "学时")],
                          chart="培训结业统计.png"))
    updates += 2
    # 3: cooperating; the update waits for the office.
    _post(reporter, t[3], "已推荐“终身学习之星”候选人，材料已报市教育局汇总。",
          [("推荐候选人", rng.randint(5, 9), "人")])
    updates += 1
    # 5: the reporter's unit leads; its first update is returned, and answered by a new one with the list asked for.
    first = _post(reporter, t[5], "已在人社系统各单位部署学习型组织创建工作。",
                  [("参与创建单位", rng.randint(20, 35), "家")])
    _decide(office, first, "请补充各县（市）区的创建名单和验收安排。", accept=False)
    _post(reporter, t[5], "补充：各县（市）区创建名单已汇总，拟于12月组织验收。",
          [("参与创建单位", rng.randint(36, 48), "家"), ("学习型企业", rng.randint(10, 18), "家")],
          chart="学习型组织创建名单汇总.png")
    updates += 2
    # 7: leading with every member unit; accepted, still under way.
    _decide(office, _post(reporter, t[7], "“人社学习在线”平台已接入市终身学习在线，开放职业技能课程。",
                          [("开放课程", rng.randint(60, 120), "门"), ("注册学员", rng.randint(2000, 5000), "人")]))
    updates += 1
    # 10: leading; the rural training's figures and chart accepted, the task confirmed done.
    _decide(office, _post(reporter, t[10], "完成新型职业农民和农村劳动力转移培训年度计划。",
                          [("农村实用技术培训", rng.randint(1200, 2000), "人次"),
                           ("劳动力转移培训", rng.randint(600, 1100), "人次"),
                           ("职业技能培训", rng.randint(800, 1500), "人次")], chart="农村培训完成情况.png"))
    updates += 1
    for n in (1, 2, 10):
        t[n] = _move(office, t[n], "complete", today=today)
    t[8] = _move(office, t[8], "cancel", today=today,
                 reason="省级社区教育品牌申报今年暂停，第二批市级品牌创建并入明年工作要点。")

    # The office's own tasks, due earlier than the plan's year end: the sweep on the demo's today finds both late.
    units = {u.name: u for u in MemberUnit.objects.restrict(office).filter(committee=plan.committee_id)}

    def unit(name: str) -> UnitIn:
        return UnitIn(member_unit_id=next(u.pk for n, u in sorted(units.items()) if n.endswith(name)))

    _created(office, TaskIn(
        item_id=t[13].item_id, title="举办“9·28终身教育活动日”全市主场活动", due_on=datetime.date(today.year, 9, 30),
        description="结合全民终身学习活动周，组织全市主场活动和各县（市）区分会场活动。",
        lead=[unit("市教育局")], cooperating=[unit("委宣传部"), unit("人力资源和社会保障局")]))
    course = _created(office, TaskIn(
        item_id=t[2].item_id, title="举办全市社区（成人）教育专职干部骨干培训班", due_on=datetime.date(today.year, 6, 30),
        description="面向各县（市）区社区学院、社区学校专职干部，集中培训五天。",
        lead=[unit("市教育局"), unit("人力资源和社会保障局")]))
    course = _start(office, reporter, course, today)
    lapsed = services.tasks_lapse(today=today)
    _move(office, course, "reschedule", today=today, reason="培训基地改造，培训班推迟至12月举办。",
          due_on=datetime.date(today.year, 12, 18))
    return {"work_tasks": len(tasks) + 2, "work_tasks_lapsed": lapsed, "progress_updates": updates}


def _created(office: User, data: TaskIn) -> Task:
    return services.task_create(actor=office, data=data)


def bar_chart_png(values: list[int], *, width: int = 160, height: int = 96) -> bytes:
    """A real PNG (RGB, 8 bits) of the values as bars on white, drawn here: the evidence a unit would photograph."""
    top = max(values) or 1
    bars = len(values)
    slot = width // max(bars, 1)
    colours = [(0x1f, 0x6f, 0xb2), (0xe0, 0x8a, 0x1e), (0x2e, 0x9d, 0x5b), (0xb8, 0x3b, 0x5e)]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            i = x // slot
            inside = i < bars and slot // 6 <= x % slot < slot - slot // 6
            filled = inside and height - 4 - y < (height - 8) * values[i] / top and y < height - 4
            row += bytes(colours[i % len(colours)]) if filled else (b"\x60\x60\x60" if y >= height - 4 else
                                                                     b"\xff\xff\xff")
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
