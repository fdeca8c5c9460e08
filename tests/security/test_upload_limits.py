"""What the upload guard's review found (issue 14, item 2): shared strings that pass the compression ratio but hold
too much text to keep in memory, and files over the byte limit that used to be received whole before the guard
looked at their size. A refused file says the limit, and nothing is written: no job, no rows, no temporary file.

(Peak memory and time are measured by `learncity bench uploads`; the memory test here pins the reader's share.)
The uploads are made in the tests' own city (tests/portal/world.py): 达州市, its staff member's school."""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from learncity.core.errors import FileRejected
from learncity.core.tabular import read_table
from learncity.core.uploads import size_text
from learncity.monitoring.models import Target
from tests.places.factories import DAZHOU
from tests.security.test_hostile_uploads import (
    INTAKE_HEADERS,
    TARGET_HEADERS,
    Named,
    intake_files,
    page_text,
    raw_post,
    refusal,
    state,
)
from tests.security.xlsx_parts import MAIN, xlsx

FILLER = "<si><t>{}</t></si>"  # short distinct strings, as a column of record or ID numbers saved as text makes


def strings_workbook(values: list[list[str]], part_bytes: int) -> bytes:
    """A workbook whose cells are shared strings (`values`, by rows), its shared-strings part filled with short
    distinct strings up to `part_bytes` bytes: compressed about 8x, as an honest sheet's are."""
    strings = [v for row in values for v in row]
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
    body = "".join(FILLER.format(v) for v in strings)
    tail = "</sst>"
    room = part_bytes - len((head + body + tail).encode())
    filler, i = [], 0
    while room >= len(FILLER.format(2_000_000 + i)):
        piece = FILLER.format(2_000_000 + i)
        filler.append(piece)
        room -= len(piece)
        i += 1
    body += "".join(filler) + " " * room  # whitespace between the strings brings it to the byte
    rows, k = [], 0
    for r, row in enumerate(values, start=1):
        cells = "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>{k + c}</v></c>' for c in range(len(row)))
        rows.append(f'<row r="{r}">{cells}</row>')
        k += len(row)
    data = xlsx([("Sheet1", "visible", "".join(rows))], shared=head + body + tail, level=6)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml").file_size == part_bytes
    return data


def strings_message(name: str, size: int, limit: str = "1.0 MB", entry: str = "xl/sharedStrings.xml") -> str:
    return (f"文件「{name}」中的共享字符串「{entry}」（表格中各不相同的文字）解压后 {size_text(size)}，超过上限 {limit}，"
            "未接收：表格中不同的文字太多。请把文件拆成几个较小的文件分别上传。")


# --- shared strings ----------------------------------------------------------------------------------------------

def test_shared_strings_past_their_cap_at_an_honest_ratio_are_refused_naming_the_limit(world, api_as, settings):
    settings.LEARNCITY_MAX_SHARED_STRINGS_BYTES = 1 << 20
    data = strings_workbook([TARGET_HEADERS, ["CE-PART", DAZHOU, "2026", "40"]], (1 << 20) + 1)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml")
    assert info.file_size / info.compress_size < 20  # the compression ratio (limit 100) lets it through
    staff, school = world.staff, world.institution
    before = state()

    targets = api_as(world.city_admin).post("/api/monitoring/targets/import", {"file": Named("目标.xlsx", data)})
    intake = api_as(staff).post("/api/intake/jobs", {"file": Named("记录.xlsx", data),
                                                     "institution_code": school.code})

    assert refusal(targets) == [strings_message("目标.xlsx", (1 << 20) + 1)]
    assert refusal(intake) == [strings_message("记录.xlsx", (1 << 20) + 1)]
    assert state() == before and intake_files() == []


def test_shared_strings_just_under_their_cap_are_read(world, api_as, settings):
    settings.LEARNCITY_MAX_SHARED_STRINGS_BYTES = 1 << 20
    data = strings_workbook([TARGET_HEADERS, ["ELDER-PART", DAZHOU, "2033", "45"]], 1 << 20)
    before = Target.objects.count()

    response = api_as(world.city_admin).post("/api/monitoring/targets/import",
                                                {"file": Named("目标.xlsx", data)})

    assert (response.status_code, response.json()) == (200, {"imported": 1})
    assert Target.objects.count() == before + 1
    assert Target.objects.filter(indicator__code="ELDER-PART", place__code=DAZHOU, value=45).count() == 1


def test_a_shared_strings_part_by_another_name_is_held_to_the_cap_by_the_reader(settings):
    # Given a workbook whose content types name its shared strings xl/text.xml (the guard's name check misses it)
    settings.LEARNCITY_MAX_SHARED_STRINGS_BYTES = 1 << 20
    original = strings_workbook([TARGET_HEADERS], (1 << 20) + 1)
    renamed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                content = content.replace(b"sharedStrings.xml", b"text.xml")
            dst.writestr("xl/text.xml" if info.filename == "xl/sharedStrings.xml" else info.filename, content)

    # When it is read, then the reader refuses the part the workbook names, before parsing it
    with pytest.raises(FileRejected) as exc:
        read_table(renamed.getvalue(), "目标.xlsx")
    assert exc.value.summary == strings_message("目标.xlsx", (1 << 20) + 1, entry="xl/text.xml")


def test_the_reader_holds_shared_strings_in_less_memory_than_their_xml():
    # 2 MiB of short distinct strings: openpyxl's list of them took 6x that (12 MiB), this reader less than 2 MiB
    data = strings_workbook([TARGET_HEADERS, ["CE-PART", "350100", "2026", "40"]], 2 << 20)
    tracemalloc.start()
    try:
        table = read_table(data, "目标.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (table.headers, table.rows) == (TARGET_HEADERS, [(2, ["CE-PART", "350100", "2026", "40"])])
    assert peak < 2 << 20, f"{peak / 2**20:.1f} MiB"


def test_rich_text_phonetic_runs_and_escapes_read_as_openpyxl_reads_them(tmp_path):
    shared = (f'<sst xmlns="{MAIN}"><si><t>区划代码</t></si><si><r><rPr><b/></rPr><t>名</t></r><r><t xml:space="preserve">'
              ' 称</t></r><rPh sb="0" eb="1"><t>めい</t></rPh></si><si/><si><t>a_x005F_x000D_b</t></si>'
              '<si><t/></si><si><t>福州</t><rPh sb="0" eb="2"><t>ふくしゅう</t></rPh></si></sst>')
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>2</v></c>'
            '<c r="D2" t="s"><v>4</v></c></row>')
    data = xlsx([("Sheet1", "visible", rows)], shared=shared)
    (tmp_path / "a.xlsx").write_bytes(data)
    full = openpyxl.load_workbook(tmp_path / "a.xlsx").active

    table = read_table(data, "a.xlsx")

    assert [c.value for c in full[1]][:2] == ["区划代码", "名 称"]
    assert [c.value for c in full[2]][:2] == ["a_x000D_b", "福州"]
    assert (table.headers, table.rows) == (["区划代码", "名 称"], [(2, ["a_x000D_b", "福州"])])


def test_a_cell_naming_a_shared_string_the_file_lacks_is_refused():
    data = xlsx([("Sheet1", "visible", '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')],
                shared=f'<sst xmlns="{MAIN}"><si><t>区划代码</t></si></sst>')

    with pytest.raises(FileRejected) as exc:
        read_table(data, "目标.xlsx")

    assert exc.value.summary == "「目标.xlsx」不是有效的 xlsx 文件（IndexError）：请用 Excel 或 WPS 另存为 xlsx 后重新上传"


def test_shared_strings_nested_past_the_depth_limit_are_refused():
    shared = f'<sst xmlns="{MAIN}"><si>' + "<r>" * 40 + "<t>x</t>" + "</r>" * 40 + "</si></sst>"
    data = xlsx([("Sheet1", "visible", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')], shared=shared)

    with pytest.raises(FileRejected) as exc:
        read_table(data, "目标.xlsx")

    assert exc.value.summary == ("「目标.xlsx」不是有效的 xlsx 文件（共享字符串的元素嵌套超过 32 层）：请用 Excel 或 WPS "
                                 "另存为 xlsx 后重新上传")


# --- the byte limit while the request arrives -------------------------------------------------------------------

def test_the_upload_handler_stops_reading_the_body_at_the_limit(settings):
    settings.LEARNCITY_MAX_UPLOAD_BYTES = 1000
    body = encode_multipart(BOUNDARY, {"action": "import", "file": Named("目标.csv", b"x" * (5 << 20))})
    stream = io.BytesIO(body)
    environ = RequestFactory().generic("POST", "/monitor/targets/", body, content_type=MULTIPART_CONTENT).environ
    request = WSGIRequest({**environ, "wsgi.input": stream})

    assert dict(request.FILES) == {}
    assert request.POST.dict() == {"action": "import"}
    assert stream.tell() < 200_000 < len(body)  # the 5 MB after the first chunks were never read


STREAMED = {  # (who, the limit's setting, the form, the path, whether the answer is JSON)
    "intake page": ("staff", "LEARNCITY_INTAKE_MAX_BYTES", "/intake/", False,
                    lambda school: {"institution_code": school.code, "mode": "all"}),
    "intake API": ("staff", "LEARNCITY_INTAKE_MAX_BYTES", "/api/intake/jobs", True,
                   lambda school: {"institution_code": school.code}),
    "targets page": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "/monitor/targets/", False,
                     lambda school: {"action": "import"}),
    "targets API": ("city_admin", "LEARNCITY_MAX_UPLOAD_BYTES", "/api/monitoring/targets/import", True,
                    lambda school: {}),
}


@pytest.mark.parametrize("route", STREAMED)
def test_a_streamed_file_past_the_limit_is_stopped_with_the_limit_said_and_nothing_left(
        route, world, client_as, api_as, settings, tmp_path):
    who, setting, path, is_api, fields = STREAMED[route]
    setattr(settings, setting, 100_000)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # what is received goes to a temporary file, here
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    school = world.institution
    client = (api_as if is_api else client_as)(world.user(who))
    before = state()

    # the fields first, as a browser sends a form; the file, 150 KB of CSV, is within the 64 KB the intake API allows
    # a form's other fields beside the file, so the API cannot refuse it by the request's Content-Length
    response = raw_post(client, path, {**fields(school), "file": Named("上报.csv", "区划代码,名称\n".encode()
                                                                        + b"350100,x\n" * 17_000)})

    expected = "文件「上报.csv」大小超过上限 97.7 KB，未接收。请把文件拆成几个较小的文件分别上传。"
    if is_api:
        assert refusal(response) == [expected]
    else:
        assert response.status_code == 400 and expected in page_text(response)
    assert state() == before and intake_files() == []
    assert list(tmp_path.iterdir()) == []


def test_the_intake_refuses_by_content_length_with_the_institution_as_a_form_field(world, api_as, settings):
    settings.LEARNCITY_INTAKE_MAX_BYTES = 1000
    staff, school = world.staff, world.institution
    body = encode_multipart(BOUNDARY, {"institution_code": school.code,
                                       "file": Named("记录.csv", ",".join(INTAKE_HEADERS).encode().ljust(70_000))})
    before = state()

    response = api_as(staff).generic("POST", "/api/intake/jobs", body, content_type=MULTIPART_CONTENT)

    assert refusal(response) == [f"文件大小 {size_text(len(body))} 超过上限 1000 B，未接收。请把文件拆成几个较小的文件"
                                 "分别上传。"]
    assert state() == before and intake_files() == []


def test_the_intake_routes_take_files_up_to_the_intake_limit_past_the_imports_one(world, api_as, settings):
    settings.LEARNCITY_MAX_UPLOAD_BYTES = 1000
    settings.LEARNCITY_INTAKE_MAX_BYTES = 100_000
    staff, school = world.staff, world.institution
    data = ",".join(INTAKE_HEADERS).encode() + b"\n" + b" " * 5000
    before = state()[0]

    response = raw_post(api_as(staff), "/api/intake/jobs", {"institution_code": school.code,
                                                            "file": Named("记录.csv", data)})

    assert response.status_code == 201, response.content
    assert (response.json()["filename"], response.json()["size"], state()[0]) == ("记录.csv", len(data), before + 1)
