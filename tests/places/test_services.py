"""Writes to places: population figures (one at a time and imported), communities, the official divisions."""

from types import SimpleNamespace

import pytest

from learncity.core.errors import CellError, DomainError, FileRejected, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.places.models import AGE_BAND_CODES, Place, PlaceLevel, PlaceSource, Population, PopulationBand
from learncity.places.services import (
    ImportResult,
    communities_import,
    community_create,
    divisions_load,
    population_band_columns,
    population_import,
    population_set,
)
from tests.files import csv_bytes, xlsx
from tests.network.factories import committee_make, institution_make, member_unit_make
from tests.people.factories import account_make, learner_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place, population_make, street_of

# The tests' own city (tests/portal/world.py: 达州市, the administrators of 通川区 and 达川区), with what the module
# adds below: 2025 figures for 通川区 and a community (洪山社区) of 东城街道.
DONGCHENG, XICHENG = "511702001", "511702002"  # 东城街道, 西城街道: streets of 通川区
SANLIPING = "511703001"  # 三里坪街道, a street of 达川区
NEW_YEAR = 2030  # no figures exist for it


@pytest.fixture(scope="module", autouse=True)
def _more_of_the_world(world_built):
    population_set(actor=world_built.admin, place_code=TONGCHUAN, year=2025, total=650000)
    community_create(actor=world_built.admin, parent_code=DONGCHENG, code=f"{DONGCHENG}001", name="洪山社区")

BAND_HEADERS = [spellings[0] for spellings in population_band_columns().values()]  # 男0-14岁 … 女80+岁
BAND_KEYS = [tuple(k.split(":")) for k in population_band_columns()]  # ("M", "0-14") … ("F", "80+")


def bands_of(counts: list[int]) -> dict[tuple[str, str], int]:
    return dict(zip(BAND_KEYS, counts, strict=True))


# 18 counts, male then female, in AGE_BAND_CODES order; they add up to 1800.
COUNTS = [100] * 18




def counts() -> tuple[int, int]:
    return Population.objects.count(), PopulationBand.objects.count()


def import_rejected(actor, data: bytes, filename: str) -> FileRejected:
    before = counts()
    before_totals = dict(Population.objects.values_list("id", "total"))
    with pytest.raises(FileRejected) as exc:
        population_import(actor=actor, data=data, filename=filename)
    assert counts() == before, "a rejected file must write nothing"
    assert dict(Population.objects.values_list("id", "total")) == before_totals
    return exc.value


def population_of(code: str, year: int) -> tuple[int, dict[tuple[str, str], int]]:
    pop = Population.objects.get(place__code=code, year=year)
    return pop.total, {(b.sex, b.age_band): b.count for b in pop.bands.all()}


# --- population_set (in a world of its own: 达州市, see tests/places/factories.py) -----------------------------


@pytest.fixture
def dazhou(db):
    """达州市 with a district administrator of 通川区, another of 达川区, a city administrator, and nothing else."""
    return SimpleNamespace(
        admin=account_make("district_admin", place=place(TONGCHUAN)),
        other_admin=account_make("district_admin", place=place(DACHUAN)),
        city_admin=account_make("city_admin", place=place(DAZHOU)),
        district=place(TONGCHUAN), street=street_of(TONGCHUAN), other_street=street_of(DACHUAN),
    )


def test_population_set_creates_a_year_with_bands_and_audits(dazhou):
    # given a district admin of 通川区 and a street of it with no figures
    actor, street = dazhou.admin, dazhou.street

    # when they set the street's population with its bands
    pop = population_set(actor=actor, place_code=street.code, year=NEW_YEAR, total=1800, bands=bands_of(COUNTS))

    # then the figures are stored, and the write is audited
    assert population_of(street.code, NEW_YEAR) == (1800, bands_of(COUNTS))
    event = AuditEvent.objects.get(action="population.set", object_id=str(pop.pk))
    assert event.actor == actor
    assert event.detail == {"place": street.code, "year": NEW_YEAR, "total": 1800}


def test_population_set_replaces_the_figures_of_an_existing_year(dazhou):
    code = dazhou.street.code
    population_set(actor=dazhou.city_admin, place_code=code, year=NEW_YEAR, total=1800, bands=bands_of(COUNTS))
    new_counts = [50] * 9 + [150] * 9

    population_set(actor=dazhou.city_admin, place_code=code, year=NEW_YEAR, total=1800, bands=bands_of(new_counts))

    assert Population.objects.filter(place__code=code, year=NEW_YEAR).count() == 1
    assert population_of(code, NEW_YEAR) == (1800, bands_of(new_counts))


def test_a_new_total_without_bands_drops_the_bands_it_contradicts(dazhou):
    # given 2025 figures for 通川区 with bands that add up to the total
    population_make(dazhou.admin, dazhou.district, year=2025, total=1800, bands=bands_of(COUNTS))

    # when only a new total is set
    population_set(actor=dazhou.admin, place_code=TONGCHUAN, year=2025, total=2800)

    # then the old bands, which no longer add up, are not kept beside it
    assert population_of(TONGCHUAN, 2025) == (2800, {})


def test_the_same_total_without_bands_keeps_the_bands(dazhou):
    population_make(dazhou.admin, dazhou.district, year=2025, total=1800, bands=bands_of(COUNTS))

    population_set(actor=dazhou.admin, place_code=TONGCHUAN, year=2025, total=1800)

    assert population_of(TONGCHUAN, 2025) == (1800, bands_of(COUNTS))


def test_bands_that_do_not_add_up_are_refused_and_nothing_is_written(dazhou):
    before = counts()
    wrong = bands_of([100] * 17 + [99])

    with pytest.raises(DomainError) as exc:
        population_set(actor=dazhou.city_admin, place_code=dazhou.street.code, year=NEW_YEAR, total=1800, bands=wrong)

    assert exc.value.errors == {"bands": ["分性别年龄段人数之和 1799 与总人口 1800 不相等"]}
    assert counts() == before


@pytest.mark.parametrize(
    ("year", "total", "bands", "errors"),
    [
        (1900, 10, None, {"year": ["年份 1900 不在 1950–2100 之间"]}),
        ("二〇三〇", 10, None, {"year": ["年份「二〇三〇」不是整数"]}),
        (NEW_YEAR, -1, None, {"total": ["总人口「-1」必须是非负整数"]}),
        (NEW_YEAR, "10", None, {"total": ["总人口「10」必须是非负整数"]}),
        (NEW_YEAR, True, None, {"total": ["总人口「True」必须是非负整数"]}),
        (NEW_YEAR, 10, {("M", "0-14"): 11, ("F", "0-14"): -1}, {"bands": ["F 0-14 的人数必须是非负整数"]}),
        (NEW_YEAR, 10, {("X", "0-14"): 10}, {"bands": ["未知的性别/年龄段「X 0-14」"]}),
        (NEW_YEAR, 10, {("M", "0-17"): 10}, {"bands": ["未知的性别/年龄段「M 0-17」"]}),
    ],
)
def test_population_set_refuses_bad_values_and_writes_nothing(dazhou, year, total, bands, errors):
    before = counts()

    with pytest.raises(DomainError) as exc:
        population_set(actor=dazhou.city_admin, place_code=dazhou.street.code, year=year, total=total, bands=bands)

    assert exc.value.errors == errors
    assert counts() == before


def test_population_set_of_an_unknown_place_is_an_input_error(dazhou):
    before = Population.objects.count()

    with pytest.raises(DomainError) as exc:
        population_set(actor=dazhou.city_admin, place_code="519999", year=NEW_YEAR, total=1)

    assert exc.value.errors == {"place_code": ["未知的区划代码「519999」(unknown place code)"]}
    assert Population.objects.count() == before


def test_a_district_admin_cannot_set_population_in_another_district(dazhou):
    # given the admin of 通川区 and the 2025 figures of a street of 达川区
    other = dazhou.other_street
    population_make(dazhou.other_admin, other, year=2025, total=500)
    before_counts, before_figures = counts(), population_of(other.code, 2025)

    # when they try to change them, or to add a year there
    for year in (2025, NEW_YEAR):
        with pytest.raises(PermissionDenied):
            population_set(actor=dazhou.admin, place_code=other.code, year=year, total=1)

    # then nothing is written
    assert counts() == before_counts
    assert population_of(other.code, 2025) == before_figures


def _without_change_rights(role: str, dazhou) -> object:
    """An account of `role` in 达州 whose scope covers 通川区's street, but without the right to change places."""
    if role == "staff":
        return account_make("institution_staff", institution=institution_make(dazhou.admin, dazhou.street))
    if role == "reporter":
        committee = committee_make(dazhou.city_admin, dazhou.district)  # 通川区's (the city's is the world's)
        return account_make("member_unit_reporter", member_unit=member_unit_make(dazhou.city_admin, committee))
    if role == "learner":
        return learner_make(dazhou.street).user
    return account_make({"expert": "expert_reviewer", "auditor": "auditor"}[role], place=place(DAZHOU))


@pytest.mark.parametrize("role", ["staff", "reporter", "expert", "auditor", "learner"])
def test_roles_without_change_rights_on_places_cannot_set_population(dazhou, role):
    actor = _without_change_rights(role, dazhou)
    before = counts()

    with pytest.raises(PermissionDenied):
        population_set(actor=actor, place_code=dazhou.street.code, year=NEW_YEAR, total=1)

    assert counts() == before


def test_an_anonymous_actor_cannot_set_population(dazhou):
    with pytest.raises(PermissionDenied):
        population_set(actor=None, place_code=dazhou.street.code, year=NEW_YEAR, total=1)


# --- population_import: good files -----------------------------------------------------------------------

HEADER = ["区划代码", "年份", "常住人口"]


def test_population_import_from_xlsx_creates_and_updates(world):
    # given 2025 figures exist for 通川区 but not for 2030
    data = xlsx([HEADER, [TONGCHUAN, 2025, 700000], [DONGCHENG, NEW_YEAR, 61000], [XICHENG, NEW_YEAR, 52000]])

    # when a city admin imports an xlsx file
    result = population_import(actor=world.city_admin, data=data, filename="人口.xlsx")

    # then one row is updated, two are created, and the import is audited
    assert result == ImportResult(rows=3, created=2, updated=1, encoding=None, format="xlsx")
    assert Population.objects.get(place__code=TONGCHUAN, year=2025).total == 700000
    assert Population.objects.get(place__code=DONGCHENG, year=NEW_YEAR).total == 61000
    assert Population.objects.get(place__code=XICHENG, year=NEW_YEAR).total == 52000
    event = AuditEvent.objects.get(action="population.import")
    assert event.detail == {"filename": "人口.xlsx", "rows": 3, "created": 2, "updated": 1, "encoding": None}


def test_population_import_from_utf8_csv_with_english_headers(world):
    data = csv_bytes([["code", "year", "total"], [DONGCHENG, NEW_YEAR, "61,000"]])

    result = population_import(actor=world.district_admin, data=data, filename="population.csv")

    assert result == ImportResult(rows=1, created=1, updated=0, encoding="UTF-8", format="csv")
    assert population_of(DONGCHENG, NEW_YEAR) == (61000, {})


def test_population_import_from_gbk_csv_with_chinese_headers_and_bands(world):
    # given a GBK CSV as Excel saves it, with all 18 sex/age-band columns
    other = [60, 40, 70, 110, 120, 150, 90, 50, 10, 55, 38, 72, 108, 125, 160, 100, 70, 22]
    data = csv_bytes([HEADER + BAND_HEADERS, [DONGCHENG, NEW_YEAR, 1800, *COUNTS], [XICHENG, NEW_YEAR, sum(other), *other]],
                     encoding="gbk")

    # when it is imported
    result = population_import(actor=world.district_admin, data=data, filename="人口.csv")

    # then it was read as GBK, and totals and bands are stored
    assert result == ImportResult(rows=2, created=2, updated=0, encoding="GBK/GB18030", format="csv")
    assert population_of(DONGCHENG, NEW_YEAR) == (1800, bands_of(COUNTS))
    assert population_of(XICHENG, NEW_YEAR) == (sum(other), bands_of(other))


def test_population_import_with_bands_replaces_the_bands_of_an_existing_year(world):
    data = xlsx([HEADER + BAND_HEADERS, [TONGCHUAN, 2025, 1800, *COUNTS]])

    result = population_import(actor=world.district_admin, data=data, filename="人口.xlsx")

    assert (result.created, result.updated) == (0, 1)
    assert population_of(TONGCHUAN, 2025) == (1800, bands_of(COUNTS))


def test_band_columns_follow_the_age_bands():
    assert [f"{sex}{band}岁" for sex in "男女" for band in AGE_BAND_CODES] == BAND_HEADERS
    assert BAND_HEADERS[0] == "男0-14岁" and BAND_HEADERS[-1] == "女80+岁"


# --- population_import: bad files write nothing ----------------------------------------------------------


def test_wrong_columns_are_rejected(world):
    data = csv_bytes([["区划代码", "年份", "人口数"], [DONGCHENG, NEW_YEAR, 1]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.summary == ("表头不正确，未导入任何数据。缺少列 (missing columns): 常住人口；"
                           "无法识别的列 (unknown columns): 人口数。应有的列：区划代码、年份、常住人口")


def test_some_but_not_all_band_columns_are_rejected(world):
    data = csv_bytes([HEADER + BAND_HEADERS[:17], [DONGCHENG, NEW_YEAR, 1700, *COUNTS[:17]]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.summary == "分性别年龄段的列要么全部提供，要么都不提供。缺少：女80+岁"


def test_text_in_a_number_cell_names_row_and_column(world):
    data = xlsx([HEADER, [DONGCHENG, NEW_YEAR, 61000], [XICHENG, NEW_YEAR, "约五万"]])

    exc = import_rejected(world.city_admin, data, "人口.xlsx")

    assert exc.summary == "1 处错误，未导入任何数据。"
    assert exc.cell_errors == [CellError(3, "常住人口", "「约五万」不是数字")]


def test_negative_and_fractional_numbers_name_row_and_column(world):
    data = csv_bytes([HEADER, [DONGCHENG, NEW_YEAR, -5], [XICHENG, NEW_YEAR, "12.5"], [TONGCHUAN, "2030.5", 1]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [
        CellError(2, "常住人口", "人数不能为负数（-5）"),
        CellError(3, "常住人口", "「12.5」不是整数"),
        CellError(4, "年份", "「2030.5」不是整数"),
    ]


def test_an_empty_cell_and_a_year_out_of_range_name_row_and_column(world):
    data = csv_bytes([HEADER, [DONGCHENG, NEW_YEAR, ""], [XICHENG, 1900, 5]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [
        CellError(2, "常住人口", "不能为空"),
        CellError(3, "年份", "年份 1900 不在 1950–2100 之间"),
    ]


def test_an_unknown_place_code_names_row_and_column(world):
    data = csv_bytes([HEADER, [DONGCHENG, NEW_YEAR, 1], ["511799", NEW_YEAR, 2]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [CellError(3, "区划代码", "未知的区划代码「511799」")]


def test_duplicate_rows_name_the_repeated_row(world):
    data = csv_bytes([HEADER, [DONGCHENG, NEW_YEAR, 1], [XICHENG, NEW_YEAR, 2], [DONGCHENG, NEW_YEAR, 3]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [CellError(4, "区划代码", f"「{DONGCHENG}」{NEW_YEAR} 年在文件中重复")]


def test_bands_not_adding_up_to_the_total_name_row_and_column(world):
    data = csv_bytes([HEADER + BAND_HEADERS, [DONGCHENG, NEW_YEAR, 1800, *COUNTS], [XICHENG, NEW_YEAR, 1801, *COUNTS]],
                     encoding="gbk")

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [CellError(3, "常住人口", "分性别年龄段人数之和 1800 与总人口 1801 不相等")]
    assert exc.encoding == "GBK/GB18030"


def test_a_bad_band_cell_names_its_own_column(world):
    row = [DONGCHENG, NEW_YEAR, 1800, *COUNTS]
    row[3 + 10] = "x"  # 女15-17岁
    data = csv_bytes([HEADER + BAND_HEADERS, row], encoding="gbk")

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.cell_errors == [CellError(2, "女15-17岁", "「x」不是数字")]


def test_a_district_admin_cannot_import_figures_of_another_district(world):
    # given a file with one row of 通川区 (theirs) and one of 达川区 (not theirs)
    data = csv_bytes([HEADER, [DONGCHENG, NEW_YEAR, 1], [SANLIPING, NEW_YEAR, 2]])

    exc = import_rejected(world.district_admin, data, "人口.csv")

    # then the whole file is refused, naming the row, and even their own row is not written
    assert exc.cell_errors == [CellError(3, "区划代码", "您无权修改「三里坪街道」的人口数据")]
    assert not Population.objects.filter(year=NEW_YEAR).exists()


def test_every_error_of_a_file_is_reported_at_once(world):
    data = csv_bytes([HEADER, ["511799", NEW_YEAR, "abc"], [DONGCHENG, NEW_YEAR, -1]])

    exc = import_rejected(world.city_admin, data, "人口.csv")

    assert exc.summary == "3 处错误，未导入任何数据。"
    assert exc.cell_errors == [
        CellError(2, "区划代码", "未知的区划代码「511799」"),
        CellError(2, "常住人口", "「abc」不是数字"),
        CellError(3, "常住人口", "人数不能为负数（-1）"),
    ]


# --- communities -----------------------------------------------------------------------------------------


def test_community_create_adds_a_community_under_a_street(world):
    place = community_create(actor=world.district_admin, parent_code=DONGCHENG, code="511702001099", name=" 测试社区 ")

    assert (place.code, place.name, place.level, place.parent.code, place.path, place.source) == (
        "511702001099", "测试社区", PlaceLevel.COMMUNITY, DONGCHENG, "/510000/511700/511702/511702001/511702001099/",
        PlaceSource.MANUAL,
    )
    assert AuditEvent.objects.filter(action="place.create", object_id=str(place.pk)).count() == 1


@pytest.mark.parametrize(
    ("parent_code", "code", "name", "errors"),
    [
        (TONGCHUAN, "511702099001", "测试社区", {"parent": ["「通川区」不是街道/乡镇，社区/村只能建在街道/乡镇之下"]}),
        (DONGCHENG, "51170200109", "测试社区",
         {"code": ["社区/村代码「51170200109」应为 12 位数字，并以所属街道/乡镇代码 511702001 开头"]}),
        (DONGCHENG, "511702002099", "测试社区",
         {"code": ["社区/村代码「511702002099」应为 12 位数字，并以所属街道/乡镇代码 511702001 开头"]}),
        (DONGCHENG, "51170200109A", "测试社区",
         {"code": ["社区/村代码「51170200109A」应为 12 位数字，并以所属街道/乡镇代码 511702001 开头"]}),
        (DONGCHENG, "511702001099", "  ", {"name": ["名称不能为空，且不超过 64 个字"]}),
        (DONGCHENG, "511702001001", "重复社区", {"code": ["区划代码「511702001001」已存在"]}),
    ],
)
def test_community_create_refuses_bad_input_and_writes_nothing(world, parent_code, code, name, errors):
    before = Place.objects.count()

    with pytest.raises(DomainError) as exc:
        community_create(actor=world.city_admin, parent_code=parent_code, code=code, name=name)

    assert exc.value.errors == errors
    assert Place.objects.count() == before


def test_community_create_under_an_unknown_street_is_an_input_error(world):
    before = Place.objects.count()

    with pytest.raises(DomainError) as exc:
        community_create(actor=world.city_admin, parent_code="511702999", code="511702999001", name="测试社区")

    assert exc.value.errors == {"parent_code": ["未知的上级区划代码「511702999」(unknown place code)"]}
    assert Place.objects.count() == before


@pytest.mark.parametrize("username", ["district_admin_2", "staff", "auditor", "expert", "learner"])
def test_community_create_outside_the_actors_scope_is_denied(world, username):
    before = Place.objects.count()

    with pytest.raises(PermissionDenied):
        community_create(actor=world.user(username), parent_code=DONGCHENG, code="511702001099", name="测试社区")

    assert Place.objects.count() == before


COMMUNITY_HEADER = ["街道代码", "社区代码", "社区名称"]


def test_communities_import_adds_new_ones_and_keeps_existing_ones(world):
    # given a GBK file with two new communities and one that already exists
    data = csv_bytes([COMMUNITY_HEADER, [DONGCHENG, "511702001091", "新建一社区"], [XICHENG, "511702002091", "新建二社区"],
                      [DONGCHENG, "511702001001", "洪山社区"]], encoding="gbk")

    result = communities_import(actor=world.district_admin, data=data, filename="社区.csv")

    assert result == ImportResult(rows=3, created=2, unchanged=1, encoding="GBK/GB18030", format="csv")
    assert list(Place.objects.filter(code__in=["511702001091", "511702002091"]).values_list(
        "code", "name", "level", "parent__code", "path", "source")) == [
        ("511702001091", "新建一社区", PlaceLevel.COMMUNITY, DONGCHENG, "/510000/511700/511702/511702001/511702001091/",
         PlaceSource.IMPORT),
        ("511702002091", "新建二社区", PlaceLevel.COMMUNITY, XICHENG, "/510000/511700/511702/511702002/511702002091/",
         PlaceSource.IMPORT),
    ]
    assert AuditEvent.objects.filter(action="place.import").count() == 1


def test_communities_import_refuses_the_whole_file_naming_each_bad_row(world):
    # given rows: good; under a district (not a street); code not under its street; out of scope; a repeat
    data = xlsx([COMMUNITY_HEADER,
                 [DONGCHENG, "511702001091", "新建一社区"],
                 [TONGCHUAN, "511702001092", "区下社区"],
                 [DONGCHENG, "511702002093", "错码社区"],
                 [SANLIPING, "511703001094", "达川社区"],
                 [DONGCHENG, "511702001091", "重复社区"],
                 [DONGCHENG, "511702001095", ""]])
    before = Place.objects.count()

    with pytest.raises(FileRejected) as exc:
        communities_import(actor=world.district_admin, data=data, filename="社区.xlsx")

    assert exc.value.summary == "5 处错误，未导入任何数据。"
    assert exc.value.cell_errors == [
        CellError(3, "街道代码", "未知的街道/乡镇代码「511702」"),
        CellError(4, "社区代码", "社区/村代码「511702002093」应为 12 位数字，并以所属街道/乡镇代码 511702001 开头"),
        CellError(5, "街道代码", "您无权修改「三里坪街道」"),
        CellError(6, "社区代码", "代码「511702001091」在文件中重复"),
        CellError(7, "社区名称", "名称不能为空，且不超过 64 个字"),
    ]
    assert Place.objects.count() == before


def test_communities_import_with_wrong_columns_is_refused(world):
    data = csv_bytes([["街道代码", "社区代码"], [DONGCHENG, "511702001091"]])
    before = Place.objects.count()

    with pytest.raises(FileRejected) as exc:
        communities_import(actor=world.city_admin, data=data, filename="社区.csv")

    assert exc.value.summary == ("表头不正确，未导入任何数据。缺少列 (missing columns): 社区名称。"
                                 "应有的列：街道代码、社区代码、社区名称")
    assert Place.objects.count() == before


# --- the official divisions ------------------------------------------------------------------------------


def test_divisions_load_adds_nothing_when_everything_is_loaded(db):
    before = Place.objects.count()

    assert divisions_load() == 0
    assert divisions_load() == 0
    assert Place.objects.count() == before


def test_divisions_load_restores_a_missing_province_once(db):
    # given a province (宁夏) whose divisions are removed
    prefix = "/640000/"
    original = sorted(Place.objects.filter(path__startswith=prefix).values_list("code", "name", "level", "path"))
    assert len(original) > 200
    for level in (4, 3, 2, 1):
        Place.objects.filter(path__startswith=prefix, level=level).delete()
    others = Place.objects.count()

    # when the divisions are loaded for that province, then only it comes back, with the same paths
    assert divisions_load(province_codes={"640000"}) == len(original)
    assert sorted(Place.objects.filter(path__startswith=prefix).values_list("code", "name", "level", "path")) == original
    assert Place.objects.count() == others + len(original)
    street = Place.objects.filter(path__startswith=prefix, level=4).select_related("parent").first()
    assert street.path == f"{street.parent.path}{street.code}/"

    # and loading again adds nothing
    assert divisions_load(province_codes={"640000"}) == 0
    assert divisions_load() == 0


def test_a_refused_community_is_explained_in_english_to_an_admin_who_chose_english(world, api_as):
    # given the city admin's API client with English chosen, and one of the city's districts as the parent
    district = Place.objects.filter(level=PlaceLevel.DISTRICT, path__startswith=world.city.path).order_by("code").first()
    api = api_as(world.city_admin)
    api.cookies["django_language"] = "en"
    before = Place.objects.count()

    # when a community is added under the district
    response = api.post("/api/places/communities", {"parent_code": district.code, "code": f"{district.code}001001",
                                                    "name": "Test community"}, content_type="application/json")

    # then the refusal is in English and names the place; nothing is written
    assert response.status_code == 400
    assert response.json()["errors"] == {"parent": [
        f"“{district.name}” is not a street or town: communities and villages can only be added under one"]}
    assert Place.objects.count() == before
