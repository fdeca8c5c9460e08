"""The community-education timetable guide of a district and a term: its rows, its spreadsheet and its PDF.

Courses and sessions are made directly through the ORM in the demo city's 鼓楼区, in a term no demo data uses,
so the guide holds exactly what each test made."""

import io
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from learncity.catalog.models import Course, CourseKind, CourseSession, CourseState, Mode, Venue
from learncity.catalog.timetable import (
    CourseRow,
    SessionRow,
    StreetSection,
    TimetableGuide,
    timetable_pdf,
    timetable_rows,
    timetable_xlsx,
)
from learncity.core.errors import DomainError
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerGroup
from learncity.places.models import Place
from learncity.pools.models import Teacher

GULOU, GUDONG, GUXI, TAIJIANG, FUZHOU = "350102", "350102001", "350102002", "350103", "350100"
TERM = "2030秋"  # no demo data uses it
TITLE = "鼓楼区2030秋社区教育课表指南"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "pdffonts", "pdfinfo"))

@pytest.fixture
def _poppler():
    # Installed by `make install`: a missing tool is a failure, not a skip, so the PDF is always checked.
    assert POPPLER, "poppler-utils (pdftotext, pdftoppm, pdffonts, pdfinfo) is missing"


needs_poppler = pytest.mark.usefixtures("_poppler")

_codes = count(1)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def weekly(first: date, n: int, start: str, end: str, **where) -> list[dict]:
    return [{"date": first + timedelta(weeks=i), "start": start, "end": end, **where} for i in range(n)]


def course_make(institution: Institution, title: str, *, term: str = TERM, state: str = CourseState.PUBLISHED,
                kind: str = CourseKind.COMMUNITY, mode: str = Mode.OFFLINE, hours: str = "12", fee: str = "0",
                capacity: int = 30, enrolled: int = 0, teachers=(), groups=(), sessions=()) -> Course:
    course = Course.objects.create(
        institution=institution, code=f"TT-{next(_codes):05d}", title=title, kind=kind, mode=mode,
        hours=Decimal(hours), fee=Decimal(fee), capacity=capacity, enrolled_count=enrolled, state=state, term=term)
    course.teachers.set(teachers)
    course.target_groups.set(LearnerGroup.objects.filter(code__in=groups))
    CourseSession.objects.bulk_create([
        CourseSession(course=course, date=s["date"], start=clock.fromisoformat(s["start"]),
                      end=clock.fromisoformat(s["end"]), venue=s.get("venue"), room=s.get("room", ""),
                      online_url=s.get("online_url", ""))
        for s in sessions
    ])
    return course


@dataclass
class Gulou:
    college: Institution  # 鼓楼区社区学院, district level
    school: Institution  # 鼓东街道社区学校, street level
    room: Institution  # a community learning room in 鼓东街道
    station: Institution  # 鼓西街道综合文化站
    hall: Venue
    lin: Teacher
    chen: Teacher
    wang: Teacher


@pytest.fixture
def gulou(db) -> Gulou:
    """Four institutions of 鼓楼区 at three levels, a venue and three teachers; no courses yet."""
    district = Place.objects.get(code=GULOU)
    g = Gulou(
        college=Institution.objects.get(place=district, kind=InstitutionKind.COMMUNITY_COLLEGE),
        school=Institution.objects.get(place__code=GUDONG, kind=InstitutionKind.COMMUNITY_SCHOOL),
        room=Institution.objects.filter(place__parent__code=GUDONG, kind=InstitutionKind.LEARNING_ROOM)
        .order_by("code").first(),
        station=Institution.objects.get(place__code=GUXI, kind=InstitutionKind.CULTURAL_STATION),
        hall=Venue.objects.create(name="鼓楼区文化馆多功能厅", kind=Venue.Kind.CULTURAL_CENTRE, place=district),
        lin=Teacher.objects.create(name="林晓燕", kind="full_time"),
        chen=Teacher.objects.create(name="陈国华", kind="part_time"),
        wang=Teacher.objects.create(name="王丽", kind="volunteer"),
    )
    assert (g.college.name, g.school.name, g.station.name) == ("鼓楼区社区学院", "鼓东街道社区学校", "鼓西街道综合文化站")
    return g


@pytest.fixture
def guide_courses(gulou):
    """Four published courses of the term in 鼓楼区, at district, street and community level, and four that
    the guide must leave out."""
    g = gulou
    course_make(g.college, "智能手机应用入门", kind=CourseKind.DIGITAL, hours="24", capacity=30, enrolled=12,
                teachers=[g.lin], groups=["elderly"],
                sessions=weekly(date(2030, 9, 2), 4, "14:30", "16:30", venue=g.hall, room="201教室"))
    course_make(g.school, "闽剧唱腔赏析", kind=CourseKind.CULTURE, hours="8", fee="120", capacity=25, enrolled=25,
                teachers=[g.chen, g.wang], groups=["elderly", "women"],
                sessions=[{"date": date(2030, 9, 7), "start": "09:00", "end": "11:00", "venue": g.hall},
                          {"date": date(2030, 9, 21), "start": "09:00", "end": "11:00", "venue": g.hall}])
    course_make(g.room, "家庭急救常识", kind=CourseKind.HEALTH, mode=Mode.BLENDED, hours="4.5", fee="35.50",
                capacity=40, enrolled=3,
                sessions=[{"date": date(2030, 9, 5), "start": "19:00", "end": "20:30",
                           "online_url": "https://example.org/live/1"},
                          {"date": date(2030, 9, 12), "start": "19:00", "end": "21:00", "venue": g.hall,
                           "room": "实训室"}])
    course_make(g.station, "书法入门", kind=CourseKind.CULTURE, capacity=20)
    # Left out: a draft, another term, another district, the city level.
    course_make(g.college, "草稿课程", state=CourseState.DRAFT)
    course_make(g.college, "春季课程", term="2030春")
    course_make(Institution.objects.get(place__code=TAIJIANG, kind=InstitutionKind.COMMUNITY_COLLEGE), "台江课程")
    course_make(Institution.objects.filter(place__code=FUZHOU).first(), "市级课程")
    return g


# --- rows ------------------------------------------------------------------------------------------------


def test_the_guide_holds_the_districts_published_courses_of_the_term_by_street(guide_courses):
    g = guide_courses

    guide = timetable_rows(district_code=GULOU, term=TERM)

    assert (guide.district_code, guide.district, guide.term, guide.title) == (GULOU, "鼓楼区", TERM, TITLE)
    assert guide.generated == timezone.localdate()
    assert [(s.code, s.name, s.is_district_level, [r.title for r in s.rows]) for s in guide.sections] == [
        (GULOU, "鼓楼区（区级）", True, ["智能手机应用入门"]),
        (GUDONG, "鼓东街道", False, ["闽剧唱腔赏析", "家庭急救常识"]),  # the school's code precedes the room's
        (GUXI, "鼓西街道", False, ["书法入门"]),
    ]
    assert (guide.course_count, guide.is_empty, guide.summary) == (4, False, "共 4 门课程，涉及 2 个街道（乡镇）")

    phone, opera, first_aid, calligraphy = (r for s in guide.sections for r in s.rows)
    assert (phone.institution, phone.kind, phone.mode, phone.target_groups_label, phone.hours_label,
            phone.fee_label, phone.capacity, phone.seats_left, phone.teachers_label) == (
        "鼓楼区社区学院", "数字技能", "线下", "老年人", "24", "免费", 30, 18, "林晓燕")
    assert [(s.date, s.weekday, s.times, s.venue, s.room) for s in phone.sessions] == [
        (date(2030, 9, d), "周一", "14:30–16:30", "鼓楼区文化馆多功能厅", "201教室") for d in (2, 9, 16, 23)]
    assert [(x.when, x.place) for x in phone.schedule] == [
        ("9月2日至9月23日 每周一 14:30–16:30（4次）", "鼓楼区文化馆多功能厅 201教室")]

    assert (opera.fee_label, opera.seats_left, opera.teachers_label, opera.target_groups_label) == (
        "120元", 0, "陈国华、王丽", "老年人、妇女")
    assert [(x.when, x.place) for x in opera.schedule] == [
        ("9月7日、9月21日（周六） 09:00–11:00（2次）", "鼓楼区文化馆多功能厅")]  # fortnightly, so listed

    assert (first_aid.institution, first_aid.mode, first_aid.hours_label, first_aid.fee_label,
            first_aid.target_groups_label, first_aid.teachers_label) == (
        g.room.name, "线上线下结合", "4.5", "35.5元", "不限", "待定")
    assert [(x.when, x.place) for x in first_aid.schedule] == [
        ("9月5日（周四） 19:00–20:30", "线上"), ("9月12日（周四） 19:00–21:00", "鼓楼区文化馆多功能厅 实训室")]

    assert (calligraphy.sessions, calligraphy.schedule) == ((), ())


def test_a_district_without_courses_in_the_term_gives_a_guide_that_says_so(gulou):
    course_make(gulou.college, "春季课程", term="2030春")

    guide = timetable_rows(district_code=GULOU, term=TERM)

    assert (guide.sections, guide.course_count, guide.is_empty) == ((), 0, True)
    assert guide.summary == guide.empty_message == "本学期暂无已发布的课程。"


@pytest.mark.parametrize(("code", "term", "field", "message"), [
    ("999999", TERM, "district_code", "未找到区划代码「999999」"),
    ("", TERM, "district_code", "请填写区县代码"),
    (GUDONG, TERM, "district_code", "「鼓东街道」(350102001) 是街道乡镇级区划"),
    (FUZHOU, TERM, "district_code", "「福州市」(350100) 是市级区划"),
    (GULOU, "", "term", "请填写学期"),
    (GULOU, "   ", "term", "请填写学期"),
])
def test_a_guide_of_something_other_than_a_district_and_a_term_is_refused(db, code, term, field, message):
    with pytest.raises(DomainError) as exc:
        timetable_rows(district_code=code, term=term)

    assert list(exc.value.errors) == [field]
    assert exc.value.errors[field][0].startswith(message)


def test_the_guide_takes_the_same_queries_however_many_courses_there_are(guide_courses, django_assert_num_queries):
    g = guide_courses
    with CaptureQueriesContext(connection) as few:
        small = timetable_rows(district_code=GULOU, term=TERM)

    for i, inst in enumerate([g.college, g.school, g.room, g.station]):
        course_make(inst, f"加开课程{i}", teachers=[g.lin, g.chen], groups=["women", "youth"],
                    sessions=weekly(date(2030, 10, 7), 3, "09:00", "10:00", venue=g.hall))
    with django_assert_num_queries(len(few)):
        large = timetable_rows(district_code=GULOU, term=TERM)

    # district, courses (+institution, place), groups, teachers, sessions (+venue), street names
    assert len(few) == 6
    assert (small.course_count, large.course_count) == (4, 8)


# --- xlsx ------------------------------------------------------------------------------------------------


def test_the_spreadsheet_has_the_title_frozen_headers_and_a_row_per_course(guide_courses):
    g = guide_courses
    guide = timetable_rows(district_code=GULOU, term=TERM)

    ws = load_workbook(io.BytesIO(timetable_xlsx(guide))).active

    assert ws.title == "课表"
    assert ws["A1"].value == TITLE
    assert ws["A2"].value == f"生成日期：{_cn_date(guide.generated)}　共 4 门课程，涉及 2 个街道（乡镇）"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:M1", "A2:M2"}
    assert [c.value for c in ws[3]] == ["街道", "课程", "机构", "类别", "方式", "面向群体", "学时", "费用", "名额",
                                        "余额", "教师", "上课时间", "地点"]
    assert ws.freeze_panes == "A4"
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        ["鼓楼区（区级）", "智能手机应用入门", "鼓楼区社区学院", "数字技能", "线下", "老年人", 24, "免费", 30, 18,
         "林晓燕", "9月2日至9月23日 每周一 14:30–16:30（4次）", "鼓楼区文化馆多功能厅 201教室"],
        ["鼓东街道", "闽剧唱腔赏析", "鼓东街道社区学校", "文化艺术", "线下", "老年人、妇女", 8, "120元", 25, 0,
         "陈国华、王丽", "9月7日、9月21日（周六） 09:00–11:00（2次）", "鼓楼区文化馆多功能厅"],
        ["鼓东街道", "家庭急救常识", g.room.name, "卫生健康", "线上线下结合", "不限", 4.5, "35.5元", 40, 37,
         "待定", "9月5日（周四） 19:00–20:30\n9月12日（周四） 19:00–21:00", "线上\n鼓楼区文化馆多功能厅 实训室"],
        ["鼓西街道", "书法入门", "鼓西街道综合文化站", "文化艺术", "线下", "不限", 12, "免费", 20, 20, "待定", "待定",
         "待定"],
    ]
    widths = {col: ws.column_dimensions[col].width for col in "ABCDEFGHIJKLM"}
    assert widths["B"] >= 20 and widths["L"] >= 36 and widths["G"] <= 8
    assert ws["L5"].alignment.wrap_text is True
    assert ws.auto_filter.ref == "A3:M7"


def test_the_spreadsheet_of_an_empty_guide_says_there_are_no_courses(gulou):
    guide = timetable_rows(district_code=GULOU, term=TERM)

    ws = load_workbook(io.BytesIO(timetable_xlsx(guide))).active

    assert (ws["A1"].value, ws["A3"].value, ws["A4"].value, ws.max_row) == (TITLE, "街道", "本学期暂无已发布的课程。", 4)


# --- PDF -------------------------------------------------------------------------------------------------


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _pdf_text(path: Path, page: int | None = None) -> str:
    """The PDF's text in reading order, without whitespace: a table cell may wrap its words over lines."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return re.sub(r"\s+", "", _run("pdftotext", *pages, str(path), "-"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@needs_poppler
def test_the_pdf_sets_the_guide_in_an_embedded_chinese_font_with_page_numbers_and_repeated_headers(
        guide_courses, tmp_path):
    g = guide_courses
    for i in range(36):  # enough rows in 鼓东街道 for its table to run over a page break
        course_make(g.school, f"老年大学选修课{i:02d}", kind=CourseKind.ELDERLY, teachers=[g.lin], groups=["elderly"],
                    sessions=weekly(date(2030, 9, 3), 8, "09:00", "11:00", venue=g.hall, room=f"{i % 5 + 1}0{i % 3}室"))
    guide = timetable_rows(district_code=GULOU, term=TERM)

    started = time.perf_counter()
    pdf = timetable_pdf(guide)
    seconds = time.perf_counter() - started

    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf)
    info = _run("pdfinfo", str(path))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    assert re.search(r"^Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info, re.M), info
    assert pages >= 2
    print(f"timetable PDF: {pages} pages in {seconds:.1f} s, {seconds / pages:.2f} s a page")

    # The text is real Chinese text, in every part of the guide.
    text = _pdf_text(path)
    for words in (TITLE, "鼓楼区（区级）", "鼓东街道", "鼓西街道", "智能手机应用入门", "闽剧唱腔赏析", "家庭急救常识",
                  "书法入门", "老年大学选修课35", "鼓楼区社区学院", "免费", "120元", "陈国华、王丽",
                  "每周一 14:30–16:30（4次）", f"第 1 页 / 共 {pages} 页"):
        assert _flat(words) in text, words
    for left_out in ("草稿课程", "春季课程", "台江课程", "市级课程"):
        assert left_out not in text
    page2 = _pdf_text(path, 2)
    assert "上课时间与地点" in page2 and "开课机构" in page2, "the table header repeats on the next page"
    assert f"第2页/共{pages}页" in page2

    # Not tofu: the glyphs come from a CJK font embedded in the file, not from a fallback without Chinese.
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(" yes " in f for f in fonts), fonts  # every font embedded
    assert any(re.search(r"WenQuanYi|NotoSansCJK|Noto Sans CJK", f) for f in fonts), fonts

    # Page 1 drawn at 60 dpi has ink, and ink where the title's words are.
    _run("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(path), str(tmp_path / "page1"))
    image = Image.open(tmp_path / "page1.png").convert("L")
    assert image.size == (497, 702)  # A4 at 60 dpi, rounded up
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height, "page 1 is blank"
    bbox = _run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-")
    found = re.search(rf'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{TITLE}</word>', bbox)
    assert found, "the title is one word on page 1"
    box = tuple(round(float(v) * 60 / 72) for v in found.groups())
    title_region = image.crop(box)
    title_dark = sum(title_region.histogram()[:128])
    assert box[1] < image.height * 0.15, "the title is at the top of the page"
    assert title_dark > 0.08 * title_region.width * title_region.height, "the title is drawn"

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / "page1.png", ARTIFACTS / "timetable-page1.png")


@needs_poppler
def test_the_pdf_of_an_empty_guide_says_there_are_no_courses(gulou, tmp_path):
    guide = timetable_rows(district_code=GULOU, term=TERM)

    pdf = timetable_pdf(guide)

    path = tmp_path / "empty.pdf"
    path.write_bytes(pdf)
    assert _pdf_text(path) == f"{TITLE}生成日期：{_cn_date(guide.generated)}本学期暂无已发布的课程。第1页/共1页" \
        f"生成日期{guide.generated:%Y-%m-%d}"


@needs_poppler
def test_what_providers_typed_is_printed_as_typed_never_run_as_typst_markup(tmp_path):
    """A course title, a room or a teacher's name that is Typst markup must not read a file or change the guide."""
    typed = {"title": '#read("/etc/hostname") #pagebreak()', "room": "*3楼* $x$", "teacher": "_林]_"}
    row = CourseRow(code="C1", title=typed["title"], institution="鼓东街道社区学校", kind="社区教育", mode="线下",
                    target_groups=(), hours=Decimal("12"), fee=Decimal("0"), capacity=30, seats_left=30,
                    teachers=(typed["teacher"],),
                    sessions=(SessionRow(date=date(2030, 9, 2), start=clock(9), end=clock(11), venue="活动室",
                                         room=typed["room"]),))
    guide = TimetableGuide(district_code=GULOU, district="鼓楼区", term=TERM, generated=date(2030, 8, 1),
                           sections=(StreetSection(code=GUDONG, name="鼓东街道", is_district_level=False, rows=(row,)),))
    path = tmp_path / "typed.pdf"

    path.write_bytes(timetable_pdf(guide))

    text = _pdf_text(path)
    assert all(_flat(v) in text for v in typed.values()), text
    assert re.search(r"^Pages:\s+1$", _run("pdfinfo", str(path)), re.M)
