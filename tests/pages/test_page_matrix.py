"""Every page of the site, asked by every role, about objects on each side of the 鼓楼区 / 台江区 line.

`TABLE` declares what each role gets from a GET of each page; `POSTS` what each role that must be refused gets
from posting the page's form (and the database must be as it was: the rows the form would write, and the audit
trail). The pages are walked from Django's URLconf: a page that is not in the table, or a table entry whose page is
gone, fails `test_every_page_is_declared`, so no page ships without a declared scope. The world (tests/pages/
conftest.py) is made once for the module; each role asks with its own saved session.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url

from learncity.catalog.models import Attendance, Course, CourseSession, Enrollment, EventRegistration
from learncity.core.models import AuditEvent
from learncity.creditbank.models import (
    ConversionRule,
    Declaration,
    LearningAccount,
    Standard,
    StandardVersion,
    TranscriptWithdrawal,
)
from learncity.governance.models import (
    AdvancedUnitProposal,
    AssessmentScheme,
    AssessmentWeight,
    Circular,
    DecisionTask,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Meeting,
    MeetingDecision,
    Milestone,
    ProgressUpdate,
    Rectification,
    ReportForm,
    ReportReturn,
    ReportRound,
    ReturnAttachment,
    ReturnEvent,
    Task,
    TaskTransition,
    WorkPlan,
)
from learncity.intake.models import ImportJob, ProviderKey
from learncity.monitoring.models import Target as MonitoringTarget
from learncity.network.models import Designation, Institution, MemberUnit
from learncity.people.models import ApiToken, RoleAssignment, User
from learncity.places.models import Place, Population
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer, VolunteerService
from tests.pages.support import (
    EXCLUDED_NAMESPACES,
    EXCLUDED_PREFIXES,
    ROLES,
    excluded_routes,
    page_routes,
    rolled_back,
)

# --- outcomes -------------------------------------------------------------------------------------------------

OK = 200
SIGN_IN = "sign-in"  # 302 to the sign-in page, with the page as `next`
MOVED = 302  # a redirect elsewhere (a form's GET that goes back to its page, a refused write that says why there)
BAD = 400  # refused as input, nothing written
DENIED = 403  # a page or form the role may not use
HIDDEN = 404  # outside the scope: answered exactly as if it did not exist
POST_ONLY = 405  # a GET of a POST-only view
ALLOWED = None  # (POSTS) an allowed write: not sent here, the app's own tests make it
S = SIGN_IN  # keeps the first column narrow


# --- how each page is asked -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    on: dict[str, Callable] = field(default_factory=lambda: NOTHING)  # target -> (world) -> the object
    url: Callable = lambda obj: {}  # path parameters
    query: Callable = lambda obj: {}
    htmx: bool = False  # asked as HTMX asks (the partial is the page)
    post_on: dict[str, Callable] | None = None  # the POST's targets, when not the GET's
    post: Callable | None = None  # (obj, world) -> the form's fields
    upload: Callable | None = None  # (obj) -> (file name, bytes), sent as the field "file"
    state: Callable | None = None  # (obj, world) -> what the POST could change


NOTHING = {"-": lambda w: None}
STREETS = {"gulou": lambda w: w.t.gulou_street, "taijiang": lambda w: w.t.taijiang_street}
DISTRICTS = {"gulou": lambda w: w.t.gulou, "taijiang": lambda w: w.t.taijiang}
INSTITUTIONS = {"gulou": lambda w: w.t.staff_inst, "gulou_other": lambda w: w.t.gulou_inst_other,
                "taijiang": lambda w: w.t.taijiang_inst}
COMMITTEES = {"city": lambda w: w.t.city_committee, "gulou": lambda w: w.t.gulou_committee,
              "taijiang": lambda w: w.t.taijiang_committee}
PROFILES = {"learner": lambda w: w.t.learner_profile, "gulou": lambda w: w.t.gulou_profile,
            "taijiang": lambda w: w.t.taijiang_profile}
PUBLISHED = {"gulou": lambda w: w.published, "gulou_other": lambda w: w.published_other,
             "taijiang": lambda w: w.published_taijiang}
DRAFTS = {"gulou": lambda w: w.draft_gulou, "gulou_other": lambda w: w.draft_gulou_other,
          "taijiang": lambda w: w.draft_taijiang}
SIDES3 = ("gulou", "gulou_other", "taijiang")


def _sides(prefix: str, sides=SIDES3) -> dict:
    return {side: lambda w, side=side: getattr(w, f"{prefix}_{side}") for side in sides}


def _code(obj) -> dict:
    return {"code": obj.code}


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _count(model, **filters) -> Callable:
    return lambda obj, w: model.objects.filter(**filters).count()


def _rows(model, *fields, **filters):
    return lambda obj, w: list(model.objects.filter(pk=obj.pk, **filters).values_list(*fields))


def _today() -> str:
    return datetime.date.today().isoformat()


def _population(p, w):
    return list(Population.objects.filter(place=p).order_by("year").values_list("year", "total"))


def _children(p, w):
    return sorted(Place.objects.filter(parent=p).values_list("code", flat=True))


def _institution(inst, w):
    return list(Institution.objects.filter(pk=inst.pk).values_list(
        "name", "kind", "address", "phone", "description", "is_active", "place_id", "parent_id", "network_level_id"))


def _institution_form(inst, w):
    return {"code": inst.code, "name": inst.name, "kind": inst.kind, "place_code": inst.place.code,
            "address": "页面矩阵路 1 号", "is_active": "on"}


def _course_form(inst, w):
    return {"institution_code": inst.code, "code": f"PM-{inst.pk}", "title": "页面矩阵课", "kind": "culture",
            "mode": "offline", "term": "2031春", "hours": "12", "fee": "0", "capacity": "20"}


def _qr(session, w):
    from learncity.catalog.services import session_qr_token

    return {"t": session_qr_token(actor=w.users["admin"], session=session)}


def _standard_form(obj, w):
    return {"code": "PM-STD", "name": "页面矩阵标准", "credit_class": "training", "level": "1", "credits": "2",
            "min_hours": "0", "effective_from": _today()}


def _rule_form(inst, w):
    return {"code": f"PM-R-{inst.pk}", "name": "页面矩阵规则", "source_codes": [w.standard.code],
            "target_institution_code": inst.code, "target_kind": "certificate", "target_name": "页面矩阵",
            "target_class": "training", "ratio": "1", "cap_per_learner": "10", "effective_from": _today()}


BULK_CSV = "身份证号码,姓名\n110101199003070000,页面矩阵\n".encode()
INTAKE_CSV = ("记录编号,身份证号码,姓名,学习类型,课程代码,课程类别,学习内容,学时,成绩,学习日期\r\n"
              "PM-1,350102199001011234,林矩阵,课程结业,,社区教育,矩阵课,16,,2024-05-01\r\n").encode()


def _accounts(obj, w):
    return User.objects.count(), RoleAssignment.objects.count()


def _password(user, w):
    return list(User.objects.filter(pk=user.pk).values_list("password", "must_change_password"))


def _policy(obj, w):
    from learncity.creditbank.services import policy_for

    policy = policy_for(w.t.city)
    return [getattr(policy, name, None) for name in ("points_per_hour", "points_per_credit", "star_min_points")]


GOV_SIDES = ("city", "gulou", "taijiang")


def _gov(prefix: str) -> dict:
    return _sides(prefix, GOV_SIDES)


def _workpoints(c, w):
    return {"action": "import", "year": "2033",
            "text": f"2033年页面矩阵工作要点\n一、重点\n(一)页面矩阵导入。推进。(牵头单位：{c.name}办公室)"}


def _task_state(task, w):
    return (list(Task.objects.filter(pk=task.pk).values_list("state", "due_on")),
            TaskTransition.objects.filter(task=task).count())


def _meeting_form(c, w):
    return {"title": "页面矩阵新会议", "held_on": "2032-04-01", "year": "2032", "convener": "页面矩阵主任",
            "agenda": "页面矩阵议程", "minutes": "页面矩阵纪要"}


def _meeting_state(m, w):
    return (list(Meeting.objects.filter(pk=m.pk).values_list("title", "state", "agenda", "minutes", "published_at")),
            sorted(m.member_units.values_list("pk", flat=True)), MeetingDecision.objects.filter(meeting=m).count())


def _decision_tasks(d, w):
    return DecisionTask.objects.filter(decision=d).count(), Task.objects.count()


def _inspection_round_form(c, w):
    return {"standard_id": str(w.standard_city.pk), "title": "页面矩阵新督导", "year": "2032",
            "starts_on": "2032-01-01", "ends_on": "2032-12-31"}


def _report_form(c, w):
    import json

    from learncity.governance.form_files import form_document

    return {"committee": str(c.pk), "code": "page-matrix-new", "title": "页面矩阵新报表",
            "schema": json.dumps(form_document("quarterly")["schema"], ensure_ascii=False)}


def _report_round_form(f, w):
    return {"title": "页面矩阵新一轮", "period_start": "2032-10-01", "period_end": "2032-12-31",
            "deadline": "2099-01-01T12:00", "member_unit_ids": [str(w.t.reporter_unit.pk)]}


def _return_state(r, w):
    return (list(ReportReturn.objects.filter(pk=r.pk).values_list("state", "data", "submitted_at", "extended_until",
                                                                  "comment")),
            ReturnEvent.objects.filter(report_return=r).count())


def _weights_form(c=None, w=None) -> dict:
    return {"weight_indicators": "40", "weight_tasks": "30", "weight_reports": "20", "weight_inspections": "10"}


def _scheme_state(scheme, w):
    return (sorted(AssessmentWeight.objects.filter(scheme=scheme).values_list("component", "weight")),
            AdvancedUnitProposal.objects.filter(scheme=scheme).count())


PAGES: dict[str, Page] = {
    # --- core
    "/": Page(),
    "/login/": Page(),
    "/logout/": Page(),
    "/display/": Page(),
    "/django-admin/password_change/": Page(),
    "/django-admin/password_change/done/": Page(),
    # --- places
    "/places/imports/": Page(
        post_on=STREETS, post=lambda p, w: {"kind": "population"},
        upload=lambda p: ("rows.csv", f"区划代码,年份,常住人口\n{p.code},2030,1234\n".encode()), state=_population),
    "/places/<str:code>/": Page(on=STREETS, url=_code),
    "/places/<str:code>/population/": Page(
        on=STREETS, url=_code, post=lambda p, w: {"year": "2030", "total": "1234"}, state=_population),
    "/places/<str:code>/communities/": Page(
        on=STREETS, url=_code, post=lambda p, w: {"code": f"{p.code}997", "name": "页面矩阵社区"}, state=_children),
    # --- network
    "/network/": Page(),
    "/network/tree/<str:code>/": Page(on=STREETS, url=_code),
    "/network/institutions/new/": Page(
        post_on=STREETS, post=lambda p, w: {"code": f"PM-{p.code}", "name": "页面矩阵图书馆", "kind": "library",
                                            "place_code": p.code},
        state=lambda p, w: sorted(Institution.objects.filter(place=p).values_list("code", flat=True))),
    "/network/institutions/<str:code>/": Page(on=INSTITUTIONS, url=_code),
    "/network/institutions/<str:code>/edit/": Page(
        on=INSTITUTIONS, url=_code, post=_institution_form, state=_institution),
    "/network/designations/<str:code>/": Page(
        on=DISTRICTS, url=_code, post=lambda p, w: {"kind": "demonstration", "tier": "national", "year": "2030"},
        state=lambda p, w: Designation.objects.filter(place=p).count()),
    "/network/committees/": Page(),
    "/network/committees/<int:pk>/": Page(on=COMMITTEES, url=_pk),
    "/network/committees/<int:pk>/members/": Page(
        on=COMMITTEES, url=_pk, post=lambda c, w: {"name": "页面矩阵单位", "responsibility": "矩阵"},
        state=lambda c, w: MemberUnit.objects.filter(committee=c).count()),
    "/network/member-units/<int:pk>/": Page(
        on={"reporter_unit": lambda w: w.t.reporter_unit, "gulou": lambda w: w.t.gulou_unit,
            "taijiang": lambda w: w.t.taijiang_unit},
        url=_pk, post=lambda u, w: {"responsibility": "页面矩阵职责"}, state=_rows(MemberUnit, "responsibility")),
    # --- people
    "/people/": Page(),
    "/people/me/": Page(),
    "/people/me/reveal/": Page(post=lambda o, w: {}, state=_count(AuditEvent)),
    "/people/me/password/": Page(),
    "/people/me/tokens/": Page(),
    "/people/me/tokens/<int:pk>/revoke/": Page(
        on={"own": lambda w: w.tokens["learner"], "others": lambda w: w.t.other_token}, url=_pk,
        post=lambda tok, w: {}, state=_rows(ApiToken, "revoked_at")),
    "/people/accounts/": Page(
        post_on={"gulou": lambda w: w.t.staff_inst, "taijiang": lambda w: w.t.taijiang_inst},
        post=lambda inst, w: {"username": f"pm_{inst.pk}", "password": "page-matrix-passphrase-7",
                              "role": "institution_staff", "institution_code": inst.code},
        state=_accounts),
    "/people/accounts/<int:pk>/revoke/": Page(
        on={"gulou": lambda w: w.staff_gulou, "taijiang": lambda w: w.staff_taijiang}, url=_pk,
        post=lambda ra, w: {"confirm": "yes"}, state=lambda ra, w: RoleAssignment.objects.filter(pk=ra.pk).exists()),
    "/people/users/<int:pk>/password/": Page(
        on={"gulou": lambda w: w.staff_gulou.user, "taijiang": lambda w: w.staff_taijiang.user}, url=_pk,
        post=lambda u, w: {"confirm": "yes"}, state=_password),
    "/people/<int:pk>/": Page(on=PROFILES, url=_pk),
    # --- catalog: the citizens' pages
    "/learn/": Page(),
    "/learn/courses/<int:pk>/": Page(
        on={"published": lambda w: w.published, **{f"draft_{k}": v for k, v in DRAFTS.items()}}, url=_pk),
    "/learn/courses/<int:pk>/enroll/": Page(
        on={"open": lambda w: w.open_course, "draft": lambda w: w.draft_gulou}, url=_pk, post=lambda c, w: {},
        state=lambda c, w: Enrollment.objects.filter(course=c).count()),
    "/learn/enrollments/<int:pk>/cancel/": Page(
        on={"own": lambda w: w.own_enrollment, "gulou": lambda w: w.gulou_enrollment,
            "taijiang": lambda w: w.taijiang_enrollment},
        url=_pk, post=lambda e, w: {}, state=_rows(Enrollment, "status")),
    "/learn/me/": Page(),
    "/learn/checkin/": Page(
        post_on={"gulou": lambda w: w.session_gulou}, post=_qr,
        state=lambda s, w: Attendance.objects.filter(session=s).count()),
    "/learn/venues/": Page(),
    "/learn/venues/<int:pk>/": Page(on=_sides("venue", ("gulou", "taijiang")), url=_pk),
    "/learn/events/": Page(),
    "/learn/events/<int:pk>/": Page(on={"gulou": lambda w: w.event, "taijiang": lambda w: w.event_taijiang},
                                    url=_pk),
    "/learn/events/<int:pk>/register/": Page(
        on={"gulou": lambda w: w.event_other, "taijiang": lambda w: w.event_taijiang}, url=_pk,
        post=lambda e, w: {}, state=lambda e, w: EventRegistration.objects.filter(event=e).count()),
    "/learn/events/<int:pk>/check-in/": Page(
        on={"gulou": lambda w: w.event_registration, "taijiang": lambda w: w.event_registration_taijiang},
        url=lambda r: {"pk": r.event_id}, post=lambda r, w: {"present": [r.pk]}, state=_rows(EventRegistration, "status")),
    "/learn/event-registrations/<int:pk>/cancel/": Page(
        on={"own": lambda w: w.own_event_registration, "gulou": lambda w: w.event_registration,
            "taijiang": lambda w: w.event_registration_taijiang},
        url=_pk, post=lambda r, w: {}, state=_rows(EventRegistration, "status")),
    "/learn/resources/": Page(),
    "/learn/resources/<int:pk>/": Page(on={"gulou": lambda w: w.resource}, url=_pk),
    "/learn/resources/<int:pk>/done/": Page(
        on={"gulou": lambda w: w.resource}, url=_pk, post=lambda r, w: {"watched_seconds": "1800"},
        state=_count(AuditEvent)),
    "/learn/timetable/": Page(),
    # --- catalog: running courses
    "/learn/manage/": Page(query=lambda obj: {"term": "2031春"}),  # the matrix's courses: the first page holds them
    "/learn/manage/courses/new/": Page(
        post_on=INSTITUTIONS, post=_course_form, state=lambda inst, w: Course.objects.filter(institution=inst).count()),
    "/learn/manage/courses/<int:pk>/": Page(
        on=PUBLISHED, url=_pk, post=lambda c, w: {"date": "2031-06-01", "start": "09:00", "end": "11:00"},
        state=lambda c, w: CourseSession.objects.filter(course=c).count()),
    "/learn/manage/courses/<int:pk>/state/": Page(
        on=DRAFTS, url=_pk, post=lambda c, w: {"state": "published"}, state=_rows(Course, "state")),
    "/learn/manage/courses/<int:pk>/roster.xlsx": Page(on=PUBLISHED, url=_pk),
    "/learn/manage/sessions/<int:pk>/": Page(
        on=_sides("session"), url=_pk, post=lambda s, w: {"action": "attendance", "present": []},
        state=lambda s, w: Attendance.objects.filter(session=s).count()),
    # --- catalog: the people pools
    "/learn/manage/pools/": Page(),
    "/learn/manage/pools/teachers/": Page(
        post_on=INSTITUTIONS, post=lambda inst, w: {"name": "页面矩阵教师", "kind": "part_time",
                                                    "institution_codes": [inst.code]},
        state=lambda inst, w: Teacher.objects.filter(institutions=inst).count()),
    "/learn/manage/pools/teachers/<int:pk>/": Page(
        on=_sides("teacher"), url=_pk, post=lambda t, w: {"name": "页面矩阵改名", "kind": "part_time"},
        state=_rows(Teacher, "name", "kind")),
    "/learn/manage/pools/textbooks/": Page(post=lambda o, w: {"title": "页面矩阵教材"},
                                           state=lambda o, w: Textbook.objects.count()),
    "/learn/manage/pools/textbooks/<int:pk>/": Page(
        on=_sides("textbook"), url=_pk, post=lambda b, w: {"title": "页面矩阵改名"}, state=_rows(Textbook, "title")),
    "/learn/manage/pools/experts/": Page(
        post=lambda o, w: {"name": "页面矩阵专家", "kind": "academic", "city_code": w.t.city.code},
        state=lambda o, w: Expert.objects.count()),
    "/learn/manage/pools/experts/<int:pk>/": Page(
        on={"city": lambda w: w.expert_city}, url=_pk, post=lambda e, w: {"name": "页面矩阵改名", "kind": "academic"},
        state=_rows(Expert, "name")),
    "/learn/manage/pools/volunteers/": Page(
        post_on=INSTITUTIONS, post=lambda inst, w: {"id_number": "110101199003070000", "institution_code": inst.code},
        state=lambda inst, w: Volunteer.objects.count()),
    "/learn/manage/pools/volunteers/<int:pk>/": Page(
        on=_sides("volunteer"), url=_pk,
        post=lambda v, w: {"action": "service", "date": _today(), "hours": "2", "activity": "页面矩阵服务",
                           "institution_code": v.institution.code},
        state=lambda v, w: VolunteerService.objects.filter(volunteer=v).count()),
    # --- credit bank: the learner's pages
    "/credits/": Page(),
    "/credits/open/": Page(post=lambda o, w: {}, state=lambda o, w: LearningAccount.objects.count()),
    "/credits/transcript/": Page(post=lambda o, w: {}, state=_count(AuditEvent)),
    "/credits/transcripts/<str:token>.pdf": Page(
        on={"own": lambda w: w.transcript, "taijiang": lambda w: w.transcript_taijiang},
        url=lambda tr: {"token": tr.token}),
    "/credits/transcripts/<str:token>/withdraw/": Page(
        on={"own": lambda w: w.transcript, "taijiang": lambda w: w.transcript_taijiang},
        url=lambda tr: {"token": tr.token}, post=lambda tr, w: {"reason": "页面矩阵"},
        state=lambda tr, w: TranscriptWithdrawal.objects.count()),
    "/credits/declarations/": Page(
        post=lambda o, w: {"standard": w.standard.code, "kind": "certificate", "title": "页面矩阵证书",
                           "issuer": "矩阵考试院", "date": "2026-01-05"},
        state=lambda o, w: Declaration.objects.count()),
    "/credits/declarations/<int:pk>/evidence/<int:eid>/": Page(
        on={"own": lambda w: w.evidence, "taijiang": lambda w: w.evidence_taijiang},
        url=lambda ev: {"pk": ev.declaration_id, "eid": ev.pk}),
    "/credits/conversions/": Page(
        post_on={"gulou": lambda w: w.rule_gulou_active},
        post=lambda r, w: {"rule": r.code, "outcome": [w.t.credits.outcome.pk]},
        state=_count(AuditEvent)),
    "/credits/verify/": Page(),
    "/credits/verify/<str:token>/": Page(
        on={"own": lambda w: w.transcript, "taijiang": lambda w: w.transcript_taijiang},
        url=lambda tr: {"token": tr.token}),
    # --- credit bank: the back office
    "/credits/staff/": Page(),
    "/credits/review/": Page(),
    "/credits/review/<int:pk>/": Page(
        on={"learner": lambda w: w.declaration, "taijiang": lambda w: w.declaration_taijiang}, url=_pk,
        post=lambda d, w: {"decision": "approve", "reason": "矩阵"},
        state=_rows(Declaration, "status")),
    "/credits/inbox/": Page(),
    "/credits/inbox/<int:pk>/": Page(
        on=_sides("application", ("gulou", "taijiang")), url=_pk,
        post=lambda c, w: {"decision": "reject", "reason": "页面矩阵"}, state=_count(AuditEvent)),
    "/credits/standards/": Page(),
    "/credits/standards/new/": Page(post=_standard_form, state=lambda o, w: Standard.objects.count()),
    "/credits/standards/<str:code>/": Page(on={"city": lambda w: w.standard}, url=_code),
    "/credits/standards/<str:code>/revise/": Page(
        on={"city": lambda w: w.standard}, url=_code,
        post=lambda s, w: {**_standard_form(s, w), "name": "页面矩阵修订"},
        state=lambda s, w: StandardVersion.objects.filter(standard=s).count()),
    "/credits/standards/<str:code>/withdraw/": Page(
        on={"city": lambda w: w.standard}, url=_code, post=lambda s, w: {"reason": "页面矩阵"},
        state=lambda s, w: list(StandardVersion.objects.filter(standard=s).values_list("status", flat=True))),
    "/credits/standards/<str:code>/accredit/": Page(
        on={"city": lambda w: w.standard}, url=_code,
        post=lambda s, w: {"institution_code": w.t.taijiang_inst.code}, state=_count(AuditEvent)),
    "/credits/rules/": Page(),
    "/credits/rules/new/": Page(post_on=INSTITUTIONS, post=_rule_form,
                                state=lambda inst, w: ConversionRule.objects.count()),
    "/credits/rules/<str:code>/submit/": Page(
        on={"gulou": lambda w: w.rule_gulou_draft, "taijiang": lambda w: w.rule_taijiang_draft},
        url=_code, post=lambda r, w: {}, state=_rows(ConversionRule, "status")),
    "/credits/rules/<str:code>/review/": Page(
        on={"gulou": lambda w: w.rule_gulou_review, "taijiang": lambda w: w.rule_taijiang_review}, url=_code,
        post=lambda r, w: {"decision": "approve", "note": "页面矩阵"}, state=_rows(ConversionRule, "status")),
    "/credits/rules/<str:code>/abolish/": Page(
        on={"gulou": lambda w: w.rule_gulou_active, "taijiang": lambda w: w.rule_taijiang_active}, url=_code,
        post=lambda r, w: {}, state=_rows(ConversionRule, "status")),
    "/credits/accounts/bulk/": Page(
        post_on=INSTITUTIONS, post=lambda inst, w: {"institution_code": inst.code},
        upload=lambda inst: ("people.csv", BULK_CSV), state=lambda inst, w: LearningAccount.objects.count()),
    "/credits/policy/": Page(post=lambda o, w: {"points_per_hour": "3"}, state=_policy),
    # --- intake
    "/intake/": Page(
        post_on=INSTITUTIONS, post=lambda inst, w: {"institution_code": inst.code, "mode": "valid"},
        upload=lambda inst: ("rows.csv", INTAKE_CSV), state=lambda inst, w: ImportJob.objects.count()),
    "/intake/template.xlsx": Page(),
    "/intake/template.csv": Page(),
    "/intake/jobs/": Page(),
    "/intake/jobs/<int:pk>/": Page(on=_sides("job"), url=_pk),
    "/intake/jobs/<int:pk>/report.xlsx": Page(on=_sides("job"), url=_pk),
    "/intake/keys/": Page(
        post_on=INSTITUTIONS, post=lambda inst, w: {"institution_code": inst.code, "name": "页面矩阵", "days": "30"},
        state=lambda inst, w: ProviderKey.objects.count()),
    "/intake/keys/<int:pk>/revoke/": Page(on=_sides("key"), url=_pk, post=lambda k, w: {},
                                          state=_rows(ProviderKey, "revoked_at")),
    # --- monitoring
    "/monitor/": Page(on={"-": lambda w: None, "taijiang": lambda w: w.t.taijiang},
                      query=lambda p: {"place": p.pk} if p else {}),
    "/monitor/i/<str:code>/": Page(
        on={"-": lambda w: (w.indicator, None), "taijiang": lambda w: (w.indicator, w.t.taijiang)},
        url=lambda o: _code(o[0]), query=lambda o: {"place": o[1].pk} if o[1] else {}),
    "/monitor/i/<str:code>/series/": Page(
        on={"-": lambda w: (w.indicator, None), "taijiang": lambda w: (w.indicator, w.t.taijiang)}, htmx=True,
        url=lambda o: _code(o[0]), query=lambda o: {"place": o[1].pk, "grain": "year"} if o[1] else {"grain": "year"}),
    "/monitor/i/<str:code>/breakdown/": Page(
        on={"-": lambda w: (w.indicator, None), "taijiang": lambda w: (w.indicator, w.t.taijiang)}, htmx=True,
        url=lambda o: _code(o[0]), query=lambda o: {"place": o[1].pk, "by": "sex"} if o[1] else {"by": "sex"}),
    "/monitor/i/<str:code>/reported/": Page(
        on={"-": lambda w: (w.indicator, None), "taijiang": lambda w: (w.indicator, w.t.taijiang)}, htmx=True,
        url=lambda o: _code(o[0]), query=lambda o: {"place": o[1].pk} if o[1] else {}),
    "/monitor/export/<str:what>.<str:fmt>": Page(
        on={"-": lambda w: None, "taijiang": lambda w: w.t.taijiang}, url=lambda p: {"what": "overview", "fmt": "xlsx"},
        query=lambda p: {"place": p.pk} if p else {}),
    "/monitor/reports/": Page(),
    "/monitor/targets/": Page(
        post_on=DISTRICTS, post=lambda p, w: {"indicator": w.indicator.code, "place": p.pk, "period": "2032",
                                              "value": "12"},
        state=lambda p, w: MonitoringTarget.objects.filter(place=p).count()),
    "/monitor/targets/template.xlsx": Page(),
    "/monitor/targets/<int:pk>/delete/": Page(on=_sides("target", ("gulou", "taijiang")), url=_pk,
                                              post=lambda tg, w: {}, state=_rows(MonitoringTarget, "value")),
    "/monitor/public/": Page(),
    "/monitor/public/i/<str:code>/": Page(on={"-": lambda w: w.public_indicator}, url=_code),
    # --- governance
    "/governance/": Page(),
    "/governance/committees/<int:pk>/import/": Page(
        on=COMMITTEES, url=_pk, post=_workpoints,
        state=lambda c, w: list(WorkPlan.objects.filter(committee=c).values_list("year", flat=True))),
    "/governance/plans/<int:pk>/": Page(on=_gov("plan"), url=_pk),
    "/governance/items/<int:pk>/tasks/new/": Page(
        on=_gov("item"), url=_pk,
        post=lambda i, w: {"title": "页面矩阵新任务", "due_on": "2099-12-31",
                           "lead": [f"c:{i.plan.committee_id}"]},
        state=lambda i, w: Task.objects.filter(item=i).count()),
    "/governance/tasks/": Page(),
    "/governance/tasks/<int:pk>/": Page(on=_gov("task"), url=_pk),
    "/governance/tasks/<int:pk>/move/": Page(on=_gov("task"), url=_pk, post=lambda t, w: {"event": "complete"},
                                             state=_task_state),
    "/governance/tasks/<int:pk>/updates/": Page(
        on=_gov("task"), url=_pk, post=lambda t, w: {"text": "页面矩阵进展"},
        state=lambda t, w: ProgressUpdate.objects.filter(task=t).count()),
    "/governance/updates/<int:pk>/decide/": Page(
        on=_gov("update"), url=_pk, post=lambda u, w: {"decision": "accept"},
        state=_rows(ProgressUpdate, "state", "comment", "decided_by")),
    "/governance/updates/<int:pk>/evidence/<int:eid>/": Page(
        on=_gov("gov_evidence"), url=lambda ev: {"pk": ev.update_id, "eid": ev.pk}),
    "/governance/tasks/<int:pk>/milestones/": Page(
        on=_gov("task"), url=_pk, post=lambda t, w: {"title": "页面矩阵新节点", "due_on": str(t.due_on)},
        state=lambda t, w: Milestone.objects.filter(task=t).count()),
    "/governance/milestones/<int:pk>/done/": Page(on=_gov("milestone"), url=_pk, post=lambda m, w: {},
                                                  state=_rows(Milestone, "done_on")),
    "/governance/rounds/<int:pk>/consolidation.<str:fmt>": Page(
        on=_gov("round"), url=lambda r: {"pk": r.pk, "fmt": "docx"}),
    # joint meetings: the published one is read (its page, minutes, a decision's tasks), the draft one edited
    "/governance/committees/<int:pk>/meetings/": Page(on=COMMITTEES, url=_pk),
    "/governance/committees/<int:pk>/meetings/new/": Page(
        on=COMMITTEES, url=_pk, post=_meeting_form, state=lambda c, w: Meeting.objects.filter(committee=c).count()),
    "/governance/meetings/<int:pk>/": Page(on=_gov("meeting_published"), url=_pk),
    "/governance/meetings/<int:pk>/edit/": Page(on=_gov("meeting_draft"), url=_pk, post=_meeting_form,
                                                state=_meeting_state),
    "/governance/meetings/<int:pk>/publish/": Page(on=_gov("meeting_draft"), url=_pk, post=lambda m, w: {},
                                                   state=_meeting_state),
    "/governance/meetings/<int:pk>/decisions/": Page(
        on=_gov("meeting_draft"), url=_pk, post=lambda m, w: {"text": "页面矩阵新议定事项", "due_on": "2032-12-01"},
        state=_meeting_state),
    "/governance/meetings/<int:pk>/minutes.docx": Page(on=_gov("meeting_published"), url=_pk),
    "/governance/meetings/<int:pk>/minutes.pdf": Page(on=_gov("meeting_published"), url=_pk),
    "/governance/decisions/<int:pk>/tasks/new/": Page(
        on=_gov("decision_published"), url=_pk,
        post=lambda d, w: {"title": "页面矩阵议定任务", "due_on": "2032-11-30", "lead": [f"c:{d.meeting.committee_id}"]},
        state=_decision_tasks),
    # the annual assessment: the office's
    "/governance/assessment/": Page(),
    "/governance/assessment/new/": Page(
        post_on=COMMITTEES, post=lambda c, w: {"committee": str(c.pk), "year": "2033", "subjects": "member_units",
                                               **_weights_form()},
        state=lambda c, w: AssessmentScheme.objects.filter(committee=c).count()),
    "/governance/assessment/<int:pk>/": Page(on=_gov("scheme"), url=_pk),
    "/governance/assessment/<int:pk>/weights/": Page(on=_gov("scheme"), url=_pk, post=_weights_form,
                                                     state=_scheme_state),
    "/governance/assessment/<int:pk>/propose/": Page(on=_gov("scheme"), url=_pk, post=lambda sc, w: {"count": "1"},
                                                     state=_scheme_state),
    "/governance/assessment/<int:pk>/export.xlsx": Page(on=_gov("scheme"), url=_pk),
    # member units' reports: each committee's round asks a member unit of its own (the city's, the reporter's)
    "/governance/reports/": Page(
        post_on=COMMITTEES, post=_report_form, state=lambda c, w: ReportForm.objects.filter(committee=c).count()),
    "/governance/report-forms/<int:pk>/rounds/new/": Page(
        on=_gov("form"), url=_pk, post=_report_round_form,
        state=lambda f, w: ReportRound.objects.filter(form=f).count()),
    "/governance/rounds/<int:pk>/": Page(on=_gov("round"), url=_pk),
    "/governance/returns/<int:pk>/": Page(on=_gov("return"), url=_pk),
    "/governance/returns/<int:pk>/fill/": Page(on=_gov("return"), url=_pk,
                                               post=lambda r, w: {"action": "save", "d.summary": "页面矩阵"},
                                               state=_return_state),
    "/governance/returns/<int:pk>/decide/": Page(on=_gov("return"), url=_pk, post=lambda r, w: {"accept": "1"},
                                                 state=_return_state),
    "/governance/returns/<int:pk>/extension/": Page(
        on=_gov("return"), url=_pk, post=lambda r, w: {"until": "2099-01-01T12:00", "reason": "页面矩阵"},
        state=_return_state),
    "/governance/returns/<int:pk>/attachments/": Page(
        on=_gov("return"), url=_pk, post=lambda r, w: {"field": "photos"},
        state=lambda r, w: ReturnAttachment.objects.filter(report_return=r).count()),
    "/governance/returns/<int:pk>/attachments/<int:aid>/": Page(
        on=_gov("return_file"), url=lambda a: {"pk": a.report_return_id, "aid": a.pk}),
    "/governance/returns/<int:pk>/attachments/<int:aid>/remove/": Page(
        on=_gov("return_file"), url=lambda a: {"pk": a.report_return_id, "aid": a.pk}, post=lambda a, w: {},
        state=lambda a, w: ReturnAttachment.objects.filter(pk=a.pk).count()),
    # inspection: the open round's visit is assigned and unscored; the closed round's is scored, with its circular
    "/governance/inspections/": Page(),
    "/governance/committees/<int:pk>/inspection-standards/": Page(
        on=COMMITTEES, url=_pk, post=lambda c, w: {"shipped": "on"},
        state=lambda c, w: InspectionStandard.objects.filter(committee=c).count()),
    "/governance/inspection-standards/<int:pk>/": Page(on=_gov("standard"), url=_pk),
    "/governance/committees/<int:pk>/inspections/new/": Page(
        on=COMMITTEES, url=_pk, post=_inspection_round_form,
        state=lambda c, w: InspectionRound.objects.filter(committee=c).count()),
    "/governance/inspections/<int:pk>/": Page(on=_gov("inspection_open"), url=_pk),
    "/governance/inspections/<int:pk>/visits/": Page(
        on=_gov("inspection_open"), url=_pk,
        post=lambda r, w: {"inspector_id": str(w.inspector.pk), "target": f"p:{w.t.gulou.pk}"},
        state=lambda r, w: InspectionVisit.objects.filter(round=r).count()),
    "/governance/inspections/<int:pk>/close/": Page(on=_gov("inspection_open"), url=_pk, post=lambda r, w: {},
                                                    state=_rows(InspectionRound, "closed_at")),
    "/governance/inspections/<int:pk>/circular/": Page(
        on=_gov("inspection_open"), url=_pk, post=lambda r, w: {"title": "页面矩阵新通报", "text": "正文"},
        state=lambda r, w: (Circular.objects.filter(round=r).count(), _rows(InspectionRound, "closed_at")(r, w))),
    "/governance/inspection-scores/<int:pk>/rectification/": Page(
        on=_gov("score"), url=_pk, post=lambda sc, w: {"due_on": "2032-12-31", "title": "页面矩阵整改"},
        state=lambda sc, w: (Rectification.objects.filter(score=sc).count(), Task.objects.count())),
    "/governance/inspection-scores/<int:pk>/evidence/<int:eid>/": Page(
        on=_gov("inspection_evidence"), url=lambda ev: {"pk": ev.score_id, "eid": ev.pk}),
    "/governance/inspection-visits/<int:pk>/": Page(on=_gov("visit_open"), url=_pk),
    "/governance/inspection-visits/<int:pk>/scores/<int:criterion>/": Page(
        on=_gov("visit_open"), url=lambda v: {"pk": v.pk, "criterion": v.round.standard.criteria.order_by(
            "position")[0].pk},
        post=lambda v, w: {"score": "1", "finding": "页面矩阵"},
        state=lambda v, w: (InspectionScore.objects.filter(visit=v).count(), _rows(InspectionVisit, "state")(v, w))),
    "/governance/inspection-visits/<int:pk>/submit/": Page(on=_gov("visit_open"), url=_pk, post=lambda v, w: {},
                                                           state=_rows(InspectionVisit, "state", "submitted_at")),
    "/governance/circulars/<int:pk>/": Page(on=_gov("circular"), url=_pk),
    "/governance/circulars/<int:pk>/pdf/": Page(on=_gov("circular"), url=_pk),
}


# --- the declared answers --------------------------------------------------------------------------------------
# route -> {target: outcomes in ROLES order}; "-" marks a page that is not about one object.
#          anonymous learner  staff   district  city    reporter  expert  auditor

TABLE: dict[str, dict[str, tuple]] = {
    "/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/login/": {
        "-": (OK, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/logout/": {
        "-": (POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/display/": {
        "-": (POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/django-admin/password_change/": {
        "-": (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/django-admin/password_change/done/": {
        "-": (MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/places/imports/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
    },
    "/places/<str:code>/": {
        "gulou": (S, HIDDEN, OK, OK, OK, OK, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    "/places/<str:code>/population/": {
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/places/<str:code>/communities/": {
        "gulou": (S, HIDDEN, HIDDEN, MOVED, MOVED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, MOVED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/network/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/network/tree/<str:code>/": {
        "gulou": (S, DENIED, OK, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    "/network/institutions/new/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
    },
    "/network/institutions/<str:code>/": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/network/institutions/<str:code>/edit/": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/network/designations/<str:code>/": {
        "gulou": (S, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
        "taijiang": (S, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/network/committees/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/network/committees/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/network/committees/<int:pk>/members/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, MOVED, MOVED, MOVED, MOVED),
        "gulou": (S, HIDDEN, HIDDEN, MOVED, MOVED, HIDDEN, MOVED, MOVED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, MOVED, HIDDEN, MOVED, MOVED),
    },
    "/network/member-units/<int:pk>/": {  # readers of the committee may not edit (403); others never see it (404)
        "reporter_unit": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/people/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, OK),
    },
    "/people/me/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/people/me/reveal/": {
        "-": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/people/me/password/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/people/me/tokens/": {
        "-": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/people/me/tokens/<int:pk>/revoke/": {
        "own": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "others": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/people/accounts/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
    },
    "/people/accounts/<int:pk>/revoke/": {  # the auditor reads accounts but may not revoke: not asked to confirm
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, DENIED),
    },
    "/people/users/<int:pk>/password/": {
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, DENIED),
    },
    "/people/<int:pk>/": {
        "learner": (S, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    "/learn/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/courses/<int:pk>/": {
        "published": (OK, OK, OK, OK, OK, OK, OK, OK),
        "draft_gulou": (HIDDEN, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "draft_gulou_other": (HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "draft_taijiang": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/learn/courses/<int:pk>/enroll/": {
        "open": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "draft": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/enrollments/<int:pk>/cancel/": {
        "own": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/me/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/checkin/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/venues/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/venues/<int:pk>/": {
        "gulou": (OK, OK, OK, OK, OK, OK, OK, OK),
        "taijiang": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/events/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/events/<int:pk>/": {
        "gulou": (OK, OK, OK, OK, OK, OK, OK, OK),
        "taijiang": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/events/<int:pk>/register/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/events/<int:pk>/check-in/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/event-registrations/<int:pk>/cancel/": {
        "own": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/resources/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/resources/<int:pk>/": {
        "gulou": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/resources/<int:pk>/done/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/timetable/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/courses/new/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),  # those who run no institution have no course to create
    },
    "/learn/manage/courses/<int:pk>/": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    "/learn/manage/courses/<int:pk>/state/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou_other": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/learn/manage/courses/<int:pk>/roster.xlsx": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    "/learn/manage/sessions/<int:pk>/": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/": {
        "-": (S, DENIED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/learn/manage/pools/teachers/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/pools/teachers/<int:pk>/": {
        "gulou": (S, DENIED, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, DENIED, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/textbooks/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/pools/textbooks/<int:pk>/": {
        "gulou": (S, DENIED, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, DENIED, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/experts/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/pools/experts/<int:pk>/": {
        "city": (S, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/volunteers/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/learn/manage/pools/volunteers/<int:pk>/": {
        "gulou": (S, DENIED, OK, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou_other": (S, DENIED, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    "/credits/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/open/": {
        "-": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/transcript/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/transcripts/<str:token>.pdf": {
        "own": (S, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    "/credits/transcripts/<str:token>/withdraw/": {
        "own": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/declarations/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/declarations/<int:pk>/evidence/<int:eid>/": {
        "own": (S, OK, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/credits/conversions/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/verify/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/verify/<str:token>/": {
        "own": (OK, OK, OK, OK, OK, OK, OK, OK),
        "taijiang": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/staff/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/credits/review/": {
        "-": (S, DENIED, DENIED, DENIED, OK, DENIED, OK, OK),
    },
    "/credits/review/<int:pk>/": {
        "learner": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/inbox/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
    },
    "/credits/inbox/<int:pk>/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/standards/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/standards/new/": {
        "-": (S, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    "/credits/standards/<str:code>/": {
        "city": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/standards/<str:code>/revise/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/standards/<str:code>/withdraw/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/standards/<str:code>/accredit/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/rules/": {
        "-": (S, OK, OK, OK, OK, OK, OK, OK),
    },
    "/credits/rules/new/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
    },
    "/credits/rules/<str:code>/submit/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/rules/<str:code>/review/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/rules/<str:code>/abolish/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/credits/accounts/bulk/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
    },
    "/credits/policy/": {
        "-": (S, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    "/intake/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
    },
    "/intake/template.xlsx": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/intake/template.csv": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/intake/jobs/": {
        "-": (S, DENIED, OK, OK, OK, OK, OK, OK),
    },
    "/intake/jobs/<int:pk>/": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/intake/jobs/<int:pk>/report.xlsx": {
        "gulou": (S, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    "/intake/keys/": {
        "-": (S, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
    },
    "/intake/keys/<int:pk>/revoke/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou_other": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/monitor/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/i/<str:code>/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/i/<str:code>/series/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/i/<str:code>/breakdown/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/i/<str:code>/reported/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/export/<str:what>.<str:fmt>": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
    },
    "/monitor/reports/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/monitor/targets/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/monitor/targets/template.xlsx": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/monitor/targets/<int:pk>/delete/": {
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/monitor/public/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    "/monitor/public/i/<str:code>/": {
        "-": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    # governance: the office (the place's administrators) acts; a member unit reads its own tasks; the experts and
    # auditors read the committee area; the staff and learners have no part in it.
    "/governance/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/governance/committees/<int:pk>/import/": {  # a committee one reads but does not run: refused
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/plans/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/items/<int:pk>/tasks/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/tasks/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/governance/tasks/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/tasks/<int:pk>/move/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/tasks/<int:pk>/updates/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/updates/<int:pk>/decide/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/updates/<int:pk>/evidence/<int:eid>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/tasks/<int:pk>/milestones/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/milestones/<int:pk>/done/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/rounds/<int:pk>/consolidation.<str:fmt>": {  # the office's; a unit asked, or a reader, refused
        "city": (S, HIDDEN, HIDDEN, DENIED, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/meetings/": {  # the governance readers only (403 first), then the committee
        "city": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, DENIED, DENIED, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/committees/<int:pk>/meetings/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/meetings/<int:pk>/": {  # read as the committee's plans are
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/meetings/<int:pk>/edit/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/meetings/<int:pk>/publish/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/meetings/<int:pk>/decisions/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/meetings/<int:pk>/minutes.docx": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/meetings/<int:pk>/minutes.pdf": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/decisions/<int:pk>/tasks/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    # the assessment: its list is the offices' (403 for every other role); a scheme is read as office() says
    # (its administrators, and the experts and auditors), changed by the office only
    "/governance/assessment/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
    },
    "/governance/assessment/new/": {
        "-": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/assessment/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/assessment/<int:pk>/weights/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/assessment/<int:pk>/propose/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/assessment/<int:pk>/export.xlsx": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    # member units' reports: the governance readers (403 for the others on its pages); a round is read by its
    # office and the units it asks (鼓楼区's committee is asked by the city's), a return by its office and its unit
    "/governance/reports/": {
        "-": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
    },
    "/governance/report-forms/<int:pk>/rounds/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/rounds/<int:pk>/": {
        "city": (S, DENIED, DENIED, OK, OK, OK, OK, OK),
        "gulou": (S, DENIED, DENIED, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/returns/<int:pk>/": {
        "city": (S, DENIED, DENIED, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, DENIED, DENIED, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, DENIED, DENIED, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/returns/<int:pk>/fill/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/returns/<int:pk>/decide/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/returns/<int:pk>/extension/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/returns/<int:pk>/attachments/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/returns/<int:pk>/attachments/<int:aid>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/returns/<int:pk>/attachments/<int:aid>/remove/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    # inspection: the offices and inspectors (403 for the others on its list); a standard and a circular are read
    # by the committee's members, a round and its visits by its office (and readers) and its inspectors only
    "/governance/inspections/": {
        "-": (S, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/inspection-standards/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspection-standards/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/committees/<int:pk>/inspections/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspections/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/inspections/<int:pk>/visits/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/inspections/<int:pk>/close/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/inspections/<int:pk>/circular/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/inspection-scores/<int:pk>/rectification/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/inspection-scores/<int:pk>/evidence/<int:eid>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/inspection-visits/<int:pk>/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/inspection-visits/<int:pk>/scores/<int:criterion>/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/inspection-visits/<int:pk>/submit/": {
        "city": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "gulou": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
        "taijiang": (S, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY, POST_ONLY),
    },
    "/governance/circulars/<int:pk>/": {  # published to the committee's area
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    "/governance/circulars/<int:pk>/pdf/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (S, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
}

POSTS: dict[str, dict[str, tuple]] = {
    "/places/imports/": {
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/places/<str:code>/population/": {
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/places/<str:code>/communities/": {
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/network/institutions/new/": {
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/network/institutions/<str:code>/edit/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/network/designations/<str:code>/": {
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/network/committees/<int:pk>/members/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/network/member-units/<int:pk>/": {
        "reporter_unit": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/people/me/reveal/": {
        "-": (S, ALLOWED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    "/people/me/tokens/<int:pk>/revoke/": {
        "own": (S, ALLOWED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "others": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    "/people/accounts/": {
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/people/accounts/<int:pk>/revoke/": {
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, DENIED),
    },
    "/people/users/<int:pk>/password/": {
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, DENIED),
    },
    "/learn/courses/<int:pk>/enroll/": {
        "open": (S, ALLOWED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
        "draft": (S, HIDDEN, MOVED, MOVED, MOVED, HIDDEN, MOVED, MOVED),
    },
    "/learn/enrollments/<int:pk>/cancel/": {
        "own": (S, ALLOWED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/checkin/": {
        "gulou": (S, ALLOWED, BAD, BAD, BAD, BAD, BAD, BAD),
    },
    "/learn/events/<int:pk>/register/": {
        "gulou": (S, ALLOWED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
        "taijiang": (S, ALLOWED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/learn/events/<int:pk>/check-in/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/event-registrations/<int:pk>/cancel/": {
        "own": (S, ALLOWED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/resources/<int:pk>/done/": {
        "gulou": (S, ALLOWED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/learn/manage/courses/new/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/learn/manage/courses/<int:pk>/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, OK),
        "gulou_other": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, OK),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, OK),
    },
    "/learn/manage/courses/<int:pk>/state/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/sessions/<int:pk>/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/teachers/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/learn/manage/pools/teachers/<int:pk>/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, DENIED, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/textbooks/": {
        "-": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/learn/manage/pools/textbooks/<int:pk>/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, DENIED, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/experts/": {
        "-": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/learn/manage/pools/experts/<int:pk>/": {
        "city": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/learn/manage/pools/volunteers/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/learn/manage/pools/volunteers/<int:pk>/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, DENIED),
        "gulou_other": (S, DENIED, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, DENIED),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, DENIED),
    },
    "/credits/open/": {
        "-": (S, ALLOWED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    },
    "/credits/transcript/": {
        "-": (S, ALLOWED, OK, OK, OK, OK, OK, OK),
    },
    "/credits/transcripts/<str:token>/withdraw/": {
        "own": (S, ALLOWED, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/credits/declarations/": {
        "-": (S, ALLOWED, BAD, BAD, BAD, BAD, BAD, BAD),
    },
    "/credits/conversions/": {
        "gulou": (S, ALLOWED, OK, OK, OK, OK, OK, OK),
    },
    "/credits/review/<int:pk>/": {
        "learner": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, ALLOWED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, ALLOWED, DENIED),
    },
    "/credits/inbox/<int:pk>/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, DENIED, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/credits/standards/new/": {
        "-": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/standards/<str:code>/revise/": {
        "city": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/standards/<str:code>/withdraw/": {
        "city": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/standards/<str:code>/accredit/": {
        "city": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/rules/new/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/rules/<str:code>/submit/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/credits/rules/<str:code>/review/": {
        "gulou": (S, HIDDEN, DENIED, DENIED, ALLOWED, HIDDEN, ALLOWED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, ALLOWED, DENIED),
    },
    "/credits/rules/<str:code>/abolish/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/accounts/bulk/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/credits/policy/": {
        "-": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/intake/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/intake/keys/": {
        "gulou": (S, DENIED, ALLOWED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "gulou_other": (S, DENIED, BAD, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, BAD, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/intake/keys/<int:pk>/revoke/": {
        "gulou": (S, HIDDEN, ALLOWED, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, HIDDEN, HIDDEN),
    },
    "/monitor/targets/": {
        "gulou": (S, DENIED, DENIED, DENIED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, BAD, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/monitor/targets/<int:pk>/delete/": {
        "gulou": (S, HIDDEN, HIDDEN, DENIED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/import/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/items/<int:pk>/tasks/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/tasks/<int:pk>/move/": {  # completing a task is the office's; its lead unit only starts it
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/tasks/<int:pk>/updates/": {  # the task's units post; the city's office answers for its committees
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/updates/<int:pk>/decide/": {  # the office decides; the unit that posted it reads it only
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/tasks/<int:pk>/milestones/": {  # the office sets them
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/milestones/<int:pk>/done/": {  # a lead unit or the office marks one reached
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/meetings/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/meetings/<int:pk>/edit/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/meetings/<int:pk>/publish/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/meetings/<int:pk>/decisions/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/decisions/<int:pk>/tasks/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/assessment/new/": {  # the offices only (403), then the committee read (404) and run
        "city": (S, DENIED, DENIED, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, DENIED, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
    },
    "/governance/assessment/<int:pk>/weights/": {  # a scheme is not the member units' to read
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/assessment/<int:pk>/propose/": {  # a scheme is not the member units' to read
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/reports/": {  # a new form: the office's
        "city": (S, DENIED, DENIED, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, DENIED, DENIED, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, DENIED, DENIED, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/report-forms/<int:pk>/rounds/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/returns/<int:pk>/fill/": {  # its unit fills it in (an administrator does not answer for a unit)
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, DENIED, DENIED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    },
    "/governance/returns/<int:pk>/decide/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/returns/<int:pk>/extension/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/returns/<int:pk>/attachments/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, DENIED, DENIED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    },
    "/governance/returns/<int:pk>/attachments/<int:aid>/remove/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, ALLOWED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, DENIED, DENIED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/inspection-standards/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/committees/<int:pk>/inspections/new/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, DENIED, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspections/<int:pk>/visits/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspections/<int:pk>/close/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspections/<int:pk>/circular/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspection-scores/<int:pk>/rectification/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, ALLOWED, ALLOWED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, ALLOWED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspection-visits/<int:pk>/scores/<int:criterion>/": {  # its inspector's only
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, DENIED, DENIED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    },
    "/governance/inspection-visits/<int:pk>/submit/": {
        "city": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
        "gulou": (S, HIDDEN, HIDDEN, DENIED, DENIED, HIDDEN, DENIED, DENIED),
        "taijiang": (S, HIDDEN, HIDDEN, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    },
}


# The inspector (Role.INSPECTOR): sent on the visits of inspection rounds, they read those visits, their rounds and
# the rounds' standards, score their own open visit and nothing else of the committees' year (the circular is the
# committee area's: not theirs). Declared on the governance pages, where the role has a part; route -> {target:
# outcome}, the targets as in TABLE and POSTS.
GOV_TARGETS = ("city", "gulou", "taijiang")


def _each(outcome) -> dict:
    return dict.fromkeys(GOV_TARGETS, outcome)


INSPECTOR_GETS: dict[str, dict[str, Any]] = {
    "/governance/": {"-": DENIED},
    "/governance/committees/<int:pk>/import/": _each(HIDDEN),
    "/governance/plans/<int:pk>/": _each(HIDDEN),
    "/governance/items/<int:pk>/tasks/new/": _each(HIDDEN),
    "/governance/tasks/": {"-": DENIED},
    "/governance/tasks/<int:pk>/": _each(HIDDEN),
    "/governance/tasks/<int:pk>/move/": _each(POST_ONLY),
    "/governance/tasks/<int:pk>/updates/": _each(POST_ONLY),
    "/governance/updates/<int:pk>/decide/": _each(POST_ONLY),
    "/governance/updates/<int:pk>/evidence/<int:eid>/": _each(HIDDEN),
    "/governance/tasks/<int:pk>/milestones/": _each(POST_ONLY),
    "/governance/milestones/<int:pk>/done/": _each(POST_ONLY),
    "/governance/rounds/<int:pk>/consolidation.<str:fmt>": _each(HIDDEN),
    "/governance/committees/<int:pk>/meetings/": _each(DENIED),
    "/governance/committees/<int:pk>/meetings/new/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/edit/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/publish/": _each(POST_ONLY),
    "/governance/meetings/<int:pk>/decisions/": _each(POST_ONLY),
    "/governance/meetings/<int:pk>/minutes.docx": _each(HIDDEN),
    "/governance/meetings/<int:pk>/minutes.pdf": _each(HIDDEN),
    "/governance/decisions/<int:pk>/tasks/new/": _each(HIDDEN),
    "/governance/assessment/": {"-": DENIED},
    "/governance/assessment/new/": {"-": POST_ONLY},
    "/governance/assessment/<int:pk>/": _each(HIDDEN),
    "/governance/assessment/<int:pk>/weights/": _each(POST_ONLY),
    "/governance/assessment/<int:pk>/propose/": _each(POST_ONLY),
    "/governance/assessment/<int:pk>/export.xlsx": _each(HIDDEN),
    "/governance/reports/": {"-": DENIED},
    "/governance/report-forms/<int:pk>/rounds/new/": _each(HIDDEN),
    "/governance/rounds/<int:pk>/": _each(DENIED),
    "/governance/returns/<int:pk>/": _each(DENIED),
    "/governance/returns/<int:pk>/fill/": _each(POST_ONLY),
    "/governance/returns/<int:pk>/decide/": _each(POST_ONLY),
    "/governance/returns/<int:pk>/extension/": _each(POST_ONLY),
    "/governance/returns/<int:pk>/attachments/": _each(POST_ONLY),
    "/governance/returns/<int:pk>/attachments/<int:aid>/": _each(HIDDEN),
    "/governance/returns/<int:pk>/attachments/<int:aid>/remove/": _each(POST_ONLY),
    "/governance/inspections/": {"-": OK},
    "/governance/committees/<int:pk>/inspection-standards/": _each(HIDDEN),
    "/governance/inspection-standards/<int:pk>/": _each(OK),
    "/governance/committees/<int:pk>/inspections/new/": _each(HIDDEN),
    "/governance/inspections/<int:pk>/": _each(OK),
    "/governance/inspections/<int:pk>/visits/": _each(POST_ONLY),
    "/governance/inspections/<int:pk>/close/": _each(POST_ONLY),
    "/governance/inspections/<int:pk>/circular/": _each(POST_ONLY),
    "/governance/inspection-scores/<int:pk>/rectification/": _each(POST_ONLY),
    "/governance/inspection-scores/<int:pk>/evidence/<int:eid>/": _each(OK),
    "/governance/inspection-visits/<int:pk>/": _each(OK),
    "/governance/inspection-visits/<int:pk>/scores/<int:criterion>/": _each(POST_ONLY),
    "/governance/inspection-visits/<int:pk>/submit/": _each(POST_ONLY),
    "/governance/circulars/<int:pk>/": _each(HIDDEN),
    "/governance/circulars/<int:pk>/pdf/": _each(HIDDEN),
}
INSPECTOR_POSTS: dict[str, dict[str, Any]] = {
    "/governance/committees/<int:pk>/import/": _each(HIDDEN),
    "/governance/items/<int:pk>/tasks/new/": _each(HIDDEN),
    "/governance/tasks/<int:pk>/move/": _each(HIDDEN),
    "/governance/tasks/<int:pk>/updates/": _each(HIDDEN),
    "/governance/updates/<int:pk>/decide/": _each(HIDDEN),
    "/governance/tasks/<int:pk>/milestones/": _each(HIDDEN),
    "/governance/milestones/<int:pk>/done/": _each(HIDDEN),
    "/governance/committees/<int:pk>/meetings/new/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/edit/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/publish/": _each(HIDDEN),
    "/governance/meetings/<int:pk>/decisions/": _each(HIDDEN),
    "/governance/decisions/<int:pk>/tasks/new/": _each(HIDDEN),
    "/governance/assessment/new/": _each(DENIED),
    "/governance/assessment/<int:pk>/weights/": _each(HIDDEN),
    "/governance/assessment/<int:pk>/propose/": _each(HIDDEN),
    "/governance/reports/": _each(DENIED),
    "/governance/report-forms/<int:pk>/rounds/new/": _each(HIDDEN),
    "/governance/returns/<int:pk>/fill/": _each(HIDDEN),
    "/governance/returns/<int:pk>/decide/": _each(HIDDEN),
    "/governance/returns/<int:pk>/extension/": _each(HIDDEN),
    "/governance/returns/<int:pk>/attachments/": _each(HIDDEN),
    "/governance/returns/<int:pk>/attachments/<int:aid>/remove/": _each(HIDDEN),
    "/governance/committees/<int:pk>/inspection-standards/": _each(HIDDEN),
    "/governance/committees/<int:pk>/inspections/new/": _each(HIDDEN),
    # their rounds, read but not run by them
    "/governance/inspections/<int:pk>/visits/": _each(DENIED),
    "/governance/inspections/<int:pk>/close/": _each(DENIED),
    "/governance/inspections/<int:pk>/circular/": _each(DENIED),
    "/governance/inspection-scores/<int:pk>/rectification/": _each(DENIED),
    "/governance/inspection-visits/<int:pk>/scores/<int:criterion>/": _each(ALLOWED),  # their own open visit
    "/governance/inspection-visits/<int:pk>/submit/": _each(BAD),  # theirs, but no criterion scored yet
}


def page_url(route: str, page: Page, obj) -> str:
    kwargs = page.url(obj)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), route)


def ask(client, route: str, page: Page, obj, *, method: str = "GET", w=None):
    url = page_url(route, page, obj)
    headers = {"HX-Request": "true"} if page.htmx else {}
    if method == "GET":
        return client.get(url, page.query(obj), headers=headers)
    data = dict(page.post(obj, w)) if page.post else {}
    if page.upload is not None:
        name, body = page.upload(obj)
        data["file"] = SimpleUploadedFile(name, body, "text/csv")
    return client.post(url, data, headers=headers)


def outcome_of(response) -> Any:
    if response.status_code == 302:
        login = resolve_url(settings.LOGIN_URL)
        return SIGN_IN if response["Location"].startswith(f"{login}?next=") else MOVED
    return response.status_code


# --- what the table must say ------------------------------------------------------------------------------------

# Pages anyone may see without signing in (the public face: the catalogue, events, venues, a transcript's check, the
# public dashboard); every other page sends the anonymous visitor to sign in (or is the sign-in page itself).
PUBLIC = {"/", "/login/", "/learn/", "/learn/courses/<int:pk>/", "/learn/venues/", "/learn/venues/<int:pk>/",
          "/learn/events/", "/learn/events/<int:pk>/", "/learn/resources/", "/learn/resources/<int:pk>/",
          "/credits/verify/", "/credits/verify/<str:token>/", "/monitor/public/", "/monitor/public/i/<str:code>/"}
# Not behind a sign-in, and nothing to show: sign out and large text are POST-only; the admin's own password change
# sends everyone to the site's.
OPEN = {"/logout/", "/display/", "/django-admin/password_change/", "/django-admin/password_change/done/"}
# The back office: a learner never gets a page of it (200). The credit bank's standards and rules are read by every
# signed-in role (as in the API), so they are not in it.
BACK_OFFICE = ("/places/", "/network/", "/people/accounts/", "/people/users/", "/learn/manage/", "/credits/staff/",
               "/credits/review/", "/credits/inbox/", "/credits/standards/new/", "/credits/rules/new/",
               "/credits/accounts/", "/credits/policy/", "/intake/", "/monitor/", "/governance/")
# Who is outside each role's scope: the staff's school is in 鼓楼区; `district_admin` runs 鼓楼区.
OUTSIDE = {"institution_staff": {"gulou_other", "taijiang", "others"}, "district_admin": {"taijiang", "others"}}

# Lists: a row from outside a role's scope must not be on its page, and is on the pages of those whose scope holds
# it (so the check is not empty). route -> [(what marks the row in the page, the roles whose page shows it)].
CITY_WIDE = frozenset({"city_admin", "expert_reviewer", "auditor"})
LISTS: dict[str, list[tuple[Callable, frozenset]]] = {
    "/intake/jobs/": [(lambda w: f"/intake/jobs/{w.job_taijiang.pk}/", frozenset({"city_admin"})),
                      (lambda w: f"/intake/jobs/{w.job_gulou_other.pk}/", frozenset({"district_admin", "city_admin"}))],
    "/intake/keys/": [(lambda w: w.key_taijiang.prefix, frozenset({"city_admin"})),
                      (lambda w: w.key_gulou_other.prefix, frozenset({"district_admin", "city_admin"}))],
    "/credits/inbox/": [(lambda w: f"/credits/inbox/{w.application_taijiang.pk}/", frozenset({"city_admin"})),
                        (lambda w: f"/credits/inbox/{w.application_gulou.pk}/",
                         frozenset({"institution_staff", "district_admin", "city_admin"}))],
    "/learn/manage/": [(lambda w: w.draft_taijiang.title, CITY_WIDE),
                       (lambda w: w.draft_gulou_other.title, CITY_WIDE | {"district_admin"})],
    "/network/committees/": [(lambda w: f"/network/committees/{w.t.taijiang_committee.pk}/", CITY_WIDE)],
    "/governance/": [(lambda w: f"/governance/plans/{w.plan_taijiang.pk}/", CITY_WIDE),
                     (lambda w: f"/governance/plans/{w.plan_gulou.pk}/", CITY_WIDE | {"district_admin"})],
    "/governance/tasks/": [(lambda w: f"/governance/tasks/{w.task_taijiang.pk}/", CITY_WIDE),
                           (lambda w: f"/governance/tasks/{w.task_gulou.pk}/", CITY_WIDE | {"district_admin"}),
                           (lambda w: f"/governance/tasks/{w.task_city.pk}/", CITY_WIDE | {"member_unit_reporter"})],
    "/governance/inspections/": [
        (lambda w: f"/governance/inspections/{w.inspection_open_taijiang.pk}/", frozenset({"city_admin", "inspector"})),
        (lambda w: f"/governance/inspections/{w.inspection_open_gulou.pk}/",
         frozenset({"district_admin", "city_admin", "inspector"}))],
    "/governance/assessment/": [(lambda w: f"/governance/assessment/{w.scheme_taijiang.pk}/", frozenset({"city_admin"})),
                                (lambda w: f"/governance/assessment/{w.scheme_gulou.pk}/",
                                 frozenset({"district_admin", "city_admin"}))],
}

# Pages that answer a role as they should not (a real leak, or a page that is broken today): xfail, strict, so
# that fixing one is noticed. (route, target, role) -> why.
LEAKS: dict[tuple[str, str, str], str] = {}
POST_LEAKS: dict[tuple[str, str, str], str] = {}


def test_the_world_stands_on_each_side_of_the_line(db, world):
    """(This test asks for `db`: pytest-django sets the test database up only when a test collected does.)"""
    t = world.t
    assert t.staff_inst.place.path.startswith(t.gulou.path)
    assert t.gulou_inst_other.place.path.startswith(t.gulou.path)
    assert t.taijiang_inst.place.path.startswith(t.taijiang.path)
    assert [c.institution_id for c in (world.published, world.published_other, world.published_taijiang)] == [
        t.staff_inst.pk, t.gulou_inst_other.pk, t.taijiang_inst.pk]
    assert world.declaration_taijiang.account.learner.residence.path.startswith(t.taijiang.path)
    assert set(world.sessions) == set(ROLES) - {"anonymous"} | {"inspector"}


def test_every_page_is_declared():
    served = page_routes().keys()
    undeclared = sorted(served - TABLE.keys())
    stale = sorted(TABLE.keys() - served)
    assert undeclared == [], f"pages without a declared scope in TABLE: {undeclared}"
    assert stale == [], f"TABLE lists pages the site no longer serves: {stale}"


def test_the_exclusions_are_the_api_the_admin_and_the_language_switch():
    excluded = excluded_routes()
    assert excluded, "the exclusions leave nothing out: are they still needed?"
    assert all(r.startswith(("/api/", "/django-admin/", *EXCLUDED_PREFIXES)) for r in excluded), sorted(excluded)
    assert set(EXCLUDED_NAMESPACES) == {"api", "admin"}
    # the project's own views under the admin's prefix are pages like any other
    assert {"/django-admin/password_change/", "/django-admin/password_change/done/"} <= page_routes().keys()


def test_the_table_is_complete():
    assert PAGES.keys() == TABLE.keys()
    assert POSTS.keys() == {route for route, page in PAGES.items() if page.post is not None}
    for route, rows in TABLE.items():
        page = PAGES[route]
        assert rows.keys() == page.on.keys(), route
        for target, outcomes in rows.items():
            assert len(outcomes) == len(ROLES), (route, target)
            assert ALLOWED not in outcomes, (route, target)
            if route in PUBLIC:
                assert outcomes[0] in (OK, HIDDEN, MOVED), (route, target)
            elif route not in OPEN:
                assert outcomes[0] == SIGN_IN, (route, target)
            if route.startswith(BACK_OFFICE) and not route.startswith("/monitor/public/"):
                assert outcomes[ROLES.index("learner")] != OK, f"a learner gets a back-office page: {route}"
            if route not in PUBLIC:
                for role, outside in OUTSIDE.items():
                    if target in outside:
                        assert outcomes[ROLES.index(role)] != OK, f"{role} sees {route} [{target}]"
    for route, rows in POSTS.items():
        page = PAGES[route]
        assert rows.keys() == (page.post_on or page.on).keys(), route
        assert page.state is not None, f"a form needs a state to compare: {route}"
        for target, outcomes in rows.items():
            assert len(outcomes) == len(ROLES), (route, target)
            assert outcomes[0] == SIGN_IN, (route, target)
            for role, outside in OUTSIDE.items():
                if target in outside:
                    assert outcomes[ROLES.index(role)] is not ALLOWED, f"{role} writes {route} [{target}]"


def test_the_inspector_is_declared_on_every_governance_page():
    governance = {route for route in TABLE if route.startswith("/governance/")}
    assert INSPECTOR_GETS.keys() == governance
    assert INSPECTOR_POSTS.keys() == {route for route in POSTS if route.startswith("/governance/")}
    for route, rows in INSPECTOR_GETS.items():
        assert rows.keys() == TABLE[route].keys(), route
        assert ALLOWED not in rows.values(), route
    for route, rows in INSPECTOR_POSTS.items():
        assert rows.keys() == POSTS[route].keys(), route


def _case(kind: str, route: str, target: str, role: str, outcome, leaks: dict):
    why = leaks.get((route, target, role))
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(route, target, role, outcome, id=f"{kind} {route} [{target}] as {role}", marks=marks)


GETS = [_case("GET", route, target, role, outcome, LEAKS)
        for route, rows in TABLE.items() for target, outcomes in rows.items()
        for role, outcome in zip(ROLES, outcomes, strict=True)]
POSTED = [_case("POST", route, target, role, outcome, POST_LEAKS)
          for route, rows in POSTS.items() for target, outcomes in rows.items()
          for role, outcome in zip(ROLES, outcomes, strict=True) if outcome is not ALLOWED]
GETS += [_case("GET", route, target, "inspector", outcome, LEAKS)
         for route, rows in INSPECTOR_GETS.items() for target, outcome in rows.items()]
POSTED += [_case("POST", route, target, "inspector", outcome, POST_LEAKS)
           for route, rows in INSPECTOR_POSTS.items() for target, outcome in rows.items() if outcome is not ALLOWED]


def _check(response, expected, url: str) -> None:
    got = outcome_of(response)
    assert got == expected, (got, response.get("Location"), response.content.decode(errors="replace")[:300])
    if expected == SIGN_IN:  # and back to this page after
        assert parse_qs(urlsplit(response["Location"]).query)["next"][0].split("?")[0] == url


@pytest.mark.parametrize(("route", "target", "role", "expected"), GETS)
def test_page_answers_each_role_as_declared(route, target, role, expected, world, client_of):
    # Given a role, and the object the page is about
    page = PAGES[route]
    obj = page.on[target](world)
    url = page_url(route, page, obj)
    with rolled_back():
        audit_before = AuditEvent.objects.count()

        # When the role asks for the page
        response = ask(client_of(role), route, page, obj)

        # Then the answer is the declared one, and reading wrote nothing to the audit trail
        _check(response, expected, url)
        assert AuditEvent.objects.count() == audit_before
        if expected == OK and route in LISTS:
            html = response.content.decode()
            for marker, seen_by in LISTS[route]:
                assert (marker(world) in html) == (role in seen_by), (marker(world), seen_by)


@pytest.mark.parametrize(("route", "target", "role", "expected"), POSTED)
def test_a_refused_form_changes_nothing(route, target, role, expected, world, client_of):
    # Given a role that may not post the form, and the object it is about
    page = PAGES[route]
    obj = (page.post_on or page.on)[target](world)
    url = page_url(route, page, obj)
    with rolled_back():
        audit_before = AuditEvent.objects.count()
        state_before = page.state(obj, world)

        # When the role posts it
        response = ask(client_of(role), route, page, obj, method="POST", w=world)

        # Then the answer is the declared refusal, and the database is as it was
        _check(response, expected, url)
        assert page.state(obj, world) == state_before
        assert AuditEvent.objects.count() == audit_before
