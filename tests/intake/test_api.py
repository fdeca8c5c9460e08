"""The intake API with an institution's provider key (and with people's tokens): JSON Lines and multipart uploads
become jobs, followed to their counts and report; another institution's key sees none of them; an upload naming
another institution is refused; a revoked key is answered 401; bad input gets a clear 400 that names what is wrong,
and nothing is written. (Who may call each route is declared in tests/api/test_authorization_matrix.py.)"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from learncity.core.models import AuditEvent
from learncity.intake import keys, services
from learncity.intake.models import ImportJob, ProviderKey
from learncity.network.models import Institution
from learncity.records.models import LearningRecord
from tests.intake.factories import provider_key
from tests.intake.files import HEADERS, adults, csv_file, jsonl_file, record, xlsx_file

pytestmark = pytest.mark.django_db
JOBS = "/api/intake/jobs"


@pytest.fixture(autouse=True)
def intake_dir(settings, tmp_path):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    return settings.LEARNCITY_INTAKE_DIR


@pytest.fixture
def far_school(world) -> Institution:
    """A school in the other district (达川区)."""
    return world.far_school


def key_client(user, institution) -> tuple[Client, ProviderKey]:
    key, raw = provider_key(user, institution)
    return Client(headers={"Authorization": f"Bearer {raw}"}), key


@pytest.fixture
def school_system(world, school) -> Client:
    """The school's own system, calling with the school's provider key."""
    return key_client(world["staff"], school)[0]


@pytest.fixture
def unchanged():
    """unchanged() -> a check that no job, file, learning record or audit row was added since it was made."""

    def state(intake_dir):
        files = sorted(p.name for p in intake_dir.rglob("*") if p.is_file()) if intake_dir.exists() else []
        return (ImportJob.objects.count(), LearningRecord.objects.count(), AuditEvent.objects.count(), files)

    def make(intake_dir):
        before = state(intake_dir)
        return lambda: state(intake_dir) == before

    return make


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].split(";")[0] == "application/json"
    return response.json()


def _run(job_id: int) -> ImportJob:
    """What the worker does (no worker runs in tests)."""
    return services.job_run(job_id)


# --- uploads with a provider key ------------------------------------------------------------------------------------

def test_json_lines_uploaded_with_a_key_become_the_schools_records(school_system, school):
    # Given three residents' records as JSON Lines
    people = adults(3)
    body = jsonl_file([record(p, f"API-J-{i}") for i, p in enumerate(people)])

    # When the school's system posts them with its key (no institution named: the key's)
    response = school_system.post(f"{JOBS}?mode=valid", data=body, content_type="application/x-ndjson")

    # Then a job is queued for the school, its file streamed to disk
    assert response.status_code == 201, response.content.decode()
    queued = response.json()
    assert (queued["institution_code"], queued["status"], queued["file_format"], queued["mode"], queued["source"],
            queued["size"], queued["progress"]) == (school.code, "queued", "jsonl", "valid", "api", len(body), 0.0)
    job = ImportJob.objects.get(pk=queued["id"])
    assert job.provider_key.institution == school and job.created_by is None
    assert services.job_file(job).read_bytes() == body

    # and once the worker has run it, the job says what became of every row
    _run(job.pk)
    done = school_system.get(f"{JOBS}/{job.pk}").json()
    assert (done["status"], done["rows_total"], done["rows_done"], done["progress"], done["rows_new"],
            done["rows_duplicate"], done["rows_changed"], done["rows_invalid"]) == ("done", 3, 3, 1.0, 3, 0, 0, 0)
    assert done["encoding"] == "utf-8" and done["has_report"] is True
    assert done["report_url"] == f"/api/intake/jobs/{job.pk}/report.xlsx"
    assert sorted(LearningRecord.objects.filter(provider=school, external_id__startswith="API-J-")
                  .values_list("learner_id", flat=True)) == sorted(p.pk for p in people)


def test_the_same_json_lines_again_create_nothing_twice(school_system, school):
    body = jsonl_file([record(p, f"API-R-{i}") for i, p in enumerate(adults(2))])
    first = school_system.post(JOBS, data=body, content_type="application/x-ndjson").json()
    _run(first["id"])
    second = school_system.post(JOBS, data=body, content_type="application/x-ndjson").json()
    _run(second["id"])
    again = school_system.get(f"{JOBS}/{second['id']}").json()
    assert (again["status"], again["rows_new"], again["rows_duplicate"]) == ("done", 0, 2)
    assert LearningRecord.objects.filter(provider=school, external_id__startswith="API-R-").count() == 2


def test_a_multipart_xlsx_uploaded_with_a_key_with_a_bad_row_gets_its_report(school_system, school):
    # Given an xlsx with two good rows and one with a future date, accepting the valid rows
    people = adults(3)
    rows = [record(p, f"API-X-{i}") for i, p in enumerate(people)]
    rows[1]["date"] = "2999-01-01"
    upload = SimpleUploadedFile("季度学习记录.xlsx", xlsx_file(rows), "application/octet-stream")

    # When the school's system uploads it as a form
    response = school_system.post(JOBS, {"file": upload, "mode": "valid", "institution_code": school.code})

    # Then the job runs to two new records and one invalid row, and the report shows the error beside its row
    assert response.status_code == 201, response.content.decode()
    assert (response.json()["filename"], response.json()["file_format"]) == ("季度学习记录.xlsx", "xlsx")
    _run(response.json()["id"])
    job = school_system.get(f"{JOBS}/{response.json()['id']}").json()
    assert (job["status"], job["rows_new"], job["rows_invalid"], job["encoding"]) == ("done", 2, 1, "")
    report = school_system.get(job["report_url"])
    assert report.status_code == 200
    assert report["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(report.content), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == ["行号", *HEADERS, "结果", "错误"]
    third = dict(zip(table[0], table[2], strict=True))  # file row 3: the one with the future date
    assert (third["行号"], third["记录编号"], third["结果"]) == (3, "API-X-1", "有错误，未接收")
    assert "学习日期" in third["错误"]


def test_a_key_lists_only_its_own_institutions_jobs(world, school, far_school, school_system):
    other_system, _ = key_client(world["city_admin"], far_school)
    body = csv_file([record(adults(1)[0], "API-L-1")]).decode()
    mine = school_system.post(JOBS, {"file": SimpleUploadedFile("a.csv", body.encode())}).json()
    theirs = other_system.post(JOBS, {"file": SimpleUploadedFile("b.csv", body.encode())}).json()

    listed = school_system.get(f"{JOBS}?limit=1000").json()
    assert {j["id"] for j in listed["items"]} == set(ImportJob.objects.filter(institution=school)
                                                     .values_list("pk", flat=True))
    assert mine["id"] in {j["id"] for j in listed["items"]} and theirs["id"] not in {j["id"] for j in listed["items"]}


def test_another_institutions_key_is_answered_404_on_a_job(world, school, far_school, school_system):
    # Given a job of the school, run, with its report
    body = csv_file([record(adults(1)[0], "API-H-1")])
    job_id = school_system.post(JOBS, {"file": SimpleUploadedFile("a.csv", body)}).json()["id"]
    _run(job_id)
    other_system, _ = key_client(world["city_admin"], far_school)

    # When another institution's system asks for it, or its report
    for url in (f"{JOBS}/{job_id}", f"{JOBS}/{job_id}/report.xlsx"):
        # Then the job is answered as if it did not exist
        assert _error(other_system.get(url), 404)["code"] == "not_found"
    assert _error(other_system.get(f"{JOBS}/{job_id + 100000}"), 404)["code"] == "not_found"


def test_an_upload_naming_another_institution_is_refused_403(school_system, far_school, intake_dir, unchanged):
    nothing_changed = unchanged(intake_dir)
    body = csv_file([record(adults(1)[0], "API-F-1")])

    as_form = school_system.post(JOBS, {"file": SimpleUploadedFile("a.csv", body),
                                        "institution_code": far_school.code})
    as_lines = school_system.post(f"{JOBS}?institution_code={far_school.code}", data=jsonl_file([]) + b"{}\n",
                                  content_type="application/x-ndjson")

    for response in (as_form, as_lines):
        error = _error(response, 403)
        assert (error["code"], error["detail"]) == ("permission_denied", "这个接口密钥不属于该机构，或已吊销、已过期")
    assert nothing_changed()


@pytest.mark.parametrize("spoil", ["revoked", "expired", "wrong secret", "unknown"])
def test_a_revoked_expired_or_wrong_key_is_answered_401(spoil, world, school, intake_dir, unchanged):
    import datetime

    from django.utils import timezone

    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="旧系统")
    if spoil == "revoked":
        keys.provider_key_revoke(actor=world["staff"], key=key)
    elif spoil == "expired":
        ProviderKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    elif spoil == "wrong secret":
        raw = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    else:
        raw = "lcp_0123456789ab_" + "x" * 43
    system = Client(headers={"Authorization": f"Bearer {raw}"})
    nothing_changed = unchanged(intake_dir)

    upload = system.post(JOBS, data=jsonl_file([record(adults(1)[0], "API-401")]), content_type="application/x-ndjson")
    listing = system.get(JOBS)

    assert (upload.status_code, listing.status_code) == (401, 401)
    assert nothing_changed()


def test_a_key_manages_no_keys(school_system, school):
    assert _error(school_system.get("/api/intake/keys"), 403)["code"] == "permission_denied"
    before = ProviderKey.objects.count()
    response = school_system.post("/api/intake/keys", {"institution_code": school.code, "name": "自己造"},
                                  content_type="application/json")
    assert _error(response, 403)["code"] == "permission_denied"
    assert ProviderKey.objects.count() == before


# --- people: tokens --------------------------------------------------------------------------------------------------

def test_staff_with_a_token_create_a_key_that_uploads_and_revoke_it(world, school, api_as):
    staff_api = api_as(world["staff"])

    created = staff_api.post("/api/intake/keys", {"institution_code": school.code, "name": "学籍系统", "days": 90},
                             content_type="application/json")
    assert created.status_code == 201, created.content.decode()
    made = created.json()
    assert (made["institution_code"], made["name"], made["status"], made["created_by"]) == (
        school.code, "学籍系统", "active", world["staff"].username)
    assert made["key"].startswith(f"lcp_{made['prefix']}_")
    listed = staff_api.get("/api/intake/keys").json()
    assert made["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)

    system = Client(headers={"Authorization": f"Bearer {made['key']}"})
    body = jsonl_file([record(adults(1)[0], "API-K-1")])
    assert system.post(JOBS, data=body, content_type="application/x-ndjson").status_code == 201

    revoked = staff_api.post(f"/api/intake/keys/{made['id']}/revoke")
    assert (revoked.status_code, revoked.json()["status"]) == (200, "revoked")
    assert system.post(JOBS, data=body, content_type="application/x-ndjson").status_code == 401


def test_staff_with_a_token_must_name_the_institution(world, api_as, intake_dir, unchanged):
    staff_api = api_as(world["staff"])
    nothing_changed = unchanged(intake_dir)
    response = staff_api.post(JOBS, {"file": SimpleUploadedFile("a.csv", b"x")})
    assert _error(response, 400)["errors"] == {"institution_code": ["请用 institution_code 指明报送机构的机构代码"]}
    assert nothing_changed()


def test_another_institutions_staff_token_is_refused_and_its_jobs_hidden(world, api_as, school, far_school,
                                                                          school_system):
    job_id = school_system.post(JOBS, {"file": SimpleUploadedFile("a.csv", b"x,y\n")}).json()["id"]
    far_admin = api_as(world["district_admin_2"])
    assert _error(far_admin.get(f"{JOBS}/{job_id}"), 404)["code"] == "not_found"
    refused = far_admin.post(JOBS, {"file": SimpleUploadedFile("a.csv", b"x,y\n"),
                                         "institution_code": school.code})
    assert _error(refused, 403)["code"] == "permission_denied"


# --- bad input: a clear 400, nothing written -----------------------------------------------------------------------

@pytest.mark.parametrize(("send", "field", "message"), [
    (lambda c, code: c.post(f"{JOBS}?institution_code={code}", {"other": "x"}),
     "file", "请在表单字段 file 中上传文件（xlsx 或 CSV）"),
    (lambda c, code: c.post(JOBS, json.dumps({"institution_code": code}), content_type="application/json"),
     "content_type", "不支持的内容类型「application/json」：请用 multipart/form-data 上传文件，或用 application/x-ndjson 上传 JSON Lines"),
    (lambda c, code: c.post(f"{JOBS}?institution_code={code}&mode=some", data=b"{}\n",
                            content_type="application/x-ndjson"),
     "mode", "未知的处理方式「some」"),
    (lambda c, code: c.post(f"{JOBS}?institution_code=NO-SUCH", data=b"{}\n", content_type="application/x-ndjson"),
     "institution_code", "未知的机构代码「NO-SUCH」"),
])
def test_bad_requests_get_a_400_naming_the_field(send, field, message, world, api_as, school, intake_dir,
                                                 unchanged):
    staff_api = api_as(world["staff"])
    nothing_changed = unchanged(intake_dir)
    error = _error(send(staff_api, school.code), 400)
    assert (error["code"], error["errors"]) == ("invalid", {field: [message]})
    assert nothing_changed()


@pytest.mark.parametrize(("name", "data", "first_line"), [
    ("empty.jsonl", b"\n\n", "文件「records.jsonl」是空的"),
    ("old.xls", b"\xd0\xcf\x11\xe0 old excel", "不支持旧版 Excel（.xls）文件：请在 Excel 或 WPS 中另存为 xlsx 后上传"),
    ("fake.xlsx", b"not a zip at all", "「fake.xlsx」不是有效的 xlsx 文件：请用 Excel 或 WPS 另存为 xlsx 后重新上传"),
    ("notes.docx", b"PK\x03\x04", "不支持的文件类型「.docx」：请上传 xlsx、CSV 或 JSON Lines 文件"),
])
def test_a_file_refused_whole_gets_a_400_saying_why(name, data, first_line, school_system, intake_dir, unchanged):
    nothing_changed = unchanged(intake_dir)
    if name.endswith(".jsonl"):
        response = school_system.post(JOBS, data=data, content_type="application/x-ndjson")
    else:
        response = school_system.post(JOBS, {"file": SimpleUploadedFile(name, data)})
    error = _error(response, 400)
    assert (error["code"], error["errors"]["file"][0]) == ("file_rejected", first_line)
    assert nothing_changed()


def test_a_body_over_the_limit_is_refused_and_nothing_kept(school_system, settings, intake_dir, unchanged):
    settings.LEARNCITY_INTAKE_MAX_BYTES = 1000
    nothing_changed = unchanged(intake_dir)
    body = jsonl_file([record(p, f"API-BIG-{i}") for i, p in enumerate(adults(12))])
    assert len(body) > 1000

    jsonl = _error(school_system.post(JOBS, data=body, content_type="application/x-ndjson"), 400)
    form = _error(school_system.post(JOBS, {"file": SimpleUploadedFile("big.csv", body)}), 400)  # stopped as it came

    assert (jsonl["code"], jsonl["errors"]["file"]) == ("file_rejected", [
        f"文件大小 {len(body) / 1024:.1f} KB 超过上限 1000 B，未接收。请把文件拆成几个较小的文件分别上传。"])
    assert (form["code"], form["errors"]["file"]) == ("file_rejected", [
        "文件「big.csv」大小超过上限 1000 B，未接收。请把文件拆成几个较小的文件分别上传。"])
    assert nothing_changed()


def test_a_job_without_a_report_has_none_to_download(school_system):
    job_id = school_system.post(JOBS, data=jsonl_file([record(adults(1)[0], "API-NR-1")]),
                                content_type="application/x-ndjson").json()["id"]
    error = _error(school_system.get(f"{JOBS}/{job_id}/report.xlsx"), 404)  # queued: not read yet
    assert error["detail"] == "这次上传没有错误报告"


def test_templates_download_as_files(school_system):
    xlsx = school_system.get("/api/intake/template.xlsx")
    csv = school_system.get("/api/intake/template.csv")
    assert xlsx.status_code == csv.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0]["A1"].value == "记录编号"
    assert csv.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)
    assert 'filename="template.csv"' in csv["Content-Disposition"]


def test_a_form_declared_far_over_the_limit_is_refused_before_it_is_parsed(school_system, settings, intake_dir,
                                                                          unchanged, monkeypatch):
    # Given a limit of 1000 bytes and a form of some 100 KB
    from django.http import multipartparser

    settings.LEARNCITY_INTAKE_MAX_BYTES = 1000
    big = b"x" * 100_000
    nothing_changed = unchanged(intake_dir)

    def parse(self):
        raise AssertionError("the form was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", parse)

    # When the school's system posts it
    response = school_system.post(JOBS, {"file": SimpleUploadedFile("big.csv", big)})

    # Then it is refused for its declared length, without the form being read
    error = _error(response, 400)
    assert error["code"] == "file_rejected" and "超过上限 1000 B" in error["errors"]["file"][0]
    assert nothing_changed()


def test_a_bad_request_is_answered_in_english_to_a_client_that_chose_english(world, api_as, school, intake_dir,
                                                                             unchanged):
    staff_api = api_as(world["staff"])
    staff_api.cookies["django_language"] = "en"
    nothing_changed = unchanged(intake_dir)

    error = _error(staff_api.post(JOBS, json.dumps({"institution_code": school.code}),
                                  content_type="application/json"), 400)

    assert error["errors"] == {"content_type": [
        "Unsupported content type “application/json”: upload a file as multipart/form-data, or JSON Lines as "
        "application/x-ndjson"]}
    assert nothing_changed()
