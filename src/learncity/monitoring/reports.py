"""The monitoring documents: the quarterly report, the annual statistics, and any chart's table, as xlsx and PDF.

Everything is first put into a `Document` — a title, what it covers, and tables of plain values — and only then
written out, so the workbook, the PDF and the page show the same numbers from one place. The documents are
reproducible: the same data and the same choice (scope, period) give the same numbers, and byte for byte the
same workbook (the timestamps an xlsx carries are fixed to the day the data is counted to) and PDF.

    doc = quarterly_report(actor=user, place_id=city.pk, period=period_parse("2026-Q3"))
    document_xlsx(doc)   # bytes of an xlsx workbook, one sheet per table
    document_pdf(doc)    # bytes of an A4 PDF (Typst); Chinese set in WenQuanYi Micro Hei / Noto Sans CJK SC
"""

import datetime
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.core import documents  # loads openpyxl / Typst only when a workbook / a PDF is made
from learncity.monitoring import selectors

NO_DATA = "无数据"  # a zero or missing denominator: never 0 %, never an error
FONT = "WenQuanYi Micro Hei"


class _Suppressed:
    """A cell with fewer people than the public dashboard may show (a small cell)."""

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = _Suppressed()


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | int | number (a Decimal, printed with its own decimals) | percent (35.20 → 35.2%)
    width: int = 0  # characters in the workbook; 0: worked out from the label and the values


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    notes: tuple[str, ...] = ()
    key: str = ""  # a short name for the sheet ("总览"); the title when empty

    def __post_init__(self):
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.title!r}: row {i + 1} has {len(row)} cells for "
                                 f"{len(self.columns)} columns")


@dataclass(frozen=True)
class Document:
    title: str
    scope: str  # the place it covers: 「福州市」, 「福州市鼓楼区」
    period: str  # 「2026年第三季度（2026-07-01 至 2026-09-30）」
    as_of: datetime.date  # the data is counted up to this day
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()
    suppress_below: int | None = None  # for public documents: cells under this many people are not shown
    period_key: str = ""  # for the file name: "2026-Q3"

    @property
    def subtitle(self) -> str:
        return f"{self.scope} · {self.period}"

    def digest(self) -> str:
        """SHA-256 over the document's values: the same data and choice give the same digest (printed on it)."""
        h = hashlib.sha256()
        for part in (self.title, self.scope, self.period, self.as_of.isoformat()):
            h.update(part.encode() + b"\x1f")
        for t in self.tables:
            h.update(t.title.encode() + b"\x1e")
            for row in t.rows:
                h.update("\x1f".join(_plain(v, c, self.suppress_below)
                                     for v, c in zip(row, t.columns, strict=True)).encode() + b"\x1e")
        return h.hexdigest()


# --------------------------------------------------------------------------------------------------- values


def _decimal_text(d: Decimal) -> str:
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:,}"


def _plain(value, column: Column, suppress_below: int | None = None) -> str:
    """A cell as the PDF and the pages print it."""
    if value is SUPPRESSED:
        return f"<{suppress_below}" if suppress_below else "—"
    if value is None:
        return NO_DATA if column.kind in ("percent", "number", "int") else ""
    if column.kind == "percent":
        return f"{Decimal(value):,}%"  # as exact as the value: 35.20%
    if column.kind == "number":
        return _decimal_text(Decimal(value))
    if column.kind == "int":
        return f"{int(value):,}"
    return str(value)


def cell_text(value, column: Column, suppress_below: int | None = None) -> str:
    return _plain(value, column, suppress_below)


def value_text(value, *, is_rate: bool, suppress_below: int | None = None) -> str:
    """A `selectors.Value` as every page and document prints it: "35.2%", "1,234", "无数据", "<10"."""
    cell = value_cell(value)
    return _plain(cell, Column("", "percent" if is_rate else "number"), suppress_below)


def value_cell(value):
    """A `selectors.Value` as a table cell: SUPPRESSED, None (no data) or its Decimal."""
    if value is None or not hasattr(value, "suppressed"):
        return None
    if value.suppressed:
        return SUPPRESSED
    return value.value


def _xlsx_value(value, column: Column, suppress_below: int | None):
    if value is SUPPRESSED or value is None:
        return _plain(value, column, suppress_below)
    if column.kind == "int":
        return int(value)
    if column.kind in ("number", "percent"):
        return Decimal(value)
    return str(value)


def _xlsx_format(value, column: Column) -> str | None:
    if column.kind == "int":
        return "#,##0"
    if column.kind in ("number", "percent") and isinstance(value, Decimal):
        digits = max(0, -value.as_tuple().exponent) if value != value.to_integral_value() else 0
        number = "#,##0" + ("." + "0" * digits if digits else "")
        return number + ('"%"' if column.kind == "percent" else "")
    return None


# ------------------------------------------------------------------------------------------------------ xlsx

HEADER_ROW = 4  # title, what it covers, the data date, then the headers


def _sheet_name(table: Table, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", table.key or table.title)[:28] or _("表")
    base, n = name, 2
    while name in used:
        name = f"{base[:26]}{n}"
        n += 1
    used.add(name)
    return name


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def document_xlsx(doc: Document) -> bytes:
    """One sheet per table: the document's title, what it covers and the data date above the headers (frozen),
    then the rows, numbers as numbers; "无数据" where a rate has no denominator; the notes below. Byte for byte
    the same workbook for the same document."""
    # openpyxl (through core.documents) is loaded when a workbook is written, not with every page
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = documents.workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    used: set[str] = set()
    for table in doc.tables:
        ws = wb.create_sheet(_sheet_name(table, used))
        last = get_column_letter(max(1, len(table.columns)))
        ws["A1"] = f"{doc.title}　{table.title}"
        ws["A1"].font = Font(name=FONT, size=14, bold=True)
        ws["A2"] = doc.subtitle
        ws["A2"].font = Font(name=FONT, size=10, color="444444")
        ws["A3"] = _("数据截至 %(day)s") % {"day": f"{doc.as_of:%Y-%m-%d}"}
        ws["A3"].font = Font(name=FONT, size=9, color="666666")
        for r in (1, 2, 3):
            ws.merge_cells(f"A{r}:{last}{r}")
        for i, column in enumerate(table.columns, start=1):
            cell = ws.cell(row=HEADER_ROW, column=i, value=column.label)
            cell.font = Font(name=FONT, bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            widest = max([_width(column.label)] + [_width(_plain(row[i - 1], column, doc.suppress_below))
                                                   for row in table.rows[:500]])
            ws.column_dimensions[get_column_letter(i)].width = column.width or min(48, max(8, widest + 2))
        for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
            for i, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
                cell = ws.cell(row=r, column=i, value=_xlsx_value(value, column, doc.suppress_below))
                cell.font = Font(name=FONT)
                cell.border = border
                number_format = _xlsx_format(cell.value, column)
                if number_format:
                    cell.number_format = number_format
                    cell.alignment = Alignment(horizontal="right")
                elif column.kind != "text":
                    cell.alignment = Alignment(horizontal="right")
        r = HEADER_ROW + len(table.rows) + 2
        for note in (*table.notes, *doc.notes):
            ws.cell(row=r, column=1, value=note).font = Font(name=FONT, size=9, color="555555")
            r += 1
        ws.cell(row=r, column=1, value=_("校验码 SHA-256 %(digest)s") % {"digest": doc.digest()}).font = Font(name=FONT, size=8,
                                                                                   color="888888")
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if len(table.columns) > 6 else ws.ORIENTATION_PORTRAIT
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if not doc.tables:
        wb.create_sheet(_("表"))["A1"] = doc.title
    stamp = datetime.datetime.combine(doc.as_of, datetime.time())
    wb.properties.creator = "learncity"
    wb.properties.title = doc.title
    wb.properties.created = stamp
    return _fixed_zip(documents.workbook_bytes(wb), stamp)


def _fixed_zip(data: bytes, stamp: datetime.datetime) -> bytes:
    """The workbook with its save time (docProps/core.xml) and the zip entries' times set to the data date, so
    the same document is the same file."""
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + when.encode() + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(max(1980, stamp.year), stamp.month, stamp.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------------- PDF


PDF_TEMPLATE = Path(__file__).resolve().parent / "templates" / "monitoring" / "report.typ"
PORTRAIT_COLUMNS = 8  # a table with more columns goes on landscape pages


def document_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF (Typst, monitoring/templates/monitoring/report.typ), a run of tables of more than
    PORTRAIT_COLUMNS columns on landscape pages. Nothing is fetched: the system's WenQuanYi Micro Hei or Noto Sans
    CJK SC sets the Chinese. The same document gives the same bytes."""
    runs: list[dict] = []
    for t in doc.tables:
        landscape = len(t.columns) > PORTRAIT_COLUMNS
        rows = [[_plain(v, c, doc.suppress_below) for v, c in zip(row, t.columns, strict=True)] for row in t.rows]
        table = {"title": t.title, "columns": [c.label for c in t.columns], "rows": rows, "notes": list(t.notes),
                 "nums": [i for i, c in enumerate(t.columns) if c.kind != "text"],
                 "widths": [_pdf_width(c.label, [r[i] for r in rows]) for i, c in enumerate(t.columns)]}
        if runs and runs[-1]["landscape"] == landscape:
            runs[-1]["tables"].append(table)
        else:
            runs.append({"landscape": landscape, "tables": [table]})
    data = {"title": doc.title, "subtitle": doc.subtitle, "digest": doc.digest(), "notes": list(doc.notes),
            "as_of": [doc.as_of.year, doc.as_of.month, doc.as_of.day], "as_of_text": f"{doc.as_of:%Y-%m-%d}",
            "as_of_cn": f"{doc.as_of.year}年{doc.as_of.month}月{doc.as_of.day}日", "runs": runs}
    return documents.pdf_render(PDF_TEMPLATE, data)


def _pdf_width(label: str, values: list[str]) -> float:
    """A column's share of the line in ems: its widest value (a Chinese character is 1, a digit or a Latin letter
    about 0.6), at most 24, the label up to 4 (it may wrap), and 1 for the cell's padding."""
    def ems(text: str) -> float:
        return sum(1 if ord(ch) > 0x2E80 else 0.6 for ch in text)

    return round(1 + max([min(ems(label), 4), 2] + [min(ems(v), 24) for v in values[:500]]), 2)


def safe_filename(*parts: str, ext: str) -> str:
    name = "-".join(str(p) for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name) + f".{ext}"


# ------------------------------------------------------------------------------------------- the documents
#
# Each builder asks the selectors (so the acting user's scope applies, exactly as on the pages) and lays the answer
# out in tables.


def _as_of(period) -> datetime.date:
    """The data date: the period's last day, or today while the period is running. The same choice on the same
    data gives the same document whenever it is made."""
    return min(period.end, timezone.localdate())


def _value_column(info, label: str) -> Column:
    return Column(label, "percent" if info.is_rate else "number")


def _indicator_label(info) -> str:
    return _("%(name)s（%(unit)s）") % {"name": info.name, "unit": info.unit} if info.unit else info.name


def _overview_table(overview, *, title: str, key: str | None = None) -> Table:
    columns = (Column(_("代码")), Column(_("指标")), Column(_("UNESCO 领域")), Column(_("单位")),
               Column(_("实际"), "number"), Column(_("目标"), "number"), Column(_("状态")), Column(_("上期"), "number"),
               Column(_("趋势")), Column(_("分子"), "number"), Column(_("分母"), "int"))
    trend = {"up": _("上升"), "down": _("下降"), "flat": _("持平"), None: ""}
    rows = tuple(
        (r.indicator.code, r.indicator.name, r.indicator.area_label, r.indicator.unit, value_cell(r.actual),
         r.target, r.status_label, value_cell(r.previous), trend.get(r.trend, ""),
         None if r.actual.suppressed else r.actual.numerator, r.actual.denominator)
        for r in overview.rows)
    return Table(title=title, key=key or _("总览"), columns=columns, rows=rows,
                 notes=(_("比率类指标的实际、目标和上期为百分数；分母为零或缺失时显示「无数据」。"),))


def _by_place_table(actor, overview, period, *, title: str, key: str) -> Table | None:
    """Rows: the place's children; columns: every indicator."""
    infos = [r.indicator for r in overview.rows]
    drills = selectors.indicators_by_children(actor=actor, place_id=overview.place.id, period=period)
    if not drills or not drills[0].children:
        return None
    places = [c.place for c in drills[0].children]
    cells = {(d.indicator.code, c.place.id): c.actual for d in drills for c in d.children}
    columns = (Column(_("区划代码")), Column(_("区划")), *[_value_column(i, _indicator_label(i)) for i in infos])
    rows = tuple((p.code, p.name, *[value_cell(cells.get((i.code, p.id))) for i in infos]) for p in places)
    return Table(title=title, key=key, columns=columns, rows=rows)


def _series_table(actor, overview, period, *, grain: str, title: str, key: str) -> Table:
    """Rows: the months (or quarters) of the period; columns: every indicator."""
    infos = [r.indicator for r in overview.rows]
    labels: list[tuple] = []
    cells: dict = {}
    for info, series in zip(infos, selectors.indicators_series(actor=actor, grain=grain, place_id=overview.place.id,
                                                                year=period.start.year), strict=True):
        for point in series.points:
            if point.period.start < period.start or point.period.end > period.end:
                continue
            if (point.period.key, point.period.label) not in labels:
                labels.append((point.period.key, point.period.label))
            cells[(info.code, point.period.key)] = point.value
    columns = (Column(_("期间")), *[_value_column(i, _indicator_label(i)) for i in infos])
    rows = tuple((label, *[value_cell(cells.get((i.code, k))) for i in infos]) for k, label in labels)
    return Table(title=title, key=key, columns=columns, rows=rows,
                 notes=(_("人数类指标按期间去重：各月人数之和可大于季度或全年人数。"),))


def _breakdown_table(actor, overview, period, *, by: str, title: str, key: str) -> Table | None:
    """Rows: the breakdown's groups (institution kinds, …); columns: the indicators that break down that way."""
    infos = [r.indicator for r in overview.rows if by in r.indicator.breakdowns]
    if not infos:
        return None
    labels: list[tuple[str, str]] = []
    cells: dict = {}
    for b in selectors.indicators_breakdown(actor=actor, by=by, place_id=overview.place.id, period=period):
        info = b.indicator
        for row in b.rows:
            if (row.key, row.label) not in labels:
                labels.append((row.key, row.label))
            cells[(info.code, row.key)] = row.value
    columns = (Column(_("分组")), *[_value_column(i, _indicator_label(i)) for i in infos])
    rows = tuple((label, *[value_cell(cells.get((i.code, k))) for i in infos]) for k, label in labels)
    return Table(title=title, key=key, columns=columns, rows=rows)


def _organisations_tables(actor, overview, period) -> list[Table]:
    """Learning organisations named by the end of the period, by the department (member unit) that recommended
    them and by their kind: the departments' and industries' share in building the learning city."""
    out = []
    for by, title, key, label in (("member_unit", _("四、分部门统计（学习型组织，按推荐的成员单位）"), _("分部门"),
                                   _("成员单位")),
                                  ("kind", _("五、学习型组织分类型统计"), _("组织类型"), _("类型"))):
        rows = selectors.learning_organisations_by(actor=actor, by=by, place_id=overview.place.id,
                                                   year=period.end.year)
        out.append(Table(title=title, key=key, columns=(Column(label), Column(_("学习型组织（个）"), "int")),
                         rows=tuple((r.label, int(r.value.value or 0)) for r in rows),
                         notes=(_("截至 %(year)s 年底已命名的学习型组织。") % {"year": period.end.year},)))
    return out


def _definitions_table(overview) -> Table:
    return Table(title=_("指标说明"), key=_("指标说明"), columns=(
        Column(_("代码")), Column(_("指标")), Column(_("UNESCO 领域")), Column(_("计数")), Column(_("版本"), "int"),
        Column(_("说明"))),
        rows=tuple((r.indicator.code, r.indicator.name, r.indicator.area_label, r.indicator.counts,
                    r.indicator.version, r.indicator.explanation) for r in overview.rows))


def _period_text(period) -> str:
    return _("%(label)s（%(start)s 至 %(end)s）") % {"label": period.label, "start": f"{period.start:%Y-%m-%d}",
                                                  "end": f"{period.end:%Y-%m-%d}"}


def overview_document(*, actor, place_id: int | None, period) -> Document:
    overview = selectors.monitoring_overview(actor=actor, place_id=place_id, period=period)
    return Document(title=_("终身学习城市监测总览"), scope=overview.place.name, period=_period_text(period),
                    as_of=_as_of(period), period_key=period.key,
                    tables=(_overview_table(overview, title=_("指标总览")),))


def drilldown_document(*, actor, code: str, place_id: int | None, period) -> Document:
    d = selectors.indicator_drilldown(actor=actor, code=code, place_id=place_id, period=period)
    return Document(title=d.indicator.name, scope=d.place.name, period=_period_text(period), as_of=_as_of(period),
                    period_key=period.key, tables=(_drilldown_table(d),))


def _drilldown_table(d, suppress: bool = False) -> Table:
    info = d.indicator
    columns = (Column(_("区划代码")), Column(_("区划")), _value_column(info, _actual(info)),
               _value_column(info, _("目标")), Column(_("达成率"), "percent"), Column(_("状态")),
               Column(_("分子"), "number"), Column(_("分母"), "int"))
    rows = []
    for r in [d.row, *d.children]:
        hidden = r.actual.suppressed
        reached = None
        if not hidden and r.actual.value is not None and r.target:
            reached = (Decimal(r.actual.value) / Decimal(r.target) * 100).quantize(Decimal("0.1"))
        rows.append((r.place.code, r.place.name, value_cell(r.actual), r.target, reached, r.status_label,
                     SUPPRESSED if hidden else r.actual.numerator, r.actual.denominator))
    return Table(title=_("%(indicator)s：%(place)s及下级区划") % {"indicator": info.name, "place": d.place.name},
                 key=_("分区域"), columns=columns, rows=tuple(rows),
                 notes=(info.explanation,) if info.explanation else ())


def series_document(*, actor, code: str, place_id: int | None, period, grain: str) -> Document:
    s = selectors.indicator_series(actor=actor, code=code, grain=grain, place_id=place_id, year=period.start.year)
    info = s.indicator
    columns = (Column(_("期间")), _value_column(info, _actual(info)), _value_column(info, _("目标")),
               Column(_("分子"), "number"), Column(_("分母"), "int"))
    rows = tuple((p.period.label, value_cell(p.value), p.target, p.value.numerator, p.value.denominator)
                 for p in s.points)
    grains = {"month": _("按月"), "quarter": _("按季度"), "year": _("按年")}
    return Document(title=_("%(indicator)s（%(what)s）") % {"indicator": info.name, "what": grains.get(grain, grain)},
                    scope=s.place.name, period=_period_text(period), as_of=_as_of(period),
                    period_key=f"{period.key}-{grain}",
                    tables=(Table(title=_("%(indicator)s：时间序列") % {"indicator": info.name}, key=_("时间序列"),
                                  columns=columns, rows=rows),))


def breakdown_document(*, actor, code: str, place_id: int | None, period, by: str) -> Document:
    b = selectors.indicator_breakdown(actor=actor, code=code, by=by, place_id=place_id, period=period)
    info = b.indicator
    columns = (Column(_("分组")), _value_column(info, _actual(info)), Column(_("分子"), "number"),
               Column(_("分母"), "int"))
    rows = tuple((r.label, value_cell(r.value), r.value.numerator, r.value.denominator) for r in b.rows)
    return Document(title=_("%(indicator)s（%(what)s）") % {"indicator": info.name, "what": _("分组")},
                    scope=b.place.name, period=_period_text(period), as_of=_as_of(period),
                    period_key=f"{period.key}-{by}",
                    tables=(Table(title=_("%(indicator)s：按%(by)s") % {"indicator": info.name,
                                                                        "by": _BY_LABELS.get(by, by)},
                                  key=_("分组"), columns=columns, rows=rows),))


_BY_LABELS = {"sex": gettext_lazy("性别"), "age_band": gettext_lazy("年龄段"), "group": gettext_lazy("群体"),
              "record_kind": gettext_lazy("记录类型"), "provider_kind": gettext_lazy("机构类型")}


def _actual(info) -> str:
    return _("实际（%(unit)s）") % {"unit": info.unit}


def quarterly_report(*, actor, place_id: int | None, period) -> Document:
    """The quarterly report (季度报告, Dazhou 2014) for any period and place the user may see: every indicator
    against its target with the previous period and the trend; the same by subordinate place; month by month;
    what each indicator counts (and its version, so a reader can tell which definition gave the numbers)."""
    overview = selectors.monitoring_overview(actor=actor, place_id=place_id, period=period)
    tables = [_overview_table(overview, title=_("一、主要指标完成情况"), key=_("主要指标"))]
    by_place = _by_place_table(actor, overview, period, title=_("二、分区域情况"), key=_("分区域"))
    if by_place:
        tables.append(by_place)
    if period.kind != "month":
        tables.append(_series_table(actor, overview, period, grain="month", title=_("三、逐月情况"), key=_("逐月")))
    tables.append(_definitions_table(overview))
    return Document(title=_("终身学习城市建设监测季度报告") if period.kind == "quarter" else _("终身学习城市建设监测报告"),
                    scope=overview.place.name, period=_period_text(period), as_of=_as_of(period),
                    period_key=period.key, tables=tuple(tables), notes=(_computed_note(),))


def _computed_note() -> str:
    return _("数据由 learncity 依据学习记录、学分银行和基础数据实时计算；同样的数据得到同样的数字（见校验码）。")


def annual_statistics(*, actor, place_id: int | None, period) -> Document:
    """The annual statistics (年度统计, Dazhou 2014): the year's indicators; by district (the place's children);
    by industry — the kinds of the institutions the learning took place at; by department — the learning
    organisations each member unit of the promotion committees recommended — and by kind of organisation; quarter
    by quarter."""
    overview = selectors.monitoring_overview(actor=actor, place_id=place_id, period=period)
    tables = [_overview_table(overview, title=_("一、年度指标"), key=_("年度指标"))]
    by_place = _by_place_table(actor, overview, period, title=_("二、分区域统计"), key=_("分区域"))
    if by_place:
        tables.append(by_place)
    by_kind = _breakdown_table(actor, overview, period, by="provider_kind",
                               title=_("三、分行业统计（学习发生的机构类型）"), key=_("分行业"))
    if by_kind:
        tables.append(by_kind)
    tables += _organisations_tables(actor, overview, period)
    if period.kind == "year":
        tables.append(_series_table(actor, overview, period, grain="quarter", title=_("六、分季度统计"),
                                    key=_("分季度")))
    tables.append(_definitions_table(overview))
    return Document(title=_("终身学习城市建设年度统计"), scope=overview.place.name, period=_period_text(period),
                    as_of=_as_of(period), period_key=period.key, tables=tuple(tables), notes=(_computed_note(),))
