"""Bad input gets a clear JSON error that names the field, and writes nothing; tokens and session auth."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from learncity.core.models import AuditEvent
from learncity.network.models import Institution
from learncity.people import idcard
from learncity.people.models import ApiToken, LearnerProfile
from learncity.people.services import api_token_create
from learncity.places.models import Place, Population, PopulationBand
from tests.api.support import fresh_id_number

UNKNOWN_PLACE = "350102999999"


@pytest.fixture
def unchanged():
    """unchanged() -> a check that no row of these tables was added, changed or removed since it was made."""

    def tables():
        return {
            "audit": AuditEvent.objects.count(),
            "profiles": list(LearnerProfile.objects.order_by("pk").values_list("pk", "name", "residence_id")),
            "places": Place.objects.count(),
            "institutions": Institution.objects.count(),
            "populations": list(Population.objects.order_by("pk").values_list("pk", "place_id", "year", "total")),
            "bands": PopulationBand.objects.count(),
            "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        }

    def make():
        before = tables()
        return lambda: tables() == before

    return make


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _upload(client, url, data: bytes, name="rows.csv"):
    return client.post(url, {"file": SimpleUploadedFile(name, data, "text/csv")})


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].split(";")[0] == "application/json"
    return response.json()


# --- resident ID numbers --------------------------------------------------------------------------------


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(("make_number", "message"), [
    (lambda good: _wrong_check_digit(good), "身份证号码校验位错误"),
    # a real-looking number whose date does not exist, with the right check digit for it
    (lambda good: good[:6] + "19990230123" + idcard.check_char(good[:6] + "19990230123"),
     "身份证号码中的出生日期 19990230 不存在"),
    (lambda good: good[:6] + "20991231123" + idcard.check_char(good[:6] + "20991231123"),
     "身份证号码中的出生日期 2099-12-31 不可能"),
    (lambda good: good[:17], "身份证号码应为 18 位"),
])
def test_profile_with_a_bad_id_number_is_refused_on_that_field(make_number, message, admin_api, targets,
                                                             unchanged):
    # Given a resident ID number that is wrong in one way
    number = make_number(fresh_id_number(targets.gulou_community.code[:6]))
    nothing_changed = unchanged()

    # When a profile is registered with it
    response = _post(admin_api, "/api/people/profiles",
                     {"name": "王小明", "id_number": number, "residence_code": targets.gulou_community.code})

    # Then the answer names the field and says what is wrong, and nothing is written
    error = _error(response, 400)
    assert list(error["errors"]) == ["id_number"]
    assert error["errors"]["id_number"][0].startswith(message)
    assert error["detail"].startswith(f"id_number: {message}")
    assert nothing_changed()


def test_a_good_id_number_is_accepted_so_the_refusals_above_are_about_the_number(admin_api, targets):
    number = fresh_id_number(targets.gulou_community.code[:6])

    response = _post(admin_api, "/api/people/profiles",
                     {"name": "王小明", "id_number": number, "residence_code": targets.gulou_community.code})

    assert response.status_code == 201
    assert response.json()["id_number"] == idcard.mask(number)
    assert response.json()["birth_date"] == "1990-05-17"


def test_an_already_registered_id_number_is_refused(admin_api, targets, unchanged):
    from learncity.core import crypto
    from learncity.people.services import ID_CONTEXT

    number = crypto.decrypt(targets.gulou_profile.id_number_encrypted, context=ID_CONTEXT)
    nothing_changed = unchanged()

    response = _post(admin_api, "/api/people/profiles",
                     {"name": "王小明", "id_number": number, "residence_code": targets.gulou_community.code})

    assert _error(response, 400)["errors"] == {"id_number": ["该身份证号码已登记"]}
    assert nothing_changed()


# --- unknown place codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "payload", "field", "named"), [
    ("/api/people/profiles", {"name": "王小明", "residence_code": UNKNOWN_PLACE}, "residence_code", "未知的居住地区划代码"),
    ("/api/network/institutions",
     {"code": "API-NEW", "name": "新机构", "kind": "library", "place_code": UNKNOWN_PLACE}, "place_code",
     "未知的区划代码"),
    ("/api/places/communities", {"parent_code": UNKNOWN_PLACE, "code": "350102999999001", "name": "新社区"},
     "parent_code", "未知的上级区划代码"),
])
def test_an_unknown_place_code_is_refused_naming_the_code(url, payload, field, named, admin_api, targets, unchanged):
    if "residence_code" in payload:
        payload = {**payload, "id_number": fresh_id_number("350102")}
    nothing_changed = unchanged()

    response = _post(admin_api, url, payload)

    error = _error(response, 400)
    assert error["code"] == "unknown_place"
    assert error["errors"] == {field: [f"{named}「{UNKNOWN_PLACE}」(unknown place code)"]}
    assert nothing_changed()


def test_a_population_for_an_unknown_place_is_not_found(admin_api, unchanged):
    nothing_changed = unchanged()

    response = admin_api.put(f"/api/places/{UNKNOWN_PLACE}/population", {"year": 2030, "total": 1},
                             content_type="application/json")

    assert _error(response, 404)["code"] == "not_found"
    assert nothing_changed()


# --- population figures -------------------------------------------------------------------------------------


def _bands(total: int) -> list[dict]:
    """All 18 sex × age-band cells, adding up to `total`."""
    from learncity.places.models import AGE_BAND_CODES

    cells = [{"sex": s, "age_band": b, "count": 0} for s in ("M", "F") for b in AGE_BAND_CODES]
    cells[0]["count"] = total
    return cells


@pytest.mark.parametrize(("payload", "errors"), [
    ({"year": 2030, "total": -1}, {"total": ["总人口「-1」必须是非负整数"]}),
    ({"year": 2030, "total": 100, "bands": [{"sex": "M", "age_band": "0-14", "count": 60},
                                            {"sex": "F", "age_band": "0-14", "count": 30}]},
     {"bands": ["分性别年龄段人数之和 90 与总人口 100 不相等"]}),
    ({"year": 2030, "total": 100, "bands": [{"sex": "M", "age_band": "0-14", "count": 110},
                                            {"sex": "F", "age_band": "0-14", "count": -10}]},
     {"bands": ["F 0-14 的人数必须是非负整数"]}),
    ({"year": 2030, "total": 100, "bands": [{"sex": "M", "age_band": "0-14", "count": 50},
                                            {"sex": "M", "age_band": "0-14", "count": 50}]},
     {"bands": ["M 0-14 重复"]}),
    ({"year": 1800, "total": 100}, {"year": ["年份 1800 不在 1950–2100 之间"]}),
])
def test_bad_population_figures_are_refused_on_their_field(payload, errors, admin_api, targets, unchanged):
    nothing_changed = unchanged()

    response = admin_api.put(f"/api/places/{targets.gulou_street.code}/population", payload,
                             content_type="application/json")

    assert _error(response, 400)["errors"] == errors
    assert nothing_changed()


def test_population_that_adds_up_is_written(admin_api, targets):
    response = admin_api.put(f"/api/places/{targets.gulou_street.code}/population",
                             {"year": 2030, "total": 100, "bands": _bands(100)}, content_type="application/json")

    assert response.status_code == 200
    pop = Population.objects.get(place=targets.gulou_street, year=2030)
    assert (pop.total, pop.bands.count(), sum(pop.bands.values_list("count", flat=True))) == (100, 18, 100)


def test_a_population_figure_that_is_not_a_number_is_refused_by_the_schema(admin_api, targets, unchanged):
    nothing_changed = unchanged()

    response = admin_api.put(f"/api/places/{targets.gulou_street.code}/population", {"year": 2030, "total": "很多"},
                             content_type="application/json")

    error = _error(response, 422)
    assert error["code"] == "invalid_input"
    assert error["errors"] == {"total": ["「很多」不是数字"]}
    assert nothing_changed()


# --- population import ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "lines"), [
    ("代码,年,人口\n{code},2030,100\n",
     ["表头不正确，未导入任何数据。缺少列 (missing columns): 区划代码、年份、常住人口；"
      "无法识别的列 (unknown columns): 代码、年、人口。应有的列：区划代码、年份、常住人口"]),
    ("区划代码,年份,常住人口,备注\n{code},2030,100,x\n",
     ["表头不正确，未导入任何数据。无法识别的列 (unknown columns): 备注。应有的列：区划代码、年份、常住人口"]),
    ("区划代码,年份,常住人口\n{code},2030,一百\n",
     ["1 处错误，未导入任何数据。", "第 2 行「常住人口」: 「一百」不是数字"]),
    ("区划代码,年份,常住人口\n{code},2030,-5\n",
     ["1 处错误，未导入任何数据。", "第 2 行「常住人口」: 人数不能为负数（-5）"]),
    ("区划代码,年份,常住人口\n{code},2030,100\n{code},二〇三一,12.5\n",
     ["2 处错误，未导入任何数据。", "第 3 行「年份」: 「二〇三一」不是数字", "第 3 行「常住人口」: 「12.5」不是整数"]),
    ("区划代码,年份,常住人口\n{code},2030,100\n350102999,2030,100\n",
     ["1 处错误，未导入任何数据。", "第 3 行「区划代码」: 未知的区划代码「350102999」"]),
])
def test_a_bad_population_file_is_refused_whole_naming_rows_and_columns(rows, lines, admin_api, targets,
                                                                       unchanged):
    # Given a file with one thing wrong (and, for some, good rows before it)
    data = rows.format(code=targets.gulou_street.code).encode()
    nothing_changed = unchanged()

    # When it is uploaded
    response = _upload(admin_api, "/api/places/population/import", data)

    # Then it is refused, saying where, and not even its good rows are written
    error = _error(response, 400)
    assert error["code"] == "file_rejected"
    assert error["errors"] == {"file": lines}
    assert nothing_changed()


def test_a_gbk_population_file_is_read_as_gbk(admin_api, targets):
    # Given a CSV saved by Excel on a Chinese Windows: GBK, not UTF-8
    data = f"区划代码,年份,常住人口\r\n{targets.gulou_street.code},2030,4321\r\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    response = _upload(admin_api, "/api/places/population/import", data)

    # Then its Chinese headers are understood and the answer says which encoding was used
    assert response.status_code == 200, response.content.decode()
    assert response.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "encoding": "GBK/GB18030",
                               "format": "csv"}
    assert Population.objects.get(place=targets.gulou_street, year=2030).total == 4321


def test_a_rejected_gbk_file_still_says_its_encoding(admin_api, targets, unchanged):
    data = f"区划代码,年份,常住人口\n{targets.gulou_street.code},2030,负数\n".encode("gbk")
    nothing_changed = unchanged()

    response = _upload(admin_api, "/api/places/population/import", data)

    assert _error(response, 400)["errors"]["file"] == ["1 处错误，未导入任何数据。", "第 2 行「常住人口」: 「负数」不是数字"]
    assert nothing_changed()


def test_a_file_that_is_neither_utf8_nor_gbk_is_refused(admin_api, unchanged):
    nothing_changed = unchanged()

    response = _upload(admin_api, "/api/places/population/import", b"\x81\x20\xff\xfe\x00")

    assert _error(response, 400)["errors"]["file"][0].startswith("无法识别文件编码")
    assert nothing_changed()


def test_a_bad_communities_file_is_refused_whole(admin_api, targets, unchanged):
    street = targets.gulou_street
    data = f"街道代码,社区代码,社区名称\n{street.code},{street.code}990,好社区\n{street.code},123,坏代码\n".encode()
    nothing_changed = unchanged()

    response = _upload(admin_api, "/api/places/communities/import", data)

    assert _error(response, 400)["errors"]["file"] == [
        "1 处错误，未导入任何数据。",
        f"第 3 行「社区代码」: 社区/村代码「123」应为 12 位数字，并以所属街道/乡镇代码 {street.code} 开头"]
    assert nothing_changed()


# --- tokens -------------------------------------------------------------------------------------------------


def test_a_token_is_shown_once_listed_without_it_and_dies_when_revoked(users, client_as):
    # Given a signed-in user (the pages' session) creating a personal token
    session = client_as(users["auditor"])
    created = _post(session, "/api/people/tokens", {"name": "报表脚本", "days": 30})
    assert created.status_code == 201
    token = created.json()["token"]
    row = ApiToken.objects.get(pk=created.json()["id"])
    # only its hash is kept
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(f"lc_{row.prefix}_")

    # When the token is used, and the tokens are listed
    bearer = Client(headers={"Authorization": f"Bearer {token}"})
    me = bearer.get("/api/me")
    listed = session.get("/api/people/tokens")

    # Then it works, and the list shows the token's row but never the token or its hash
    assert me.status_code == 200
    assert me.json()["username"] == "auditor"
    [item] = [t for t in listed.json() if t["id"] == row.pk]
    assert set(item) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"}
    assert token not in listed.content.decode()
    assert row.token_hash not in listed.content.decode()
    assert item["revoked_at"] is None
    assert item["last_used_at"] is not None

    # When it is revoked
    revoked = session.delete(f"/api/people/tokens/{row.pk}")

    # Then it is marked revoked, and refused from then on
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert bearer.get("/api/me").status_code == 401
    assert bearer.post("/api/people/tokens", {"name": "x"}, content_type="application/json").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(row.pk), actor=users["auditor"]).count() == 1


def test_an_expired_token_is_refused(users):
    row, token = api_token_create(actor=users["expert"], name="到期", days=1)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/me").status_code == 200

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized",
                               "detail": "请登录，或提供有效的个人令牌或接口密钥 (authentication required)",
                               "errors": {"__all__": ["请登录，或提供有效的个人令牌或接口密钥 (authentication required)"]}}


@pytest.mark.parametrize("header", [
    "Bearer lc_0000000000_not-a-real-token",
    "Bearer not-even-the-prefix",
    "Bearer ",
    "Token lc_whatever",
])
def test_an_unknown_or_malformed_token_is_refused(header, db):
    assert Client(headers={"Authorization": header}).get("/api/me").status_code == 401


def test_a_forged_token_with_a_real_prefix_is_refused(users):
    _, token = api_token_create(actor=users["city_admin"], name="真")
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")

    assert Client(headers={"Authorization": f"Bearer {forged}"}).get("/api/me").status_code == 401
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/me").status_code == 200


def test_a_disabled_users_token_is_refused(users):
    _, token = api_token_create(actor=users["district_admin"], name="停用")
    users["district_admin"].is_active = False
    users["district_admin"].save(update_fields=["is_active"])

    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/me").status_code == 401


@pytest.mark.parametrize(("payload", "errors"), [
    ({"name": ""}, {"name": ["令牌名称不能为空，且不超过 64 个字"]}),
    ({"name": "x" * 65}, {"name": ["令牌名称不能为空，且不超过 64 个字"]}),
    ({"name": "ok", "days": 0}, {"days": ["有效天数应在 1–3650 之间"]}),
    ({"name": "ok", "days": 3651}, {"days": ["有效天数应在 1–3650 之间"]}),
])
def test_a_bad_token_request_is_refused_on_its_field(payload, errors, users, api_as, unchanged):
    client = api_as(users["learner"])
    nothing_changed = unchanged()

    response = _post(client, "/api/people/tokens", payload)

    assert _error(response, 400)["errors"] == errors
    assert nothing_changed()


# --- session auth and CSRF -----------------------------------------------------------------------------------

CSRF_SECRET = "A" * 32


def _session(user, *, csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if csrf:
        client.cookies["csrftoken"] = CSRF_SECRET
    return client


def test_a_session_post_without_a_csrf_token_is_refused(users, unchanged):
    # Given the signed-in session of a city admin, with no CSRF token
    client = _session(users["city_admin"], csrf=False)
    nothing_changed = unchanged()

    # When it posts to the API
    response = _post(client, "/api/people/tokens", {"name": "跨站请求"})

    # Then it is refused, and no token was made
    assert response.status_code == 403
    assert response.json() == {"code": "csrf_failed", "detail": "CSRF 校验失败，请刷新页面后重试 (CSRF check failed)",
                               "errors": {"__all__": ["CSRF 校验失败，请刷新页面后重试 (CSRF check failed)"]}}
    assert nothing_changed()


def test_a_session_post_with_a_wrong_csrf_token_is_refused(users, unchanged):
    client = _session(users["city_admin"], csrf=True)
    nothing_changed = unchanged()

    response = client.post("/api/people/tokens", {"name": "x"}, content_type="application/json",
                           headers={"X-CSRFToken": "B" * 32})

    assert response.status_code == 403
    assert nothing_changed()


def test_a_session_post_with_its_csrf_token_goes_through(users):
    client = _session(users["city_admin"], csrf=True)

    response = client.post("/api/people/tokens", {"name": "同站请求"}, content_type="application/json",
                           headers={"X-CSRFToken": CSRF_SECRET})

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=users["city_admin"], name="同站请求").count() == 1


def test_a_session_read_needs_no_csrf_token(users):
    response = _session(users["city_admin"], csrf=False).get("/api/me")

    assert response.status_code == 200
    assert response.json()["username"] == "city_admin"


def test_a_bearer_token_needs_no_csrf_token(users):
    _, token = api_token_create(actor=users["city_admin"], name="脚本")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})

    response = _post(client, "/api/people/tokens", {"name": "脚本二"})

    assert response.status_code == 201
