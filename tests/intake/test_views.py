"""The intake pages: upload (with the templates), the job page that follows its progress by HTMX polling and then
shows the counts, the encoding and the error report, the job history, the keys page (a new key shown once). Who
sees what: institution staff and the administrators over them; others are refused. No worker runs in tests: after
an upload the test runs the job itself with services.job_run, as the worker would."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from learncity.core.models import AuditEvent
from learncity.intake import keys, services
from learncity.intake.models import ImportJob, JobStatus, ProviderKey
from learncity.network.models import Institution
from learncity.records.models import LearningRecord
from tests.intake.files import adults, csv_file, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def intake_dir(settings, tmp_path):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    return settings.LEARNCITY_INTAKE_DIR


@pytest.fixture
def far_school(world) -> Institution:
    """A school in the other district (达川区)."""
    return world.far_school


def _submit(user, institution, data: bytes, name="rows.csv", mode="valid") -> ImportJob:
    return services.job_submit(actor=user, institution_code=institution.code, filename=name, data=data, mode=mode,
                               source="page")


def _text(response) -> str:
    return response.content.decode()


# --- who may open the pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("staff", 200), ("district_admin", 200), ("city_admin", 200), ("admin", 200),
    ("learner", 403), ("auditor", 403), ("expert", 403), ("reporter", 403),
])
@pytest.mark.parametrize("url", ["/intake/", "/intake/keys/"])
def test_upload_and_keys_pages_are_for_those_who_run_institutions(url, who, status, world, client_as):
    assert client_as(world[who]).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("staff", 200), ("district_admin", 200), ("auditor", 200), ("learner", 403)])
def test_the_history_page_is_for_staff(who, status, world, client_as):
    assert client_as(world[who]).get("/intake/jobs/").status_code == status


@pytest.mark.parametrize("url", ["/intake/", "/intake/jobs/", "/intake/keys/", "/intake/template.csv"])
def test_anonymous_visitors_are_sent_to_sign_in(url, client):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_staff_upload_for_their_school_and_administrators_choose(world, client_as, school):
    staff_page = _text(client_as(world["staff"]).get("/intake/"))
    assert f'type="hidden" name="institution_code" value="{school.code}"' in staff_page
    assert school.name in staff_page
    assert 'href="/intake/template.xlsx"' in staff_page and 'href="/intake/template.csv"' in staff_page
    assert 'value="all"' in staff_page and 'value="valid"' in staff_page

    district_page = _text(client_as(world["district_admin"]).get("/intake/"))
    select = re.search(r'<select name="institution_code".*?</select>', district_page, re.S).group(0)
    options = set(re.findall(r'<option value="([^"]+)"', select))
    assert options == set(Institution.objects.filter(place__path__startswith=world.district.path)
                          .values_list("code", flat=True)) == {school.code, world.other_school.code}


def test_the_course_management_page_links_to_the_upload(world, client_as):
    assert 'href="/intake/"' in _text(client_as(world["staff"]).get("/learn/manage/"))
    assert 'href="/intake/"' not in _text(client_as(world["auditor"]).get("/learn/manage/"))


def test_templates_download_from_the_page(world, client_as):
    staff = client_as(world["staff"])
    xlsx = staff.get("/intake/template.xlsx")
    csv = staff.get("/intake/template.csv")
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0]["A1"].value == "记录编号"
    assert csv.content.decode("utf-8-sig").startswith("记录编号,身份证号码,姓名")
    assert "attachment" in csv["Content-Disposition"]
    assert client_as(world["learner"]).get("/intake/template.csv").status_code == 403


# --- the upload flow --------------------------------------------------------------------------------------------------

def test_an_upload_through_the_page_is_followed_to_its_counts_and_report(world, client_as, school):
    # Given a CSV in GBK with two good rows and one with a bad ID number
    people = adults(3)
    rows = [record(p, f"PAGE-{i}") for i, p in enumerate(people)]
    rows[2]["id_number"] = rows[2]["id_number"][:17] + ("0" if rows[2]["id_number"][17] != "0" else "1")
    staff = client_as(world["staff"])

    # When the staff member uploads it, accepting the valid rows
    response = staff.post("/intake/", {"institution_code": school.code, "mode": "valid",
                                       "file": SimpleUploadedFile("记录.csv", csv_file(rows, encoding="gbk"))})

    # Then they land on the job's page, which asks for its progress every second while the job waits
    job = ImportJob.objects.get(institution=school, filename="记录.csv")
    assert (response.status_code, response["Location"]) == (302, f"/intake/jobs/{job.pk}/")
    assert (job.status, job.mode, job.source, job.created_by) == (JobStatus.QUEUED, "valid", "page", world["staff"])
    waiting = _text(staff.get(f"/intake/jobs/{job.pk}/"))
    assert f'hx-get="/intake/jobs/{job.pk}/"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert "<progress" in waiting and "等待处理…" in waiting and "已处理" not in waiting
    polled = _text(staff.get(f"/intake/jobs/{job.pk}/", headers={"HX-Request": "true"}))
    assert polled.lstrip().startswith('<div id="progress"') and "<html" not in polled

    # When the worker has run the job
    services.job_run(job.pk)

    # Then the next poll answers the counts, the encoding and the report, and asks no more
    done = _text(staff.get(f"/intake/jobs/{job.pk}/", headers={"HX-Request": "true"}))
    assert "hx-trigger" not in done and 'data-status="done"' in done
    counts = dict(re.findall(r'data-testid="(rows-new|rows-duplicate|rows-changed|rows-invalid|recognised)">(\d+)<',
                             done))
    assert {k: int(v) for k, v in counts.items() if k != "recognised"} == {
        "rows-new": 2, "rows-duplicate": 0, "rows-changed": 0, "rows-invalid": 1}
    assert re.search(r'data-testid="job-encoding" data-encoding="gb18030">GBK/GB18030<', done)
    assert f'href="/intake/jobs/{job.pk}/report.xlsx"' in done
    assert LearningRecord.objects.filter(provider=school, external_id__startswith="PAGE-").count() == 2

    # and the report has the bad row's error beside it
    report = staff.get(f"/intake/jobs/{job.pk}/report.xlsx")
    sheet = list(load_workbook(io.BytesIO(report.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    bad = dict(zip(sheet[0], sheet[3], strict=True))
    assert (bad["记录编号"], bad["结果"]) == ("PAGE-2", "有错误，未接收") and "身份证号码" in bad["错误"]

    # and the history lists the job
    history = _text(staff.get("/intake/jobs/"))
    assert f'href="/intake/jobs/{job.pk}/"' in history and "记录.csv" in history


def test_a_running_job_shows_its_stage_and_rows(world, client_as, school):
    job = _submit(world["staff"], school, csv_file([record(adults(1)[0], "RUN-1")]))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stage="parse", rows_done=500,
                                               rows_total=2000)
    page = _text(client_as(world["staff"]).get(f"/intake/jobs/{job.pk}/", headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 1s"' in page
    assert '<progress style="width:100%" max="2000" value="500">' in page
    assert "已处理 500 / 2000 行（25%）" in page and "逐行读取与检查" in page


def test_a_rejected_file_says_nothing_was_accepted(world, client_as, school):
    rows = [record(p, f"REJ-{i}") for i, p in enumerate(adults(2))]
    rows[1]["hours"] = "-3"
    job = services.job_run(_submit(world["staff"], school, csv_file(rows), mode="all").pk)
    assert job.status == JobStatus.REJECTED
    page = _text(client_as(world["staff"]).get(f"/intake/jobs/{job.pk}/"))
    assert "这份文件没有接收任何记录。" in page and "全部正确才接收" in page
    assert f'href="/intake/jobs/{job.pk}/report.xlsx"' in page
    assert not LearningRecord.objects.filter(external_id__startswith="REJ-").exists()


@pytest.mark.parametrize(("files", "message"), [
    ({}, "请选择要上传的文件"),
    ({"file": SimpleUploadedFile("empty.csv", b"")}, "文件是空的"),
    ({"file": SimpleUploadedFile("blank.csv", b"\r\n\r\n")}, "文件「blank.csv」是空的"),
    ({"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0")}, "不支持旧版 Excel（.xls）文件"),
])
def test_a_bad_upload_is_shown_on_the_form_and_writes_nothing(files, message, world, client_as, school):
    staff = client_as(world["staff"])
    before = (ImportJob.objects.count(), AuditEvent.objects.count())
    response = staff.post("/intake/", {"institution_code": school.code, "mode": "all", **files})
    assert response.status_code == 400
    assert message in _text(response)
    assert (ImportJob.objects.count(), AuditEvent.objects.count()) == before


def test_staff_may_not_upload_for_another_institution(world, client_as, far_school):
    before = ImportJob.objects.count()
    response = client_as(world["staff"]).post("/intake/", {
        "institution_code": far_school.code, "mode": "all", "file": SimpleUploadedFile("a.csv", b"a,b\r\n")})
    assert response.status_code == 400  # not among the form's choices
    assert "institution_code" in response.context["form"].errors
    assert ImportJob.objects.count() == before


def test_another_districts_job_is_not_found(world, client_as, school):
    job = _submit(world["staff"], school, csv_file([record(adults(1)[0], "HID-1")]))
    other = client_as(world["district_admin_2"])
    assert other.get(f"/intake/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/intake/jobs/{job.pk}/report.xlsx").status_code == 404
    assert str(job.pk) not in re.findall(r'href="/intake/jobs/(\d+)/"', _text(other.get("/intake/jobs/")))


def test_the_history_filters_by_institution(world, client_as, school):
    other = world.other_school
    mine = _submit(world["district_admin"], school, b"a,b\r\n")
    theirs = _submit(world["district_admin"], other, b"a,b\r\n")
    page = _text(client_as(world["district_admin"]).get(f"/intake/jobs/?institution={other.code}"))
    listed = set(re.findall(r'href="/intake/jobs/(\d+)/"', page))
    assert str(theirs.pk) in listed and str(mine.pk) not in listed


def test_the_history_page_reads_a_fixed_number_of_queries(world, client_as, school, django_assert_max_num_queries):
    for i in range(5):
        _submit(world["staff"], school, b"a,b\r\n", name=f"{i}.csv")
    staff = client_as(world["staff"])
    staff.get("/intake/jobs/")  # the session and the scope warmed
    with django_assert_max_num_queries(12):
        assert staff.get("/intake/jobs/").status_code == 200


# --- keys ------------------------------------------------------------------------------------------------------------

def test_a_new_key_is_shown_once_then_only_its_prefix(world, client_as, school):
    staff = client_as(world["staff"])

    created = staff.post("/intake/keys/", {"institution_code": school.code, "name": "教务系统", "days": "90"})

    assert created.status_code == 200
    raw = re.search(r'data-testid="raw-key"[^>]*>(lcp_[^<]+)<', _text(created)).group(1)
    key = keys.provider_key_authenticate(raw)
    assert (key.institution, key.name, key.created_by) == (school, "教务系统", world["staff"])
    assert created["Cache-Control"] == "no-store"
    again = _text(staff.get("/intake/keys/"))
    assert raw not in again and f"lcp_{key.prefix}_…" in again and "有效" in again


def test_a_key_with_bad_input_is_refused_on_the_form(world, client_as, school):
    before = ProviderKey.objects.count()
    response = client_as(world["staff"]).post("/intake/keys/", {"institution_code": school.code, "name": "",
                                                                "days": "0"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "days"}
    assert "请填写密钥名称" in _text(response) and 'data-testid="raw-key"' not in _text(response)
    assert ProviderKey.objects.count() == before


def test_staff_revoke_a_key_from_the_page(world, client_as, school):
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="旧系统")
    staff = client_as(world["staff"])

    response = staff.post(f"/intake/keys/{key.pk}/revoke/")

    assert (response.status_code, response["Location"]) == (302, "/intake/keys/")
    assert keys.provider_key_authenticate(raw) is None
    page = _text(staff.get("/intake/keys/"))
    row = re.search(rf'data-prefix="{key.prefix}".*?</tr>', page, re.S).group(0)
    assert "已吊销" in row and "revoke" not in row


def test_another_districts_admin_may_not_revoke_a_key(world, client_as, school):
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="系统")
    response = client_as(world["district_admin_2"]).post(f"/intake/keys/{key.pk}/revoke/")
    assert response.status_code == 404
    assert keys.provider_key_authenticate(raw) == key
    assert f"lcp_{key.prefix}_" not in _text(client_as(world["district_admin_2"]).get("/intake/keys/"))


# --- the job page lists the failed rows (issue 15, item 8) --------------------------------------------------------


def _failed_rows(page: str) -> list[tuple[int, str, list[str]]]:
    table = re.search(r'<table data-testid="failed-rows">(.*?)</table>', page, re.S)
    if table is None:
        return []
    return [(int(n), ext, re.findall(r"<li>(.*?)</li>", cell, re.S)) for n, ext, cell in re.findall(
        r'<tr data-row="(\d+)"><td class="num">\d+</td><td>(.*?)</td><td>.*?</td>\s*<td><ul[^>]*>(.*?)</ul>',
        table.group(1), re.S)]


def test_the_job_page_lists_the_failed_rows_with_their_errors(world, client_as, school):
    rows = [record(p, f"ROWS-{i}") for i, p in enumerate(adults(4))]
    rows[1]["hours"] = "-3"
    rows[3]["date"] = "2031-02-30"
    rows[3]["title"] = ""
    job = services.job_run(_submit(world["staff"], school, csv_file(rows)).pk)

    page = _text(client_as(world["staff"]).get(f"/intake/jobs/{job.pk}/"))

    failed = _failed_rows(page)
    assert [(n, ext) for n, ext, _ in failed] == [(3, "ROWS-1"), (5, "ROWS-3")]
    assert all(e.startswith("<strong>学时</strong>：") for e in failed[0][2]) and len(failed[0][2]) == 1
    assert sorted(e.split("</strong>")[0] for e in failed[1][2]) == ["<strong>学习内容", "<strong>学习日期"]
    assert "有错误的行（2 行）" in page and 'data-testid="failed-more"' not in page


def test_the_job_page_shows_the_first_hundred_failed_rows_and_says_how_many_more(world, client_as, school):
    rows = [record(p, f"MANY-{i}") for i, p in enumerate(adults(103))]
    for r in rows:
        r["hours"] = "abc"
    job = services.job_run(_submit(world["staff"], school, csv_file(rows)).pk)

    page = _text(client_as(world["staff"]).get(f"/intake/jobs/{job.pk}/"))

    failed = _failed_rows(page)
    assert [n for n, _, _ in failed] == list(range(2, 102))
    assert "这里列出前 100 行，共 103 行有错误；全部见错误报告。" in page


def test_a_job_without_errors_lists_no_rows(world, client_as, school):
    job = services.job_run(_submit(world["staff"], school, csv_file([record(adults(1)[0], "FINE-1")])).pk)

    page = _text(client_as(world["staff"]).get(f"/intake/jobs/{job.pk}/"))

    assert job.rows_invalid == 0 and _failed_rows(page) == [] and "有错误的行" not in page
