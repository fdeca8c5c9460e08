"""The office's consolidated report of a reporting round: every unit's return (its state, when it was submitted,
whether late or extended, its numbers per field and table cell, its narrative), the totals across the units per
number field and table cell, and the monitoring figures for the round's period for the committee's place (read
through monitoring's selectors, the same figures its pages show).

Only the round's office reads it: a round the actor does not read is not found, a member unit's reporter who
reads the round (their unit was asked for a return) is refused. "Now" counts only in whether a return never
submitted is late (the deadline has passed: selectors/reports.py is_late, as the round's page marks it); otherwise
the documents made from it are the same bytes for the same data (governance/documents.py).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance.models import ReportReturn, ReportRound, ReturnAttachment, ReturnState
from learncity.governance.selectors.plans import governs
from learncity.governance.selectors.reports import is_late

# The returns whose figures the totals add up: submitted (waiting for the office) and accepted. A draft or a
# return sent back for changes is listed with its state but not counted.
COUNTED = (ReturnState.SUBMITTED, ReturnState.ACCEPTED)


@dataclass(frozen=True)
class NumberField:
    path: str  # "trained", or a table cell's "by_industry.manufacturing.staff"
    label: str
    unit: str
    decimals: int


@dataclass(frozen=True)
class TableField:
    key: str
    label: str
    rows: list[tuple[str, str]]  # (key, label)
    columns: list[NumberField]  # path is the column's key here


@dataclass(frozen=True)
class FormShape:
    """The form's fields in order, as the report lays them out."""

    numbers: list[NumberField]
    tables: list[TableField]
    texts: list[tuple[str, str]]  # (key, label)
    attachments: list[tuple[str, str]]


@dataclass
class UnitReturn:
    unit: str
    state: str
    state_label: str
    first_submitted_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    extended_until: datetime.datetime | None
    late: bool  # first submitted after the round's deadline
    counted: bool
    comment: str
    values: dict[str, Decimal | None]  # by number path (fields and table cells)
    texts: dict[str, str]
    files: dict[str, int]  # attachments by field


@dataclass
class Consolidation:
    round: ReportRound
    committee_name: str
    place_id: int
    form_title: str
    shape: FormShape
    units: list[UnitReturn]
    totals: dict[str, Decimal]  # by number path, over the counted returns
    counts: dict[str, int]  # returns by state, and "late", "extended"
    monitoring: list[dict] = field(default_factory=list)  # code, name, unit, value, numerator, denominator, target
    monitoring_period: str = ""
    as_of: datetime.datetime | None = None  # the newest change to the data shown (the documents' date)


def form_shape(schema: dict) -> FormShape:
    numbers, tables, texts, attachments = [], [], [], []
    for section in schema.get("sections", []):
        for f in section.get("fields", []):
            kind = f.get("type")
            if kind == "number":
                numbers.append(NumberField(f["key"], f.get("label", f["key"]), f.get("unit", ""),
                                           int(f.get("decimals", 0))))
            elif kind == "table":
                cols = [NumberField(c["key"], c.get("label", c["key"]), c.get("unit", ""), int(c.get("decimals", 0)))
                        for c in f.get("columns", [])]
                tables.append(TableField(f["key"], f.get("label", f["key"]),
                                         [(r["key"], r.get("label", r["key"])) for r in f.get("rows", [])], cols))
            elif kind == "text":
                texts.append((f["key"], f.get("label", f["key"])))
            elif kind == "attachments":
                attachments.append((f["key"], f.get("label", f["key"])))
    return FormShape(numbers, tables, texts, attachments)


def number_paths(shape: FormShape) -> list[str]:
    """Every number the form asks for, by path: its number fields, then each table's cells row by row."""
    paths = [n.path for n in shape.numbers]
    for t in shape.tables:
        paths += [f"{t.key}.{r}.{c.path}" for r, _label in t.rows for c in t.columns]
    return paths


def _decimal(data: dict, path: str) -> Decimal | None:
    value = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _round_for_office(actor, pk: int) -> ReportRound:
    rnd = (ReportRound.objects.restrict(actor).select_related("committee__place", "form")
           .filter(pk=pk).first())
    if rnd is None:
        raise NotFound()
    if not governs(actor=actor, committee=rnd.committee):
        raise PermissionDenied(gettext("汇总报告只对本轮报送的委员会办公室开放"))
    return rnd


def _unit_returns(actor, rnd: ReportRound, shape: FormShape) -> list[UnitReturn]:
    paths = number_paths(shape)
    files: dict[tuple[int, str], int] = {}
    for row in (ReturnAttachment.objects.restrict(actor).filter(report_return__round=rnd).order_by()
                .values_list("report_return_id", "field")):
        files[row] = files.get(row, 0) + 1
    returns = (ReportReturn.objects.restrict(actor).filter(round=rnd)
               .select_related("round", "member_unit", "committee"))
    now = timezone.now()
    out = []
    for r in returns:
        data = r.data or {}
        out.append(UnitReturn(
            unit=str(r.unit), state=r.state, state_label=str(r.get_state_display()),
            first_submitted_at=r.first_submitted_at, submitted_at=r.submitted_at, accepted_at=r.accepted_at,
            extended_until=r.extended_until,
            late=is_late(r, now),
            counted=r.state in COUNTED, comment=r.comment,
            values={p: _decimal(data, p) for p in paths},
            texts={k: str(data.get(k) or "") for k, _label in shape.texts},
            files={k: files.get((r.pk, k), 0) for k, _label in shape.attachments}))
    # committees first (a lower committee answers for its district), then member units, each by name
    out.sort(key=lambda u: u.unit)
    return out


def _monitoring(actor, rnd: ReportRound) -> tuple[str, list[dict]]:
    """The committee's place's indicator figures for the round's period, as monitoring's overview reads them."""
    from learncity.monitoring import selectors as monitoring
    from learncity.monitoring.periods import Period, period_of

    start, end = rnd.period_start, rnd.period_end
    period = next((p for p in (period_of(k, start) for k in ("month", "quarter", "year"))
                   if (p.start, p.end) == (start, end)), Period("custom", start, end))
    overview = monitoring.monitoring_overview(actor=actor, place_id=rnd.committee.place_id, period=period)
    rows = [{"code": row.indicator.code, "name": row.indicator.name, "unit": row.indicator.unit,
             "value": row.actual.value, "numerator": row.actual.numerator,
             "denominator": row.actual.denominator, "target": row.target} for row in overview.rows]
    return period.label, rows


def round_consolidation(*, actor, pk: int) -> Consolidation:
    """The round's consolidated report, for its office."""
    rnd = _round_for_office(actor, pk)
    shape = form_shape(rnd.form.schema)
    units = _unit_returns(actor, rnd, shape)
    totals: dict[str, Decimal] = {}
    for path in number_paths(shape):
        totals[path] = sum((u.values[path] for u in units if u.counted and u.values[path] is not None), Decimal(0))
    counts = {s: sum(1 for u in units if u.state == s) for s in ReturnState.values}
    counts |= {"late": sum(1 for u in units if u.late),
               "extended": sum(1 for u in units if u.extended_until is not None), "all": len(units)}
    stamps = [t for u in units for t in (u.submitted_at, u.accepted_at) if t is not None]
    label, figures = _monitoring(actor, rnd)
    return Consolidation(round=rnd, committee_name=rnd.committee.name, place_id=rnd.committee.place_id,
                         form_title=rnd.form.title, shape=shape, units=units, totals=totals, counts=counts,
                         monitoring=figures, monitoring_period=label, as_of=max(stamps, default=rnd.opened_at))
