"""The documents of the committee's year: a round's consolidated report (selectors.consolidation) as .docx
(core.documents.word) and as PDF (templates/governance/consolidation.typ through core.documents.pdf_render).

Both are laid out from one list of tables (`consolidation_layout`), every cell already the text it prints, so the
two say the same. Nothing in them is "now": the date printed is the newest submission or acceptance of the data,
so the same data gives the same bytes, twice or a year later.
"""

import datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext

from learncity.core import documents
from learncity.governance.selectors.consolidation import Consolidation, NumberField

PDF_TEMPLATE = Path(__file__).resolve().parent / "templates" / "governance" / "consolidation.typ"


def _number(value: Decimal | None, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-decimals)):,.{decimals}f}"


def _time(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _label(n: NumberField) -> str:
    return f"{n.label} ({n.unit})" if n.unit else n.label


def _table(title: str, columns: list[str], rows: list[list[str]], nums: list[int], notes: list[str] = (), *,
           level: int = 1) -> dict:
    """A table of the report: its heading (level 1, or 2 under the one before), header, rows of text, the
    columns that are numbers (right-aligned) and notes under it."""
    widths = [3] + [1] * (len(columns) - 1) if len(columns) > 2 else [1] * len(columns)
    return {"title": title, "level": level, "columns": columns, "rows": rows, "nums": nums, "notes": list(notes),
            "widths": widths}


def _status_table(c: Consolidation) -> dict:
    rows = [[u.unit, u.state_label, _time(u.first_submitted_at), _time(u.submitted_at), _time(u.accepted_at),
             gettext("是") if u.late else "", _time(u.extended_until) if u.extended_until else ""] for u in c.units]
    return _table(gettext("一、报送情况"), [gettext("单位"), gettext("状态"), gettext("首次报送"), gettext("最近报送"),
                                        gettext("采纳时间"), gettext("逾期"), gettext("延期至")], rows, [])


def _totals_table(c: Consolidation) -> dict:
    counted = sum(1 for u in c.units if u.counted)
    rows = [[n.label, n.unit, _number(c.totals[n.path], n.decimals)] for n in c.shape.numbers]
    note = gettext("合计只计已报送和已采纳的报表（%(n)s 份）；未报送和退回修改的不计。") % {"n": counted}
    return _table(gettext("二、数字汇总"), [gettext("项目"), gettext("计量单位"), gettext("合计")], rows, [2], [note])


def _table_totals(c: Consolidation) -> list[dict]:
    out = []
    for t in c.shape.tables:
        rows = [[label] + [_number(c.totals[f"{t.key}.{r}.{col.path}"], col.decimals) for col in t.columns]
                for r, label in t.rows]
        rows.append([gettext("合计")] + [_number(sum((c.totals[f"{t.key}.{r}.{col.path}"] for r, _label in t.rows),
                                                   Decimal(0)), col.decimals) for col in t.columns])
        out.append(_table(gettext("%(table)s（各单位合计）") % {"table": t.label}, [gettext("项目")] +
                          [_label(col) for col in t.columns], rows, list(range(1, len(t.columns) + 1)), level=2))
    return out


def _unit_numbers(c: Consolidation) -> list[dict]:
    out = []
    if c.shape.numbers:
        rows = [[u.unit] + [_number(u.values[n.path], n.decimals) for n in c.shape.numbers] for u in c.units]
        rows.append([gettext("合计")] + [_number(c.totals[n.path], n.decimals) for n in c.shape.numbers])
        out.append(_table(gettext("三、各单位数字"), [gettext("单位")] + [_label(n) for n in c.shape.numbers], rows,
                          list(range(1, len(c.shape.numbers) + 1))))
    for t in c.shape.tables:
        for col in t.columns:
            paths = [f"{t.key}.{r}.{col.path}" for r, _label in t.rows]
            rows = [[u.unit] + [_number(u.values[p], col.decimals) for p in paths] for u in c.units]
            rows.append([gettext("合计")] + [_number(c.totals[p], col.decimals) for p in paths])
            out.append(_table(f"{t.label}: {_label(col)}", [gettext("单位")] + [label for _r, label in t.rows], rows,
                              list(range(1, len(t.rows) + 1)), level=2 if c.shape.numbers else 1))
    return out


def _value(row: dict, key: str) -> str:
    value = row[key]
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")


def _monitoring_table(c: Consolidation) -> dict:
    rows = [[f"{r['name']} ({r['code']})", r["unit"], _value(r, "value"), _value(r, "numerator"),
             _value(r, "denominator"), _value(r, "target")] for r in c.monitoring]
    note = gettext("%(place)s %(period)s 的监测数字，与监测看板所示相同。") % {
        "place": c.committee_name, "period": c.monitoring_period}
    return _table(gettext("四、监测数字"), [gettext("指标"), gettext("计量单位"), gettext("实际值"), gettext("分子"),
                                        gettext("分母"), gettext("目标值")], rows, [2, 3, 4, 5], [note])


def consolidation_layout(c: Consolidation) -> dict:
    """The report as data: its title, subtitle, date and tables, then each unit's narrative."""
    rnd = c.round
    counts = c.counts
    summary = gettext("应报 %(all)s 家：已采纳 %(accepted)s，已报送待审 %(submitted)s，退回修改 %(returned)s，"
                      "未报送 %(draft)s；逾期报送 %(late)s，经批准延期 %(extended)s。") % counts
    tables = [_status_table(c), _totals_table(c), *_table_totals(c), *_unit_numbers(c), _monitoring_table(c)]
    texts = [{"unit": u.unit, "items": [{"label": label, "text": u.texts[key] or "—"} for key, label in c.shape.texts]}
             for u in c.units if u.counted]
    as_of = timezone.localtime(c.as_of) if c.as_of else None
    return {
        "title": gettext("%(committee)s %(round)s 报表汇总") % {"committee": c.committee_name, "round": rnd.title},
        "subtitle": gettext("%(form)s 统计期 %(start)s 至 %(end)s，截止 %(deadline)s") % {
            "form": c.form_title, "start": rnd.period_start.isoformat(), "end": rnd.period_end.isoformat(),
            "deadline": _time(rnd.deadline)},
        "summary": summary,
        "as_of": [as_of.year, as_of.month, as_of.day] if as_of else [2000, 1, 1],
        "as_of_text": _time(c.as_of),
        "tables": tables,
        "texts_title": gettext("五、情况说明"),
        "texts": texts,
        "data_as_of": gettext("数据截至"),
        "page": gettext("页"),
    }


def consolidation_docx(c: Consolidation) -> bytes:
    layout = consolidation_layout(c)
    doc = documents.word_document(title=layout["title"])
    blocks: list[tuple] = [("paragraph", layout["subtitle"], False),
                           ("paragraph", f"{layout['data_as_of']} {layout['as_of_text']}", False),
                           ("paragraph", layout["summary"], False)]
    for t in layout["tables"]:
        blocks += [("heading", t["title"], t["level"]), ("table", t["columns"], t["rows"])]
        blocks += [("paragraph", note, False) for note in t["notes"]]
    blocks.append(("heading", layout["texts_title"], 1))
    for unit in layout["texts"]:
        blocks.append(("heading", unit["unit"], 2))
        for item in unit["items"]:
            blocks += [("paragraph", item["label"], True), ("paragraph", item["text"], False)]
    doc.blocks(blocks)  # one piece of XML: thousands of cells through python-docx's calls would take seconds
    return documents.docx_bytes(doc)


def consolidation_pdf(c: Consolidation) -> bytes:
    return documents.pdf_render(PDF_TEMPLATE, consolidation_layout(c))


def consolidation_filename(c: Consolidation, ext: str) -> str:
    return f"{c.committee_name}-{c.round.title}-{gettext('汇总')}.{ext}"
