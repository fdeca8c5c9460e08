"""Every write of monitoring: indicator versions and publication, targets (by hand or from a spreadsheet).
Atomic, audited."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import CellError, DomainError, FileRejected, NotFound, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.core.tabular import check_headers, read_table
from learncity.places.models import Place

from .inputs import spec_validate
from .models import Indicator, IndicatorVersion, IndicatorVersionStatus, Target, TargetSource
from .periods import Period, period_parse
from .tasks import rollups_refresh_enqueue

MAX_TARGET = Decimal("999999999999.99")


def may_set_targets(actor, place: Place) -> bool:
    """Those who set targets, for the places they change, but not at the root of a subtree granted below city
    level: a district's targets are set by the city, so a district cannot move its own goalposts."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    if not scope.may(Capability.SET_TARGETS) or not scope.can_change_place(place.path):
        return False
    return scope.may(Capability.SET_OWN_TARGETS) or place.path not in scope.change.place_paths


def _require_defines_indicators(actor) -> None:
    if not scope_for(actor).may(Capability.DEFINE_INDICATORS):
        raise PermissionDenied(gettext("只有市级管理员可以修改指标定义"))


def _indicator(actor, code: str, action: Action = Action.VIEW) -> Indicator:
    found = Indicator.objects.restrict(actor, action).filter(code=(code or "").strip()).first()
    if found is None:
        raise DomainError({"indicator": gettext("未知的指标代码「%(code)s」") % {"code": code}})
    return found


def _active_spec(indicator: Indicator):
    version = indicator.versions.filter(status=IndicatorVersionStatus.ACTIVE).first()
    if version is None:
        raise DomainError({"indicator": gettext("指标「%(code)s」没有现行的计算口径") % {"code": indicator.code}})
    return spec_validate(version.spec)


def target_value_check(indicator: Indicator, value) -> Decimal:
    """The target as a Decimal, or a DomainError saying what is wrong with it."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError({"value": gettext("请填写目标值")})
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise DomainError({"value": gettext("目标值「%(value)s」不是数字") % {"value": value}}) from None
    if not number.is_finite():
        raise DomainError({"value": gettext("目标值「%(value)s」不是数字") % {"value": value}})
    if number < 0:
        raise DomainError({"value": gettext("目标值不能为负数（%(number)s）") % {"number": number}})
    spec = _active_spec(indicator)
    if spec.is_rate and number > 100:
        raise DomainError({"value": gettext("「%(name)s」是比率，目标值须在 0–100%% 之间，不能是 %(number)s%%") % {"name": indicator.name, "number": number}})
    if number > MAX_TARGET:
        raise DomainError({"value": gettext("目标值 %(number)s 太大") % {"number": number}})
    if number != number.quantize(Decimal("0.01")):
        raise DomainError({"value": gettext("目标值最多保留两位小数（%(number)s）") % {"number": number}})
    return number


def _write_target(*, actor, indicator: Indicator, place: Place, period: Period, value: Decimal,
                  source: str) -> Target:
    target, _ = Target.objects.restrict(actor, Action.CHANGE).update_or_create(
        indicator=indicator, place=place, period_start=period.start, period_end=period.end,
        defaults={"period_kind": period.kind, "value": value, "source": source,
                  "set_by": actor if getattr(actor, "is_authenticated", False) else None})
    return target


def target_set(*, actor, code: str, place_id: int, period: Period | str, value,
               source: str = TargetSource.MANUAL) -> Target:
    """Set (or change) the target of an indicator for a place and period."""
    indicator = _indicator(actor, code)
    place = Place.objects.restrict(actor, Action.BROWSE).filter(pk=place_id).first()  # then: may they set it
    if place is None:
        raise NotFound(gettext("未找到该区划"))
    if not may_set_targets(actor, place):
        raise PermissionDenied(gettext("只有市级管理员（区县管理员只能为本区县以下的区划）可以设定目标"))
    if not isinstance(period, Period):
        period = period_parse(period)
    number = target_value_check(indicator, value)
    with transaction.atomic():
        target = _write_target(actor=actor, indicator=indicator, place=place, period=period, value=number,
                               source=source)
        bump("monitoring")  # the cached monitoring pages show targets and indicators
        audit_record(actor=actor, action="monitoring.target.set", obj=target, indicator=indicator.code,
                     place=place.code, period=period.key, value=str(number))
    return target


def target_delete(*, actor, target_id: int) -> None:
    target = Target.objects.restrict(actor, Action.VIEW).select_related("place", "indicator").filter(pk=target_id).first()
    if target is None:
        raise NotFound(gettext("未找到该目标"))
    if not may_set_targets(actor, target.place):
        raise PermissionDenied(gettext("只有市级管理员（区县管理员只能为本区县以下的区划）可以删除目标"))
    with transaction.atomic():
        bump("monitoring")  # the cached monitoring pages show targets and indicators
        audit_record(actor=actor, action="monitoring.target.delete", obj=target, indicator=target.indicator.code,
                     place=target.place.code, value=str(target.value))
        target.delete()


TARGET_COLUMNS = {
    "indicator": ("指标代码", "indicator"),
    "place": ("区划代码", "place"),
    "period": ("期间", "period"),
    "value": ("目标值", "value"),
}


def targets_import(*, actor, data: bytes, filename: str) -> int:
    """Targets from a spreadsheet (xlsx or CSV): 指标代码 | 区划代码 | 期间 | 目标值. All rows or none; every error
    named with its row and column."""
    table = read_table(data, filename)
    sheet = _TargetSheet(actor, table, check_headers(table, required=TARGET_COLUMNS))
    parsed = sheet.rows()
    if sheet.errors:
        raise FileRejected(gettext("%(errors)s 处错误，未导入任何目标。") % {"errors": len(sheet.errors)}, sheet.errors,
                           encoding=table.encoding)
    if not parsed:
        raise FileRejected(gettext("文件中没有目标数据。"))
    with transaction.atomic():
        for indicator, place, period, number in parsed:
            _write_target(actor=actor, indicator=indicator, place=place, period=period, value=number,
                          source=TargetSource.IMPORT)
        bump("monitoring")  # the cached monitoring pages show targets and indicators
        audit_record(actor=actor, action="monitoring.target.import", object_type="monitoring.target",
                     rows=len(parsed), filename=filename)
    return len(parsed)


class _TargetSheet:
    """A targets sheet read row by row: each row's indicator, place, period and value checked, every error kept
    with its row and column (`errors`)."""

    def __init__(self, actor, table, cols: dict):
        self.actor, self.table, self.cols = actor, table, cols
        self.errors: list[CellError] = []
        self.indicators = {i.code: i for i in Indicator.objects.restrict(actor, Action.VIEW)}
        self.places = {p.code: p for p in Place.objects.restrict(actor, Action.BROWSE).filter(
            code__in={self.cell(c, "place") for _, c in table.rows})}

    def cell(self, cells, key) -> str:
        i = self.cols[key]
        v = cells[i] if i < len(cells) else None
        return "" if v is None else str(v).strip()

    def error(self, row: int, key: str, message: str) -> None:
        self.errors.append(CellError(row, self.table.headers[self.cols[key]], message))

    def rows(self) -> list[tuple]:
        parsed, seen = [], set()
        for row, cells in self.table.rows:
            bad = len(self.errors)
            found = self.row(row, cells)
            if len(self.errors) > bad:
                continue
            indicator, place, period, _number = found
            key = (indicator.code, place.code, period.start, period.end)
            if key in seen:
                self.error(row, "period", gettext("同一指标、区划和期间在文件中重复"))
                continue
            seen.add(key)
            parsed.append(found)
        return parsed

    def row(self, row: int, cells) -> tuple:
        code, place_code, period_key = self.cell(cells, "indicator"), self.cell(cells, "place"), self.cell(cells, "period")
        if period_key.endswith(".0"):  # a year typed as a number
            period_key = period_key[:-2]
        indicator = self.indicators.get(code)
        if indicator is None:
            self.error(row, "indicator", gettext("未知的指标代码「%(code)s」") % {"code": code})
        place = self.places.get(place_code)
        if place is None:
            self.error(row, "place", gettext("未知的区划代码「%(place_code)s」") % {"place_code": place_code})
        elif not may_set_targets(self.actor, place):
            self.error(row, "place", gettext("您无权修改「%(name)s」的目标") % {"name": place.name})
        period = number = None
        try:
            period = period_parse(period_key)
        except DomainError as exc:
            self.error(row, "period", " ".join(exc.errors["period"]))
        if indicator is not None:
            raw = cells[self.cols["value"]] if self.cols["value"] < len(cells) else None
            try:
                number = target_value_check(indicator, raw)
            except DomainError as exc:
                self.error(row, "value", " ".join(exc.errors["value"]))
        return indicator, place, period, number


def indicator_version_create(*, actor, code: str, spec: dict) -> IndicatorVersion:
    """A new version of an indicator's formula; the active one is superseded (kept)."""
    _require_defines_indicators(actor)
    indicator = _indicator(actor, code, Action.CHANGE)
    checked = spec_validate(spec)
    current = _active_spec(indicator)
    if checked.is_rate != current.is_rate:
        # targets are stored in the indicator's unit; a rate cannot become a count under the same code
        raise DomainError({"spec.denominator": gettext("新版本不能改变指标是否为比率（目标值的单位会随之改变）；请新建指标")})
    with transaction.atomic():
        old = indicator.versions.select_for_update().filter(status=IndicatorVersionStatus.ACTIVE).first()
        number = (indicator.versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        if old is not None:
            old.status = IndicatorVersionStatus.SUPERSEDED
            old.save(update_fields=["status"])
        version = IndicatorVersion.objects.create(
            indicator=indicator, version=number, spec=spec, status=IndicatorVersionStatus.ACTIVE,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        rollups_refresh_enqueue()  # the new formula's measure is counted by the next background refresh
        bump("monitoring")  # the cached monitoring pages show targets and indicators
        audit_record(actor=actor, action="monitoring.indicator.version", obj=indicator, version=number, spec=spec)
    return version


def indicator_publish(*, actor, code: str, published: bool) -> Indicator:
    _require_defines_indicators(actor)
    indicator = _indicator(actor, code, Action.CHANGE)
    with transaction.atomic():
        indicator.published = bool(published)
        indicator.save(update_fields=["published"])
        bump("monitoring")  # the cached monitoring pages show targets and indicators
        audit_record(actor=actor, action="monitoring.indicator.publish", obj=indicator, published=bool(published))
    return indicator


def reported_figure_record(*, actor, code: str, place: Place, start, end, numerator: Decimal,
                           denominator: Decimal | None, source: str, reporter: str):
    """Record (or replace) the figure a unit reported for an indicator, place and period, keyed by its source
    (the return it came from). Called by the domain that accepted the report (governance's feeds), which has
    checked who may; the figure is kept beside the rollups' counts, shown on the indicator's page."""
    from .models import ReportedFigure

    indicator = Indicator.objects.unscoped("a reported figure names its indicator by code").filter(code=code).first()
    if indicator is None:
        raise NotFound(gettext("未找到指标 %(code)s") % {"code": code})
    errors = {}
    if numerator is None or numerator < 0:
        errors["numerator"] = gettext("%(code)s 的分子须为不小于 0 的数") % {"code": code}
    if denominator is not None and denominator <= 0:
        errors["denominator"] = gettext("%(code)s 的分母须大于 0") % {"code": code}
    if end < start:
        errors["period"] = gettext("期间的结束日期早于开始日期")
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        figure, _ = ReportedFigure.objects.unscoped("the accepting domain checked who may").update_or_create(
            indicator=indicator, source=source,
            defaults={"place": place, "period_start": start, "period_end": end, "numerator": numerator,
                      "denominator": denominator, "reporter": reporter[:128],
                      "recorded_by": actor if getattr(actor, "is_authenticated", False) else None})
        bump("monitoring")
        audit_record(actor=actor, action="monitoring.reported_figure.record", obj=figure, indicator=code,
                     place=place.code, start=start.isoformat(), end=end.isoformat(), numerator=str(numerator),
                     denominator=str(denominator) if denominator is not None else None, source=source)
    return figure
