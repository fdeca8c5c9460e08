"""The monitoring pages under /monitor/:

- ""                      where the city (or the district) stands: every indicator, actual against target, status
                          and trend, grouped by UNESCO area, and a chart of attainment;
- i/<code>/               one indicator: its plain-words explanation; drill-down city → district → street →
                          community with the places coloured by attainment; the time series by month, quarter or
                          year; breakdowns by sex, age band, group, record kind and provider kind (HTMX partials);
- export/<what>.<fmt>     any chart's table (and the overview) as xlsx or PDF;
- reports/                the quarterly report and the annual statistics for a chosen period and place;
- targets/                the targets: set one, remove one, import a spreadsheet (city administrators; district
                          administrators within their district);
- public/                 the public learning-city dashboard: published indicators, no personal data, small cells
                          suppressed; no sign-in.

Every chart has its table beside it (the chart is drawn from the same rows by static/monitoring/charts.js).
Reads go through `selectors`, writes through `services`, documents through `reports`; the pages parse the query,
show, and present the services' errors.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core import documents, uploads  # documents loads openpyxl only when a workbook is written
from learncity.core.cache import fragment
from learncity.core.errors import DomainError, FileRejected, NotFound, PermissionDenied
from learncity.core.forms import add_domain_errors, flash_domain_errors, upload_refused
from learncity.core.htmx import render_page
from learncity.core.page_cache import public_page
from learncity.core.scopes import Capability, scope_for
from learncity.monitoring import reports, selectors, services
from learncity.monitoring.periods import Period, period_default, period_of, period_parse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "pdf": "application/pdf"}
BREAKDOWN_LABELS = {
    "sex": gettext_lazy("性别"), "age_band": gettext_lazy("年龄段"), "group": gettext_lazy("群体"),
    "record_kind": gettext_lazy("记录类型"), "provider_kind": gettext_lazy("机构类型"),
}
GRAIN_LABELS = {"month": gettext_lazy("按月"), "quarter": gettext_lazy("按季度"), "year": gettext_lazy("按年")}
STATUS_CLASS = {"met": "ok", "on_track": "track", "behind": "bad", None: "none"}
TREND_SIGN = {"up": "↑", "down": "↓", "flat": "→", None: ""}


# --- the query: which place, which period --------------------------------------------------------------------


def _int_or_none(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise DomainError({name: _("「%(v)s」不是有效的编号") % {"v": value}}) from None


def _period(request) -> Period:
    key = request.GET.get("period", "")
    return period_parse(key) if key else period_default()


def _place_id(request) -> int | None:
    return _int_or_none(request.GET.get("place"), "place")


def period_choices(current: Period) -> list[tuple[str, str]]:
    """The periods offered in the picker: this year and last, their quarters, the months of this year — and the
    one being shown, whatever it is."""
    today = timezone.localdate()
    choices: list[Period] = []
    for year in (today.year, today.year - 1):
        y = period_of("year", datetime.date(year, 1, 1))
        choices.append(y)
        choices += [period_of("quarter", datetime.date(year, m, 1)) for m in (1, 4, 7, 10)]
    choices += [period_of("month", datetime.date(today.year, m, 1)) for m in range(1, 13)]
    seen, out = set(), []
    for p in [current, *choices]:
        if p.key not in seen:
            seen.add(p.key)
            out.append((p.key, p.label))
    return out


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _common(request, period: Period, place_id: int | None) -> dict:
    return {"period": period, "periods": period_choices(period), "place_id": place_id,
            "status_class": STATUS_CLASS, "trend_sign": TREND_SIGN}


def _cached(kind: str, *key, build):
    """The non-personal part of a signed-in page (figures of a place and period, with how fresh they are), cached
    until the next rollup refresh, target or indicator change (the "monitoring" version) and per language."""
    return fragment((f"monitor-{kind}", *key, get_language()), ("monitoring",),
                    lambda: (build(), selectors.figures_freshness()))


def _attainment(value, target):
    """actual ÷ target in percent (for colouring places), None without both."""
    if value is None or target in (None, 0):
        return None
    return round(float(value) / float(target) * 100, 1)


ATTAINMENT_CAP = 200  # the attainment chart draws a bar at most this long; its label says the real figure


def _attainment_bar(name: str, attainment, status) -> dict:
    """One bar of the attainment chart: drawn up to ATTAINMENT_CAP %, labelled with the real attainment (a target
    exceeded fourteenfold is not a bar fourteen times the chart's width)."""
    bar = {"name": name, "value": attainment, "status": status or ""}
    if attainment is not None and attainment > ATTAINMENT_CAP:
        bar.update(value=ATTAINMENT_CAP, label=f"{attainment:,.0f}%")
    return bar


def _download(body: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _document_response(doc: reports.Document, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise NotFound(_("不支持的格式「%(f)s」：请选择 xlsx 或 pdf") % {"f": fmt})
    body = reports.document_xlsx(doc) if fmt == "xlsx" else reports.document_pdf(doc)
    return _download(body, fmt, reports.safe_filename(doc.title, doc.scope, doc.period_key, ext=fmt))


def _chart_rows(rows) -> list[dict]:
    """The drill-down rows as the chart draws them (name, value, target, status)."""
    return [{"name": r.place.name, "value": None if r.actual.value is None else float(r.actual.value),
             "target": None if r.target is None else float(r.target), "status": r.status or "",
             "attainment": _attainment(r.actual.value, r.target)} for r in rows]


# --- the overview --------------------------------------------------------------------------------------------------


@login_required
def overview(request):
    """The opening page: every indicator for the place and period, actual against target."""
    period, place_id = _period(request), _place_id(request)
    places = selectors.monitoring_places(actor=request.user, also=place_id)  # the user's top place and its children
    place = selectors.monitoring_place(actor=request.user, place_id=place_id)  # refused here if not theirs
    data, freshness = _cached("overview", place.id, period.key, build=lambda: selectors.monitoring_overview(
        actor=request.user, place_id=place.id, period=period))
    grouped: dict[str, list] = {}  # by UNESCO area group, in the order the indicators first name them
    for row in data.rows:
        grouped.setdefault(str(row.indicator.area_group_label), []).append(row)
    groups = list(grouped.items())
    chart = [_attainment_bar(r.indicator.name, _attainment(r.actual.value, r.target), r.status)
             for r in data.rows if r.target is not None]
    if data.place.id not in {p.id for p in places}:
        places.append(data.place)
    return render_page(request, "monitoring/overview.html", {
        **_common(request, period, data.place.id), "data": data, "groups": groups, "chart": chart, "places": places,
        "query": _query(place=place_id, period=period.key), "freshness": freshness,
    })


# --- one indicator ------------------------------------------------------------------------------------------------


@login_required
def indicator(request, code: str):
    period, place_id = _period(request), _place_id(request)
    grain, by = request.GET.get("grain", "month"), request.GET.get("by", "")
    if grain not in GRAIN_LABELS:
        raise DomainError({"grain": _("「%(g)s」不是可选的时间粒度（按月、按季度、按年）") % {"g": grain}})
    selectors.monitoring_places(actor=request.user, also=place_id)  # the user's top place and this one: one query
    place = selectors.monitoring_place(actor=request.user, place_id=place_id)
    home = selectors.monitoring_home_place(actor=request.user)  # the breadcrumb starts there
    page, freshness = _cached("indicator", code, home.id, place.id, period.key, grain, by,
                              build=lambda: selectors.indicator_page(actor=request.user, code=code, place_id=place.id,
                                                                     period=period, grain=grain, by=by))
    drill = page.drill
    context = {
        **_common(request, period, drill.place.id), "drill": drill, "info": drill.indicator,
        "children_chart": _chart_rows(drill.children), "freshness": freshness,
        "query": _query(place=drill.place.id, period=period.key),
        "breakdowns": [(b, BREAKDOWN_LABELS.get(b, b)) for b in drill.indicator.breakdowns], "grains": GRAIN_LABELS,
    }
    context.update(_series_shown(page.series, drill.place.id, period, grain))
    if page.breakdown is not None:
        context.update(_breakdown_shown(page.breakdown, drill.place.id, period))
    return render_page(request, "monitoring/indicator.html", context)


def _series_context(request, code: str, place_id: int, period: Period, grain: str) -> dict:
    if grain not in GRAIN_LABELS:
        raise DomainError({"grain": _("「%(g)s」不是可选的时间粒度（按月、按季度、按年）") % {"g": grain}})
    series = selectors.indicator_series(actor=request.user, code=code, grain=grain, place_id=place_id,
                                        year=period.start.year)
    return _series_shown(series, place_id, period, grain)


def _series_shown(series, place_id: int, period: Period, grain: str) -> dict:
    chart = [{"name": p.period.label, "value": None if p.value.value is None else float(p.value.value),
              "target": None if p.target is None else float(p.target)} for p in series.points]
    return {"series": series, "grain": grain, "series_chart": chart,
            "series_query": _query(place=place_id, period=period.key, grain=grain)}


def _breakdown_context(request, code: str, place_id: int, period: Period, by: str) -> dict:
    breakdown = selectors.indicator_breakdown(actor=request.user, code=code, by=by, place_id=place_id, period=period)
    return _breakdown_shown(breakdown, place_id, period)


def _breakdown_shown(breakdown, place_id: int, period: Period) -> dict:
    chart = [{"name": r.label, "value": None if r.value.value is None else float(r.value.value)}
             for r in breakdown.rows]
    return {"breakdown": breakdown, "by": breakdown.by, "breakdown_chart": chart,
            "breakdown_query": _query(place=place_id, period=period.key, by=breakdown.by)}


@login_required
def indicator_series(request, code: str):
    """HTMX: the time-series card at another grain (without HTMX: the indicator's page at that grain)."""
    if not request.htmx:
        return redirect(f"{reverse('monitoring:indicator', args=[code])}?{request.GET.urlencode()}")
    period, place_id = _period(request), _place_id(request)
    info, _spec = selectors.indicator_get(actor=request.user, code=code)
    context = {**_common(request, period, place_id), "info": info, "grains": GRAIN_LABELS,
               "query": _query(place=place_id, period=period.key)}
    context.update(_series_context(request, code, place_id, period, request.GET.get("grain", "month")))
    return render_page(request, "monitoring/indicator.html", context, partial="series")


@login_required
def indicator_breakdown(request, code: str):
    """HTMX: the breakdown card by another dimension (without HTMX: the indicator's page by it)."""
    if not request.htmx:
        return redirect(f"{reverse('monitoring:indicator', args=[code])}?{request.GET.urlencode()}")
    period, place_id = _period(request), _place_id(request)
    info, _spec = selectors.indicator_get(actor=request.user, code=code)
    context = {**_common(request, period, place_id), "info": info,
               "breakdowns": [(b, BREAKDOWN_LABELS.get(b, b)) for b in info.breakdowns],
               "query": _query(place=place_id, period=period.key)}
    context.update(_breakdown_context(request, code, place_id, period, request.GET.get("by", "")))
    return render_page(request, "monitoring/indicator.html", context, partial="breakdown")


@login_required
def indicator_reported(request, code: str):
    """HTMX: the figures member units reported for the indicator (governance's annual statistics), loaded after
    the indicator's page so that page keeps its query budget (without HTMX: the indicator's page)."""
    if not request.htmx:
        return redirect(f"{reverse('monitoring:indicator', args=[code])}?{request.GET.urlencode()}")
    period, place_id = _period(request), _place_id(request)
    info, _spec = selectors.indicator_get(actor=request.user, code=code)
    reported = selectors.reported_figures(actor=request.user, code=info.code, period=period, place_id=place_id)
    return render_page(request, "monitoring/indicator.html", {"info": info, "reported": reported},
                       partial="reported")


# --- exports: every chart's table ---------------------------------------------------------------------------------


@login_required
def export(request, what: str, fmt: str):
    """The overview, or one indicator's drill-down, series or breakdown, as xlsx or PDF — the rows the page shows."""
    if fmt not in CONTENT_TYPES:
        raise NotFound(_("不支持的格式「%(f)s」：请选择 xlsx 或 pdf") % {"f": fmt})
    period, place_id = _period(request), _place_id(request)
    code = request.GET.get("indicator", "")
    if what == "overview":
        doc = reports.overview_document(actor=request.user, place_id=place_id, period=period)
    elif what == "drilldown":
        doc = reports.drilldown_document(actor=request.user, code=code, place_id=place_id, period=period)
    elif what == "series":
        doc = reports.series_document(actor=request.user, code=code, place_id=place_id, period=period,
                                      grain=request.GET.get("grain", "month"))
    elif what == "breakdown":
        doc = reports.breakdown_document(actor=request.user, code=code, place_id=place_id, period=period,
                                         by=request.GET.get("by", ""))
    else:
        raise NotFound(_("没有可导出的「%(w)s」") % {"w": what})
    return _document_response(doc, fmt)


# --- reports --------------------------------------------------------------------------------------------------------


REPORT_KINDS = {"quarterly": gettext_lazy("季度报告"), "annual": gettext_lazy("年度统计")}


@login_required
def reports_page(request):
    """Choose a report, a period and a place; download it as xlsx or PDF."""
    today = timezone.localdate()
    home = selectors.monitoring_home_place(actor=request.user)
    kind = request.GET.get("kind", "quarterly")
    fmt = request.GET.get("format")
    default = period_of("quarter" if kind == "quarterly" else "year", today)
    period = period_parse(request.GET["period"]) if request.GET.get("period") else default
    place_id = _place_id(request) or home.id
    if fmt:
        if kind not in REPORT_KINDS:
            raise DomainError({"kind": _("「%(k)s」不是可选的报告") % {"k": kind}})
        build = reports.quarterly_report if kind == "quarterly" else reports.annual_statistics
        return _document_response(build(actor=request.user, place_id=place_id, period=period), fmt)
    places = selectors.monitoring_places(actor=request.user)
    years = [today.year - i for i in range(5)]
    quarters = [period_of("quarter", datetime.date(y, m, 1)) for y in years[:2] for m in (10, 7, 4, 1)]
    quarters = [q for q in quarters if q.start <= today]
    return render_page(request, "monitoring/reports.html", {
        "kinds": REPORT_KINDS, "kind": kind, "period": period, "places": places, "place_id": place_id,
        "quarters": [(q.key, q.label) for q in quarters],
        "years": [(period_of("year", datetime.date(y, 1, 1)).key, f"{y}") for y in years],
    })


# --- targets ------------------------------------------------------------------------------------------------------


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label=gettext_lazy("指标"))
    place = forms.TypedChoiceField(label=gettext_lazy("区划"), coerce=int)
    period = forms.CharField(label=gettext_lazy("期间"), help_text=gettext_lazy("如 2026、2026-Q3、2026-07"))
    value = forms.DecimalField(label=gettext_lazy("目标值"), max_digits=14, decimal_places=2)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("目标表（xlsx 或 CSV）"))


def _target_form(request, data=None) -> TargetForm:
    form = TargetForm(data)
    form.fields["indicator"].choices = [(i.code, _("%(name)s（%(unit)s）") % {"name": i.name, "unit": i.unit})
                                        for i in selectors.indicator_list(actor=request.user)]
    places = selectors.monitoring_places(actor=request.user)
    form.fields["place"].choices = [(p.id, p.name) for p in places]
    return form


@login_required
def targets(request):
    """The targets in the user's area; a form to set one and an import (for those who may)."""
    code = request.GET.get("indicator") or None
    rows = selectors.targets_list(actor=request.user, code=code, place_id=_place_id(request))
    may = scope_for(request.user).may(Capability.SET_TARGETS)
    form = _target_form(request) if may else None
    upload = ImportForm() if may else None
    status = 200
    if request.method == "POST" and may:
        refused = uploads.upload_refusal(request)
        if refused or "file" in request.FILES or request.POST.get("action") == "import":
            upload = ImportForm(request.POST, request.FILES)
            if not upload_refused(upload, request) and upload.is_valid():
                try:
                    f = upload.cleaned_data["file"]
                    n = services.targets_import(actor=request.user, data=uploads.upload_read(f), filename=f.name)
                except FileRejected as exc:
                    upload.add_error("file", exc.summary)
                    for e in exc.cell_errors[:50]:
                        upload.add_error("file", str(e))
                except DomainError as exc:
                    flash_domain_errors(request, exc)
                    add_domain_errors(upload, exc)
                else:
                    messages.success(request, _("已导入 %(n)s 个目标") % {"n": n})
                    return redirect("monitoring:targets")
        else:
            form = _target_form(request, request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    services.target_set(actor=request.user, code=d["indicator"], place_id=d["place"],
                                        period=period_parse(d["period"]), value=d["value"])
                except DomainError as exc:
                    add_domain_errors(form, exc, aliases={"code": "indicator", "place_id": "place"})
                else:
                    messages.success(request, _("目标已保存"))
                    return redirect("monitoring:targets")
        status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("只有市级和区县管理员可以设定目标"))
    return render_page(request, "monitoring/targets.html", {
        "rows": rows, "form": form, "upload": upload, "may": may, "indicator": code,
    }, status=status)


@login_required
@require_POST
def target_delete(request, pk: int):
    try:
        services.target_delete(actor=request.user, target_id=pk)
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("目标已删除"))
    return redirect("monitoring:targets")


@login_required
def targets_template(request):
    """An empty import sheet with the headers the import reads, and one example row."""
    wb = documents.workbook()
    ws = wb.active
    ws.title = _("目标")
    ws.append([header for header, _key in services.TARGET_COLUMNS.values()])  # the headers the import reads
    infos = selectors.indicator_list(actor=request.user)
    home = selectors.monitoring_home_place(actor=request.user)
    if infos:
        ws.append([infos[0].code, home.code, str(timezone.localdate().year), 35])
    return _download(documents.workbook_bytes(wb), "xlsx", _("监测目标导入模板.xlsx"))


# --- the public dashboard --------------------------------------------------------------------------------------------


@public_page(depends=("monitoring",))
def public(request):
    """The public learning-city dashboard: published indicators only, no personal data, small cells suppressed.
    Cached whole for visitors until the next rollup refresh (or target, indicator change)."""
    period = _period(request)
    data = selectors.public_overview(period=period, city_code=request.GET.get("city") or None)
    return render_page(request, "monitoring/public.html", {
        "data": data, "period": period, "periods": period_choices(period), "status_class": STATUS_CLASS,
        "trend_sign": TREND_SIGN, "min_cell": selectors.min_cell(), "freshness": selectors.figures_freshness(),
    })


@public_page(depends=("monitoring",))
def public_indicator(request, code: str):
    period, place_id = _period(request), _place_id(request)
    drill = selectors.public_drilldown(code=code, place_id=place_id, period=period)
    return render_page(request, "monitoring/public_indicator.html", {
        "drill": drill, "info": drill.indicator, "period": period, "periods": period_choices(period),
        "status_class": STATUS_CLASS, "trend_sign": TREND_SIGN, "min_cell": selectors.min_cell(),
        "freshness": selectors.figures_freshness(),
        "children_chart": [{"name": r.place.name, "value": None if r.actual.suppressed or r.actual.value is None
                            else float(r.actual.value), "status": r.status or "",
                            "attainment": None if r.actual.suppressed else _attainment(r.actual.value, r.target)}
                           for r in drill.children],
    })

