"""Helpers for the page matrix: the page routes, walked from Django's URLconf itself (not from a list kept by
hand), and the world the matrix asks about: the demo city's objects on each side of the 鼓楼区 / 台江区 line, made
once for the module (see conftest.py)."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# What the matrix does not walk, by the include it comes through, and why.
EXCLUDED_NAMESPACES = {
    "api": "the API: tests/api/test_authorization_matrix.py walks its routes",
    "admin": "Django's admin: its own staff-only sign-in (is_staff), none of the site's roles",
}
EXCLUDED_PREFIXES = {
    "/i18n/": "Django's set_language (a POST that sets the language cookie; nothing is scoped)",
}
# Static files are not in the URLconf (WhiteNoise serves them from middleware), so there is nothing to exclude.


@dataclass(frozen=True)
class PageRoute:
    route: str  # "/places/<str:code>/": the pattern as written, from the root
    name: str  # "places:detail" ("" for an unnamed pattern)
    callback: object


def _walk(patterns, prefix: str, namespace: str):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield PageRoute(route=prefix + str(p.pattern), name=f"{namespace}{p.name}" if p.name else "",
                            callback=p.callback)


def page_routes() -> dict[str, PageRoute]:
    """Every page the site serves, by its route from the root ("/places/<str:code>/"), but for the exclusions
    above; the first pattern of a route wins, as it does when Django resolves it."""
    routes: dict[str, PageRoute] = {}
    for r in _walk(get_resolver().url_patterns, "/", ""):
        if r.route.startswith(tuple(EXCLUDED_PREFIXES)):
            continue
        routes.setdefault(r.route, r)
    return routes


def excluded_routes() -> set[str]:
    """The routes the exclusions leave out (for the test that they are only those)."""
    every: set[str] = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                every.add(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "/")
    return every - page_routes().keys()


# --- the world: what the pages are asked about ------------------------------------------------------------------

GULOU, TAIJIANG = "350102", "350103"  # the districts of `district_admin` and `district_admin_2`
MATRIX_PASSWORD = "matrix-passphrase-42"


ROLES = ("anonymous", "learner", "institution_staff", "district_admin", "city_admin", "member_unit_reporter",
         "expert_reviewer", "auditor")
ROLE_USERNAMES = {"anonymous": None, "learner": "learner", "institution_staff": "staff",
                  "district_admin": "district_admin", "city_admin": "city_admin", "member_unit_reporter": "reporter",
                  "expert_reviewer": "expert", "auditor": "auditor"}


@dataclass
class World:
    """The API matrix's targets (`t`), the objects only pages are about, and each role's saved session."""

    t: object
    users: dict
    intake_dir: object
    sessions: dict
    objects: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _staff_of(admin, inst, n: int):
    """A new member of staff of the institution (made by the superuser): their role assignment."""
    from learncity.people.services import account_create

    return account_create(actor=admin, username=f"pages_staff_{n}", password=MATRIX_PASSWORD, display_name="",
                          role="institution_staff", institution_code=inst.code)


def _resident(admin, inst):
    from learncity.people.services import learner_profile_create
    from learncity.places.models import Place
    from tests.api.support import fresh_id_number

    street = inst.place if inst.place.level >= 4 else Place.objects.filter(
        path__startswith=inst.place.path, level=4).order_by("code")[0]
    return learner_profile_create(actor=admin, name="矩阵志愿者", id_number=fresh_id_number(inst.place.code[:6]),
                                  residence_code=street.code)


def _catalog(w: dict, t, admin) -> None:
    from learncity.pools.models import Expert, Teacher, Textbook, Volunteer
    from tests.catalog.factories import first_session

    c = t.catalog
    for name in ("published", "published_other", "published_taijiang", "draft_gulou", "draft_gulou_other",
                 "draft_taijiang", "open_course", "own_enrollment", "gulou_enrollment", "taijiang_enrollment", "event", "event_other",
                 "event_taijiang", "own_event_registration", "event_registration", "event_registration_taijiang",
                 "resource"):
        w[name] = getattr(c, name)
    for side, course in (("gulou", c.published), ("gulou_other", c.published_other),
                         ("taijiang", c.published_taijiang)):
        w[f"session_{side}"] = first_session(course)
        w[f"venue_{side}"] = c._venue(course.institution)
    for side, inst, course in (("gulou", t.staff_inst, c.published), ("gulou_other", t.gulou_inst_other,
                                                                       c.published_other),
                               ("taijiang", t.taijiang_inst, c.published_taijiang)):
        teacher = Teacher.objects.create(name="矩阵教师", kind="part_time")
        teacher.institutions.add(inst)
        w[f"teacher_{side}"] = teacher
        book = Textbook.objects.create(title=f"矩阵教材 {side}")
        course.textbooks.add(book)
        w[f"textbook_{side}"] = book
        w[f"volunteer_{side}"] = Volunteer.objects.create(learner=_resident(admin, inst), institution=inst)
    w["expert_city"] = Expert.objects.create(name="矩阵专家", kind="academic", city=t.city)


def _credits(w: dict, t) -> None:
    cr = t.credits
    w["standard"] = cr.standard.standard
    w["transcript"] = cr.transcript
    w["transcript_taijiang"] = cr.transcript_of("taijiang")
    w["declaration"] = cr.declaration
    w["evidence"] = cr.declaration.evidence.order_by("pk")[0]
    w["declaration_taijiang"] = _declaration_in_taijiang(cr)
    w["evidence_taijiang"] = w["declaration_taijiang"].evidence.order_by("pk")[0]
    for side in ("gulou", "taijiang"):
        for stage in ("draft", "review", "active"):
            w[f"rule_{side}_{stage}"] = cr.rule(side, stage)
        w[f"application_{side}"] = cr.application(side)


def _declaration_in_taijiang(cr):
    """A declaration, with its evidence, of a resident of 台江区 who signed up themself."""
    from learncity.creditbank import services
    from learncity.creditbank.inputs import DeclarationIn
    from tests.api.credit_targets import PDF
    from tests.catalog.factories import learner_make

    resident = learner_make(TAIJIANG, name="页面矩阵台江学员")
    return services.declaration_submit(actor=resident, data=DeclarationIn(
        standard_code=cr.standard.standard.code, kind="certificate", title="页面矩阵台江证书",
        issuer="矩阵考试院", date=cr.declaration.date), files=[("证书.pdf", PDF)])


def _intake(w: dict, t, admin) -> None:
    from learncity.intake import keys, services

    csv = ("记录编号,身份证号码,姓名,学习类型,课程代码,课程类别,学习内容,学时,成绩,学习日期\r\n"
           "MX-1,350102199001011234,林矩阵,课程结业,,社区教育,矩阵课,16,,2024-05-01\r\n").encode()
    for side, inst in (("gulou", t.staff_inst), ("gulou_other", t.gulou_inst_other), ("taijiang", t.taijiang_inst)):
        job = services.job_submit(actor=admin, institution_code=inst.code, filename="rows.csv", data=csv,
                                  mode="valid", source="api")
        w[f"job_{side}"] = services.job_run(job.pk)  # done, its one row refused: it has a report
        w[f"key_{side}"] = keys.provider_key_create(actor=admin, institution_code=inst.code, name="矩阵密钥")[0]


def _monitoring(w: dict, t) -> None:
    from decimal import Decimal

    from learncity.monitoring.models import Indicator, Target
    from learncity.monitoring.periods import period_parse

    period = period_parse("2031")
    w["indicator"] = Indicator.objects.get(code="ONLINE-PT")
    w["public_indicator"] = Indicator.objects.filter(published=True).order_by("code")[0]
    for side, place in (("gulou", t.gulou), ("taijiang", t.taijiang)):
        w[f"target_{side}"] = Target.objects.create(
            indicator=w["indicator"], place=place, period_kind=period.kind, period_start=period.start,
            period_end=period.end, value=Decimal("1234"), source="manual")


def _governance(w: dict, t, users) -> None:
    """The committees' year on each side of the line: a plan of the city's committee whose task the reporter's
    member unit leads, and plans of 鼓楼区's and 台江区's committees whose tasks their offices answer for; each task
    started, with a submitted update carrying a PDF (made through the services, as the office would)."""
    from learncity.governance import services
    from learncity.governance.inputs import ImportIn, MilestoneIn, MoveIn, UpdateIn
    from learncity.governance.models import Task
    from tests.api.credit_targets import PDF

    admin, year = users["admin"], 2032  # a year of its own: the demo's committee has its year's plan
    sides = (("city", t.city_committee, t.reporter_unit.name, users["reporter"]),
             ("gulou", t.gulou_committee, f"{t.gulou_committee.name}办公室", admin),
             ("taijiang", t.taijiang_committee, f"{t.taijiang_committee.name}办公室", admin))
    for side, committee, lead, reporter in sides:
        text = (f"{year}年页面矩阵终身教育工作要点\n一、重点工作\n"
                f"(一)页面矩阵{side}任务。按期推进。(牵头单位：{lead})")
        plan = services.workplan_import(actor=admin, committee=committee, data=ImportIn(text=text, year=year))
        task = Task.objects.unscoped("the matrix's own task").get(plan=plan)
        task = services.task_move(actor=reporter, task=task, data=MoveIn(event="start"))
        update = services.update_post(actor=reporter, task=task, data=UpdateIn(text=f"页面矩阵进展 {side}"),
                                      files=[("进展.pdf", PDF)])
        w[f"plan_{side}"], w[f"item_{side}"], w[f"task_{side}"] = plan, task.item, task
        w[f"update_{side}"], w[f"gov_evidence_{side}"] = update, update.evidence.get()
        w[f"milestone_{side}"] = services.milestone_add(actor=admin, task=task, data=MilestoneIn(
            title=f"页面矩阵节点 {side}", due_on=task.due_on))


def _meetings(w: dict, t, admin, year: int) -> None:
    """Each committee's joint meetings: one published with a decision (its minutes, its decision's tasks page),
    one still a draft with a decision (its edit, publish and new decision forms)."""
    import datetime

    from learncity.governance import services
    from learncity.governance.inputs import MeetingDecisionIn, MeetingIn

    attending = {"city": ([t.reporter_unit.pk], [t.gulou_committee.pk]), "gulou": ([t.gulou_unit.pk], []),
                 "taijiang": ([t.taijiang_unit.pk], [])}
    for side, committee in (("city", t.city_committee), ("gulou", t.gulou_committee),
                            ("taijiang", t.taijiang_committee)):
        units, lower = attending[side]
        for state in ("published", "draft"):
            meeting = services.meeting_create(actor=admin, committee=committee, data=MeetingIn(
                title=f"页面矩阵联席会议 {side} {state}", held_on=datetime.date(year, 3, 18), year=year,
                convener="分管副市长", agenda="审议年度工作要点", minutes="会议认为，各成员单位要加强协作。",
                member_unit_ids=units, committee_ids=lower))
            decision = services.decision_add(actor=admin, meeting=meeting, data=MeetingDecisionIn(
                text=f"页面矩阵议定事项 {side}", due_on=datetime.date(year, 11, 30)))
            if state == "published":
                meeting = services.meeting_publish(actor=admin, meeting=meeting)
            w[f"meeting_{state}_{side}"], w[f"decision_{state}_{side}"] = meeting, decision


def _reports(w: dict, t, admin, year: int) -> None:
    """Each committee's reporting round of the shipped quarterly form: the city's asks the reporter's unit and
    鼓楼区's committee, 鼓楼区's and 台江区's a member unit of their own."""
    import datetime

    from django.utils import timezone

    from learncity.governance.form_files import form_document
    from learncity.governance.inputs.reports import FormIn, ReportRoundIn
    from learncity.governance.models import ReportReturn
    from learncity.governance.services import reports as services
    from tests.api.credit_targets import PDF

    shipped = form_document("quarterly")
    asked = {"city": ([t.reporter_unit.pk], [t.gulou_committee.pk]), "gulou": ([t.gulou_unit.pk], []),
             "taijiang": ([t.taijiang_unit.pk], [])}
    for side, committee in (("city", t.city_committee), ("gulou", t.gulou_committee),
                            ("taijiang", t.taijiang_committee)):
        form = services.form_create(actor=admin, committee=committee, data=FormIn(
            code="page-matrix", title=f"页面矩阵季报 {side}", schema=shipped["schema"]))
        units, lower = asked[side]
        w[f"form_{side}"] = form
        w[f"round_{side}"] = rnd = services.round_open(actor=admin, data=ReportRoundIn(
            form_id=form.pk, title=f"{year}年第三季度 {side}", period_start=datetime.date(year, 7, 1),
            period_end=datetime.date(year, 9, 30), deadline=timezone.now() + datetime.timedelta(days=30),
            member_unit_ids=units, committee_ids=lower))
        # the return of the round's member unit (the reporter's, 鼓楼区's, 台江区's), with a PDF as its evidence
        ret = ReportReturn.objects.get(round=rnd, member_unit_id=units[0])
        w[f"return_{side}"] = ret
        w[f"return_file_{side}"] = services.attachment_add(actor=admin, report_return=ret, field="photos",
                                                           files=[("佐证.pdf", PDF)])[0]


def _assessment(w: dict, t, admin, year: int) -> None:
    """Each committee's annual assessment of its member units."""
    from learncity.governance.inputs.assessment import SchemeIn
    from learncity.governance.services.assessment import scheme_create

    weights = {"indicators": "30", "tasks": "30", "reports": "20", "inspections": "20"}
    for side, committee in (("city", t.city_committee), ("gulou", t.gulou_committee),
                            ("taijiang", t.taijiang_committee)):
        w[f"scheme_{side}"] = scheme_create(actor=admin, committee=committee, data=SchemeIn(
            year=year, subjects="member_units", weights=weights))


def _inspections(w: dict, t, admin, year: int) -> None:
    """Inspection on each side of the line: each committee's office imports the shipped community-school standard
    and runs two rounds; an inspector over the city (`inspector`) is sent once in each. In the open round the
    visit is assigned and unscored; in the closed one every criterion is scored (the first marked to rectify, a
    PNG where evidence is required), the visit submitted, the round closed and its circular published."""
    import datetime

    from learncity.governance import services
    from learncity.governance.inputs import CircularIn, InspectionRoundIn, ScoreIn, StandardIn, VisitIn
    from learncity.governance.models import InspectionCriterion, InspectionScore
    from learncity.people.services import account_create
    from tests.governance.factories import PNG

    inspector = account_create(actor=admin, username="pages_inspector", password=MATRIX_PASSWORD, display_name="",
                               role="inspector", place_code=t.city.code).user
    w["inspector"] = inspector
    targets = {"city": ({"place_id": t.gulou.pk}, {"place_id": t.taijiang.pk}),
               "gulou": ({"institution_id": t.staff_inst.pk}, {"institution_id": t.gulou_inst_other.pk}),
               "taijiang": ({"institution_id": t.taijiang_inst.pk}, {"institution_id": t.taijiang_inst.pk})}
    for side, committee in (("city", t.city_committee), ("gulou", t.gulou_committee),
                            ("taijiang", t.taijiang_committee)):
        standard = services.standard_import(actor=admin, committee=committee, data=StandardIn(
            **(services.standard_shipped() | {"code": "page-matrix"})))  # the demo's committee has the shipped one
        rounds = {}
        for state, target in zip(("open", "closed"), targets[side], strict=True):
            rnd = services.round_create(actor=admin, committee=committee, data=InspectionRoundIn(
                standard_id=standard.pk, title=f"页面矩阵专项督导 {side} {state}", year=year,
                starts_on=datetime.date(year, 1, 1), ends_on=datetime.date(year, 12, 31)))
            rounds[state] = rnd
            w[f"visit_{state}_{side}"] = services.visit_assign(actor=admin, round=rnd, data=VisitIn(
                inspector_id=inspector.pk, **target))
        visit = w[f"visit_closed_{side}"]
        for c in InspectionCriterion.objects.filter(standard=standard).order_by("position"):
            services.score_record(actor=inspector, visit=visit, data=ScoreIn(
                criterion_id=c.pk, score=c.points, finding="页面矩阵发现的问题" if c.position == 1 else "",
                rectify=c.position == 1), files=[("photo.png", PNG)] if c.evidence_required else [])
        services.visit_submit(actor=inspector, visit=visit)
        services.round_close(actor=admin, round=rounds["closed"])
        w[f"circular_{side}"] = services.circular_publish(actor=admin, round=rounds["closed"], data=CircularIn(
            title=f"页面矩阵通报 {side}", text="页面矩阵通报正文"))
        w[f"standard_{side}"] = standard
        w[f"inspection_open_{side}"], w[f"inspection_closed_{side}"] = rounds["open"], rounds["closed"]
        w[f"score_{side}"] = InspectionScore.objects.get(visit=visit, criterion__position=1)
        w[f"inspection_evidence_{side}"] = (InspectionScore.objects.filter(visit=visit, evidence__isnull=False)
                                            .order_by("criterion__position")[0].evidence.order_by("pk")[0])
        w[f"criterion_{side}"] = InspectionCriterion.objects.get(standard=standard, position=1)


def world_build(intake_dir) -> World:
    """Everything the matrix asks about, made now (the targets' objects are made on first use: a test's savepoint
    would take back one made inside it)."""
    from django.test import TestCase

    from learncity.core.scopes import forget_scope
    from learncity.people.models import User
    from learncity.people.services import api_token_create
    from tests.api.conftest import targets_build

    users = {u.username: u for u in User.objects.all()}
    for u in users.values():
        forget_scope(u)
    t = targets_build(users)
    admin = users["admin"]
    w: dict = {}
    with TestCase.captureOnCommitCallbacks(execute=True):  # the search index, as the services do on commit
        _catalog(w, t, admin)
    _credits(w, t)
    _intake(w, t, admin)
    _monitoring(w, t)
    _governance(w, t, users)
    _meetings(w, t, admin, 2032)
    _reports(w, t, admin, 2032)
    _assessment(w, t, admin, 2032)
    _inspections(w, t, admin, 2032)
    w["staff_gulou"] = _staff_of(admin, t.staff_inst, 1)
    w["staff_taijiang"] = _staff_of(admin, t.taijiang_inst, 2)
    w["tokens"] = {username: api_token_create(actor=users[username], name="矩阵令牌")[0]
                   for username in ROLE_USERNAMES.values() if username is not None}
    for u in users.values():
        forget_scope(u)
    return World(t=t, users=users, intake_dir=intake_dir, sessions={}, objects=w)


@contextmanager
def rolled_back():
    """A savepoint of the world's transaction, taken back at the end: what a request wrote goes, the world stays."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)
