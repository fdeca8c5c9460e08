"""The edges Schemathesis found, one by one: each request goes in, its status and body are checked, and the
database is as it was. null or a wrong JSON type for a field, a body that is not an object, paging past its bounds,
a NUL character, a `javascript:` URL: 422 naming where. A failed token or provider key: 401 whatever the method,
never CSRF's 403."""

import json

import pytest
from django.test import Client

from learncity.catalog.models import Course, CourseSession, Mode
from learncity.catalog.services import session_add
from learncity.core.errors import DomainError
from learncity.core.models import AuditEvent
from learncity.intake import keys
from learncity.intake.models import ImportJob
from learncity.network.models import Institution
from learncity.people.models import ApiToken
from learncity.people.services import api_token_create, api_token_revoke
from tests.catalog.factories import course_make, venue_make

UNAUTHORIZED = {"code": "unauthorized", "detail": "请登录，或提供有效的个人令牌或接口密钥 (authentication required)",
                "errors": {"__all__": ["请登录，或提供有效的个人令牌或接口密钥 (authentication required)"]}}


@pytest.fixture
def unchanged():
    def tables():
        return {
            "audit": AuditEvent.objects.count(),
            "institutions": list(Institution.objects.order_by("pk").values_list(
                "pk", "name", "kind", "address", "phone", "is_active", "place_id", "parent_id")),
            "courses": list(Course.objects.order_by("pk").values_list("pk", "title", "hours", "capacity", "state")),
            "sessions": CourseSession.objects.count(),
            "jobs": ImportJob.objects.count(),
            "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        }

    def make():
        before = tables()
        return lambda: tables() == before

    return make


def _send(client, method: str, url: str, body) -> dict:
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


def _invalid(response, errors: dict) -> dict:
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert body["code"] == "invalid_input"
    assert body["errors"] == errors
    assert body["detail"].startswith("请求内容不符合接口说明 (the request does not match the API): ")
    return body


@pytest.fixture
def admin_api(world, api_as):
    """A client of the API as the city administrator of the tests' own city (tests/portal/world.py)."""
    return api_as(world.city_admin)


def _course(world):
    return course_make(world.city_admin, world.institution, title="边界测试课")


# --- null and wrong JSON types ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", None, "类型不对 (Input should be a valid string)"),
    ("is_active", None, "类型不对 (Input should be a valid boolean)"),
    ("name", 5, "类型不对 (Input should be a valid string)"),
    ("is_active", [], "类型不对 (Input should be a valid boolean)"),
])
def test_null_or_a_wrong_type_in_an_institution_patch_is_422_naming_the_field(field, value, message, world,
                                                                             admin_api, unchanged):
    institution = world.institution
    nothing_changed = unchanged()

    response = _send(admin_api, "PATCH", f"/api/network/institutions/{institution.code}", {field: value})

    body = _invalid(response, {field: [message]})
    assert body["detail"].endswith(f"{field}: {message}")
    assert nothing_changed()


@pytest.mark.parametrize("field", ["title", "hours", "capacity", "featured"])
def test_null_in_a_course_patch_is_422_naming_the_field(field, world, admin_api, unchanged):
    course = _course(world)
    nothing_changed = unchanged()

    response = _send(admin_api, "PATCH", f"/api/catalog/courses/{course.pk}", {field: None})

    assert list(_invalid(response, response.json()["errors"])["errors"]) == [field]
    assert nothing_changed()


def test_a_patch_that_leaves_a_field_out_keeps_it(world, admin_api):
    # the fields are optional, only not nullable: the refusals above are about null
    institution = world.institution

    response = _send(admin_api, "PATCH", f"/api/network/institutions/{institution.code}", {"phone": "0591-88888888"})

    assert response.status_code == 200, response.content.decode()
    institution.refresh_from_db()
    assert (institution.phone, response.json()["name"]) == ("0591-88888888", institution.name)


def test_null_parent_code_still_means_no_parent(world, admin_api):
    institution = world.institution

    response = _send(admin_api, "PATCH", f"/api/network/institutions/{institution.code}", {"parent_code": None})

    assert response.status_code == 200, response.content.decode()
    assert response.json()["parent_code"] is None


# --- a body that is not a JSON object ----------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url"), [
    ("PATCH", "/api/network/institutions/{code}"),
    ("PATCH", "/api/catalog/courses/{pk}"),
    ("POST", "/api/people/tokens"),
])
@pytest.mark.parametrize("body", [[], [{"name": "x"}], "name", 7, True])
def test_a_body_that_is_not_an_object_is_422(method, url, body, world, admin_api, unchanged):
    course = _course(world)
    nothing_changed = unchanged()

    response = _send(admin_api, method, url.format(code=world.institution.code, pk=course.pk), body)

    assert response.status_code == 422, response.content.decode()
    error = response.json()
    assert error["code"] == "invalid_input"
    assert list(error["errors"]) in (["__all__"], ["name"])  # a POST also misses its required field
    assert nothing_changed()


def test_an_array_as_an_all_optional_patch_names_the_body(world, admin_api, unchanged):
    institution = world.institution
    nothing_changed = unchanged()

    response = _send(admin_api, "PATCH", f"/api/network/institutions/{institution.code}", [])

    _invalid(response, {"__all__": ["类型不对 (Input should be a JSON object, not list)"]})
    assert nothing_changed()


def test_a_nul_character_is_422_not_a_database_error(admin_api, unchanged):
    nothing_changed = unchanged()

    response = _send(admin_api, "POST", "/api/people/tokens", {"name": "脚本\u0000"})
    query = admin_api.get("/api/places/", {"q": "鼓楼\x00"})

    _invalid(response, {"name": ["取值不符合要求 (NUL characters are not allowed)"]})
    _invalid(query, {"q": ["取值不符合要求 (NUL characters are not allowed)"]})
    assert nothing_changed()


# --- paging ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "field", "message"), [
    ({"offset": 2**63}, "offset", "不能大于 10000000，而不是 9223372036854775808"),
    ({"offset": 10_000_001}, "offset", "不能大于 10000000，而不是 10000001"),
    ({"offset": -1}, "offset", "不能小于 0，而不是 -1"),
    ({"limit": 0}, "limit", "不能小于 1，而不是 0"),
    ({"limit": 100_001}, "limit", "不能大于 100000，而不是 100001"),
    ({"limit": 2**64}, "limit", "不能大于 100000，而不是 18446744073709551616"),
])
@pytest.mark.parametrize("url", ["/api/places/", "/api/network/institutions", "/api/catalog/courses"])
def test_paging_outside_its_bounds_is_422_naming_the_parameter(url, params, field, message, admin_api):
    _invalid(admin_api.get(url, params), {field: [message]})


def test_paging_at_its_bounds_is_answered(admin_api):
    response = admin_api.get("/api/places/", {"limit": 100_000, "offset": 10_000_000})

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] > 0


@pytest.mark.parametrize(("params", "errors"), [
    ({"limit": 101}, {"limit": ["不能大于 100，而不是 101"]}),
    ({"limit": 0}, {"limit": ["不能小于 1，而不是 0"]}),
    ({"offset": 2**63}, {"offset": ["不能大于 10000000，而不是 9223372036854775808"]}),
])
def test_search_paging_outside_its_bounds_is_422(params, errors, admin_api):
    _invalid(admin_api.get("/api/catalog/search", {"q": "书法", **params}), errors)


# --- URLs: http and https only ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com/a",
                                 "http://", " https://example.com", "https://" + "a" * 200 + ".com"])
def test_an_online_session_url_that_is_not_http_is_refused(url, world, admin_api, unchanged):
    course = _course(world)
    nothing_changed = unchanged()

    response = _send(admin_api, "POST", f"/api/catalog/courses/{course.pk}/sessions",
                     {"date": "2031-05-01", "start": "19:00", "end": "20:30", "online_url": url})

    _invalid(response, {"online_url": [
        "只接受不超过 200 个字符、以 http:// 或 https:// 开头的网址 (only http and https URLs)"]})
    assert nothing_changed()


def test_the_service_refuses_a_javascript_url_too(world, unchanged):
    # the pages call the service with the form's value: the same rule holds there
    course = course_make(world.city_admin, world.institution, title="线上课", mode=Mode.ONLINE, sessions=0)
    nothing_changed = unchanged()

    with pytest.raises(DomainError) as refused:
        session_add(actor=world.city_admin, course=course, date="2031-05-01", start="19:00", end="20:30",
                    online_url="javascript:alert(1)")

    assert list(refused.value.errors) == ["online_url"]
    assert nothing_changed()


def test_an_https_online_session_url_is_kept(world, admin_api):
    course = _course(world)
    venue = venue_make(world.institution)

    response = _send(admin_api, "POST", f"/api/catalog/courses/{course.pk}/sessions",
                     {"date": "2031-05-01", "start": "19:00", "end": "20:30", "venue_id": venue.pk,
                      "online_url": "https://meeting.example.cn/room/1"})

    assert response.status_code == 201, response.content.decode()
    assert (response.json()["start"], response.json()["end"]) == ("19:00:00", "20:30:00")
    assert CourseSession.objects.get(pk=response.json()["id"]).online_url == "https://meeting.example.cn/room/1"


@pytest.mark.parametrize("value", [0, 68400, "19:00:00+08:00", "7pm"])
def test_a_time_of_day_is_hh_mm_without_a_zone(value, world, admin_api, unchanged):
    course = _course(world)
    nothing_changed = unchanged()

    response = _send(admin_api, "POST", f"/api/catalog/courses/{course.pk}/sessions",
                     {"date": "2031-05-01", "start": value, "end": "20:30"})

    assert list(_invalid(response, response.json()["errors"])["errors"]) == ["start"]
    assert nothing_changed()


# --- failed tokens and keys: 401 whatever the method ---------------------------------------------------------------

def test_a_revoked_provider_key_on_post_is_401_not_a_csrf_refusal(world, unchanged):
    institution = world.institution
    key, raw = keys.provider_key_create(actor=world.staff, institution_code=institution.code, name="已撤销")
    keys.provider_key_revoke(actor=world.staff, key=key)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    nothing_changed = unchanged()

    response = client.post("/api/intake/jobs", data=b'{"external_id": "1"}\n', content_type="application/x-ndjson")

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert nothing_changed()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_revoked_personal_token_is_401_on_every_method(method, world, unchanged):
    row, token = api_token_create(actor=world.city_admin, name="将撤销")
    api_token_revoke(actor=world.city_admin, token=row)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    nothing_changed = unchanged()

    response = _send(client, method, f"/api/network/institutions/{world.institution.code}", {"name": "改名"})

    assert response.status_code in (401, 405)
    if method == "PATCH":
        assert response.status_code == 401
    if response.status_code == 401:
        assert response.json() == UNAUTHORIZED
    assert nothing_changed()


def test_a_signed_in_session_that_also_sends_a_bad_token_is_401(world, client_as, unchanged):
    client = client_as(world.city_admin)
    nothing_changed = unchanged()

    response = client.get("/api/me", headers={"Authorization": "Bearer lc_0000000000_not-a-real-token"})

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert nothing_changed()


def test_an_anonymous_post_is_401_not_a_csrf_refusal(db, unchanged):
    nothing_changed = unchanged()

    response = _send(Client(enforce_csrf_checks=True), "POST", "/api/people/tokens", {"name": "匿名"})

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert nothing_changed()
