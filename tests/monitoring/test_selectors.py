"""Scopes and the public dashboard: who sees which places and indicators; small cells suppressed."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Role
from learncity.monitoring import selectors
from learncity.monitoring.models import Indicator
from learncity.monitoring.periods import period_parse
from learncity.places.models import Place, PlaceLevel
from tests.network.factories import institution_make
from tests.people import factories as people_factories
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, community_make, place, street_of

from .factories import officials_make

YEAR = period_parse("2026")


@pytest.fixture
def root(db):
    """A superuser of the test's own (every scope), not the demo city's admin."""
    return people_factories.root()


@pytest.fixture
def officials(db):
    """达州市's own administrators, auditor and learner (see factories.officials_make)."""
    return officials_make()


# The demo city's own figures: its seeded targets and records (the overview, the drill-down's sums, the public
# dashboard, which shows the demo city) are the subject of these three, which read them as they are.


def test_the_city_admin_opens_on_the_city_with_every_indicator(users, city):
    o = selectors.monitoring_overview(actor=users["city_admin"], period=YEAR)
    assert o.place.code == "350100"
    assert [r.indicator.code for r in o.rows] == list(Indicator.objects.order_by("order").values_list("code", flat=True))
    ce = next(r for r in o.rows if r.indicator.code == "CE-PART")
    assert ce.target == Decimal("35.00") and ce.status in {"met", "on_track", "behind"}
    assert ce.actual.numerator > 0 and ce.actual.denominator > 0


def test_a_district_admin_sees_their_district_and_below_only(officials):
    admin = officials["district_admin"]
    city, dachuan = place(DAZHOU), place(DACHUAN)
    mine = street_of(TONGCHUAN)
    community_make(officials["admin"], mine)
    o = selectors.monitoring_overview(actor=admin, period=YEAR)
    assert o.place.name == "通川区"
    street_elsewhere = street_of(dachuan)
    for place_ in (city, dachuan, street_elsewhere):
        with pytest.raises(NotFound):
            selectors.monitoring_overview(actor=admin, place_id=place_.pk)
        with pytest.raises(NotFound):
            selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=place_.pk)
    d = selectors.indicator_drilldown(actor=admin, code="CE-PART", period=YEAR)
    assert d.ancestors == [] and {c.place.level for c in d.children} == {PlaceLevel.STREET}
    street = next(c.place for c in d.children if c.place.id == mine.pk)
    s = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=street.id, period=YEAR)
    assert [a.name for a in s.ancestors] == ["通川区"]
    assert {c.place.level for c in s.children} == {PlaceLevel.COMMUNITY}


@pytest.mark.parametrize("who", ["learner", "staff", None])
def test_learners_staff_and_anonymous_get_no_monitoring(officials, who):
    if who == "staff":
        school = institution_make(officials["admin"], street_of(TONGCHUAN))
        officials["staff"] = people_factories.account_make(Role.INSTITUTION_STAFF, institution=school)
    actor = officials[who] if who else None
    for call in (lambda: selectors.monitoring_overview(actor=actor),
                 lambda: selectors.indicator_drilldown(actor=actor, code="CE-PART"),
                 lambda: selectors.indicator_list(actor=actor),
                 lambda: selectors.targets_list(actor=actor)):
        with pytest.raises(PermissionDenied):
            call()


def test_the_drilldown_adds_up(users, city):
    """Every resident lives in one place, so persons and person-times of the children add up to the parent."""
    admin = users["city_admin"]
    for code in ("CE-PART", "NONACAD-PT", "VOLUNTEER-HRS", "NONACAD-CERT"):
        d = selectors.indicator_drilldown(actor=admin, code=code, period=YEAR)
        assert sum(c.actual.numerator for c in d.children) == d.row.actual.numerator > 0, code
        busiest = max(d.children, key=lambda c: c.actual.numerator)
        d2 = selectors.indicator_drilldown(actor=admin, code=code, place_id=busiest.place.id, period=YEAR)
        assert sum(c.actual.numerator for c in d2.children) == d2.row.actual.numerator == busiest.actual.numerator


def test_the_public_dashboard_shows_published_indicators_and_suppresses_small_cells(db, settings):
    published = set(Indicator.objects.filter(published=True).values_list("code", flat=True))
    settings.LEARNCITY_MONITORING_MIN_CELL = 10
    o = selectors.public_overview(period=YEAR)
    assert {r.indicator.code for r in o.rows} == published and "EMP-CE" not in published
    ce = next(r for r in o.rows if r.indicator.code == "CE-PART")
    assert not ce.actual.suppressed and ce.actual.numerator >= 10
    settings.LEARNCITY_MONITORING_MIN_CELL = 10_000
    o = selectors.public_overview(period=YEAR)
    rows = {r.indicator.code: r for r in o.rows}
    assert rows["CE-PART"].actual == selectors.Value(None, None, rows["CE-PART"].actual.denominator, suppressed=True)
    assert rows["CE-PART"].status is None
    assert not rows["STREET-SCHOOL"].actual.suppressed  # counts of places are not about people
    with pytest.raises(NotFound):
        selectors.public_drilldown(code="EMP-CE")
    d = selectors.public_drilldown(code="NONACAD-PT", period=YEAR)
    assert d.children and all(c.actual.suppressed for c in d.children)
    street = Place.objects.filter(parent_id=d.children[0].place.id).first()
    assert selectors.public_drilldown(code="NONACAD-PT", place_id=street.pk).children == []
    community = Place.objects.filter(parent=street).first()
    with pytest.raises(NotFound):
        selectors.public_drilldown(code="NONACAD-PT", place_id=community.pk)


def test_bad_inputs_to_the_selectors(officials):
    admin = officials["city_admin"]
    with pytest.raises(NotFound):
        selectors.indicator_drilldown(actor=admin, code="NOPE")
    with pytest.raises(DomainError) as exc:
        selectors.indicator_series(actor=admin, code="CE-PART", grain="week")
    assert "grain" in exc.value.errors
    with pytest.raises(DomainError) as exc:
        selectors.monitoring_overview(actor=admin, period=period_parse("2026-01-10..2026-02-20"))
    assert "整月" in exc.value.errors["period"][0]


def test_the_command_refreshes_recomputes_and_verifies(db, capsys):
    call_command("monitoring", "refresh")
    call_command("monitoring", "verify", "--year", "2026")
    assert "一致" in capsys.readouterr().out
    call_command("monitoring", "recompute", "--year", "2026")
    assert "已全量重算 2026" in capsys.readouterr().out


def test_learning_organisations_by_kind_and_by_department(users, root, hand_city):
    admin = root
    by_kind = selectors.learning_organisations_by(actor=admin, by="kind", place_id=hand_city.city.pk, year=2026)
    assert {r.key: r.value.numerator for r in by_kind if r.value.numerator} == {"agency": 1, "enterprise": 1}
    assert len(by_kind) == 6
    later = selectors.learning_organisations_by(actor=admin, by="kind", place_id=hand_city.city.pk, year=2027)
    assert {r.key: r.value.numerator for r in later if r.value.numerator} == {"agency": 1, "enterprise": 1, "family": 1}
    # the demo city's, by the member unit that recommended them, add up to the indicator (the subject here is the
    # demo city's own figures: its administrator, on its seeded organisations)
    city_admin = users["city_admin"]
    rows = selectors.learning_organisations_by(actor=city_admin, by="member_unit", year=2026)
    total = selectors.indicator_drilldown(actor=city_admin, code="LEARNING-ORG", period=YEAR).row.actual.numerator
    assert sum(r.value.numerator for r in rows) == total > 0
    assert "福州市教育局" in [r.label for r in rows]
    with pytest.raises(DomainError):
        selectors.learning_organisations_by(actor=city_admin, by="colour")
    with pytest.raises(PermissionDenied):
        selectors.learning_organisations_by(actor=people_factories.learner_make(street_of(TONGCHUAN)).user, by="kind")


# --- the public dashboard's small cells, judged by people, with secondary suppression ------------------------

def _public_hand_city(hand_city):
    from learncity.network.models import Committee
    Committee.objects.create(place=hand_city.city, name="测试市终身教育促进委员会")
    return hand_city.city.code


def test_a_public_figure_from_few_people_is_suppressed_however_many_person_times(hand_city, settings):
    """P1 alone has five non-academic records in 2026 in 一社区: five person-times, but one person."""
    from tests.monitoring.conftest import record, refreshed

    code = _public_hand_city(hand_city)
    for day in range(1, 6):
        record(hand_city, hand_city.people["P1"], datetime.date(2026, 3, day), "community")
    refreshed()
    year = period_parse("2026")
    settings.LEARNCITY_MONITORING_MIN_CELL = 2
    city = selectors.public_drilldown(code="NONACAD-PT", city_code=code, period=year)
    assert city.row.actual.suppressed and city.row.actual.value is None and city.row.actual.numerator is None
    settings.LEARNCITY_MONITORING_MIN_CELL = 1
    city = selectors.public_drilldown(code="NONACAD-PT", city_code=code, period=year)
    assert (city.row.actual.suppressed, city.row.actual.value) == (False, Decimal(5))


def test_one_hidden_child_hides_its_smallest_sibling_too(hand_city, settings):
    """甲区 has three people learning in 2026 (P1, P2, P5), 乙区 one (P4). With cells under 2 people hidden, 乙区 is
    hidden, and 甲区 with it: otherwise 乙区 = the city − 甲区."""
    from tests.monitoring.conftest import record, refreshed

    code = _public_hand_city(hand_city)
    h = hand_city
    for key, day in (("P1", 1), ("P2", 2), ("P5", 3), ("P4", 4)):
        record(h, h.people[key], datetime.date(2026, 3, day), "community")
    refreshed()
    settings.LEARNCITY_MONITORING_MIN_CELL = 2
    got = selectors.public_drilldown(code="NONACAD-PT", city_code=code, period=period_parse("2026"))
    assert (got.row.actual.suppressed, got.row.actual.value) == (False, Decimal(4))
    assert [(c.place.name, c.actual.suppressed, c.actual.value) for c in got.children] == [
        ("甲区", True, None), ("乙区", True, None)]
    settings.LEARNCITY_MONITORING_MIN_CELL = 1
    got = selectors.public_drilldown(code="NONACAD-PT", city_code=code, period=period_parse("2026"))
    assert [(c.place.name, c.actual.suppressed, c.actual.value) for c in got.children] == [
        ("甲区", False, Decimal(3)), ("乙区", False, Decimal(1))]


def test_a_rate_above_100_percent_is_flagged_with_its_reason(root, hand_city):
    """一街道's 2026 population counts 1 adult, but 2 of its adults (P1 and P5 of 一社区) have recognised
    community-education records in 2026: 200%, flagged with why. The city's rate (under 100%) is not flagged."""
    from learncity.places.models import Population, PopulationBand

    from .conftest import record, refreshed

    admin, h = root, hand_city
    record(h, h.people["P1"], datetime.date(2026, 3, 10), "community")
    record(h, h.people["P5"], datetime.date(2026, 4, 10), "community")
    pop = Population.objects.create(place=h.s1, year=2026, total=3)
    PopulationBand.objects.create(population=pop, sex="F", age_band="45-59", count=1)
    PopulationBand.objects.create(population=pop, sex="M", age_band="0-14", count=2)
    refreshed()
    row = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=h.s1.pk, period=YEAR).row
    assert (row.actual.value, row.actual.numerator, row.actual.denominator) == (Decimal("200.00"), 2, 1)
    assert row.actual.over_100
    assert row.actual.flag.startswith("超过 100%：分子 2 人是有学习记录的居民（按现居住地），多于分母 1 人（2026 年常住人口统计）。")
    # 一社区 has no figures of its own for 2026 and none for 2025 either: no rate, no flag; the city is under 100%
    city = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=h.city.pk, period=YEAR)
    assert city.row.actual.value < 100 and not city.row.actual.over_100 and city.row.actual.flag == ""
    # the drill-down page shows the flag beside the value
    from django.test import Client

    c = Client()
    c.force_login(admin)
    page = c.get(f"/monitor/i/CE-PART/?place={h.s1.pk}&period=2026").content.decode()
    assert 'data-testid="over-100"' in page and "多于分母 1 人" in page
    # a rate over figures of an earlier year says so
    Population.objects.filter(pk=pop.pk).update(year=2025)
    flag = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=h.s1.pk, period=YEAR).row.actual.flag
    assert "（2025 年常住人口统计）。本期没有当年的人口数据，用的是 2025 年的。" in flag
