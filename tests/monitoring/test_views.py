"""The monitoring pages: who sees what (city, district, public), the numbers the selectors give, drill-down,
the HTMX partials, exports whose numbers are the page's, targets by hand and from a spreadsheet (bad input said
beside the field, nothing saved), the public dashboard's small cells, large text and English."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from learncity.core.models import AuditEvent
from learncity.monitoring import reports, selectors
from learncity.monitoring.models import Target
from learncity.monitoring.periods import period_parse
from learncity.people.models import LearnerProfile
from learncity.places.models import Place
from tests.places.factories import DACHUAN, DAZHOU
from tests.places.factories import place as place_of

from .factories import officials_make, target_make

YEAR = period_parse("2026")


@pytest.fixture
def officials(db):
    """达州市's own administrators, auditor and learner (see factories.officials_make)."""
    return officials_make()


@pytest.fixture
def dazhou(db) -> Place:
    return place_of(DAZHOU)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _cards(html: str) -> dict[str, str]:
    """code → the actual value printed on each indicator card."""
    return dict(re.findall(r'data-code="([^"]+)">.*?data-testid="actual">([^<]*)<', html, flags=re.S))


def _xlsx_upload(rows, name="targets.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- who sees what -------------------------------------------------------------------------------------------------


# The overview, the drill-down, the series, the breakdowns and the exports are checked against the numbers the
# selectors give: on the demo city, whose seeded records and targets make those numbers (an empty city of the test's
# own would compare blanks). So are the query budgets and the cache, held on a whole city's pages.


def test_the_city_administrator_sees_every_indicator_as_the_selectors_count_it(users, client_as):
    admin = users["city_admin"]
    response = client_as(admin).get("/monitor/?period=2026")
    assert response.status_code == 200
    html = response.content.decode()
    overview = selectors.monitoring_overview(actor=admin, period=YEAR)
    expected = {r.indicator.code: reports.value_text(r.actual, is_rate=r.indicator.is_rate) for r in overview.rows}
    assert _cards(html) == expected
    assert len(expected) == 14
    # grouped by the three UNESCO area groups, each heading once
    for label in {str(r.indicator.area_group_label) for r in overview.rows}:
        assert html.count(f"<h2>{label}</h2>") == 1
    assert "福州市终身学习城市建设监测" in _text(html)
    assert 'data-echarts="/static/learncity/vendor/echarts.min.js"' in html  # loaded when a chart is drawn


def test_the_city_administrator_picks_a_district_for_its_overview(users, client_as):
    admin = users["city_admin"]
    gulou = Place.objects.get(code="350102")
    html = client_as(admin).get("/monitor/").content.decode()
    picker = re.search(r'<select id="m-place".*?</select>', html, flags=re.S).group(0)
    assert f'<option value="{gulou.pk}">鼓楼区</option>' in picker
    html = client_as(admin).get(f"/monitor/?place={gulou.pk}&period=2026").content.decode()
    assert "鼓楼区终身学习城市建设监测" in _text(html)
    overview = selectors.monitoring_overview(actor=admin, place_id=gulou.pk, period=YEAR)
    assert _cards(html) == {r.indicator.code: reports.value_text(r.actual, is_rate=r.indicator.is_rate)
                            for r in overview.rows}


def test_a_district_administrator_sees_their_district_and_nothing_beside_it(officials, client_as):
    me = client_as(officials["district_admin"])
    dachuan = place_of(DACHUAN)

    response = me.get("/monitor/")
    assert response.status_code == 200
    assert "通川区终身学习城市建设监测" in _text(response.content.decode())

    assert me.get(f"/monitor/?place={dachuan.pk}").status_code == 404
    assert me.get(f"/monitor/i/CE-PART/?place={dachuan.pk}").status_code == 404
    assert me.get(f"/monitor/export/overview.xlsx?place={dachuan.pk}").status_code == 404
    assert me.get(f"/monitor/reports/?kind=quarterly&format=xlsx&place={dachuan.pk}").status_code == 404


@pytest.mark.parametrize("url", ["/monitor/", "/monitor/i/CE-PART/", "/monitor/reports/", "/monitor/targets/",
                                 "/monitor/export/overview.xlsx"])
def test_learners_are_refused_and_visitors_sent_to_sign_in(officials, client_as, url):
    assert client_as(officials["learner"]).get(url).status_code == 403
    response = client_as(None).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_main_navigation_links_the_monitoring_for_staff_only(officials, client_as):
    assert 'data-testid="nav-monitoring"' in client_as(officials["city_admin"]).get("/").content.decode()
    assert 'data-testid="nav-monitoring"' in client_as(officials["auditor"]).get("/").content.decode()
    assert 'data-testid="nav-monitoring"' not in client_as(officials["learner"]).get("/").content.decode()
    assert 'data-testid="nav-monitoring"' not in client_as(None).get("/").content.decode()


# --- an indicator: drill-down, series, breakdowns -------------------------------------------------------------------


def test_drill_down_from_the_city_to_a_district_to_a_street(users, client_as, city):
    admin = users["city_admin"]
    c = client_as(admin)
    html = c.get("/monitor/i/CE-PART/?period=2026").content.decode()
    drill = selectors.indicator_drilldown(actor=admin, code="CE-PART", period=YEAR)
    rows = re.findall(r'data-testid="child-row" data-code="(\d+)">.*?data-testid="child-actual">([^<]*)<', html,
                      flags=re.S)
    assert rows == [(r.place.code, reports.value_text(r.actual, is_rate=True)) for r in drill.children]
    assert len(rows) == Place.objects.filter(parent=city).count()

    gulou = Place.objects.get(code="350102")
    html = c.get(f"/monitor/i/CE-PART/?place={gulou.pk}&period=2026").content.decode()
    assert re.search(r'data-testid="crumbs">.*福州市.*<strong>鼓楼区</strong>', html, flags=re.S)
    streets = re.findall(r'data-testid="child-row" data-code="(\d+)"', html)
    assert streets == list(Place.objects.filter(parent=gulou).order_by("code").values_list("code", flat=True))

    street = Place.objects.get(code=streets[0])
    html = c.get(f"/monitor/i/CE-PART/?place={street.pk}&period=2026").content.decode()
    assert f"<strong>{street.name}</strong>" in html
    communities = re.findall(r'data-testid="child-row" data-code="(\d+)"', html)
    assert communities == list(Place.objects.filter(parent=street).order_by("code").values_list("code", flat=True))


def test_the_series_and_the_breakdown_come_as_partials_for_htmx(users, client_as):
    c = client_as(users["city_admin"])
    partial = c.get("/monitor/i/NONACAD-PT/series/?period=2026&grain=quarter", headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html
    series = selectors.indicator_series(actor=users["city_admin"], code="NONACAD-PT", grain="quarter", year=2026)
    assert re.findall(r"<tr><td>(2026年第\d季度)</td><td class=\"num\">([^<]*)</td>", html) == [
        (p.period.label, reports.value_text(p.value, is_rate=False)) for p in series.points]

    partial = c.get("/monitor/i/CE-PART/breakdown/?period=2026&by=sex", headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html and ">男<" in html and ">女<" in html

    # without HTMX the same address shows the indicator's page at that choice
    response = c.get("/monitor/i/CE-PART/breakdown/?period=2026&by=sex")
    assert response.status_code == 302 and response["Location"] == "/monitor/i/CE-PART/?period=2026&by=sex"


@pytest.mark.parametrize(("url", "words"), [
    ("/monitor/?period=2026-13", "「2026-13」：月份须在 1–12 之间"),
    ("/monitor/?period=2026-06-30..2026-01-01", "结束日期 2026-01-01 早于开始日期 2026-06-30"),
    ("/monitor/i/CE-PART/?grain=week", "「week」不是可选的时间粒度"),
    ("/monitor/i/CE-PART/?by=colour", "不能按「colour」分组"),
    ("/monitor/?place=abc", "「abc」不是有效的编号"),
])
def test_bad_choices_are_said_clearly(officials, client_as, url, words):
    response = client_as(officials["city_admin"]).get(url)
    assert response.status_code == 400
    assert words in _text(response.content.decode())


def test_an_unknown_indicator_or_export_is_not_found(officials, client_as):
    c = client_as(officials["city_admin"])
    assert c.get("/monitor/i/NOPE/").status_code == 404
    assert c.get("/monitor/export/drilldown.xlsx?indicator=NOPE").status_code == 404
    assert c.get("/monitor/export/overview.docx").status_code == 404
    assert c.get("/monitor/export/everything.xlsx").status_code == 404


# --- exports ------------------------------------------------------------------------------------------------------


def test_the_overview_export_holds_the_page_numbers(users, client_as):
    c = client_as(users["city_admin"])
    page = _cards(c.get("/monitor/?period=2026-Q3").content.decode())
    response = c.get("/monitor/export/overview.xlsx?period=2026-Q3")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [x.value for x in ws[4]]
    exported = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0] is None:
            break
        exported[row[0]] = row[header.index("实际")]
    assert exported.keys() == page.keys()
    for code, shown in page.items():
        value = exported[code]
        assert (value == "无数据") if shown == "无数据" else Decimal(str(value)) == Decimal(shown.rstrip("%").replace(",", ""))


def test_every_chart_table_exports_as_xlsx_and_pdf(users, client_as):
    c = client_as(users["city_admin"])
    for what, extra in (("drilldown", ""), ("series", "&grain=month"), ("breakdown", "&by=age_band")):
        for fmt, magic in (("xlsx", b"PK\x03\x04"), ("pdf", b"%PDF")):
            response = c.get(f"/monitor/export/{what}.{fmt}?indicator=CE-PART&period=2026{extra}")
            assert response.status_code == 200, (what, fmt)
            assert response.content.startswith(magic)
    ws = load_workbook(io.BytesIO(c.get("/monitor/export/series.xlsx?indicator=CE-PART&period=2026&grain=month")
                                  .content)).active
    assert [r[0].value for r in ws.iter_rows(min_row=5, max_row=16)] == [f"2026年{m}月" for m in range(1, 13)]


def test_the_reports_page_offers_both_reports_and_downloads_them(officials, client_as):
    c = client_as(officials["city_admin"])
    html = c.get("/monitor/reports/").content.decode()
    assert 'data-testid="report-quarterly"' in html and 'data-testid="report-annual"' in html
    response = c.get("/monitor/reports/?kind=annual&period=2026&format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = c.get("/monitor/reports/?kind=quarterly&period=2026-Q3&format=xlsx")
    assert response.status_code == 200
    assert "终身学习城市建设监测季度报告" in load_workbook(io.BytesIO(response.content))["主要指标"]["A1"].value
    assert c.get("/monitor/reports/?kind=weekly&format=xlsx").status_code == 400


# --- targets ------------------------------------------------------------------------------------------------------


def test_the_city_administrator_sets_a_target_on_the_page(officials, client_as, dazhou):
    c = client_as(officials["city_admin"])
    response = c.post("/monitor/targets/", {"indicator": "ELDER-PART", "place": dazhou.pk, "period": "2026-Q4",
                                            "value": "22.5"})
    assert response.status_code == 302
    target = Target.objects.get(indicator__code="ELDER-PART", place=dazhou, period_start="2026-10-01")
    assert target.value == Decimal("22.5") and target.set_by == officials["city_admin"]
    assert "22.5" in c.get("/monitor/targets/").content.decode()


@pytest.mark.parametrize(("value", "period", "message"), [
    ("120", "2026", "0–100%"),
    ("-3", "2026", "负数"),
    ("35", "2026-Q5", "「2026-Q5」"),
])
def test_a_bad_target_is_said_beside_the_form_and_nothing_is_saved(officials, client_as, dazhou, value, period, message):
    before = Target.objects.count(), AuditEvent.objects.count()
    response = client_as(officials["city_admin"]).post("/monitor/targets/", {
        "indicator": "CE-PART", "place": dazhou.pk, "period": period, "value": value})
    assert response.status_code == 400
    assert message in _text(response.content.decode())
    assert (Target.objects.count(), AuditEvent.objects.count()) == before


def test_targets_are_imported_from_a_spreadsheet_all_or_nothing(officials, client_as, dazhou):
    c = client_as(officials["city_admin"])
    before = Target.objects.count()
    bad = _xlsx_upload([["指标代码", "区划代码", "期间", "目标值"], ["CE-PART", dazhou.code, "2026-Q4", 40],
                        ["CE-PART", "999999", "2026-Q4", 40], ["NOPE", dazhou.code, "2026", 1]])
    response = c.post("/monitor/targets/", {"action": "import", "file": bad})
    assert response.status_code == 400
    text = _text(response.content.decode())
    assert "第 3 行「区划代码」" in text and "第 4 行「指标代码」" in text
    assert Target.objects.count() == before

    good = _xlsx_upload([["指标代码", "区划代码", "期间", "目标值"], ["CE-PART", dazhou.code, "2026-Q4", 40],
                         ["ONLINE-PT", dazhou.code, "2026-Q4", 9000]])
    assert c.post("/monitor/targets/", {"action": "import", "file": good}).status_code == 302
    assert Target.objects.count() == before + 2


def test_only_administrators_change_targets(officials, client_as, dazhou):
    target = target_make(officials["city_admin"], "CE-PART", dazhou, "2026", "35")
    before = Target.objects.count()
    auditor = client_as(officials["auditor"])
    assert 'data-testid="target-form"' not in auditor.get("/monitor/targets/").content.decode()
    assert auditor.post("/monitor/targets/", {"indicator": "CE-PART", "place": dazhou.pk, "period": "2026",
                                              "value": "40"}).status_code == 403
    assert auditor.post(f"/monitor/targets/{target.pk}/delete/").status_code == 403
    district = client_as(officials["district_admin"])  # the city's target is outside the district: as if not there
    assert district.post(f"/monitor/targets/{target.pk}/delete/").status_code == 404
    assert Target.objects.count() == before

    assert client_as(officials["city_admin"]).post(f"/monitor/targets/{target.pk}/delete/").status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()


# --- the public dashboard -------------------------------------------------------------------------------------------


def test_the_public_dashboard_needs_no_sign_in_and_shows_published_indicators_only(client_as):
    response = client_as(None).get("/monitor/public/?period=2026")
    assert response.status_code == 200
    html = response.content.decode()
    shown = set(re.findall(r'data-testid="public-card" data-code="([^"]+)"', html))
    published = {r.indicator.code for r in selectors.public_overview(period=YEAR).rows}
    assert shown == published
    assert "EMP-CE" not in shown and "ADULT-ACAD" not in shown  # not published
    assert "CE-PART" in shown
    names = list(LearnerProfile.objects.values_list("name", flat=True)[:50])
    assert not any(name in html for name in names)


def test_small_cells_are_suppressed_on_the_public_dashboard(client_as, settings):
    settings.LEARNCITY_MONITORING_MIN_CELL = 10_000_000
    html = client_as(None).get("/monitor/public/i/CE-PART/?period=2026").content.decode()
    assert "&lt;10000000" in html
    overview = selectors.public_overview(period=YEAR)
    assert any(r.actual.suppressed for r in overview.rows)


# --- large text and English -------------------------------------------------------------------------------------------


def test_large_text_mode_and_english(officials, client_as):
    c = client_as(officials["city_admin"])
    c.cookies["lc_large"] = "1"
    html = c.get("/monitor/").content.decode()
    assert 'class="large-text"' in html
    c.cookies["django_language"] = "en"
    html = c.get("/monitor/").content.decode()
    assert "Export:" in html and ">Target <" in html and "Major building blocks of a learning city" in html


# --- queries, the cache and how fresh the figures are (issue 16) -------------------------------------------------------

MONITOR_STAFF = ("city_admin", "district_admin", "auditor", "expert", "reporter")


def _cold():
    from django.core.cache import cache

    cache.clear()


def _max_queries(client, url: str, most: int) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _cold()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    assert len(ctx.captured_queries) <= most, (url, len(ctx.captured_queries),
                                              [q["sql"][:120] for q in ctx.captured_queries])
    return response.content.decode()


def _public_places(city):
    district = Place.objects.filter(parent=city).order_by("code").first()
    street = Place.objects.filter(parent=district).order_by("code").first()
    return [None, district, street]


def test_every_public_page_reads_in_at_most_15_queries(client_as, city):
    c = client_as(None)
    _max_queries(c, "/monitor/public/", 15)
    _max_queries(c, "/monitor/public/?period=2026-Q2", 15)
    for place in _public_places(city):
        for code in ("CE-PART", "NONACAD-PT", "STREET-SCHOOL", "VOLUNTEER-HRS"):
            query = f"?place={place.pk}" if place else ""
            _max_queries(c, f"/monitor/public/i/{code}/{query}", 15)


@pytest.mark.parametrize("who", MONITOR_STAFF)
def test_every_monitoring_page_reads_in_at_most_15_queries_for_each_role(users, client_as, who):
    c = client_as(users[who])
    home = selectors.monitoring_home_place(actor=users[who])
    places = [None, home.id] + [p.id for p in selectors.monitoring_places(actor=users[who])[1:2]]
    street = Place.objects.filter(parent_id=places[-1]).order_by("code").first()
    if street is not None:
        places.append(street.pk)
    _max_queries(c, "/monitor/", 15)
    _max_queries(c, "/monitor/?period=2026-Q3", 15)
    for place in places:
        query = f"place={place}&" if place else ""
        _max_queries(c, f"/monitor/?{query}period=2026", 15)
        for code, by in (("CE-PART", "sex"), ("EMP-CE", "group"), ("NONACAD-PT", "provider_kind"),
                         ("STREET-SCHOOL", ""), ("VOLUNTEER-HRS", "age_band")):
            _max_queries(c, f"/monitor/i/{code}/?{query}period=2026&by={by}", 15)
    _max_queries(c, "/monitor/i/CE-PART/?grain=quarter", 15)
    _max_queries(c, "/monitor/reports/", 15)
    _max_queries(c, "/monitor/targets/", 15)


def _card(html: str, code: str) -> str:
    found = re.search(rf'data-code="{code}">.*?(?:class="actual"|data-testid="actual")>([^<]*)<', html, flags=re.S)
    return found.group(1).strip()


def _volunteer_hours(hours: str):
    import datetime

    from django.utils import timezone

    from learncity.network.models import Institution
    from learncity.pools.models import Volunteer, VolunteerService

    volunteer = Volunteer.objects.order_by("pk").first()
    VolunteerService.objects.create(volunteer=volunteer, date=timezone.localdate() - datetime.timedelta(days=1)
                                    if timezone.localdate().day > 1 else timezone.localdate(),
                                    hours=Decimal(hours), activity="大型活动服务",
                                    institution=Institution.objects.order_by("pk").first())


def test_the_public_dashboard_is_cached_until_a_refresh_changes_a_figure(client_as, settings):
    from django.utils import timezone

    from learncity.monitoring import rollups

    settings.LEARNCITY_MONITORING_MIN_CELL = 1
    rollups.rollups_refresh()
    _cold()
    url = f"/monitor/public/?period={timezone.localdate().year}"
    c = client_as(None)
    before = _card(c.get(url).content.decode(), "VOLUNTEER-HRS")
    _volunteer_hours("5000")
    html = c.get(url).content.decode()  # cached, and a read never refreshes: the same figure
    assert _card(html, "VOLUNTEER-HRS") == before
    rollups.rollups_refresh()
    html = c.get(url).content.decode()
    after = _card(html, "VOLUNTEER-HRS")
    assert after != before
    shown = {r.indicator.code: r for r in selectors.public_overview(period=period_parse(str(timezone.localdate().year))).rows}
    assert after == reports.value_text(shown["VOLUNTEER-HRS"].actual, is_rate=False, suppress_below=1)
    assert 'data-testid="freshness"' in html


def test_the_signed_in_overview_figures_are_cached_until_a_refresh_changes_them(users, client_as):
    from django.utils import timezone

    from learncity.monitoring import rollups

    rollups.rollups_refresh()
    _cold()
    url = f"/monitor/?period={timezone.localdate().year}"
    c = client_as(users["city_admin"])
    before = _cards(c.get(url).content.decode())["VOLUNTEER-HRS"]
    _volunteer_hours("5000")
    assert _cards(c.get(url).content.decode())["VOLUNTEER-HRS"] == before
    rollups.rollups_refresh()
    after = _cards(c.get(url).content.decode())["VOLUNTEER-HRS"]
    assert after != before
    row = next(r for r in selectors.monitoring_overview(actor=users["city_admin"],
                                                        period=period_parse(str(timezone.localdate().year))).rows
               if r.indicator.code == "VOLUNTEER-HRS")
    assert after == reports.value_text(row.actual, is_rate=False)


def test_a_target_set_shows_on_the_next_request_of_a_cached_page(officials, client_as, dazhou):
    from learncity.monitoring import services

    _cold()
    c = client_as(officials["city_admin"])
    c.get("/monitor/?period=2026")
    services.target_set(actor=officials["city_admin"], code="VOLUNTEER-HRS", place_id=dazhou.pk,
                        period=period_parse("2026"), value=Decimal("123457"))
    assert "123,457" in c.get("/monitor/?period=2026").content.decode()


def test_pages_say_how_fresh_their_figures_are_and_when_data_arrived_since(users, client_as):
    from learncity.monitoring import rollups

    rollups.rollups_refresh()
    _cold()
    html = client_as(users["city_admin"]).get("/monitor/").content.decode()
    assert "数据更新于" in _text(html) and 'data-testid="freshness-behind"' not in html
    _volunteer_hours("3")
    _cold()
    for c, url in ((client_as(users["city_admin"]), "/monitor/"), (client_as(users["city_admin"]), "/monitor/i/CE-PART/"),
                   (client_as(None), "/monitor/public/"), (client_as(None), "/monitor/public/i/CE-PART/")):
        html = c.get(url).content.decode()
        assert 'data-testid="freshness-behind"' in html, url
    c = client_as(users["city_admin"])
    c.cookies["django_language"] = "en"
    _cold()
    assert "Figures as of" in c.get("/monitor/").content.decode()


@pytest.mark.parametrize("url, status", [
    ("/monitor/public/?period=2026-Q9", 400), ("/monitor/public/i/NOPE/", 404),
    ("/monitor/public/i/CE-PART/?place=999999999", 404), ("/monitor/public/i/CE-PART/?place=abc", 400),
])
def test_a_bogus_place_or_period_on_a_public_page_is_refused_every_time_not_cached(client_as, url, status):
    _cold()
    c = client_as(None)
    first, second = c.get(url), c.get(url)
    assert first.status_code == second.status_code == status
    assert "Cache-Control" not in first or "max-age" not in first["Cache-Control"]
    from django.core.cache import cache

    assert not [k for k in getattr(cache, "_cache", {}) if "page" in str(k)], "an error page was cached"
