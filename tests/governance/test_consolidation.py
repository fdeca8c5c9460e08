"""A round's consolidated report: every unit's return with its state and times, the totals over the submitted and
accepted returns per field and table cell, the monitoring figures of the period; as .docx and PDF opened back and
read, the same bytes twice; for the round's office only (404 outside, 403 for a member unit that reads it)."""

import io
import shutil
import subprocess
from decimal import Decimal

import docx
import pytest
from django.test import Client

from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance import documents
from learncity.governance.models import ReturnState
from learncity.governance.selectors.consolidation import round_consolidation
from learncity.monitoring import selectors as monitoring
from learncity.monitoring.periods import period_of
from tests.governance.consolidation_factories import annual_data, annual_form, at, return_make, round_make
from tests.governance.factories import governance_fixtures

governance_built, gov = governance_fixtures()

HR = ([100, 2000, 300, 400, 500, 600, 700, 800, 900], [10, 200, 30, 40, 50, 60, 70, 80, 90],
      [5, 10, 15, 20, 25, 30, 35])
EDU = ([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1], [100, 0, 0, 0, 0, 0, 1])
TONG = ([10, 20, 30, 40, 50, 60, 70, 80, 90], [0, 20, 0, 0, 0, 0, 0, 0, 9], [0, 0, 0, 0, 0, 0, 0])
CIVIL = ([9999] * 9, [1] * 9, [1] * 7)  # returned for changes: not counted


@pytest.fixture
def rnd(gov):
    """The 2026 annual statistics: 人社局 accepted, 教育局 submitted late within an extension, 通川区's committee
    accepted, 民政局 returned for changes, 财政局 not yet submitted."""
    form = annual_form(gov.committee, actor=gov.city_admin)
    rnd = round_make(gov.committee, form, actor=gov.city_admin)
    u = gov.units
    return_make(rnd, member_unit=u["人力资源和社会保障局"], state=ReturnState.ACCEPTED, data=annual_data(*HR),
                submitted="2027-01-15", accepted="2027-01-16")
    return_make(rnd, member_unit=u["教育局"], state=ReturnState.SUBMITTED,
                data=annual_data(*EDU, summary="教育局：=SUM(A1) 照印"), submitted="2027-01-25", extended="2027-01-31")
    return_make(rnd, committee=gov.lower["通川区"], state=ReturnState.ACCEPTED, data=annual_data(*TONG),
                submitted="2027-01-18", accepted="2027-01-19")
    return_make(rnd, member_unit=u["民政局"], state=ReturnState.RETURNED, data=annual_data(*CIVIL),
                submitted="2027-01-10", comment="分行业人数有误")
    return_make(rnd, member_unit=u["财政局"])
    return rnd


def _unit(c, name):
    return next(u for u in c.units if u.unit == name)


def test_every_unit_is_listed_with_its_state_times_and_lateness(gov, rnd):
    # when
    c = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    # then
    assert [(u.unit, u.state, u.late, u.counted) for u in c.units] == sorted([
        ("达州市人力资源和社会保障局", "accepted", False, True), ("达州市教育局", "submitted", True, True),
        (str(gov.lower["通川区"]), "accepted", False, True), ("达州市民政局", "returned", False, False),
        ("达州市财政局", "draft", False, False)])
    edu = _unit(c, "达州市教育局")
    assert (edu.first_submitted_at, edu.extended_until) == (at("2027-01-25"), at("2027-01-31", 18))
    assert c.counts == {"draft": 1, "submitted": 1, "returned": 1, "accepted": 2, "late": 1, "extended": 1, "all": 5}
    assert c.as_of == at("2027-01-25")  # the newest submission or acceptance, not "now"


def test_totals_add_up_the_submitted_and_accepted_returns_per_field_and_cell(gov, rnd):
    # when
    c = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    # then: recomputed here from the three counted returns (民政局's returned figures are left out)
    counted = (HR, EDU, TONG)
    assert c.totals["staff_total"] == sum(sum(s) for s, _t, _r in counted) == 6795
    assert c.totals["staff_trained_total"] == sum(sum(t) for _s, t, _r in counted) == 668
    assert c.totals["residents_trained_total"] == sum(sum(r) for _s, _t, r in counted) == 241
    assert c.totals["by_industry.manufacturing.staff"] == 2000 + 2 + 20
    assert c.totals["by_industry.other.staff_trained"] == 90 + 1 + 9
    assert c.totals["by_department.education.residents_trained"] == 5 + 100 + 0
    assert _unit(c, "达州市人力资源和社会保障局").values["by_industry.it.staff"] == Decimal(600)
    assert _unit(c, "达州市财政局").values["staff_total"] is None


def test_the_monitoring_figures_are_those_monitoring_reads_for_the_place_and_period(gov, rnd):
    # given
    overview = monitoring.monitoring_overview(actor=gov.city_admin, place_id=gov.committee.place_id,
                                              period=period_of("year", rnd.period_start))
    # when
    c = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    # then
    assert c.monitoring_period == "2026年"
    assert [(m["code"], m["value"], m["numerator"], m["denominator"], m["target"]) for m in c.monitoring] == [
        (r.indicator.code, r.actual.value, r.actual.numerator, r.actual.denominator, r.target) for r in overview.rows]
    assert "EMP-CE" in [m["code"] for m in c.monitoring]


def test_the_docx_opened_back_has_each_units_figures_and_the_totals(gov, rnd):
    # when
    data = documents.consolidation_docx(round_consolidation(actor=gov.city_admin, pk=rnd.pk))
    # then
    document = docx.Document(io.BytesIO(data))
    tables = {t.rows[0].cells[0].text: t for t in document.tables}
    numbers = next(t for t in document.tables
                   if [c.text for c in t.rows[0].cells][:2] == ["单位", "登记在册职工人数 (人)"])
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in numbers.rows[1:]}
    assert rows["达州市人力资源和社会保障局"] == ["6,300", "630", "140"]
    assert rows["达州市民政局"] == ["89,991", "9", "7"]  # listed, not counted
    assert rows["达州市财政局"] == ["—", "—", "—"]
    assert rows["合计"] == ["6,795", "668", "241"]
    assert "单位" in tables and "项目" in tables
    text = "\n".join(p.text for p in document.paragraphs)
    assert "教育局：=SUM(A1) 照印" in text
    assert "达州市终身教育促进委员会 2026年度统计 报表汇总" in text


def test_the_pdf_read_back_has_each_units_figures_and_the_totals(gov, rnd, tmp_path):
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is missing: make install installs it"
    # when
    data = documents.consolidation_pdf(round_consolidation(actor=gov.city_admin, pk=rnd.pk))
    # then
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert data.startswith(b"%PDF")
    rows = [row.split() for row in text.splitlines()]
    assert ["达州市人力资源和社会保障局", "6,300", "630", "140"] in rows  # the units' numbers
    assert ["合计", "6,795", "668", "241"] in rows  # their totals
    assert ["合计", "6,795", "668"] in rows  # the industries' table: staff and trained staff
    assert "教育局：=SUM(A1) 照印" in text


def test_two_renders_of_the_same_data_are_the_same_bytes(gov, rnd):
    # given
    first = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    second = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    # then
    assert documents.consolidation_docx(first) == documents.consolidation_docx(second)
    assert documents.consolidation_pdf(first) == documents.consolidation_pdf(second)


def test_a_changed_figure_changes_the_document(gov, rnd):
    # given
    before = documents.consolidation_docx(round_consolidation(actor=gov.city_admin, pk=rnd.pk))
    ret = rnd.returns.get(member_unit=gov.units["人力资源和社会保障局"])
    ret.data["summary"] = "改过的说明"
    ret.save(update_fields=["data"])
    # when
    after = documents.consolidation_docx(round_consolidation(actor=gov.city_admin, pk=rnd.pk))
    # then
    assert before != after


def test_outside_the_committees_area_the_round_is_not_found(gov, rnd):
    # 达川区's committee was asked for no return: its administrator does not read the round
    with pytest.raises(NotFound):
        round_consolidation(actor=gov.district_admin_2, pk=rnd.pk)


@pytest.mark.parametrize("role", ["reporter", "district_admin"])
def test_a_unit_that_reads_the_round_may_not_have_its_consolidation(gov, rnd, role):
    # a member unit's reporter, and 通川区's officials (their committee answers in the round), read the round
    with pytest.raises(PermissionDenied):
        round_consolidation(actor=gov.user(role), pk=rnd.pk)


@pytest.mark.parametrize("fmt,content_type", [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ("pdf", "application/pdf")])
def test_the_office_downloads_it_from_the_page(gov, rnd, fmt, content_type):
    # given
    client = Client()
    client.force_login(gov.city_admin)
    # when
    response = client.get(f"/governance/rounds/{rnd.pk}/consolidation.{fmt}")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]
    c = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    expected = documents.consolidation_docx(c) if fmt == "docx" else documents.consolidation_pdf(c)
    assert response.content == expected


@pytest.mark.parametrize("role,status", [("district_admin_2", 404), ("district_admin", 403), ("reporter", 403),
                                         ("learner", 404)])
def test_the_page_download_refuses_others(gov, rnd, role, status):
    client = Client()
    client.force_login(gov.user(role))
    assert client.get(f"/governance/rounds/{rnd.pk}/consolidation.docx").status_code == status


def test_an_unknown_format_is_not_found(gov, rnd):
    client = Client()
    client.force_login(gov.city_admin)
    assert client.get(f"/governance/rounds/{rnd.pk}/consolidation.xlsx").status_code == 404


def test_the_office_reads_it_through_the_api(gov, rnd, api_as):
    # when
    body = api_as(gov.city_admin).get(f"/api/governance/rounds/{rnd.pk}/consolidation").json()
    # then
    assert (body["round_title"], body["counts"]["all"], body["counts"]["late"]) == ("2026年度统计", 5, 1)
    assert Decimal(body["totals"]["staff_total"]) == 6795
    assert Decimal(body["totals"]["by_industry.manufacturing.staff"]) == 2022
    hr = next(u for u in body["units"] if u["unit"] == "达州市人力资源和社会保障局")
    assert (hr["state"], Decimal(hr["values"]["staff_trained_total"])) == ("accepted", 630)
    assert "EMP-CE" in [m["code"] for m in body["monitoring"]]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_office_downloads_it_through_the_api(gov, rnd, api_as, fmt):
    # when
    response = api_as(gov.city_admin).get(f"/api/governance/rounds/{rnd.pk}/consolidation/{fmt}")
    # then
    c = round_consolidation(actor=gov.city_admin, pk=rnd.pk)
    assert response.status_code == 200
    assert response.content == (documents.consolidation_docx(c) if fmt == "docx" else documents.consolidation_pdf(c))


@pytest.mark.parametrize("path", ["", "/docx", "/pdf"])
@pytest.mark.parametrize("role,status", [("district_admin_2", 404), ("district_admin", 403), ("reporter", 403)])
def test_the_api_refuses_others(gov, rnd, api_as, path, role, status):
    response = api_as(gov.user(role)).get(f"/api/governance/rounds/{rnd.pk}/consolidation{path}")
    assert response.status_code == status
