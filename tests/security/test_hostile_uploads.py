"""Hostile upload files, through the routes that receive them: decompression bombs, a run of a million empty rows,
files just over the byte limit on every upload route, hidden sheets, UTF-16 without a byte-order mark. A refused
file says what is wrong, and nothing is written: no job, no rows, no file left in the intake folder.

(Memory and time are measured by `learncity bench uploads`, not here.) The uploads are made in the tests' own city
(tests/portal/world.py): 达州市, its staff member's school, its learner's records."""

import base64
import html
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from learncity.catalog.models import LearningRecord
from learncity.core.errors import FileRejected
from learncity.core.tabular import read_table
from learncity.creditbank.models import Declaration, Evidence, LearningAccount
from learncity.intake import services as intake
from learncity.intake.models import ImportJob, JobStatus, StagedRow
from learncity.intake.pipeline import HEADERS
from learncity.monitoring.models import Target
from learncity.places.models import Place, Population
from tests.intake.files import csv_file, record, table
from tests.places.factories import DAZHOU
from tests.security.xlsx_parts import empty_rows, rows_xml, shared_strings_bomb, xlsx

TARGET_HEADERS = ["指标代码", "区划代码", "期间", "目标值"]
INTAKE_HEADERS = list(HEADERS.values())
LABELS = {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def intake_files() -> list[str]:
    folder = Path(settings.LEARNCITY_INTAKE_DIR)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def state() -> tuple:
    """Everything an upload on any of the routes could write."""
    return (ImportJob.objects.count(), Target.objects.count(), Population.objects.count(), Place.objects.count(),
            LearningAccount.objects.count(), Declaration.objects.count(), Evidence.objects.count(), intake_files())


class Named(io.BytesIO):
    """A file as a form sends it: a name and bytes, no size known to anyone until they are received."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name


def raw_post(client, path: str, form: dict):
    """POST `form` as a multipart body built here and sent as bytes: the server learns the file's size only by
    receiving it (through the upload handlers, `core.uploads.LimitedUploadHandler` first)."""
    return client.generic("POST", path, encode_multipart(BOUNDARY, form), content_type=MULTIPART_CONTENT)


class RawBodies:
    """A client whose forms go as `raw_post` bodies (JSON bodies as they are)."""

    def __init__(self, client):
        self.client = client

    def post(self, path, data, content_type=None):
        if content_type is not None:
            return self.client.post(path, data, content_type=content_type)
        return raw_post(self.client, path, data)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def refusal(response) -> list[str]:
    assert response.status_code == 400, response.content.decode()[:500]
    body = response.json()
    assert body["code"] == "file_rejected", body
    return body["errors"]["file"]


def ratio_message(data: bytes, name: str, entry: str = "xl/sharedStrings.xml") -> str:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(entry)
    return (f"文件「{name}」中的「{entry}」压缩了 {info.file_size / info.compress_size:.0f} 倍"
            f"（{info.compress_size / 1024:.1f} KB 解压为 {info.file_size / 2**20:.1f} MB），超过上限 100 倍："
            "这不像正常的表格，可能是压缩炸弹，未接收。")


EMPTY_RUN_MESSAGE = ("工作表「Sheet1」从第 2 行起有超过 10,000 行连续的空行，未导入：请删除这些空行（选中后「删除行」）"
                     "后重新上传。")


# --- decompression bombs -----------------------------------------------------------------------------------------

def test_a_shared_strings_bomb_is_refused_by_the_targets_import_before_it_is_parsed(world, api_as, client_as):
    bomb = shared_strings_bomb(TARGET_HEADERS)
    assert len(bomb) < 10_000 and zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/sharedStrings.xml").file_size > 2e6
    before = state()

    api = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                           {"file": SimpleUploadedFile("目标.xlsx", bomb)})
    page = client_as(world.city_admin).post("/monitor/targets/",
                                               {"action": "import", "file": SimpleUploadedFile("目标.xlsx", bomb)})

    assert refusal(api) == [ratio_message(bomb, "目标.xlsx")]
    assert page.status_code == 400 and ratio_message(bomb, "目标.xlsx") in page_text(page)
    assert state() == before


def test_a_shared_strings_bomb_sent_to_the_intake_makes_no_job_and_leaves_no_file(world, api_as, client_as):
    staff, school = world.staff, world.institution
    bomb = shared_strings_bomb(INTAKE_HEADERS)
    before = state()

    api = api_as(staff).post("/api/intake/jobs", {"file": SimpleUploadedFile("记录.xlsx", bomb),
                                                  "institution_code": school.code})
    page = client_as(staff).post("/intake/", {"institution_code": school.code, "mode": "all",
                                              "file": SimpleUploadedFile("记录.xlsx", bomb)})

    assert refusal(api) == [ratio_message(bomb, "记录.xlsx")]
    assert page.status_code == 400 and ratio_message(bomb, "记录.xlsx") in page_text(page)
    assert state() == before and intake_files() == []


def test_a_spreadsheet_expanding_past_the_limit_is_refused_saying_both_sizes(world, api_as, settings):
    settings.LEARNCITY_MAX_EXPANDED_BYTES = 50_000
    data = xlsx([("Sheet1", "visible", rows_xml([TARGET_HEADERS] + [["CE-PART", DAZHOU, "2026", 40]] * 1000))])
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert expanded > 50_000
    before = state()

    response = api_as(world.city_admin).post("/api/places/population/import",
                                                {"file": SimpleUploadedFile("人口.xlsx", data)})

    assert refusal(response) == [f"文件「人口.xlsx」解压后共 {expanded / 1024:.1f} KB，超过上限 48.8 KB，未接收。"
                                 "请把文件拆成几个较小的文件分别上传。"]
    assert state() == before


def test_an_entry_in_another_compression_method_is_refused(world, api_as):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as z:
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    before = state()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": SimpleUploadedFile("目标.xlsx", buf.getvalue())})

    assert refusal(response) == ["文件「目标.xlsx」中的「xl/worksheets/sheet1.xml」使用了不支持的压缩方式（12），未接收。"
                                 "请用 Excel 或 WPS 另存为 xlsx 后重新上传。"]
    assert state() == before


def test_an_entry_that_lies_about_its_size_is_cut_at_the_size_it_gives_and_refused():
    # Given a workbook whose central directory says its shared strings expand to 100 bytes (they expand to 2 MB)
    honest = shared_strings_bomb(TARGET_HEADERS)
    info = zipfile.ZipFile(io.BytesIO(honest)).getinfo("xl/sharedStrings.xml")
    at = honest.find(b"PK\x01\x02")  # the central directory's records, each with its name at +46
    while honest[at + 46:at + 66] != b"xl/sharedStrings.xml":
        at = honest.find(b"PK\x01\x02", at + 4)
    lying = honest[:at + 24] + (100).to_bytes(4, "little") + honest[at + 28:]  # its uncompressed size
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/sharedStrings.xml").file_size == 100 < info.file_size

    # When it is read, then the parser gets at most those 100 bytes, and the entry's checksum refuses it
    with pytest.raises(FileRejected) as exc:
        read_table(lying, "目标.xlsx")
    assert exc.value.summary == "「目标.xlsx」不是有效的 xlsx 文件（BadZipFile）：请用 Excel 或 WPS 另存为 xlsx 后重新上传"


def test_xml_entity_bombs_are_refused_by_defusedxml():
    assert openpyxl.DEFUSEDXML is True
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    shared = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
              '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&a9;</t></si></sst>')
    data = xlsx([("Sheet1", "visible", rows_xml([TARGET_HEADERS]))], shared=shared)

    with pytest.raises(FileRejected) as exc:
        read_table(data, "目标.xlsx")

    assert exc.value.summary == ("「目标.xlsx」不是有效的 xlsx 文件（EntitiesForbidden）：请用 Excel 或 WPS 另存为 xlsx "
                                 "后重新上传")


# --- a million empty rows ------------------------------------------------------------------------------------------

def test_a_run_of_empty_rows_is_refused_by_the_targets_import_without_walking_the_rest(world, api_as):
    data = empty_rows(TARGET_HEADERS, 10_001, then=["CE-PART", DAZHOU, "2026", 40])
    assert len(data) < 100_000
    before = state()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": SimpleUploadedFile("目标.xlsx", data)})

    assert refusal(response) == [EMPTY_RUN_MESSAGE]
    assert state() == before


def test_fewer_empty_rows_are_skipped_and_the_row_after_them_is_read(world, api_as):
    data = empty_rows(TARGET_HEADERS, 10_000, then=["ELDER-PART", DAZHOU, "2029", 40])
    before = Target.objects.count()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": SimpleUploadedFile("目标.xlsx", data)})

    assert (response.status_code, response.json()) == (200, {"imported": 1})
    assert Target.objects.count() == before + 1


def test_a_run_of_empty_rows_sent_to_the_intake_rejects_its_job_with_nothing_written(
        world, api_as, django_capture_on_commit_callbacks):
    staff, school = world.staff, world.institution
    data = empty_rows(INTAKE_HEADERS, 10_001, then=table([record(world.learner_profile, "EMPTY-1")])[1])
    records = LearningRecord.objects.filter(provider=school).count()

    response = api_as(staff).post("/api/intake/jobs", {"file": SimpleUploadedFile("记录.xlsx", data),
                                                       "institution_code": school.code})
    assert response.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.job_run(response.json()["id"])

    assert (job.status, job.rows_new, job.message) == (JobStatus.REJECTED, 0, EMPTY_RUN_MESSAGE)
    assert StagedRow.objects.filter(job_id=job.pk).count() == 0
    assert LearningRecord.objects.filter(provider=school).count() == records
    assert intake_files() == []


# --- the byte limit, on every upload route -------------------------------------------------------------------------

def _declaration_api(client, name, data):
    return client.post("/api/credits/declarations", {
        "standard_code": "NCRE-1", "kind": "certificate", "title": "证书", "issuer": "某单位", "date": "2024-05-20",
        "hours": "0", "evidence": [{"name": name, "content_base64": base64.b64encode(data).decode()}]},
        content_type="application/json")


# (route, who, the limit's setting, how the file is sent, the file's name, whether the answer is JSON)
ROUTES = {
    "intake page": ("staff", "LEARNCITY_INTAKE_MAX_BYTES", "记录.csv", False, lambda c, f, school: c.post(
        "/intake/", {"institution_code": school.code, "mode": "all", "file": f})),
    "intake API": ("staff", "LEARNCITY_INTAKE_MAX_BYTES", "记录.csv", True, lambda c, f, school: c.post(
        "/api/intake/jobs", {"file": f, "institution_code": school.code})),
    "targets page": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "目标.csv", False, lambda c, f, school: c.post(
        "/monitor/targets/", {"action": "import", "file": f})),
    "targets API": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "目标.csv", True, lambda c, f, school: c.post(
        "/api/monitoring/targets/import", {"file": f})),
    "population page": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "人口.csv", False, lambda c, f, school: c.post(
        "/places/imports/", {"kind": "population", "file": f})),
    "communities page": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "社区.csv", False, lambda c, f, school: c.post(
        "/places/imports/", {"kind": "communities", "file": f})),
    "population API": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "人口.csv", True, lambda c, f, school: c.post(
        "/api/places/population/import", {"file": f})),
    "communities API": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "社区.csv", True, lambda c, f, school: c.post(
        "/api/places/communities/import", {"file": f})),
    "bulk accounts page": ("staff", "LEARNCITY_MAX_UPLOAD_BYTES", "开户.csv", False, lambda c, f, school: c.post(
        "/credits/accounts/bulk/", {"institution_code": school.code, "file": f})),
    "declaration page": ("learner", "LEARNCITY_MAX_UPLOAD_BYTES", "证书.pdf", False, lambda c, f, school: c.post(
        "/credits/declarations/", {"kind": "certificate", "title": "证书", "issuer": "某单位", "date": "2024-05-20",
                                   "hours": "0", "evidence": [f]})),
    "declaration API": ("learner", "LEARNCITY_MAX_UPLOAD_BYTES", "证书.pdf", True,
                        lambda c, f, school: _declaration_api(c, f.name, f.read())),
}


@pytest.mark.parametrize("route", ROUTES)
def test_a_file_one_byte_over_the_limit_is_refused_on_every_upload_route(route, world, client_as, api_as,
                                                                          settings):
    who, setting, name, is_api, send = ROUTES[route]
    setattr(settings, setting, 1000)
    content = (PDF if name.endswith(".pdf") else "区划代码,名称\n".encode()).ljust(1001, b" ")
    assert len(content) == 1001
    school = world.institution
    client = RawBodies((api_as if is_api else client_as)(world.user(who)))
    before = state()

    response = send(client, Named(name, content), school)

    # A form's file is stopped as it arrives, at the route's limit; the declaration API's (base64 in JSON) by its size
    expected = (f"文件「{name}」大小 1001 B，超过上限 1000 B，未接收。" if route == "declaration API"
                else f"文件「{name}」大小超过上限 1000 B，未接收。请把文件拆成几个较小的文件分别上传。")
    if is_api:
        assert response.status_code == 400 and expected in response.json()["errors"]["file"]
    else:
        assert response.status_code == 400 and expected in page_text(response)
    assert state() == before


# --- hidden sheets -----------------------------------------------------------------------------------------------

def test_a_hidden_active_first_sheet_is_refused_naming_the_sheets(world, api_as):
    data = xlsx([("说明", "hidden", rows_xml([TARGET_HEADERS, ["CE-PART", DAZHOU, "2026", 40]])),
                 ("目标", "visible", rows_xml([TARGET_HEADERS, ["CE-PART", DAZHOU, "2026", 41]])),
                 ("备用", "veryHidden", rows_xml([TARGET_HEADERS]))], active=0)
    before = state()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": SimpleUploadedFile("目标.xlsx", data)})

    assert refusal(response) == [
        "要导入的是选中的工作表，而选中的工作表「说明」是隐藏的或不是数据表，未导入。请在 Excel 或 WPS 中选中要导入的"
        "（可见的）工作表、保存后重新上传。工作簿中的工作表：「说明」（隐藏）、「目标」（可见）、「备用」（深度隐藏）"]
    assert state() == before


def test_a_hidden_sheet_beside_the_visible_active_one_is_not_read(world, api_as):
    # Given a hidden first sheet whose row would be refused (an unknown indicator), and the visible active sheet
    data = xlsx([("草稿", "hidden", rows_xml([TARGET_HEADERS, ["NO-SUCH", DAZHOU, "2026", 40]])),
                 ("目标", "visible", rows_xml([TARGET_HEADERS, ["ELDER-PART", DAZHOU, "2031", 42]]))], active=1)
    before = Target.objects.count()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": SimpleUploadedFile("目标.xlsx", data)})

    assert (response.status_code, response.json()) == (200, {"imported": 1})
    assert Target.objects.count() == before + 1
    assert Target.objects.filter(indicator__code="ELDER-PART", value=42).exists()


def test_the_intake_reads_the_visible_active_sheet_and_refuses_a_hidden_one(world, api_as,
                                                                           django_capture_on_commit_callbacks):
    staff, school = world.staff, world.institution
    person = world.learner_profile
    visible = rows_xml(table([record(person, "SHEET-VISIBLE")]))
    hidden = rows_xml(table([record(person, "SHEET-HIDDEN")]))
    api = api_as(staff)

    def run(data):
        response = api.post("/api/intake/jobs", {"file": SimpleUploadedFile("记录.xlsx", data),
                                                 "institution_code": school.code, "mode": "valid"})
        assert response.status_code == 201, response.content
        with django_capture_on_commit_callbacks(execute=True):
            return intake.job_run(response.json()["id"])

    read = run(xlsx([("草稿", "hidden", hidden), ("记录", "visible", visible)], active=1))
    refused = run(xlsx([("草稿", "hidden", hidden), ("记录", "visible", visible)], active=0))

    assert (read.status, read.rows_new) == (JobStatus.DONE, 1)
    assert list(LearningRecord.objects.filter(provider=school, external_id__startswith="SHEET-")
                .values_list("external_id", flat=True)) == ["SHEET-VISIBLE"]
    assert (refused.status, refused.rows_new) == (JobStatus.REJECTED, 0)
    assert refused.message.startswith("要导入的是选中的工作表，而选中的工作表「草稿」是隐藏的或不是数据表，未导入。")
    assert refused.message.endswith("工作簿中的工作表：「草稿」（隐藏）、「记录」（可见）")
    assert intake_files() == []


# --- UTF-16 without a byte-order mark --------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_without_a_byte_order_mark_is_read_as_utf16(encoding, world, api_as):
    data = f"区划代码,年份,常住人口\n{world.street.code},2032,1800\n".encode(encoding)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))

    response = api_as(world.city_admin).post("/api/places/population/import",
                                                {"file": SimpleUploadedFile("人口.csv", data)})

    assert (response.status_code, response.json()) == (200, {
        "rows": 1, "created": 1, "updated": 0, "unchanged": 0, "encoding": LABELS[encoding], "format": "csv"})
    assert Population.objects.get(place=world.street, year=2032).total == 1800


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_the_intake_reads_a_utf16_csv_without_a_byte_order_mark(encoding, world, api_as):
    staff, school = world.staff, world.institution
    data = csv_file([record(world.learner_profile, f"U16-{encoding}")], encoding=encoding)

    response = api_as(staff).post("/api/intake/jobs", {"file": SimpleUploadedFile("记录.csv", data),
                                                       "institution_code": school.code})
    job = intake.job_run(response.json()["id"])

    assert (job.status, job.rows_new, job.encoding) == (JobStatus.DONE, 1, encoding)
    assert job.message.endswith(f"文件编码：{LABELS[encoding]}。")


def test_broken_utf16_is_refused_saying_utf16_never_gbk(world, api_as):
    data = f"区划代码,年份,常住人口\n{world.street.code},2032,1800\n".encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    before = state()

    response = api_as(world.city_admin).post("/api/places/population/import",
                                                {"file": SimpleUploadedFile("人口.csv", data)})

    message = refusal(response)[0]
    assert message == (f"文件像是没有字节顺序标记的 UTF-16 文本（UTF-16LE），却无法按它解码（第 {len(data) - 2} 字节处）。"
                       "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。")
    assert "GBK" not in message
    assert state() == before
