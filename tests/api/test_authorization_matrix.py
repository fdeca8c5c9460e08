"""Every route of the API, asked by every role, about objects on each side of a district line.

`TABLE` declares what each role gets from each route. The routes are walked from the Ninja API itself:
a route that is not in the table, or a table entry whose route is gone, fails `test_every_route_is_declared`,
so no route ships without a declared scope. Refused writes must leave the database as it was; allowed writes
must change it and write one audit row.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learncity.api import api
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
REJECTED = 400  # an import refused row by row ("您无权修改…"): the whole file is refused, nothing written
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
            assert error["code"] == "file_rejected"
            assert [m for m in error["errors"]["file"][1:] if "无权修改" not in m] == []
    if method == "GET":
        assert written == 0
    elif status < 300:
        assert written == 1
        assert state_after != state_before
    else:
        assert written == 0
        assert state_after == state_before
