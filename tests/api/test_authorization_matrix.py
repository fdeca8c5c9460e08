"""Every route of the API, asked by every role, about objects on each side of a district line.

`TABLE` declares what each role gets from each route. The routes are walked from the Ninja API itself:
a route that is not in the table, or a table entry whose route is gone, fails `test_every_route_is_declared`,
so no route ships without a declared scope. Refused writes must leave the database as it was; allowed writes
must change it and write one audit row (or as many as the call declares: a check-in audits the attendance and
the learning record it makes).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from learncity.api import api
from learncity.catalog.models import Attendance, Course, CourseState, Enrollment, LearningRecord
from learncity.catalog.services import QR_SALT, session_qr_token
from learncity.core import crypto
from learncity.core.models import AuditEvent
from learncity.network.models import Committee, Designation, Institution, MemberUnit
from learncity.people.models import ApiToken, LearnerProfile
from learncity.people.services import ID_CONTEXT
from learncity.places.models import Place, Population
from tests.api.support import EXCLUDED_URL_NAMES, api_routes, fresh_id_number, path_template

ROLES = ("anonymous", "learner", "institution_staff", "district_admin", "city_admin", "member_unit_reporter",
         "expert_reviewer", "auditor")
USERNAMES = {"anonymous": None, "learner": "learner", "institution_staff": "staff", "district_admin": "district_admin",
             "city_admin": "city_admin", "member_unit_reporter": "reporter", "expert_reviewer": "expert",
             "auditor": "auditor"}

# --- outcomes -------------------------------------------------------------------------------------------

UNAUTHENTICATED = 401
OK = 200
CREATED = 201
REJECTED = 400  # refused as input: an import row by row ("您无权修改…"), or a learner-only call by a role with no
# learner profile ("no_profile"); the call's `rejected_code` says which. Nothing written.
DENIED = 403  # the object is visible, the change is not allowed
HIDDEN = 404  # outside the scope: answered exactly as if it did not exist


@dataclass(frozen=True)
class Rows:
    """200, with exactly these rows: keys worked out straight from the tables, not through the scopes code."""

    expected: Callable[[Any, Any], set]


NONE = Rows(lambda t, me: set())


def places_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Place.objects.filter(path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def place_only(attr: str) -> Rows:
    return Rows(lambda t, me: {getattr(t, attr).code})


def institutions_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Institution.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def designations_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Designation.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("place__code", "kind", "year")))


def committees_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Committee.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


def units_of(attr: str) -> Rows:
    return Rows(lambda t, me: set(MemberUnit.objects.filter(committee=getattr(t, attr)).values_list("pk", flat=True)))


def residents_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(LearnerProfile.objects.filter(residence__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


OWN_PROFILE = Rows(lambda t, me: {t.learner_profile.pk})
OWN_UNIT = Rows(lambda t, me: {t.reporter_unit.pk})
OWN_COMMITTEE = Rows(lambda t, me: {t.reporter_unit.committee_id})
OWN_INSTITUTION = Rows(lambda t, me: {t.staff_inst.code})
OWN_TOKENS = Rows(lambda t, me: set(ApiToken.objects.filter(user=me).values_list("pk", flat=True)))
PUBLISHED = Rows(lambda t, me: set(Course.objects.filter(state=CourseState.PUBLISHED).values_list("code", flat=True)))
STAFF_COURSES = Rows(lambda t, me: set(Course.objects.filter(institution=t.staff_inst).values_list("code", flat=True)))


def courses_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Course.objects.filter(institution__place__path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def roster_of(attr: str) -> Rows:
    return Rows(lambda t, me: set(Enrollment.objects.filter(course=getattr(t.catalog, attr)).exclude(
        status="cancelled").values_list("pk", flat=True)))

A = UNAUTHENTICATED  # keeps the first column narrow

# --- the declared expectations ---------------------------------------------------------------------------
# (method, path) -> {target: outcomes in ROLES order}. "-" marks a route that is not about one object.
#          anonymous  learner   staff     district  city      reporter  expert    auditor
TABLE: dict[tuple[str, str], dict[str, tuple]] = {
    ("GET", "/api/"): {  # Ninja's root view: it only anchors reverse() and answers 404 to everyone
        "-": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/me"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/places/"): {
        "-": (A, NONE, place_only("gulou_street"), places_in("gulou"), places_in("city"), places_in("city"),
              places_in("city"), places_in("city")),
    },
    ("GET", "/api/places/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, OK, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    ("GET", "/api/places/{code}/population"): {
        "gulou": (A, HIDDEN, OK, OK, OK, OK, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    ("PUT", "/api/places/{code}/population"): {
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/places/population/import"): {
        "gulou": (A, REJECTED, REJECTED, OK, OK, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
    },
    ("POST", "/api/places/communities"): {
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/places/communities/import"): {
        "gulou": (A, REJECTED, REJECTED, OK, OK, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/network/institutions"): {
        "-": (A, NONE, OWN_INSTITUTION, institutions_in("gulou"), institutions_in("city"), NONE,
              institutions_in("city"), institutions_in("city")),
    },
    ("POST", "/api/network/institutions"): {
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/network/institutions/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    ("PATCH", "/api/network/institutions/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/network/designations"): {
        "-": (A, NONE, NONE, designations_in("gulou"), designations_in("city"), designations_in("city"),
              designations_in("city"), designations_in("city")),
    },
    ("GET", "/api/network/committees"): {
        "-": (A, NONE, NONE, committees_in("gulou"), committees_in("city"), OWN_COMMITTEE, committees_in("city"),
              committees_in("city")),
    },
    ("GET", "/api/network/committees/{pk}/members"): {
        "city": (A, HIDDEN, HIDDEN, HIDDEN, units_of("city_committee"), OWN_UNIT, units_of("city_committee"),
                 units_of("city_committee")),
        "gulou": (A, HIDDEN, HIDDEN, units_of("gulou_committee"), units_of("gulou_committee"), HIDDEN,
                  units_of("gulou_committee"), units_of("gulou_committee")),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, units_of("taijiang_committee"), HIDDEN,
                     units_of("taijiang_committee"), units_of("taijiang_committee")),
    },
    ("PATCH", "/api/network/member-units/{pk}"): {
        "reporter_unit": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    ("GET", "/api/people/profiles"): {
        "-": (A, OWN_PROFILE, NONE, residents_in("gulou"), residents_in("city"), NONE, NONE, residents_in("city")),
    },
    ("POST", "/api/people/profiles"): {
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/people/profiles/me"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/people/profiles/me/reveal"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/people/profiles/{pk}"): {
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    ("PATCH", "/api/people/profiles/{pk}"): {
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/people/tokens"): {
        "-": (A, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS),
    },
    ("POST", "/api/people/tokens"): {
        "-": (A, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED),
    },
    ("DELETE", "/api/people/tokens/{pk}"): {
        "own": (A, OK, OK, OK, OK, OK, OK, OK),
        "others": (A, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    # --- the learning platform: published courses and search are for every signed-in role; running a course
    # (its roster, sessions, state, attendance, completions, check-in codes) for those who may change its
    # institution; enrolling, checking in and learning online for learners, who have a learner profile.
    ("GET", "/api/catalog/search"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/catalog/courses"): {
        "-": (A, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED),
    },
    ("GET", "/api/catalog/courses/managed"): {
        "-": (A, NONE, STAFF_COURSES, courses_in("gulou"), courses_in("city"), NONE, NONE, NONE),
    },
    ("POST", "/api/catalog/courses"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/catalog/courses/{pk}"): {
        "published": (A, OK, OK, OK, OK, OK, OK, OK),
        "draft_gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "draft_gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "draft_taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    ("PATCH", "/api/catalog/courses/{pk}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/state"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/sessions"): {
        "gulou": (A, HIDDEN, CREATED, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/courses/{pk}/roster"): {
        "gulou": (A, HIDDEN, roster_of("published"), roster_of("published"), roster_of("published"), HIDDEN, HIDDEN,
                  HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, roster_of("published_other"), roster_of("published_other"), HIDDEN, HIDDEN,
                        HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, roster_of("published_taijiang"), HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/enrollments"): {
        "published": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
        "draft": (A, HIDDEN, REJECTED, REJECTED, REJECTED, HIDDEN, REJECTED, REJECTED),
    },
    ("DELETE", "/api/catalog/enrollments/{pk}"): {
        "own": (A, OK, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/completions"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/sessions/{pk}/token"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/sessions/{pk}/attendance"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/checkin"): {
        "-": (A, OK, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/catalog/me/learning"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("POST", "/api/catalog/resources/{pk}/complete"): {
        "-": (A, OK, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
}


# --- how each route is called -----------------------------------------------------------------------------

NEW_YEAR, NEW_TOTAL = 2030, 1234


@dataclass(frozen=True)
class Call:
    on: dict[str, Callable]  # target -> (targets, me) -> the object the call is about
    url: Callable = lambda obj: {}  # path parameters
    query: dict = field(default_factory=dict)
    body: Callable | None = None  # (obj) -> JSON body
    upload: Callable | None = None  # (obj) -> CSV bytes, sent as the multipart field "file"
    key: Callable | None = None  # a listed row -> its key, for Rows
    shows: Callable | None = None  # (json, obj, me) -> whether a 2xx answer is about obj
    state: Callable | None = None  # (obj, me) -> what the call may change
    json_errors: bool = True
    audits: int = 1  # audit rows an allowed write makes
    rejected_code: str = "file_rejected"  # the error code of a REJECTED call


NOTHING = {"-": lambda t, me: None}
ALL = {"limit": 100_000}


def _population(place, me):
    return list(Population.objects.filter(place=place).order_by("year").values_list("year", "total"))


def _children(place, me):
    return sorted(Place.objects.filter(parent=place).values_list("code", flat=True))


def _institution(inst, me):
    return list(Institution.objects.filter(pk=inst.pk).values_list(
        "name", "kind", "address", "phone", "description", "is_active", "place_id", "parent_id", "network_level_id"))


def _profile(profile, me):
    return list(LearnerProfile.objects.filter(pk=profile.pk).values_list("name", "phone", "residence_id"))


STREETS = {"gulou": lambda t, me: t.gulou_street, "taijiang": lambda t, me: t.taijiang_street}
# not about one course, but courses on each side of the line are there to be listed
CATALOG = {"-": lambda t, me: (t.catalog.published, t.catalog.published_other, t.catalog.published_taijiang,
                               t.catalog.draft_gulou_other)}
INSTITUTIONS = {"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
                "taijiang": lambda t, me: t.taijiang_inst}
DRAFTS = {"gulou": lambda t, me: t.catalog.draft_gulou, "gulou_other": lambda t, me: t.catalog.draft_gulou_other,
          "taijiang": lambda t, me: t.catalog.draft_taijiang}
PUBLISHED_COURSES = {"gulou": lambda t, me: t.catalog.published,
                     "gulou_other": lambda t, me: t.catalog.published_other,
                     "taijiang": lambda t, me: t.catalog.published_taijiang}
ENROLLMENTS = {"gulou": lambda t, me: t.catalog.gulou_enrollment,
               "gulou_other": lambda t, me: t.catalog.other_enrollment,
               "taijiang": lambda t, me: t.catalog.taijiang_enrollment}


def first_session(course):
    return course.sessions.order_by("date", "start", "pk")[0]


def _course(course, me):
    return list(Course.objects.filter(pk=course.pk).values_list("title", "capacity", "state", "updated_at"))


def _enrollments(course, me):
    return (list(Enrollment.objects.filter(course=course).order_by("pk").values_list("pk", "learner_id", "status")),
            Course.objects.get(pk=course.pk).enrolled_count)

CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/api/"): Call(on=NOTHING, json_errors=False),
    ("GET", "/api/me"): Call(on=NOTHING, shows=lambda j, obj, me: j["username"] == me.username),
    ("GET", "/api/places/"): Call(on=NOTHING, query=ALL, key=lambda r: r["code"]),
    ("GET", "/api/places/{code}"): Call(
        on=STREETS, url=lambda p: {"code": p.code}, shows=lambda j, p, me: j["code"] == p.code),
    ("GET", "/api/places/{code}/population"): Call(
        on=STREETS, url=lambda p: {"code": p.code},
        shows=lambda j, p, me: [(r["year"], r["total"]) for r in j] == _population(p, me)[::-1] != []),
    ("PUT", "/api/places/{code}/population"): Call(
        on=STREETS, url=lambda p: {"code": p.code}, body=lambda p: {"year": NEW_YEAR, "total": NEW_TOTAL},
        shows=lambda j, p, me: (j["year"], j["total"], j["bands"]) == (NEW_YEAR, NEW_TOTAL, []), state=_population),
    ("POST", "/api/places/population/import"): Call(
        on=STREETS, upload=lambda p: f"区划代码,年份,常住人口\n{p.code},{NEW_YEAR},{NEW_TOTAL}\n".encode(),
        shows=lambda j, p, me: (j["rows"], j["created"], j["updated"]) == (1, 1, 0), state=_population),
    ("POST", "/api/places/communities"): Call(
        on=STREETS, body=lambda p: {"parent_code": p.code, "code": f"{p.code}999", "name": "接口试点社区"},
        shows=lambda j, p, me: (j["code"], j["parent_code"], j["level"]) == (f"{p.code}999", p.code, 5),
        state=_children),
    ("POST", "/api/places/communities/import"): Call(
        on=STREETS, upload=lambda p: f"街道代码,社区代码,社区名称\n{p.code},{p.code}998,接口导入社区\n".encode(),
        shows=lambda j, p, me: (j["rows"], j["created"]) == (1, 1), state=_children),
    ("GET", "/api/network/institutions"): Call(on=NOTHING, query=ALL, key=lambda r: r["code"]),
    ("POST", "/api/network/institutions"): Call(
        on=STREETS,
        body=lambda p: {"code": f"API-{p.code}", "name": "接口测试图书馆", "kind": "library", "place_code": p.code},
        shows=lambda j, p, me: (j["code"], j["place_code"]) == (f"API-{p.code}", p.code),
        state=lambda p, me: sorted(Institution.objects.filter(place=p).values_list("code", flat=True))),
    ("GET", "/api/network/institutions/{code}"): Call(
        on={"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
            "taijiang": lambda t, me: t.taijiang_inst},
        url=lambda i: {"code": i.code}, shows=lambda j, i, me: j["code"] == i.code),
    ("PATCH", "/api/network/institutions/{code}"): Call(
        on={"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
            "taijiang": lambda t, me: t.taijiang_inst},
        url=lambda i: {"code": i.code}, body=lambda i: {"address": "接口测试路 1 号"},
        shows=lambda j, i, me: (j["code"], j["address"]) == (i.code, "接口测试路 1 号"), state=_institution),
    ("GET", "/api/network/designations"): Call(on=NOTHING, key=lambda r: (r["place_code"], r["kind"], r["year"])),
    ("GET", "/api/network/committees"): Call(on=NOTHING, key=lambda r: r["id"]),
    ("GET", "/api/network/committees/{pk}/members"): Call(
        on={"city": lambda t, me: t.city_committee, "gulou": lambda t, me: t.gulou_committee,
            "taijiang": lambda t, me: t.taijiang_committee},
        url=lambda c: {"pk": c.pk}, key=lambda r: r["id"]),
    ("PATCH", "/api/network/member-units/{pk}"): Call(
        on={"reporter_unit": lambda t, me: t.reporter_unit, "gulou": lambda t, me: t.gulou_unit,
            "taijiang": lambda t, me: t.taijiang_unit},
        url=lambda u: {"pk": u.pk}, body=lambda u: {"responsibility": "接口测试职责"},
        shows=lambda j, u, me: (j["id"], j["responsibility"]) == (u.pk, "接口测试职责"),
        state=lambda u, me: list(MemberUnit.objects.filter(pk=u.pk).values_list("name", "responsibility", "is_lead"))),
    ("GET", "/api/people/profiles"): Call(on=NOTHING, query=ALL, key=lambda r: r["id"]),
    ("POST", "/api/people/profiles"): Call(
        on={"gulou": lambda t, me: t.gulou_community, "taijiang": lambda t, me: t.taijiang_community},
        body=lambda p: {"name": "接口测试", "id_number": fresh_id_number(p.code[:6]), "residence_code": p.code},
        shows=lambda j, p, me: (j["residence_code"], j["name"], j["id_number"][6:14]) == (p.code, "接口测试", "*" * 8),
        state=lambda p, me: sorted(LearnerProfile.objects.filter(residence=p).values_list("pk", flat=True))),
    ("GET", "/api/people/profiles/me"): Call(
        on=NOTHING, shows=lambda j, obj, me: j["id"] == LearnerProfile.objects.get(user=me).pk),
    ("POST", "/api/people/profiles/me/reveal"): Call(
        on=NOTHING,
        shows=lambda j, obj, me: j["id_number"] == crypto.decrypt(
            LearnerProfile.objects.get(user=me).id_number_encrypted, context=ID_CONTEXT),
        state=lambda obj, me: AuditEvent.objects.filter(action="pii.view").count()),
    ("GET", "/api/people/profiles/{pk}"): Call(
        on={"learner": lambda t, me: t.learner_profile, "gulou": lambda t, me: t.gulou_profile,
            "taijiang": lambda t, me: t.taijiang_profile},
        url=lambda p: {"pk": p.pk},
        shows=lambda j, p, me: (j["id"], j["id_number"]) == (p.pk, p.id_number_masked)),
    ("PATCH", "/api/people/profiles/{pk}"): Call(
        on={"learner": lambda t, me: t.learner_profile, "gulou": lambda t, me: t.gulou_profile,
            "taijiang": lambda t, me: t.taijiang_profile},
        url=lambda p: {"pk": p.pk}, body=lambda p: {"phone": "13900001111"},
        shows=lambda j, p, me: (j["id"], j["phone"]) == (p.pk, "139****1111"), state=_profile),
    ("GET", "/api/people/tokens"): Call(on=NOTHING, key=lambda r: r["id"]),
    ("POST", "/api/people/tokens"): Call(
        on=NOTHING, body=lambda obj: {"name": "矩阵"},
        shows=lambda j, obj, me: j["name"] == "矩阵" and j["token"].startswith(f"lc_{j['prefix']}_"),
        state=lambda obj, me: ApiToken.objects.filter(user=me).count() if me else ApiToken.objects.count()),
    ("DELETE", "/api/people/tokens/{pk}"): Call(
        on={"own": lambda t, me: me.api_tokens.get() if me else t.other_token,
            "others": lambda t, me: t.other_token},
        url=lambda tok: {"pk": tok.pk},
        shows=lambda j, tok, me: j["id"] == tok.pk and j["revoked_at"] is not None,
        state=lambda tok, me: list(ApiToken.objects.filter(pk=tok.pk).values_list("revoked_at", flat=True))),
    # --- the learning platform
    ("GET", "/api/catalog/search"): Call(
        on={"-": lambda t, me: (t.catalog.draft_gulou, t.catalog.published)[1]},  # a draft 蹴鞠 course is not found
        query={"q": "蹴鞠", "types": "course"},
        shows=lambda j, c, me: (j["total"], [(h["type"], h["id"], h["title"]) for h in j["items"]]) == (
            1, [("course", c.pk, "矩阵蹴鞠课")])),
    ("GET", "/api/catalog/courses"): Call(on=CATALOG, query=ALL, key=lambda r: r["code"]),
    ("GET", "/api/catalog/courses/managed"): Call(on=CATALOG, query=ALL, key=lambda r: r["code"]),
    ("POST", "/api/catalog/courses"): Call(
        on=INSTITUTIONS,
        body=lambda i: {"institution_code": i.code, "code": f"API-{i.code}", "title": "接口新课", "kind": "culture",
                        "hours": "8", "capacity": 20, "term": "2031春"},
        shows=lambda j, i, me: (j["code"], j["institution_code"], j["state"]) == (f"API-{i.code}", i.code, "draft"),
        state=lambda i, me: sorted(Course.objects.filter(institution=i).values_list("code", flat=True))),
    ("GET", "/api/catalog/courses/{pk}"): Call(
        on={"published": lambda t, me: t.catalog.published, "draft_gulou": lambda t, me: t.catalog.draft_gulou,
            "draft_gulou_other": lambda t, me: t.catalog.draft_gulou_other,
            "draft_taijiang": lambda t, me: t.catalog.draft_taijiang},
        url=lambda c: {"pk": c.pk},
        shows=lambda j, c, me: (j["id"], j["state"], len(j["sessions"])) == (c.pk, c.state, c.sessions.count())),
    ("PATCH", "/api/catalog/courses/{pk}"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk}, body=lambda c: {"title": "接口改名", "capacity": 99},
        shows=lambda j, c, me: (j["id"], j["title"], j["capacity"]) == (c.pk, "接口改名", 99), state=_course),
    ("POST", "/api/catalog/courses/{pk}/state"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk}, body=lambda c: {"state": "published"},
        shows=lambda j, c, me: (j["id"], j["state"]) == (c.pk, "published"), state=_course),
    ("POST", "/api/catalog/courses/{pk}/sessions"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk},
        body=lambda c: {"date": "2031-06-01", "start": "14:00", "end": "16:00",
                        "venue_id": first_session(c).venue_id, "room": "接口教室"},
        shows=lambda j, c, me: (j["date"], j["start"], j["room"]) == ("2031-06-01", "14:00:00", "接口教室"),
        state=lambda c, me: list(c.sessions.order_by("pk").values_list("pk", "date", "start", "room"))),
    ("GET", "/api/catalog/courses/{pk}/roster"): Call(on=PUBLISHED_COURSES, url=lambda c: {"pk": c.pk},
                                                      key=lambda r: r["id"]),
    ("POST", "/api/catalog/courses/{pk}/enrollments"): Call(
        on={"published": lambda t, me: t.catalog.open_course, "draft": lambda t, me: t.catalog.draft_gulou},
        url=lambda c: {"pk": c.pk},
        shows=lambda j, c, me: (j["course_id"], j["status"], j["learner_name"]) == (
            c.pk, "enrolled", LearnerProfile.objects.get(user=me).name),
        state=_enrollments, rejected_code="no_profile"),
    ("DELETE", "/api/catalog/enrollments/{pk}"): Call(
        on={"own": lambda t, me: t.catalog.own_enrollment, "gulou": lambda t, me: t.catalog.gulou_enrollment,
            "gulou_other": lambda t, me: t.catalog.other_enrollment,
            "taijiang": lambda t, me: t.catalog.taijiang_enrollment},
        url=lambda e: {"pk": e.pk}, shows=lambda j, e, me: (j["id"], j["status"]) == (e.pk, "cancelled"),
        state=lambda e, me: _enrollments(e.course, me)),
    ("POST", "/api/catalog/courses/{pk}/completions"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": e.course_id},
        body=lambda e: {"entries": [{"enrollment_id": e.pk, "hours": "6", "score": "90"}]},
        shows=lambda j, e, me: [(x["id"], x["status"], Decimal(x["completed_hours"]), Decimal(x["score"]))
                                for x in j] == [(e.pk, "completed", Decimal(6), Decimal(90))],
        state=lambda e, me: (_enrollments(e.course, me), LearningRecord.objects.filter(course=e.course).count()),
        audits=2),  # the completion, and the learning record it makes
    ("GET", "/api/catalog/sessions/{pk}/token"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": first_session(e.course).pk},
        shows=lambda j, e, me: (signing.loads(j["token"], salt=QR_SALT), j["expires_in_seconds"],
                                j["checkin_url"]) == ({"s": first_session(e.course).pk}, 600,
                                                      f"http://testserver/learn/checkin/?t={j['token']}")),
    ("POST", "/api/catalog/sessions/{pk}/attendance"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": first_session(e.course).pk}, body=lambda e: {"enrollment_ids": [e.pk]},
        shows=lambda j, e, me: [x["id"] for x in j] == [e.pk],
        state=lambda e, me: (list(Attendance.objects.filter(session=first_session(e.course)).values_list(
            "enrollment_id", "method")), LearningRecord.objects.filter(course=e.course).count()),
        audits=2),  # the attendance, and the learning record it makes
    ("POST", "/api/catalog/checkin"): Call(
        on={"-": lambda t, me: (first_session(t.catalog.own_enrollment.course),
                                session_qr_token(actor=t.users["staff"], session=first_session(t.catalog.published)))},
        body=lambda st: {"token": st[1]}, shows=lambda j, st, me: j["id"] == st[0].pk,
        state=lambda st, me: (list(Attendance.objects.filter(session=st[0]).values_list("enrollment_id", "method")),
                              LearningRecord.objects.filter(session=st[0]).count()),
        audits=2, rejected_code="no_profile"),
    ("GET", "/api/catalog/me/learning"): Call(
        on={"-": lambda t, me: t.catalog.own_enrollment}, shows=lambda j, obj, me: (j["record_count"], len(j["enrollments"])) == (
            LearningRecord.objects.filter(learner__user=me).count(),
            Enrollment.objects.filter(learner__user=me).exclude(status="cancelled").count())),
    ("POST", "/api/catalog/resources/{pk}/complete"): Call(
        on={"-": lambda t, me: t.catalog.resource}, url=lambda r: {"pk": r.pk},
        body=lambda r: {"watched_seconds": 1800},
        shows=lambda j, r, me: (j["kind"], j["title"], Decimal(j["hours"])) == ("resource", "矩阵微课", Decimal("0.5")),
        state=lambda r, me: list(LearningRecord.objects.filter(resource=r).values_list("learner_id", "hours")),
        rejected_code="no_profile"),
}


# --- the tests --------------------------------------------------------------------------------------------


def test_every_route_is_declared():
    served = api_routes()
    undeclared = sorted(served - TABLE.keys())
    stale = sorted(TABLE.keys() - served)
    assert undeclared == [], f"routes without a declared scope in TABLE: {undeclared}"
    assert stale == [], f"TABLE lists routes the API no longer serves: {stale}"


def test_the_excluded_urls_are_the_docs_and_the_schema():
    names = {p.name for p in api.urls[0]}
    assert names >= EXCLUDED_URL_NAMES
    assert {path_template(str(p.pattern)) for p in api.urls[0] if p.name in EXCLUDED_URL_NAMES} == {
        "/api/openapi.json", "/api/docs"}


def test_the_table_is_complete():
    assert CALLS.keys() == TABLE.keys()
    for route, rows in TABLE.items():
        assert rows.keys() == CALLS[route].on.keys(), route
        for target, outcomes in rows.items():
            assert len(outcomes) == len(ROLES), (route, target)
            assert outcomes[0] == (HIDDEN if route == ("GET", "/api/") else UNAUTHENTICATED), (route, target)
            if route[0] == "GET":
                assert all(o in (OK, HIDDEN, UNAUTHENTICATED) or isinstance(o, Rows) for o in outcomes), route
            else:
                assert not any(isinstance(o, Rows) for o in outcomes), route
                assert CALLS[route].state is not None, f"a write route needs a state to compare: {route}"
            if any(o in (OK, CREATED) for o in outcomes):
                assert CALLS[route].shows is not None, f"an allowed call needs a check of its answer: {route}"
            if any(isinstance(o, Rows) for o in outcomes):
                assert CALLS[route].key is not None, f"a listing needs a row key: {route}"


CASES = [
    pytest.param(method, path, target, role, outcome, id=f"{method} {path} [{target}] as {role}")
    for (method, path), rows in TABLE.items()
    for target, outcomes in rows.items()
    for role, outcome in zip(ROLES, outcomes, strict=True)
]


def _send(client, method: str, url: str, call: Call, obj):
    if call.upload is not None:
        return client.post(url, {"file": SimpleUploadedFile("rows.csv", call.upload(obj), "text/csv")})
    if call.body is not None:
        return client.generic(method, url, data=json.dumps(call.body(obj)),
                              content_type="application/json")
    return client.generic(method, f"{url}?{urlencode(call.query)}" if call.query else url)


@pytest.mark.parametrize(("method", "path", "target", "role", "expected"), CASES)
def test_route_answers_each_role_as_declared(method, path, target, role, expected, users, targets, api_as):
    # Given a role, and the object the call is about
    me = users[USERNAMES[role]] if USERNAMES[role] else None
    client = api_as(me)
    call = CALLS[(method, path)]
    obj = call.on[target](targets, me)
    url = path.format(**call.url(obj))
    audit_before = AuditEvent.objects.count()
    state_before = call.state(obj, me) if call.state else None

    # When the role calls the route
    response = _send(client, method, url, call, obj)

    # Then the answer is the declared one
    status = OK if isinstance(expected, Rows) else expected
    assert response.status_code == status, response.content.decode()[:500]
    written = AuditEvent.objects.count() - audit_before
    state_after = call.state(obj, me) if call.state else None
    if isinstance(expected, Rows):
        body = response.json()
        rows = body["items"] if isinstance(body, dict) else body
        want = expected.expected(targets, me)
        assert {call.key(r) for r in rows} == want
        assert len(rows) == len(want)
        if isinstance(body, dict):
            assert body["count"] == len(want)
    elif status < 300:
        assert call.shows is None or call.shows(response.json(), obj, me), response.json()
    elif call.json_errors:
        assert response["Content-Type"].split(";")[0] == "application/json"
        error = response.json()
        assert error["detail"]
        if status in (DENIED, HIDDEN):
            assert error["code"] == {DENIED: "permission_denied", HIDDEN: "not_found"}[status]
        if status == REJECTED:
            assert error["code"] == call.rejected_code
            if call.rejected_code == "file_rejected":
                assert [m for m in error["errors"]["file"][1:] if "无权修改" not in m] == []
    if method == "GET":
        assert written == 0
    elif status < 300:
        assert written == call.audits
        assert state_after != state_before
    else:
        assert written == 0
        assert state_after == state_before
