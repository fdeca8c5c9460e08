"""Targets: entered and imported, refused when wrong (nothing saved), and the status and trend they give."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from learncity.core.errors import DomainError, FileRejected, NotFound, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.monitoring import selectors, services
from learncity.monitoring.models import Target
from learncity.monitoring.periods import period_parse
from learncity.pools.models import Volunteer, VolunteerService
from tests.people import factories as people_factories
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place, street_of

from .conftest import record, refreshed
from .factories import officials_make, target_make, user_with_role

D = datetime.date


@pytest.fixture
def officials(db):
    """达州市's own administrators, auditor and learner (see factories.officials_make)."""
    return officials_make()


@pytest.fixture
def dazhou(db):
    return place(DAZHOU)


def targets():
    return list(Target.objects.order_by("pk").values_list("indicator__code", "place__code", "period_start", "value"))


def xlsx(rows, headers=("指标代码", "区划代码", "期间", "目标值")) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_city_admin_sets_a_target_and_it_is_audited(officials, dazhou):
    t = services.target_set(actor=officials["city_admin"], code="CE-PART", place_id=dazhou.pk, period="2027", value="36.5")
    assert (t.value, t.period_kind, t.period_start, t.period_end, t.source) == (
        Decimal("36.50"), "year", D(2027, 1, 1), D(2027, 12, 31), "manual")
    assert AuditEvent.objects.filter(action="monitoring.target.set", object_id=str(t.pk)).exists()
    again = services.target_set(actor=officials["city_admin"], code="CE-PART", place_id=dazhou.pk, period="2027", value=40)
    assert again.pk == t.pk and Target.objects.get(pk=t.pk).value == Decimal("40.00")


@pytest.mark.parametrize(("code", "value", "words"), [
    ("CE-PART", "100.01", "0–100%"),
    ("CE-PART", "-1", "不能为负数"),
    ("NONACAD-PT", "-5", "不能为负数"),
    ("CE-PART", "很多", "不是数字"),
    ("CE-PART", "", "请填写目标值"),
    ("CE-PART", "NaN", "不是数字"),
    ("NONACAD-PT", "1.234", "两位小数"),
])
def test_a_wrong_target_is_refused_and_nothing_is_saved(officials, dazhou, code, value, words):
    before = targets()
    with pytest.raises(DomainError) as exc:
        services.target_set(actor=officials["city_admin"], code=code, place_id=dazhou.pk, period="2027", value=value)
    assert words in exc.value.errors["value"][0]
    assert targets() == before


def test_a_count_target_may_exceed_100(officials, dazhou):
    t = services.target_set(actor=officials["city_admin"], code="NONACAD-PT", place_id=dazhou.pk, period="2027-Q1",
                            value="1000000")
    assert (t.value, t.period_kind) == (Decimal("1000000.00"), "quarter")


def test_a_bad_period_or_indicator_is_refused(officials, dazhou):
    before = targets()
    with pytest.raises(DomainError) as exc:
        services.target_set(actor=officials["city_admin"], code="CE-PART", place_id=dazhou.pk,
                            period="2027-06-30..2027-01-01", value="30")
    assert "早于开始日期" in exc.value.errors["period"][0]
    with pytest.raises(DomainError) as exc:
        services.target_set(actor=officials["city_admin"], code="NOPE", place_id=dazhou.pk, period="2027", value="30")
    assert "indicator" in exc.value.errors
    assert targets() == before


def test_district_admins_set_targets_below_their_district_only(officials, dazhou):
    """A district's own targets are the city's to set (a district cannot move its own goalposts); its admin sets
    those of its streets and communities."""
    city = dazhou
    tongchuan, dachuan = place(TONGCHUAN), place(DACHUAN)
    street = street_of(tongchuan)
    services.target_set(actor=officials["district_admin"], code="CE-PART", place_id=street.pk, period="2027", value="50")
    services.target_set(actor=officials["city_admin"], code="CE-PART", place_id=tongchuan.pk, period="2027", value="45")
    before = targets()
    for actor, where in ((officials["district_admin"], tongchuan), (officials["district_admin"], dachuan),
                         (officials["district_admin"], city), (officials["learner"], street), (officials["auditor"], street)):
        with pytest.raises(PermissionDenied):
            services.target_set(actor=actor, code="CE-PART", place_id=where.pk, period="2027", value="60")
    assert targets() == before
    own = Target.objects.get(place=tongchuan, period_start=D(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        services.target_delete(actor=officials["district_admin"], target_id=own.pk)
    assert Target.objects.get(pk=own.pk).value == Decimal("45.00")
    t = Target.objects.get(place=street, period_start=D(2027, 1, 1))
    with pytest.raises(NotFound):  # 达川区's admin does not even see it
        services.target_delete(actor=officials["district_admin_2"], target_id=t.pk)
    with pytest.raises(PermissionDenied):
        services.target_delete(actor=officials["auditor"], target_id=t.pk)
    assert Target.objects.filter(pk=t.pk).exists()
    services.target_delete(actor=officials["district_admin"], target_id=t.pk)
    assert not Target.objects.filter(pk=t.pk).exists()


def test_who_sets_which_target_on_a_city_of_its_own(hand_city):
    """The same rule on the hand-made city, with its own administrators: the city's sets every place's target,
    its own included; a district's sets those below the district, not the district's own nor another's; an
    auditor sets none. A target one does not see is not found; one seen but not theirs is refused."""
    h, root = hand_city, people_factories.root()
    city_admin = user_with_role(root, "city_admin", h.city)
    a_admin, b_admin = user_with_role(root, "district_admin", h.a), user_with_role(root, "district_admin", h.b)
    auditor = user_with_role(root, "auditor", h.city)
    target_make(city_admin, "CE-PART", h.city, "2027", "40")
    own = target_make(city_admin, "CE-PART", h.a, "2027", "45")
    street = target_make(a_admin, "CE-PART", h.s1, "2027", "50")
    target_make(a_admin, "CE-PART", h.c1, "2027", "55")
    before = targets()
    for actor, where in ((a_admin, h.a), (a_admin, h.b), (a_admin, h.city), (b_admin, h.s1), (auditor, h.s1)):
        with pytest.raises(PermissionDenied):
            target_make(actor, "CE-PART", where, "2027", "60")
    assert targets() == before
    with pytest.raises(PermissionDenied):
        services.target_delete(actor=a_admin, target_id=own.pk)
    with pytest.raises(NotFound):  # 乙区's admin does not even see 一街道's
        services.target_delete(actor=b_admin, target_id=street.pk)
    with pytest.raises(PermissionDenied):
        services.target_delete(actor=auditor, target_id=street.pk)
    services.target_delete(actor=a_admin, target_id=street.pk)
    assert not Target.objects.filter(pk=street.pk).exists()
    assert {t.place.code for t in selectors.targets_list(actor=a_admin)} == {h.a.code, h.c1.code}


def test_targets_import_all_or_nothing_with_every_error_named(officials, dazhou):
    city = dazhou
    tongchuan = place(TONGCHUAN)
    before = targets()
    bad = xlsx([
        ("CE-PART", DAZHOU, "2027", 35),
        ("CE-PART", TONGCHUAN, "2027", 120),      # row 3: a rate over 100%
        ("NOPE", DAZHOU, "2027", 1),           # row 4: unknown indicator
        ("NONACAD-PT", "999999", "2027", 5),     # row 5: unknown place
        ("NONACAD-PT", DAZHOU, "2027-13", 5),  # row 6: bad period
        ("CE-PART", DAZHOU, "2027", 36),       # row 7: repeats row 2
    ])
    with pytest.raises(FileRejected) as exc:
        services.targets_import(actor=officials["city_admin"], data=bad, filename="targets.xlsx")
    cells = {(e.row, e.column) for e in exc.value.cell_errors}
    assert cells == {(3, "目标值"), (4, "指标代码"), (5, "区划代码"), (6, "期间"), (7, "期间")}
    assert targets() == before
    # a district admin cannot import the city's targets
    with pytest.raises(FileRejected) as exc:
        services.targets_import(actor=officials["district_admin"], data=xlsx([("CE-PART", DAZHOU, "2027", 35)]),
                                filename="t.xlsx")
    assert [(e.row, e.column) for e in exc.value.cell_errors] == [(2, "区划代码")]
    n = services.targets_import(actor=officials["city_admin"], filename="t.xlsx", data=xlsx([
        ("CE-PART", DAZHOU, "2027", 35), ("CE-PART", TONGCHUAN, 2027, "50%"), ("NONACAD-PT", DAZHOU, "2027-Q2", 300)]))
    assert n == 3
    assert Target.objects.get(place=tongchuan, period_start=D(2027, 1, 1), indicator__code="CE-PART").value == 50
    assert Target.objects.get(place=city, period_start=D(2027, 4, 1)).source == "import"


def test_status_met_on_track_behind_and_the_trend(hand_city, monkeypatch):
    """2 person-times of non-academic learning in 2026, none in 2025. On 2 July 2026 (183 of 365 days gone):
    a target of 2 is met, 3.9 is on track (3.9 × 183/365 = 1.96 ≤ 2), 10 is behind."""
    h, admin = hand_city, people_factories.root()
    record(h, h.people["P1"], D(2026, 3, 10), "community")
    record(h, h.people["P2"], D(2026, 3, 11), "elderly")
    refreshed()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 7, 2))
    year = period_parse("2026")
    got = []
    for value in ("2", "3.9", "10"):
        services.target_set(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=year, value=value)
        row = selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=year).row
        got.append((row.target, row.status, row.status_label, row.trend, row.previous.numerator))
    assert got == [(Decimal("2.00"), "met", "已达标", "up", 0), (Decimal("3.90"), "on_track", "按进度", "up", 0),
                   (Decimal("10.00"), "behind", "滞后", "up", 0)]
    # a quarter without its own target is judged against the year's pro-rated to its 90 of 365 days:
    # 10 × 90/365 = 2.47 > 2, behind; 6 × 90/365 = 1.48 ≤ 2, met
    q1 = selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk,
                                       period=period_parse("2026-Q1")).row
    assert (q1.target, q1.status) == (Decimal("2.47"), "behind")
    assert q1.target_note == "2026 年目标 10 × 本期 90 天 / 全年 365 天"
    services.target_set(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=year, value="6")
    q1 = selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk,
                                       period=period_parse("2026-Q1")).row
    assert (q1.target, q1.status) == (Decimal("1.48"), "met")
    # no target, or no data: no status
    none = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=h.b.pk, period=year).row
    assert (none.target, none.status, none.status_label) == (None, None, "无目标")


def test_targets_list_is_scoped(officials, dazhou):
    for where in (dazhou, place(TONGCHUAN), place(DACHUAN)):
        target_make(officials["city_admin"], "CE-PART", where, "2027", "40")
    mine = selectors.targets_list(actor=officials["district_admin"])
    assert mine and {t.place.code for t in mine} == {TONGCHUAN}
    everything = selectors.targets_list(actor=officials["city_admin"], code="CE-PART")
    assert {t.place.code for t in everything} >= {DAZHOU, TONGCHUAN, DACHUAN}
    assert all(t.indicator.code == "CE-PART" for t in everything)


def test_a_quarter_is_judged_against_its_pro_rated_target_and_a_rate_quarter_has_none(hand_city, monkeypatch):
    """Volunteer hours, a year's target of 36.5: Q2 2026 (91 days) is judged against 36.5 × 91/365 = 9.10, not
    against 36.5 (nor 36.5 × the year's share passed by June, 18.10). 10 hours in Q2 meet it. Mid-August, Q3 (92
    days, 9.20) is on track with 4 hours when 46 of its 92 days are gone (9.20 × 0.5 = 4.60 > 4: behind), and
    with 5 hours on track. Participation (a rate of distinct persons) has no quarter target: not pro-rated."""
    h, admin = hand_city, people_factories.root()
    volunteer = Volunteer.objects.get(learner=h.people["P1"])
    VolunteerService.objects.create(volunteer=volunteer, date=D(2026, 5, 5), hours=Decimal("6.5"), activity="导览",
                                    institution=h.provider)  # with the conftest's 3.5 on 4 April: 10 in Q2
    refreshed()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 8, 15))
    services.target_set(actor=admin, code="VOLUNTEER-HRS", place_id=h.city.pk, period=period_parse("2026"),
                        value="36.5")
    services.target_set(actor=admin, code="CE-PART", place_id=h.city.pk, period=period_parse("2026"), value="35")

    def row(code, key):
        return selectors.indicator_drilldown(actor=admin, code=code, place_id=h.city.pk, period=period_parse(key)).row

    q2 = row("VOLUNTEER-HRS", "2026-Q2")
    assert (q2.actual.value, q2.target, q2.status) == (Decimal("10.0"), Decimal("9.10"), "met")
    assert q2.target_note == "2026 年目标 36.5 × 本期 91 天 / 全年 365 天"
    VolunteerService.objects.create(volunteer=volunteer, date=D(2026, 7, 7), hours=Decimal("4"), activity="导览",
                                    institution=h.provider)
    refreshed()
    q3 = row("VOLUNTEER-HRS", "2026-Q3")
    assert (q3.actual.value, q3.target, q3.status) == (Decimal("4.0"), Decimal("9.20"), "behind")
    VolunteerService.objects.create(volunteer=volunteer, date=D(2026, 8, 8), hours=Decimal("1"), activity="导览",
                                    institution=h.provider)
    refreshed()
    assert row("VOLUNTEER-HRS", "2026-Q3").status == "on_track"
    # the month of May: 36.5 × 31/365 = 3.10, and 6.5 hours meet it
    may = row("VOLUNTEER-HRS", "2026-05")
    assert (may.target, may.status) == (Decimal("3.10"), "met")
    # a rate's quarter: no target, and the page says why
    ce = row("CE-PART", "2026-Q2")
    assert (ce.target, ce.status, ce.status_label) == (None, None, "本期无目标")
    assert "不按季度、月份分摊" in ce.target_note
    assert row("CE-PART", "2026").target == Decimal("35.00")
