"""Benchmark: the committee's year at city scale (consolidated report, annual assessment, the service hall's to-do).

On a fresh throwaway database (SQLite in a temporary data folder; with --postgres a new database on the server
of DATABASE_URL, dropped afterwards) a child process migrates and builds a city of --districts districts, each
with its committee, and a city committee with --units member units (a reporter each), its year's work plan (two
tasks led by each unit and one by each district's committee, in every state, their moves to done recorded), the
shipped annual-statistics form and --rounds reporting rounds (Q1, Q2, Q3, the year) each asking every member
unit for a return, filled with figures that add up (most accepted, some submitted, some sent back and some never
submitted; some late, some within an extension), and an inspection round scoring every district and unit against
a ten-criterion standard. Then it measures:

- the consolidated report of every round (governance.selectors.consolidation: the data, the .docx and the PDF),
  the rounds together (goal < 2 s);
- the annual assessment (governance.selectors.assessment.assessment_table) of the districts and of the member
  units, together (goal < 1 s);
- the service hall (the portal's home page) for a member unit's reporter with tasks, reports due and a return to
  fix, through Django's test client, --n times: p50/p95 (goal p95 < 50 ms).
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import percentile, run_child, say, timed

GOALS = {"consolidation_s": 2.0, "assessment_s": 1.0, "home_p95_ms": 50}
YEAR = 2026
INDUSTRIES = ["agriculture", "manufacturing", "construction", "trade", "transport", "it", "finance",
              "public_services", "other"]
DEPARTMENTS = ["education", "human_resources", "civil_affairs", "culture", "agriculture", "trade_union", "other"]


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--units", type=int, default=60, help="member units of the city committee")
    parser.add_argument("--districts", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=4, choices=range(1, 5), help="Q1, Q2, Q3, then the year")
    parser.add_argument("--n", type=int, default=200, help="service-hall renders timed")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to EXPLAIN, profile)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench governance").parse_args(argv)
    if args.units < 2 or args.districts < 1 or args.n < 1:
        raise SystemExit("need --units ≥ 2, --districts ≥ 1 and --n ≥ 1")
    return run_child("governance", __file__, argv, postgres=args.postgres, keep=args.keep)


def _goal(met: bool) -> str:
    return "goal met" if met else "GOAL MISSED"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# --- the city ------------------------------------------------------------------------------------------------------

def world_build(args) -> dict:
    """Places, committees, member units, the office, a reporter per unit and an inspector."""
    from django.db import transaction

    from learncity.core.scopes import Role
    from learncity.network.models import Committee, MemberUnit
    from learncity.people.models import RoleAssignment, User
    from learncity.places.models import Place, PlaceLevel, PlaceSource

    with transaction.atomic():
        province = Place.objects.create(code="980000", name="测试省", level=PlaceLevel.PROVINCE, path="/980000/",
                                        source=PlaceSource.GENERATED)
        city = Place.objects.create(code="980100", name="测试市", level=PlaceLevel.CITY, parent=province,
                                    path="/980000/980100/", source=PlaceSource.GENERATED)
        Place.objects.bulk_create([
            Place(code=f"9801{d:02d}", name=f"第{d}区", level=PlaceLevel.DISTRICT, parent=city,
                  path=f"{city.path}9801{d:02d}/", source=PlaceSource.GENERATED) for d in range(1, args.districts + 1)])
        districts = list(Place.objects.filter(parent=city).order_by("code"))
        committee = Committee.objects.create(place=city, name="测试市终身教育促进委员会", office="市教育局")
        Committee.objects.bulk_create([Committee(place=d, name=f"{d.name}终身教育促进委员会") for d in districts])
        lower = list(Committee.objects.filter(place__parent=city).order_by("place__code"))
        MemberUnit.objects.bulk_create([MemberUnit(committee=committee, name=f"测试市第{i}成员单位", is_lead=i <= 10)
                                        for i in range(1, args.units + 1)])
        units = list(MemberUnit.objects.filter(committee=committee).order_by("id"))
        admin = User.objects.create_user(username="bench-gov-office", password=None)
        RoleAssignment.objects.create(user=admin, role=Role.CITY_ADMIN, place=city)
        reporters = []
        for unit in units:
            user = User(username=f"bench-gov-reporter-{unit.pk}", email=f"r{unit.pk}@bench.invalid")
            user.set_unusable_password()
            reporters.append(user)
        User.objects.bulk_create(reporters)
        reporters = list(User.objects.filter(username__startswith="bench-gov-reporter-").order_by("id"))
        RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.MEMBER_UNIT_REPORTER, member_unit=m)
                                            for u, m in zip(reporters, units, strict=True)])
        inspector = User.objects.create_user(username="bench-gov-inspector", password=None)
        RoleAssignment.objects.create(user=inspector, role=Role.INSPECTOR, place=city)
    return {"city": city, "districts": districts, "committee": committee, "lower": lower, "units": units,
            "admin": admin, "reporters": reporters, "inspector": inspector}


def plan_build(w: dict, rng: random.Random, today: datetime.date) -> int:
    """The year's plan: an item per unit, two tasks led by each unit (a cooperating unit beside) and one by each
    district's committee, in every state; the done ones' moves recorded (for timeliness)."""
    from learncity.governance.models import (
        Task,
        TaskState,
        TaskTransition,
        TaskUnit,
        UnitPart,
        WorkItem,
        WorkPlan,
    )

    plan = WorkPlan.objects.create(committee=w["committee"], year=YEAR, title=f"{YEAR}年终身教育工作要点",
                                   created_by=w["admin"])
    WorkItem.objects.bulk_create([WorkItem(plan=plan, section="一、工作重点", position=i + 1, number=str(i + 1),
                                           title=f"工作要点{i + 1}") for i in range(len(w["units"]))])
    items = list(WorkItem.objects.filter(plan=plan).order_by("position"))
    leads = [("m", u) for u in w["units"] for _ in range(2)] + [("c", c) for c in w["lower"]]
    states = [TaskState.DONE, TaskState.DONE, TaskState.IN_PROGRESS, TaskState.OVERDUE, TaskState.NOT_STARTED,
              TaskState.IN_PROGRESS, TaskState.CANCELLED]
    tasks = [Task(plan=plan, item=items[i % len(items)], title=f"任务{i + 1}", state=rng.choice(states),
                  due_on=datetime.date(YEAR, rng.randint(3, 12), 28)) for i in range(len(leads))]
    Task.objects.bulk_create(tasks)
    tasks = list(Task.objects.filter(plan=plan).order_by("id"))
    rows, moves = [], []
    for i, (task, (kind, lead)) in enumerate(zip(tasks, leads, strict=True)):
        rows.append(TaskUnit(task=task, part=UnitPart.LEAD, **{"member_unit" if kind == "m" else "committee": lead}))
        helper = w["units"][(i // 2 + 1) % len(w["units"])]  # never the lead: a member lead is units[i // 2]
        rows.append(TaskUnit(task=task, part=UnitPart.COOPERATING, member_unit=helper))
        if task.state == TaskState.DONE:
            moves.append(TaskTransition(task=task, from_state=TaskState.IN_PROGRESS, to_state=TaskState.DONE,
                                        actor=w["admin"]))
    TaskUnit.objects.bulk_create(rows)
    TaskTransition.objects.bulk_create(moves)
    for move in TaskTransition.objects.filter(task__plan=plan).select_related("task"):  # done by, or after, the due
        TaskTransition.objects.filter(pk=move.pk).update(
            at=_at(move.task.due_on - datetime.timedelta(days=rng.choice([-20, -5, 3, 12]))))
    return len(tasks)


def _annual_data(rng: random.Random) -> dict:
    staff = [rng.randint(0, 5000) for _ in INDUSTRIES]
    trained = [rng.randint(0, s) for s in staff]
    residents = [rng.randint(0, 20000) for _ in DEPARTMENTS]
    return {"staff_total": str(sum(staff)), "staff_trained_total": str(sum(trained)),
            "residents_trained_total": str(sum(residents)),
            "summary": "本单位全年组织职工参加职业技能培训和专业技术人员继续教育，" * rng.randint(1, 4),
            "by_industry": {k: {"staff": str(s), "staff_trained": str(t)}
                            for k, s, t in zip(INDUSTRIES, staff, trained, strict=True)},
            "by_department": {k: {"residents_trained": str(r)} for k, r in zip(DEPARTMENTS, residents, strict=True)}}


ROUNDS = [("第一季度", datetime.date(YEAR, 1, 1), datetime.date(YEAR, 3, 31)),
          ("第二季度", datetime.date(YEAR, 4, 1), datetime.date(YEAR, 6, 30)),
          ("第三季度", datetime.date(YEAR, 7, 1), datetime.date(YEAR, 9, 30)),
          ("年度", datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31))]


def rounds_build(w: dict, rng: random.Random, n_rounds: int, today: datetime.date) -> list:
    """The form through the reports' service, then the rounds and their returns as rows with their own times (the
    services stamp "now"): per round about 80% accepted, 8% waiting, 5% sent back, the rest never submitted; one
    in ten late, one in twenty within an extension. The last round is still open (its deadline after today)."""
    from learncity.governance.form_files import form_document
    from learncity.governance.inputs.reports import FormIn
    from learncity.governance.models import ReportReturn, ReportRound, ReturnState
    from learncity.governance.services import reports

    doc = form_document("annual_statistics")
    form = reports.form_create(actor=w["admin"], committee=w["committee"],
                               data=FormIn(code=doc["code"], title=doc["title"], schema=doc["schema"]))
    rounds = []
    for title, start, end in ROUNDS[:n_rounds]:
        last = (title, start, end) == ROUNDS[n_rounds - 1]
        deadline = _at(today + datetime.timedelta(days=5), 18) if last else _at(end + datetime.timedelta(days=20), 18)
        rnd = ReportRound.objects.create(committee=w["committee"], form=form, title=f"{YEAR}年{title}",
                                         period_start=start, period_end=end, deadline=deadline, opened_by=w["admin"])
        returns = []
        for i, unit in enumerate(w["units"]):
            roll = rng.random()
            state = (ReturnState.DRAFT if last and i % 3 == 0 else ReturnState.ACCEPTED if roll < 0.8
                     else ReturnState.SUBMITTED if roll < 0.88 else ReturnState.RETURNED if roll < 0.93
                     else ReturnState.DRAFT)
            if i == 0:  # the timed reporter's unit: a return to fix in an earlier round
                state = ReturnState.DRAFT if last else ReturnState.RETURNED
            extended = _at(deadline.date() + datetime.timedelta(days=7), 18) if i % 20 == 7 else None
            late = i % 10 == 3 or extended is not None
            submitted = None if state == ReturnState.DRAFT else deadline + datetime.timedelta(
                days=rng.randint(1, 5) if late else -rng.randint(1, 15))
            returns.append(ReportReturn(
                round=rnd, member_unit=unit, state=state,
                data=_annual_data(rng) if state != ReturnState.DRAFT or i % 2 else {},
                submitted_at=submitted, first_submitted_at=submitted, extended_until=extended,
                accepted_at=submitted + datetime.timedelta(days=2) if state == ReturnState.ACCEPTED else None,
                comment="请核对分行业人数" if state == ReturnState.RETURNED else ""))
        ReportReturn.objects.bulk_create(returns)
        rounds.append(rnd)
    return rounds


def inspections_build(w: dict, rng: random.Random) -> int:
    """A ten-criterion standard and a closed round: a submitted visit with scores at every district and unit."""
    from learncity.governance.models import (
        InspectionCriterion,
        InspectionRound,
        InspectionScore,
        InspectionStandard,
        InspectionVisit,
        VisitState,
    )

    standard = InspectionStandard.objects.create(committee=w["committee"], title="社区学校示范校评估标准")
    InspectionCriterion.objects.bulk_create([
        InspectionCriterion(standard=standard, position=i + 1, section=f"一级指标{i // 3 + 1}",
                            text=f"评估内容{i + 1}", points=Decimal(10)) for i in range(10)])
    criteria = list(InspectionCriterion.objects.filter(standard=standard).order_by("position"))
    rnd = InspectionRound.objects.create(committee=w["committee"], standard=standard, title=f"{YEAR}年专项督导",
                                         year=YEAR, starts_on=datetime.date(YEAR, 9, 1),
                                         ends_on=datetime.date(YEAR, 10, 31), created_by=w["admin"])
    submitted = _at(datetime.date(YEAR, 10, 20))
    visits = ([InspectionVisit(round=rnd, inspector=w["inspector"], place=d, state=VisitState.SUBMITTED,
                               submitted_at=submitted) for d in w["districts"]]
              + [InspectionVisit(round=rnd, inspector=w["inspector"], member_unit=u, state=VisitState.SUBMITTED,
                                 submitted_at=submitted) for u in w["units"]])
    InspectionVisit.objects.bulk_create(visits)
    scores = [InspectionScore(visit=v, criterion=c, score=Decimal(rng.randint(5, 10)), scored_by=w["inspector"])
              for v in InspectionVisit.objects.filter(round=rnd) for c in criteria]
    InspectionScore.objects.bulk_create(scores)
    return len(visits)


def schemes_build(w: dict) -> list:
    from learncity.governance.inputs.assessment import SchemeIn
    from learncity.governance.services import assessment

    weights = {"indicators": "30", "tasks": "30", "reports": "20", "inspections": "20"}
    return [assessment.scheme_create(actor=w["admin"], committee=w["committee"],
                                     data=SchemeIn(year=YEAR, subjects=s, weights=weights))
            for s in ("districts", "member_units")]


# --- the measures ------------------------------------------------------------------------------------------------

def measure_consolidation(w: dict, rounds: list) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learncity.governance import documents
    from learncity.governance.selectors.consolidation import round_consolidation

    def once():
        parts, sizes = {"data": 0.0, "docx": 0.0, "pdf": 0.0}, []
        for rnd in rounds:
            started = time.perf_counter()
            c = round_consolidation(actor=w["admin"], pk=rnd.pk)
            parts["data"] += time.perf_counter() - started
            started = time.perf_counter()
            docx = documents.consolidation_docx(c)
            parts["docx"] += time.perf_counter() - started
            started = time.perf_counter()
            pdf = documents.consolidation_pdf(c)
            parts["pdf"] += time.perf_counter() - started
            sizes.append((len(docx), len(pdf)))
        return parts, sizes

    (_parts, _sizes), cold = timed(f"consolidated reports, {len(rounds)} rounds (cold)", once, width=52)
    with CaptureQueriesContext(connection) as ctx:
        (parts, sizes), warm = timed(f"consolidated reports, {len(rounds)} rounds (warm)", once, width=52)
    say("    " + ", ".join(f"{k} {v:,.2f} s" for k, v in parts.items()))
    for rnd, (docx_size, pdf_size) in zip(rounds, sizes, strict=True):
        say(f"    {rnd.title}: .docx {docx_size / 1024:,.0f} KiB, PDF {pdf_size / 1024:,.0f} KiB")
    say(f"    {len(ctx.captured_queries)} queries for the {len(rounds)} rounds; goal < {GOALS['consolidation_s']} s: "
        f"{_goal(warm < GOALS['consolidation_s'])}")
    return {"cold_s": round(cold, 3), "warm_s": round(warm, 3), "queries": len(ctx.captured_queries),
            "parts_s": {k: round(v, 3) for k, v in parts.items()},
            "docx_bytes": [s[0] for s in sizes], "pdf_bytes": [s[1] for s in sizes]}


def measure_assessment(w: dict, schemes: list, now: datetime.datetime) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        from learncity.governance.selectors.assessment import assessment_table
    except ImportError:
        say("  annual assessment: not built yet")
        return {"built": False}

    def once():
        return [assessment_table(w["admin"], s, now=now) for s in schemes]

    with CaptureQueriesContext(connection) as ctx:
        tables, seconds = timed("annual assessment, districts and units", once, width=52)
    rows = sum(len(t) for t in tables)
    _tables, again = timed("annual assessment, again", once, width=52)
    say(f"    {rows} rows ranked in {len(ctx.captured_queries)} queries; goal < {GOALS['assessment_s']} s: "
        f"{_goal(again < GOALS['assessment_s'])}")
    return {"built": True, "first_s": round(seconds, 3), "s": round(again, 3), "rows": rows,
            "queries": len(ctx.captured_queries)}


def measure_home(w: dict, n: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(w["reporters"][0])
    response = client.get("/")
    if response.status_code != 200:
        raise SystemExit(f"the service hall answered {response.status_code}")
    page = response.content.decode()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get("/")
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    say(f"  service hall for a unit's reporter, {n}×: p50 {p50:,.1f} ms, p95 {p95:,.1f} ms; "
        f"goal p95 < {GOALS['home_p95_ms']} ms: {_goal(p95 < GOALS['home_p95_ms'])}")
    return {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "bytes": len(page)}


def _child(out: str, argv: list[str]) -> None:
    args = _parser().parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # the pages rendered in-process, without `collectstatic`'s manifest (as the tests render them)
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    say(f"governance · {database} · {args.units} member units · {args.districts} districts · {args.rounds} rounds · "
        f"load average {load:.1f} on {os.cpu_count()} CPUs")
    figures: dict = {"database": database, "load_average": round(load, 1), "units": args.units, "districts": args.districts, "rounds": args.rounds,
                     "goals": GOALS}
    rng = random.Random(args.seed)
    timed("migrate", lambda: call_command("migrate", verbosity=0), width=52)
    now = timezone.now()
    today = timezone.localdate()
    w, _ = timed("city, committees, units, users", lambda: world_build(args), width=52)
    n_tasks, _ = timed("work plan and tasks", lambda: plan_build(w, rng, today), width=52)
    rounds, _ = timed("report rounds and returns", lambda: rounds_build(w, rng, args.rounds, today), width=52)
    n_visits, _ = timed("inspection round and scores", lambda: inspections_build(w, rng), width=52)
    schemes, _ = timed("assessment schemes", lambda: schemes_build(w), width=52)
    say(f"  {n_tasks} tasks, {args.rounds * args.units} returns, {n_visits} visits")
    figures["consolidation"] = measure_consolidation(w, rounds)
    figures["assessment"] = measure_assessment(w, schemes, now)
    figures["home"] = measure_home(w, args.n)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False, indent=1)


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3:])
