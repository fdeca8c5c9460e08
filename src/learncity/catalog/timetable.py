"""The community-education timetable guide (社区教育课表指南, Fuzhou 2015): for one district and one term,
every published course of the district's institutions, grouped by street, with its sessions; as a printable
PDF and as a spreadsheet.

The guide is public information (published courses only), so it takes no acting user.

    guide = timetable_rows(district_code="350102", term="2026秋")
    timetable_pdf(guide)   # bytes of an A4 PDF (Typst), Chinese set in WenQuanYi Micro Hei / Noto Sans CJK SC
    timetable_xlsx(guide)  # bytes of an xlsx workbook with one sheet
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from learncity.catalog.models import Course, CourseSession, CourseState
from learncity.core import documents
from learncity.core.errors import DomainError
from learncity.people.models import LearnerGroup
from learncity.places.models import Place, PlaceLevel
from learncity.pools.models import Teacher

PDF_TEMPLATE = Path(__file__).resolve().parent / "templates" / "catalog" / "timetable.typ"
WEEKDAYS = (gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"), gettext_lazy("周五"),
            gettext_lazy("周六"), gettext_lazy("周日"))
EMPTY_MESSAGE = gettext_lazy("本学期暂无已发布的课程。")


# ---------------------------------------------------------------------------------------------- the guide


@dataclass(frozen=True)
class SessionRow:
    date: date
    start: time
    end: time
    venue: str  # the venue's name; "线上" for an online session without a venue; "" when not yet known
    room: str

    @property
    def weekday(self) -> str:
        return str(WEEKDAYS[self.date.weekday()])

    @property
    def times(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def place(self) -> str:
        return " ".join(p for p in (self.venue, self.room) if p) or gettext("地点待定")


@dataclass(frozen=True)
class ScheduleLine:
    """Sessions that share weekday, times and place, said once: 「9月7日至12月21日 每周一 14:30–16:30（16次）」."""

    dates: str  # 「9月7日至12月21日 每周一」, 「9月7日（周一）」 or 「9月7日、9月21日（周一）」
    times: str
    place: str
    count: int

    @property
    def times_label(self) -> str:
        return self.times + (gettext("（%(n)s次）") % {"n": self.count} if self.count > 1 else "")

    @property
    def when(self) -> str:
        return f"{self.dates} {self.times_label}"


@dataclass(frozen=True)
class CourseRow:
    code: str
    title: str
    institution: str
    kind: str
    mode: str
    target_groups: tuple[str, ...]
    hours: Decimal
    fee: Decimal
    capacity: int
    seats_left: int
    teachers: tuple[str, ...]
    sessions: tuple[SessionRow, ...]

    @property
    def fee_label(self) -> str:
        return gettext("免费") if self.fee == 0 else gettext("%(fee)s元") % {"fee": _plain(self.fee)}

    @property
    def hours_label(self) -> str:
        return _plain(self.hours)

    @property
    def target_groups_label(self) -> str:
        return gettext("、").join(self.target_groups) or gettext("不限")

    @property
    def teachers_label(self) -> str:
        return gettext("、").join(self.teachers) or gettext("待定")

    @property
    def schedule(self) -> tuple[ScheduleLine, ...]:
        return _schedule(self.sessions)


@dataclass(frozen=True)
class StreetSection:
    code: str  # the street's code, or the district's for the district-level institutions
    name: str
    is_district_level: bool
    rows: tuple[CourseRow, ...]


@dataclass(frozen=True)
class TimetableGuide:
    district_code: str
    district: str
    term: str
    generated: date
    sections: tuple[StreetSection, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return gettext("%(district)s%(term)s社区教育课表指南") % {"district": self.district, "term": self.term}

    @property
    def course_count(self) -> int:
        return sum(len(s.rows) for s in self.sections)

    @property
    def is_empty(self) -> bool:
        return not self.sections

    @property
    def empty_message(self) -> str:
        return str(EMPTY_MESSAGE)

    @property
    def summary(self) -> str:
        if self.is_empty:
            return str(EMPTY_MESSAGE)
        streets = sum(1 for s in self.sections if not s.is_district_level)
        return gettext("共 %(courses)s 门课程，涉及 %(streets)s 个街道（乡镇）") % {"courses": self.course_count,
                                                                         "streets": streets}


def timetable_rows(*, district_code: str, term: str) -> TimetableGuide:
    """The guide of a district (a level-3 place) and a term. Six queries however many courses there are
    (district, courses with their institutions and places, target groups, teachers, sessions with venues,
    street names); two when the district has no courses in the term."""
    code = (district_code or "").strip()
    term = (term or "").strip()
    if not term:
        raise DomainError({"term": gettext("请填写学期，例如「2026秋」 (the term is required)")})
    if not code:
        raise DomainError({"district_code": gettext("请填写区县代码 (the district code is required)")})
    district = Place.objects.filter(code=code).first()
    if district is None:
        raise DomainError({"district_code": gettext("未找到区划代码「%(code)s」 (unknown place code)") % {"code": code}}, code="not_found")
    if district.level != PlaceLevel.DISTRICT:
        raise DomainError({"district_code": gettext("「%(name)s」(%(code)s) 是%(label)s区划，课表指南按区县编制 (not a district)") % {"name": district.name, "code": code, "label": PlaceLevel(district.level).label}})

    courses = list(
        Course.objects.filter(state=CourseState.PUBLISHED, term=term, institution__is_active=True,
                              institution__place__path__startswith=district.path)
        .select_related("institution__place")
        .prefetch_related(
            Prefetch("target_groups", queryset=LearnerGroup.objects.order_by("id")),
            Prefetch("teachers", queryset=Teacher.objects.order_by("id")),
            Prefetch("sessions", queryset=CourseSession.objects.select_related("venue").order_by("date", "start", "id")),
        )
        .order_by("institution__code", "title", "code")
    )
    today = timezone.localdate()
    if not courses:
        return TimetableGuide(district_code=district.code, district=district.name, term=term, generated=today)

    depth = len(_codes(district.path))
    by_street: dict[str | None, list[Course]] = {}
    for course in courses:
        codes = _codes(course.institution.place.path)
        by_street.setdefault(codes[depth] if len(codes) > depth else None, []).append(course)
    streets = {p.code: p.name for p in Place.objects.filter(code__in=[c for c in by_street if c])}

    sections = []
    with translation.override("zh-hans"):
        for street_code in sorted(by_street, key=lambda c: (c is not None, c or "")):
            sections.append(StreetSection(
                code=street_code or district.code,
                name=streets.get(street_code, street_code) if street_code else gettext("%(district)s（区级）") % {"district": district.name},
                is_district_level=street_code is None,
                rows=tuple(_row(c) for c in by_street[street_code]),
            ))
    return TimetableGuide(district_code=district.code, district=district.name, term=term, generated=today,
                          sections=tuple(sections))


def _codes(path: str) -> list[str]:
    return [c for c in path.split("/") if c]


def _row(course: Course) -> CourseRow:
    return CourseRow(
        code=course.code,
        title=course.title,
        institution=course.institution.name,
        kind=str(course.get_kind_display()),
        mode=str(course.get_mode_display()),
        target_groups=tuple(g.name for g in course.target_groups.all()),
        hours=course.hours,
        fee=course.fee,
        capacity=course.capacity,
        seats_left=course.seats_left,
        teachers=tuple(t.name for t in course.teachers.all()),
        sessions=tuple(
            SessionRow(date=s.date, start=s.start, end=s.end, room=s.room,
                       venue=s.venue.name if s.venue else (gettext("线上") if s.online_url else ""))
            for s in course.sessions.all()
        ),
    )


def _plain(number: Decimal) -> str:
    """24.0 → 「24」, 35.50 → 「35.5」."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _ymd(d: date) -> str:
    return gettext("%(year)s年%(month)s月%(day)s日") % {"year": d.year, "month": d.month, "day": d.day}


def _md(d: date) -> str:
    return gettext("%(month)s月%(day)s日") % {"month": d.month, "day": d.day}


def _schedule(sessions: Iterable[SessionRow]) -> tuple[ScheduleLine, ...]:
    groups: dict[tuple, list[date]] = {}
    for s in sessions:
        groups.setdefault((s.date.weekday(), s.start, s.end, s.place), []).append(s.date)
    lines = []
    for (weekday, start, end, place), dates in sorted(groups.items(), key=lambda g: (g[1][0], g[0][1])):
        dates.sort()
        day = str(WEEKDAYS[weekday])
        if len(dates) == 1:
            label = f"{_md(dates[0])}（{day}）"
        elif all(b - a == timedelta(days=7) for a, b in pairwise(dates)):
            label = gettext("%(first)s至%(last)s 每%(day)s") % {"first": _md(dates[0]), "last": _md(dates[-1]), "day": day}
        else:
            label = f"{'、'.join(_md(d) for d in dates)}（{day}）"
        lines.append(ScheduleLine(dates=label, times=f"{start:%H:%M}–{end:%H:%M}", place=place, count=len(dates)))
    return tuple(lines)


# ---------------------------------------------------------------------------------------------------- PDF


def timetable_pdf(guide: TimetableGuide) -> bytes:
    """The guide as an A4 PDF (Typst, catalog/templates/catalog/timetable.typ). Nothing is fetched: the font is
    the system's, the template reads nothing but its data."""
    g = guide.generated
    data = {
        "title": guide.title, "summary": guide.summary, "empty_message": guide.empty_message,
        "generated": [g.year, g.month, g.day], "generated_text": f"{g:%Y-%m-%d}", "generated_cn": _ymd(g),
        "sections": [{"name": s.name, "count": len(s.rows), "rows": [{
            "title": r.title, "sub": f"{r.kind} · {r.mode}", "institution": r.institution,
            "groups": r.target_groups_label, "hours": r.hours_label, "fee": r.fee_label, "capacity": str(r.capacity),
            "left": str(r.seats_left), "teachers": r.teachers_label,
            "schedule": [[line.dates, line.times_label, line.place] for line in r.schedule],
        } for r in s.rows]} for s in guide.sections],
    }
    return documents.pdf_render(PDF_TEMPLATE, data)


# --------------------------------------------------------------------------------------------------- xlsx

XLSX_COLUMNS = [  # header, width in characters
    (gettext_lazy("街道"), 14), (gettext_lazy("课程"), 24), (gettext_lazy("机构"), 26), (gettext_lazy("类别"), 12),
    (gettext_lazy("方式"), 10), (gettext_lazy("面向群体"), 16), (gettext_lazy("学时"), 6), (gettext_lazy("费用"), 8),
    (gettext_lazy("名额"), 6), (gettext_lazy("余额"), 6), (gettext_lazy("教师"), 14), (gettext_lazy("上课时间"), 40),
    (gettext_lazy("地点"), 28),
]
XLSX_HEADER_ROW = 3


def timetable_xlsx(guide: TimetableGuide) -> bytes:
    """The guide as one sheet: the title in row 1, the date and a summary in row 2, the headers in row 3
    (frozen), then a row per course; a course's schedule lines and their places share the line breaks."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # loaded for a workbook only
    from openpyxl.utils import get_column_letter

    wb = documents.workbook()
    ws = wb.active
    ws.title = gettext("课表")
    last = get_column_letter(len(XLSX_COLUMNS))
    font = "WenQuanYi Micro Hei"

    ws["A1"] = guide.title
    ws["A1"].font = Font(name=font, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    ws["A2"] = gettext("生成日期：%(date)s　%(summary)s") % {"date": _ymd(guide.generated), "summary": guide.summary}
    ws["A2"].font = Font(name=font, size=10, color="555555")
    ws.merge_cells(f"A2:{last}2")

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (header, width) in enumerate(XLSX_COLUMNS, start=1):
        cell = ws.cell(row=XLSX_HEADER_ROW, column=i, value=str(header))
        cell.font = Font(name=font, bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{XLSX_HEADER_ROW + 1}"
    ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    r = XLSX_HEADER_ROW
    if guide.is_empty:
        r += 1
        ws.cell(row=r, column=1, value=str(EMPTY_MESSAGE)).font = Font(name=font)
        ws.merge_cells(f"A{r}:{last}{r}")
    wrap = Alignment(vertical="top", wrap_text=True)
    for section in guide.sections:
        for row in section.rows:
            r += 1
            schedule = row.schedule
            values = [
                section.name, row.title, row.institution, row.kind, row.mode, row.target_groups_label,
                _number(row.hours), row.fee_label, row.capacity, row.seats_left, row.teachers_label,
                "\n".join(line.when for line in schedule) or gettext("待定"),
                "\n".join(line.place for line in schedule) or gettext("待定"),
            ]
            for i, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=i, value=value)
                cell.font = Font(name=font)
                cell.alignment = wrap
                cell.border = border
    if r > XLSX_HEADER_ROW and not guide.is_empty:
        ws.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{last}{r}"
    return documents.workbook_bytes(wb)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
