"""The credit bank's JSON API: my account (balances, outcomes, entries, transcript, issued transcripts and their
public check), accounts opened in bulk, standards, declarations and their review, conversion rules, conversions
and reversals. Bad input is a 400 naming the field and writes nothing; a refusal is a 403 that changes nothing.
Who may call what is declared route by route in tests/api/test_authorization_matrix.py.

The tests state their own world: the 达州 city of tests/portal/world.py with the credit bank of
tests/creditbank/factories.py (its course standard, a declared certificate standard and a conversion rule, as the
demo's CE-COURSE, NCRE-1 and R-CE-CERT), its learner's account opened by themself (as the demo learner's is), and
residents without an account made where a test needs them."""

import base64
import datetime
from decimal import Decimal
from itertools import count

import pytest

from learncity.core.models import AuditEvent
from learncity.creditbank import selectors, services
from learncity.creditbank.inputs import DeclarationIn
from learncity.creditbank.models import (
    Conversion,
    CreditClass,
    LearningAccount,
    LedgerEntry,
    Outcome,
    Transcript,
)
from tests.catalog.factories import learner_make
from tests.creditbank.factories import (
    DECLARED_STANDARD,
    PDF,
    active_rule,
    completion,
    course_world_fixtures,
    id_number,
    institution_of,
    other_staff,
    own_account_and_rule,
    recognised,
    standard,
    today,
    unchanged_fixture,
    world_resident,
)
from tests.places.factories import DAZHOU, TONGCHUAN

_seq = count(1)


world_built, world = course_world_fixtures(then=own_account_and_rule)
unchanged = unchanged_fixture()


def post(client, url, data=None):
    return client.post(url, data if data is not None else {}, content_type="application/json")


def error(response, status: int, code: str = "invalid") -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert body["code"] == code
    return body


def ok(response, status: int = 200):
    assert response.status_code == status, response.content.decode()[:1000]
    return response.json()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- my account ---------------------------------------------------------------------------------------------


def test_my_account_shows_its_number_balances_and_points(world, api_as):
    # Given the world learner's account with a fresh outcome of 2 training credits
    version = standard(world, credits="2")
    recognised(world, version)
    account = LearningAccount.objects.get(learner__user=world.learner)

    # When the learner asks for their account
    body = ok(api_as(world.learner).get("/api/credits/account"))

    # Then it is theirs, with every class's balance (as strings, two places) and the incentives
    assert (body["number"], body["name"]) == (account.number, account.learner.name)
    assert body["balances"] == {c: f"{v:f}" for c, v in selectors.balances(account).items()}
    assert set(body["balances"]) == set(CreditClass.values)
    incentives = selectors.incentives(account)
    assert (Decimal(body["incentives"]["points"]), body["incentives"]["star_candidate"]) == (
        incentives.points, incentives.star_candidate)


def test_a_learner_opens_their_account_once(world, api_as):
    # Given a new learner with no account yet
    user = learner_make(TONGCHUAN, name="新开户")
    client = api_as(user)
    assert error(client.get("/api/credits/account"), 404, "not_found")

    # When they open it, twice
    first = ok(post(client, "/api/credits/account"))
    second = ok(post(client, "/api/credits/account"))

    # Then one account is opened, by themself, and the second call returns the same account
    account = LearningAccount.objects.get(learner__user=user)
    assert first["number"] == second["number"] == account.number
    assert (account.opened_via, first["opened_via"]) == ("self", "self")
    assert AuditEvent.objects.filter(action="learning_account.open", object_id=str(account.pk)).count() == 1
    assert ok(client.get("/api/credits/account"))["balances"] == {c: "0.00" for c in CreditClass.values}


def test_a_role_without_a_learner_profile_cannot_open_an_account(world, api_as, unchanged):
    same = unchanged()
    body = error(post(api_as(world.staff), "/api/credits/account"), 400, "no_profile")
    assert "学习者档案" in body["errors"]["learner"][0]
    assert same()


def test_outcomes_entries_and_the_transcript_of_my_account(world, api_as):
    # Given a recognised 8-hour record under a 2-credit standard
    version = standard(world, credits="2")
    outcome = recognised(world, version)
    client = api_as(world.learner)

    # When the learner reads their outcomes, their ledger and their transcript
    outcomes = ok(client.get("/api/credits/account/outcomes"))
    entries = ok(client.get("/api/credits/account/entries", {"limit": 1}))
    transcript = ok(client.get("/api/credits/account/transcript"))

    # Then the outcome is there with its standard and credits, the newest entry records it, and the transcript
    # is what the transcript selector states
    mine = [o for o in outcomes if o["id"] == outcome.pk]
    assert [(o["standard"], o["standard_version"], Decimal(o["credits"]), o["credit_class"], o["reversed"])
            for o in mine] == [(version.standard.code, 1, Decimal("2"), "training", False)]
    account = LearningAccount.objects.get(pk=outcome.account_id)
    assert entries["count"] == LedgerEntry.objects.filter(account=account).count()
    [entry] = entries["items"]
    assert (entry["seq"], entry["outcome_id"], entry["amount"], entry["reason"], entry["hash"]) == (
        account.head_seq, outcome.pk, "2.00", "recognition", account.head_hash)
    assert transcript == selectors.transcript_content(account)


def test_an_issued_transcript_is_verified_publicly_and_fails_after_a_reversal(world, api_as):
    # Given a recognised outcome on the learner's account
    outcome = recognised(world, standard(world))
    client = api_as(world.learner)

    # When the learner issues a transcript
    issued = ok(post(client, "/api/credits/account/transcripts"), 201)

    # Then anyone can check it by its token, without signing in: it holds, and states what was frozen
    transcript = Transcript.objects.get(token=issued["token"])
    assert issued["verify_url"] == f"http://testserver/credits/verify/{issued['token']}/"
    assert (issued["digest"], issued["head_seq"]) == (transcript.digest, transcript.head_seq)
    anonymous = api_as(None)
    check = ok(anonymous.get(f"/api/credits/verify/{issued['token']}"))
    assert (check["valid"], check["reasons"], check["content"]) == (True, [], transcript.content)
    assert outcome.pk in [o["id"] for c in check["content"]["classes"] for y in c["years"] for o in y["outcomes"]]

    # And after the city reverses one of its outcomes, the check says it no longer holds and why
    ok(post(api_as(world.city_admin), f"/api/credits/outcomes/{outcome.pk}/reverse", {"reason": "重复认定"}), 201)
    check = ok(anonymous.get(f"/api/credits/verify/{issued['token']}"))
    assert (check["valid"], check["reasons"]) == (False, ["证明所列的部分成果在出具后已被冲正"])
    assert error(anonymous.get("/api/credits/verify/no-such-token-at-all"), 404, "not_found")


def test_a_learner_withdraws_an_issued_transcript_through_the_api(world, api_as):
    recognised(world, standard(world))
    client = api_as(world.learner)
    issued = ok(post(client, "/api/credits/account/transcripts"), 201)
    url = f"/api/credits/transcripts/{issued['token']}/withdraw"

    check = ok(post(client, url))

    assert (check["token"], check["valid"]) == (issued["token"], False)
    assert len(check["reasons"]) == 1 and "撤回" in check["reasons"][0]
    assert ok(api_as(None).get(f"/api/credits/verify/{issued['token']}"))["reasons"] == check["reasons"]
    assert "token" in error(post(client, url), 400)["errors"]  # once only
    assert error(post(api_as(world.staff), url), 404, "not_found")  # not theirs
    assert error(post(client, "/api/credits/transcripts/NoSuchToken123456/withdraw"), 404, "not_found")
    assert post(api_as(None), url).status_code == 401


# --- accounts of others --------------------------------------------------------------------------------------


def test_an_institution_opens_accounts_in_bulk_and_the_report_says_how_many(world, api_as):
    # Given one resident with an account and one without
    without = world_resident(world, 0)
    with_account = world.learner_profile
    assert not LearningAccount.objects.filter(learner=without).exists()
    assert LearningAccount.objects.filter(learner=with_account).exists()
    people = [{"id_number": id_number(without), "name": without.name},
              {"id_number": id_number(with_account), "name": with_account.name}]

    # When the staff member's school opens accounts for both
    body = ok(post(api_as(world.staff), "/api/credits/accounts/bulk",
                   {"institution_code": institution_of(world.staff).code, "people": people}))

    # Then one is opened for the school, and one already existed
    assert body == {"opened": 1, "existed": 1}
    account = LearningAccount.objects.get(learner=without)
    assert (account.opened_via, account.opened_for) == ("bulk", institution_of(world.staff))


def test_bulk_opening_is_all_or_nothing_and_names_each_bad_row(world, api_as, unchanged):
    without = [world_resident(world, 0), world_resident(world, 1)]
    people = [{"id_number": id_number(without[0]), "name": without[0].name},
              {"id_number": id_number(without[1]), "name": "不是这个人"},
              {"id_number": "123", "name": "号码不对"}]
    same = unchanged()

    body = error(post(api_as(world.staff), "/api/credits/accounts/bulk",
                      {"institution_code": institution_of(world.staff).code, "people": people}), 400)

    assert set(body["errors"]) == {"第3行", "第4行"}
    assert "身份证号码与姓名不符，或不是登记的居民" in body["errors"]["第3行"][0]
    assert same()


def test_staff_cannot_open_accounts_for_another_institution(world, api_as, unchanged):
    other = world.institution_other
    without = world_resident(world, 0)
    same = unchanged()
    error(post(api_as(world.staff), "/api/credits/accounts/bulk",
               {"institution_code": other.code, "people": [{"id_number": id_number(without), "name": without.name}]}),
          403, "permission_denied")
    assert same()


def test_administrators_read_the_transcript_of_residents_in_their_area(world, api_as):
    account = LearningAccount.objects.get(learner__user=world.learner)  # lives in 通川区
    url = f"/api/credits/accounts/{account.pk}/transcript"
    for who in ("district_admin", "city_admin", "auditor"):
        assert ok(api_as(world.user(who)).get(url)) == selectors.transcript_content(account), who
    for who in ("district_admin_2", "staff", "expert"):
        error(api_as(world.user(who)).get(url), 404, "not_found")


# --- standards -------------------------------------------------------------------------------------------------


def standard_body(**changes) -> dict:
    body = {"city_code": DAZHOU, "code": f"T-NEW-{next(_seq)}", "name": "测试新标准", "credit_class": "training",
            "level": 2, "credits": "3", "hours_per_credit": "10", "min_hours": "2", "record_kinds": ["event"],
            "course_kinds": ["law"], "effective_from": "2024-01-01", "evidence": "签到记录"}
    return {**body, **changes}


def test_the_city_creates_lists_revises_and_withdraws_a_standard(world, api_as):
    admin = api_as(world.city_admin)
    body = standard_body(providers=[institution_of(world.staff).code])

    created = ok(post(admin, "/api/credits/standards", body), 201)
    assert (created["code"], created["version"], created["status"], created["credits"], created["hours_per_credit"],
            created["record_kinds"], created["course_kinds"]) == (body["code"], 1, "active", "3.00", "10.00",
                                                                  ["event"], ["law"])
    assert body["code"] in [s["code"] for s in ok(api_as(world.learner).get("/api/credits/standards"))]

    revised = ok(post(admin, f"/api/credits/standards/{body['code']}/versions", {"credits": 4, "name": "测试新标准（修订）"}),
                 201)
    assert (revised["version"], revised["credits"], revised["name"], revised["hours_per_credit"]) == (
        2, "4.00", "测试新标准（修订）", "10.00")

    detail = ok(api_as(world.expert).get(f"/api/credits/standards/{body['code']}"))
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "active"), (1, "superseded")]
    assert (detail["current"]["version"], detail["providers"]) == (2, [
        {"code": institution_of(world.staff).code, "name": institution_of(world.staff).name}])

    withdrawn = ok(post(admin, f"/api/credits/standards/{body['code']}/withdraw", {"reason": "已被国家标准取代"}))
    assert (withdrawn["version"], withdrawn["status"]) == (2, "withdrawn")
    assert error(post(admin, f"/api/credits/standards/{body['code']}/versions", {"credits": "5"}), 400)["errors"] == {
        "standard": [f"标准「{body['code']}」已撤销，不能修订"]}


def test_a_revision_naming_a_field_it_cannot_set_is_refused_and_changes_nothing(world, api_as, unchanged):
    admin = api_as(world.city_admin)
    code = ok(post(admin, "/api/credits/standards", standard_body()), 201)["code"]
    same = unchanged()

    body = error(post(admin, f"/api/credits/standards/{code}/versions", {"credits": 4, "code": "OTHER", "credit": 5}),
                 422, "invalid_input")

    assert body["errors"] == {"code": ["不接受此字段 (Extra inputs are not permitted)"],
                              "credit": ["不接受此字段 (Extra inputs are not permitted)"]}
    assert same()


# A body that does not match its schema (creditbank.inputs) is Ninja's 422 `invalid_input` naming the field; what
# needs the database (a level the framework lacks, an unknown provider) is the service's 400.
@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"credits": "-2"}, "credits", "必须大于 0，而不是 -2"),
    ({"credits": -2}, "credits", "必须大于 0，而不是 -2"),
    ({"credits": "两个"}, "credits", "「两个」不是数字"),
    ({"credits": "1.005"}, "credits", "「1.005」最多 2 位小数"),
    ({"credits": 1.005}, "credits", "「1.005」最多 2 位小数"),
    ({"credits": "1001"}, "credits", "不能大于 1000，而不是 1001"),
    ({"hours_per_credit": "0"}, "hours_per_credit", "必须大于 0，而不是 0"),
    ({"min_hours": "-1"}, "min_hours", "不能小于 0，而不是 -1"),
    ({"level": "九十九"}, "level", "「九十九」不是数字"),
    ({"credit_class": "gold"}, "credit_class", "'academic', 'vocational', 'training' or 'culture'"),
    ({"effective_from": "2024-02-30"}, "effective_from", "「2024-02-30」不是日期（YYYY-MM-DD）"),
])
def test_a_standard_not_matching_its_schema_is_refused_naming_the_field(world, api_as, unchanged, changes, field,
                                                                        says):
    same = unchanged()
    body = error(post(api_as(world.city_admin), "/api/credits/standards", standard_body(**changes)), 422,
                 "invalid_input")
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"level": 11}, "level", "资历框架中没有等级「11」"),
    ({"providers": ["NO-SUCH-SCHOOL"]}, "providers", "未找到机构"),
])
def test_a_bad_standard_is_refused_naming_the_field(world, api_as, unchanged, changes, field, says):
    same = unchanged()
    body = error(post(api_as(world.city_admin), "/api/credits/standards", standard_body(**changes)), 400)
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


def test_only_the_city_administrator_writes_standards(world, api_as, unchanged):
    version = standard(world)
    code = version.standard.code
    same = unchanged()
    for who in ("staff", "district_admin", "expert", "auditor"):
        client = api_as(world.user(who))
        error(post(client, "/api/credits/standards", standard_body()), 403, "permission_denied")
        error(post(client, f"/api/credits/standards/{code}/versions", {"credits": "3"}), 403, "permission_denied")
        error(post(client, f"/api/credits/standards/{code}/withdraw", {"reason": "试试"}), 403, "permission_denied")
    assert same()


def test_the_city_accredits_a_provider_once(world, api_as):
    version = standard(world, providers=[])
    other = world.institution_other
    url = f"/api/credits/standards/{version.standard.code}/accreditations"
    admin = api_as(world.city_admin)

    body = ok(post(admin, url, {"institution_code": other.code}), 201)

    assert (body["standard"], body["institution_code"]) == (version.standard.code, other.code)
    assert error(post(admin, url, {"institution_code": other.code}), 400)["errors"] == {
        "institution": [f"{other.name} 已是「{version.standard.code}」的认证机构"]}


def test_a_withdrawn_standard_recognises_and_accepts_nothing_more(world, api_as, unchanged):
    # Given a withdrawn standard that once recognised an outcome
    version = standard(world, course_kind="health")
    before = recognised(world, version)
    services.standard_withdraw(actor=world.city_admin, standard=version.standard, reason="停止认定")

    # Then a new record of its kind is not recognised under it, and a declaration against it is refused
    record = completion(world.staff, world.learner_profile, hours="8", kind="event", course_kind="health")
    assert not Outcome.objects.filter(learning_record=record, standard_version=version).exists()
    same = unchanged()
    body = error(post(api_as(world.learner), "/api/credits/declarations",
                      declaration_body(standard_code=version.standard.code)), 400)
    assert body["errors"] == {"standard": [f"认证标准「{version.standard.code}」已撤销，不能再申报"]}
    assert same()
    # and what it recognised stays
    assert Outcome.objects.filter(pk=before.pk, standard_version=version).exists()


# --- declarations and review -----------------------------------------------------------------------------------


def declaration_body(**changes) -> dict:
    body = {"standard_code": DECLARED_STANDARD, "kind": "certificate", "title": "计算机应用能力证书",
            "issuer": "教育部教育考试院", "date": str(today() - datetime.timedelta(days=100)), "hours": "0",
            "evidence": [{"name": "证书.pdf", "content_base64": b64(PDF)}]}
    return {**body, **changes}


def test_a_learner_declares_an_outcome_with_evidence_and_a_reviewer_approves_it(world, api_as):
    # Given a standard the learner declares against, with a PDF as evidence
    version = standard(world, credits="3", course_kind="rural")
    learner = api_as(world.learner)

    # When the learner declares
    declared = ok(post(learner, "/api/credits/declarations", declaration_body(standard_code=version.standard.code)),
                  201)

    # Then it waits in the review queue with its evidence
    assert (declared["status"], declared["standard_code"]) == ("submitted", version.standard.code)
    assert [(e["name"], e["content_type"], e["size"]) for e in declared["evidence"]] == [
        ("证书.pdf", "application/pdf", len(PDF))]
    assert declared["id"] in [d["id"] for d in ok(learner.get("/api/credits/declarations"))]
    expert = api_as(world.expert)
    queue = ok(expert.get("/api/credits/reviews", {"limit": 1000}))
    assert declared["id"] in [d["id"] for d in queue["items"]]

    # When the expert approves it with a reason
    account = LearningAccount.objects.get(learner__user=world.learner)
    balance = selectors.balances(account)["training"]
    reviewed = ok(post(expert, f"/api/credits/reviews/{declared['id']}", {"approve": True, "reason": "证书真实有效"}))

    # Then it is recognised: an outcome of the standard's credits, on the learner's balance
    assert (reviewed["status"], reviewed["reason"]) == ("approved", "证书真实有效")
    outcome = Outcome.objects.get(declaration_id=declared["id"])
    assert (outcome.credits, outcome.method, outcome.standard_version) == (Decimal("3"), "review", version)
    assert selectors.balances(account)["training"] == balance + 3


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"evidence": []}, "evidence", "必须上传至少一份证明材料"),
    ({"evidence": [{"name": "证书.pdf", "content_base64": "这不是base64!"}]}, "evidence", "不是有效的 Base64"),
    ({"evidence": [{"name": "证书.pdf", "content_base64": "QUJD="}]}, "evidence", "不是有效的 Base64"),
    ({"evidence": [{"name": "说明.txt", "content_base64": b64(b"plain text")}]}, "evidence", "不是 PDF、JPG 或 PNG"),
    ({"standard_code": "NO-SUCH"}, "standard", "不存在"),
    ({"date": "2999-01-01"}, "date", "在未来"),
])
def test_a_bad_declaration_is_refused_naming_the_field(world, api_as, unchanged, changes, field, says):
    same = unchanged()
    body = error(post(api_as(world.learner), "/api/credits/declarations", declaration_body(**changes)), 400)
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"hours": "-4"}, "hours", "不能小于 0，而不是 -4"),
    ({"hours": "四"}, "hours", "「四」不是数字"),
    ({"hours": "1.25"}, "hours", "「1.25」最多 1 位小数"),
    ({"score": "101"}, "score", "不能大于 100，而不是 101"),
    ({"date": "去年"}, "date", "「去年」不是日期（YYYY-MM-DD）"),
    ({"kind": "rumour"}, "kind", "'certificate', 'course', 'volunteering' or 'other'"),
])
def test_a_declaration_not_matching_its_schema_is_refused_naming_the_field(world, api_as, unchanged, changes, field,
                                                                           says):
    same = unchanged()
    body = error(post(api_as(world.learner), "/api/credits/declarations", declaration_body(**changes)), 422,
                 "invalid_input")
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


def test_a_review_needs_a_reason_and_a_reviewer(world, api_as, unchanged):
    declaration = services.declaration_submit(actor=world.learner, data=DeclarationIn(
        standard_code=DECLARED_STANDARD, kind="certificate", title="证书", issuer="考试院",
        date=today() - datetime.timedelta(days=5)), files=[("证书.pdf", PDF)])
    url = f"/api/credits/reviews/{declaration.pk}"
    same = unchanged()
    assert error(post(api_as(world.expert), url, {"approve": False, "reason": "  "}), 400)["errors"] == {
        "reason": ["审核必须写明理由（通过或不通过都要）"]}
    error(post(api_as(world.auditor), url, {"approve": True, "reason": "可以"}), 403, "permission_denied")
    error(post(api_as(world.staff), url, {"approve": True, "reason": "可以"}), 404, "not_found")
    error(api_as(world.learner).get("/api/credits/reviews"), 403, "permission_denied")
    assert same()


# --- conversion rules --------------------------------------------------------------------------------------------


def rule_body(world, sources, **changes) -> dict:
    body = {"code": f"R-NEW-{next(_seq)}", "name": "测试规则", "source_codes": [v.standard.code for v in sources],
            "target_institution_code": institution_of(world.staff).code, "target_kind": "course",
            "target_name": "测试目标课程", "target_class": "training", "ratio": "0.5", "cap_per_learner": "4",
            "effective_from": str(today()), "abolished_on": None}
    return {**body, **changes}


def test_a_rule_is_drafted_submitted_reviewed_and_abolished(world, api_as):
    version = standard(world)
    staff, expert = api_as(world.staff), api_as(world.expert)
    body = rule_body(world, [version])

    drafted = ok(post(staff, "/api/credits/rules", body), 201)
    assert (drafted["status"], drafted["sources"], drafted["ratio"], drafted["cap_per_learner"]) == (
        "draft", [version.standard.code], "0.500", "4.00")
    error(post(expert, f"/api/credits/rules/{body['code']}/review", {"approve": True, "note": "好"}), 400)

    assert ok(post(staff, f"/api/credits/rules/{body['code']}/submit"))["status"] == "review"
    error(post(staff, f"/api/credits/rules/{body['code']}/review", {"approve": True, "note": "自己批"}), 403,
          "permission_denied")
    reviewed = ok(post(expert, f"/api/credits/rules/{body['code']}/review", {"approve": True, "note": "相当"}))
    assert (reviewed["status"], reviewed["review_note"]) == ("active", "相当")
    assert body["code"] in [r["code"] for r in ok(api_as(world.learner).get("/api/credits/rules"))]

    abolished = ok(post(staff, f"/api/credits/rules/{body['code']}/abolish", {"on": str(today())}))
    assert (abolished["status"], abolished["abolished_on"]) == ("abolished", str(today()))


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"ratio": "-0.5"}, "ratio", "必须大于 0，而不是 -0.5"),
    ({"ratio": "一半"}, "ratio", "「一半」不是数字"),
    ({"ratio": "0.1234"}, "ratio", "「0.1234」最多 3 位小数"),
    ({"cap_per_learner": -1}, "cap_per_learner", "必须大于 0，而不是 -1"),
    ({"cap_per_learner": "许多"}, "cap_per_learner", "「许多」不是数字"),
    ({"target_kind": "diploma"}, "target_kind", "'programme', 'course' or 'certificate'"),
])
def test_a_rule_not_matching_its_schema_is_refused_naming_the_field(world, api_as, unchanged, changes, field, says):
    version = standard(world)
    same = unchanged()
    body = error(post(api_as(world.staff), "/api/credits/rules", rule_body(world, [version], **changes)), 422,
                 "invalid_input")
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"source_codes": []}, "sources", "至少需要一个来源标准"),
    ({"effective_from": "2030-01-01", "abolished_on": "2029-01-01"}, "abolished_on", "必须晚于生效日期"),
])
def test_a_bad_rule_is_refused_naming_the_field(world, api_as, unchanged, changes, field, says):
    version = standard(world)
    same = unchanged()
    body = error(post(api_as(world.staff), "/api/credits/rules", rule_body(world, [version], **changes)), 400)
    assert list(body["errors"]) == [field]
    assert says in body["errors"][field][0]
    assert same()


def test_a_rule_overlapping_another_for_the_same_source_and_target_is_refused(world, api_as, unchanged):
    # Given a rule from a standard to a target course, valid from today for a year
    version = standard(world)
    staff = api_as(world.staff)
    first = rule_body(world, [version], effective_from=str(today()),
                      abolished_on=str(today() + datetime.timedelta(days=365)))
    ok(post(staff, "/api/credits/rules", first), 201)
    same = unchanged()

    # When another rule for the same source and target starts before the first ends
    second = rule_body(world, [version], effective_from=str(today() + datetime.timedelta(days=100)))
    body = error(post(staff, "/api/credits/rules", second), 400)

    # Then it is refused, naming the rule it overlaps; one starting when the first ends is accepted
    assert list(body["errors"]) == ["effective_from"]
    assert f"与规则「{first['code']}」的有效期重叠" in body["errors"]["effective_from"][0]
    assert same()
    later = rule_body(world, [version], effective_from=first["abolished_on"])
    assert ok(post(staff, "/api/credits/rules", later), 201)["status"] == "draft"
    # and one for another target is no overlap
    assert ok(post(staff, "/api/credits/rules", rule_body(world, [version], target_name="另一门课")), 201)


def test_culture_credits_never_convert_to_academic_credits(world, api_as, unchanged):
    culture = standard(world, credit_class=CreditClass.CULTURE, course_kind="culture")
    same = unchanged()
    body = error(post(api_as(world.staff), "/api/credits/rules",
                      rule_body(world, [culture], target_class="academic", target_kind="programme")), 400)
    assert body["errors"] == {"sources": ["按本市政策，文化休闲类学分不得转换为学历教育学分"]}
    assert same()


def test_staff_cannot_draft_rules_for_another_institution(world, api_as, unchanged):
    version = standard(world)
    other = world.institution_other
    same = unchanged()
    error(post(api_as(world.staff), "/api/credits/rules",
               rule_body(world, [version], target_institution_code=other.code)), 403, "permission_denied")
    assert same()


# --- conversions ------------------------------------------------------------------------------------------------


def test_a_learner_converts_outcomes_and_the_target_institution_approves(world, api_as):
    # Given two recognised outcomes of 2 credits each and an active rule (ratio 1, cap 3) of the staff's school
    version = standard(world, credits="2")
    outcomes = [recognised(world, version), recognised(world, version)]
    rule = active_rule(world, [version], cap="3")
    learner = api_as(world.learner)

    # When the learner applies with one of them
    applied = ok(post(learner, "/api/credits/conversions", {"rule_code": rule.code, "outcome_ids": [outcomes[0].pk]}),
                 201)

    # Then the application waits in the school's inbox
    assert (applied["status"], applied["credits_in"], applied["credits_out"], applied["outcome_ids"]) == (
        "applied", "2.00", "2.00", [outcomes[0].pk])
    assert applied["id"] in [c["id"] for c in ok(learner.get("/api/credits/conversions"))]
    staff = api_as(world.staff)
    assert applied["id"] in [c["id"] for c in ok(staff.get("/api/credits/conversions/inbox"))["items"]]

    # When the school approves it
    account = outcomes[0].account
    before = selectors.balances(account)["training"]
    decided = ok(post(staff, f"/api/credits/conversions/{applied['id']}/decide",
                      {"approve": True, "reason": "符合规则"}))

    # Then the converted credits are on the ledger
    assert (decided["status"], decided["reason"]) == ("approved", "符合规则")
    assert selectors.balances(account)["training"] == before + 2
    entry = LedgerEntry.objects.get(conversion_id=applied["id"])
    assert (entry.amount, entry.reason) == (Decimal("2"), "conversion")

    # And the second outcome would go over the cap of 3 (2 converted + 2)
    body = error(post(learner, "/api/credits/conversions", {"rule_code": rule.code, "outcome_ids": [outcomes[1].pk]}),
                 400)
    assert body["errors"] == {"outcomes": [f"超过规则「{rule.code}」每人 3.00 学分的上限：已转换 2.00，本次 2.00"]}


def test_a_conversion_over_the_cap_is_refused(world, api_as, unchanged):
    version = standard(world, credits="2")
    outcomes = [recognised(world, version), recognised(world, version)]
    rule = active_rule(world, [version], cap="3")
    same = unchanged()

    body = error(post(api_as(world.learner), "/api/credits/conversions",
                      {"rule_code": rule.code, "outcome_ids": [o.pk for o in outcomes]}), 400)

    assert body["errors"] == {"outcomes": [f"超过规则「{rule.code}」每人 3.00 学分的上限：已转换 0.00，本次 4.00"]}
    assert same()


def test_an_outcome_is_used_once_for_the_same_target(world, api_as):
    version = standard(world, credits="1")
    outcome = recognised(world, version)
    rule = active_rule(world, [version], cap="10")
    learner = api_as(world.learner)
    applied = ok(post(learner, "/api/credits/conversions", {"rule_code": rule.code, "outcome_ids": [outcome.pk]}), 201)
    services.conversion_decide(actor=world.staff, conversion=Conversion.objects.get(pk=applied["id"]), approve=True,
                               reason="同意")

    body = error(post(learner, "/api/credits/conversions", {"rule_code": rule.code, "outcome_ids": [outcome.pk]}), 400)

    assert "同一成果只能使用一次" in body["errors"]["outcomes"][0]


def test_staff_of_another_institution_cannot_decide_a_conversion(world, api_as, unchanged):
    # Given an application to the staff member's school
    version = standard(world)
    outcome = recognised(world, version)
    rule = active_rule(world, [version])
    conversion = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[outcome.pk])
    same = unchanged()

    # When staff of another school try to approve it, they are refused (it is not in their inbox) and nothing changes
    intruder = api_as(other_staff(world))
    error(post(intruder, f"/api/credits/conversions/{conversion.pk}/decide", {"approve": True, "reason": "同意"}),
          404, "not_found")
    assert ok(intruder.get("/api/credits/conversions/inbox"))["items"] == []
    # and so are the reviewers who can read the rule but run no institution
    error(post(api_as(world.expert), f"/api/credits/conversions/{conversion.pk}/decide",
               {"approve": True, "reason": "同意"}), 404, "not_found")
    assert same()


def test_the_service_refuses_staff_of_another_institution(world):
    # The API hides the application; the service itself refuses, should it be reached another way
    from learncity.core.errors import PermissionDenied

    version = standard(world)
    outcome = recognised(world, version)
    rule = active_rule(world, [version])
    conversion = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[outcome.pk])
    with pytest.raises(PermissionDenied):
        services.conversion_decide(actor=other_staff(world), conversion=conversion, approve=True, reason="同意")
    assert Conversion.objects.get(pk=conversion.pk).status == "applied"


def test_a_decision_needs_a_reason(world, api_as, unchanged):
    version = standard(world)
    rule = active_rule(world, [version])
    conversion = services.conversion_apply(actor=world.learner, rule=rule,
                                           outcome_ids=[recognised(world, version).pk])
    same = unchanged()
    body = error(post(api_as(world.staff), f"/api/credits/conversions/{conversion.pk}/decide",
                      {"approve": False, "reason": ""}), 400)
    assert body["errors"] == {"reason": ["审批必须写明理由"]}
    assert same()


# --- reversals ------------------------------------------------------------------------------------------------


def test_the_city_reverses_an_outcome_and_nobody_else_may(world, api_as, unchanged):
    outcome = recognised(world, standard(world, credits="2"))
    url = f"/api/credits/outcomes/{outcome.pk}/reverse"
    same = unchanged()
    error(post(api_as(world.learner), url, {"reason": "我不要了"}), 403, "permission_denied")
    error(post(api_as(world.district_admin), url, {"reason": "错了"}), 403, "permission_denied")
    error(post(api_as(world.district_admin_2), url, {"reason": "错了"}), 404, "not_found")
    error(post(api_as(world.city_admin), url, {"reason": " "}), 400)
    assert same()

    entry = ok(post(api_as(world.city_admin), url, {"reason": "重复认定"}), 201)

    assert (entry["amount"], entry["reason"], entry["outcome_id"], entry["memo"]) == (
        "-2.00", "reversal", outcome.pk, "重复认定")
    assert [o["reversed"] for o in ok(api_as(world.learner).get("/api/credits/account/outcomes"))
            if o["id"] == outcome.pk] == [True]
    assert error(post(api_as(world.city_admin), url, {"reason": "再来"}), 400)["errors"] == {
        "outcome": ["该成果已冲正"]}
