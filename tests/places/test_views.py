"""Place pages: a place's page in the viewer's scope, and the back office behind it — population figures
typed in or imported from xlsx/CSV (GBK too), communities added one by one or imported."""


import pytest

from learncity.core.models import AuditEvent
from learncity.places.models import AGE_BAND_CODES, Place, PlaceLevel, PlaceSource, Population, PopulationBand
from learncity.places.services import community_create, population_band_columns, population_set
from tests.files import csv_bytes, xlsx
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN

# The tests' own city (tests/portal/world.py: 达州市, its 通川区 and 达川区), with figures for 东城街道 and a community
# of it and of 三里坪街道 (below).
DONGCHENG, XICHENG = "511702001", "511702002"  # streets of 通川区; 东城街道 holds the staff's institution
SANLIPING = "511703001"  # a street of 达川区
NEW_YEAR = 2030  # no figures exist for it


@pytest.fixture(scope="module", autouse=True)
def _more_of_the_world(world_built):
    population_set(actor=world_built.admin, place_code=DONGCHENG, year=2024, total=60500)
    population_set(actor=world_built.admin, place_code=DONGCHENG, year=2025, total=61000)
    community_create(actor=world_built.admin, parent_code=DONGCHENG, code=f"{DONGCHENG}001", name="洪山社区")
    community_create(actor=world_built.admin, parent_code=SANLIPING, code=f"{SANLIPING}001", name="三里坪测试社区")

BAND_HEADERS = [spellings[0] for spellings in population_band_columns().values()]  # 男0-14岁 … 女80+岁
BAND_FIELDS = [f"{sex}:{band}" for sex in ("M", "F") for band in AGE_BAND_CODES]  # the form's inputs


def dachuan_codes() -> list[str]:
    """达川区, one of its streets and one of that street's communities."""
    community = Place.objects.filter(parent__code=SANLIPING).order_by("code")[0]
    return [DACHUAN, SANLIPING, community.code]




def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def population_state():
    """Everything a population write could change."""
    return (
        sorted(Population.objects.values_list("place__code", "year", "total")),
        PopulationBand.objects.count(),
        AuditEvent.objects.count(),
    )


def places_state():
    return Place.objects.count(), AuditEvent.objects.count()


def population_form(total, year=NEW_YEAR, **bands) -> dict:
    data = {"year": str(year), "total": str(total)}
    data.update({k: str(v) for k, v in bands.items()})
    return data


def all_bands(count=100) -> dict:
    return {f: count for f in BAND_FIELDS}


def html(response) -> str:
    return response.content.decode()


# --- a place's page in scope ------------------------------------------------------------------------------


def test_district_admin_opens_their_district_with_its_streets(world, client_as):
    streets = list(Place.objects.filter(parent__code=TONGCHUAN).order_by("code"))

    response = client_as(world.district_admin).get(f"/places/{TONGCHUAN}/")

    assert response.status_code == 200
    page = html(response)
    assert f"<h2>下级区划（{len(streets)}）</h2>" in page
    for s in streets:
        assert f'<a href="/places/{s.code}/">{s.name}</a>' in page
    # the city above is named in the breadcrumbs, but not linked: it is outside the admin's scope
    assert "达州市 › " in page
    assert f'href="/places/{DAZHOU}/"' not in page


@pytest.mark.parametrize("index", [0, 1, 2], ids=["district", "street", "community"])
def test_district_admin_gets_404_for_a_place_of_another_district(world, client_as, index):
    code = dachuan_codes()[index]

    response = client_as(world.district_admin).get(f"/places/{code}/")

    assert response.status_code == 404
    assert Place.objects.get(code=code).name not in html(response)


def test_district_admin_population_post_to_another_district_changes_nothing(world, client_as):
    before = population_state()

    for code in dachuan_codes():
        response = client_as(world.district_admin).post(f"/places/{code}/population/", population_form(1800))
        assert response.status_code == 404

    assert population_state() == before


def test_district_admin_community_post_to_another_districts_street_changes_nothing(world, client_as):
    before = places_state()

    response = client_as(world.district_admin).post(f"/places/{SANLIPING}/communities/",
                                                       {"code": f"{SANLIPING}901", "name": "越界社区"})

    assert response.status_code == 404
    assert places_state() == before
    assert not Place.objects.filter(code=f"{SANLIPING}901").exists()


def test_staff_sees_only_their_institutions_street(world, client_as):
    client = client_as(world.staff)

    assert client.get(f"/places/{DONGCHENG}/").status_code == 200
    assert client.get(f"/places/{TONGCHUAN}/").status_code == 404
    assert client.get(f"/places/{XICHENG}/").status_code == 404


def test_staff_cannot_edit_their_streets_population(world, client_as):
    before = population_state()

    response = client_as(world.staff).post(f"/places/{DONGCHENG}/population/", population_form(1800, **all_bands()))

    assert response.status_code == 404
    assert population_state() == before


def test_learner_gets_404_for_places(world, client_as):
    assert client_as(world.learner).get(f"/places/{TONGCHUAN}/").status_code == 404


def test_auditor_reads_places_city_wide(world, client_as):
    client = client_as(world.auditor)

    for code in [TONGCHUAN, *dachuan_codes()]:
        response = client.get(f"/places/{code}/")
        assert response.status_code == 200
        assert f"<h1>{Place.objects.get(code=code).name} " in html(response)
    # and is offered no way to change them
    page = html(client.get(f"/places/{DONGCHENG}/"))
    assert f"/places/{DONGCHENG}/population/" not in page
    assert f"/places/{DONGCHENG}/communities/" not in page


def test_auditor_cannot_open_or_post_the_population_form(world, client_as):
    client = client_as(world.auditor)
    before = population_state()

    assert client.get(f"/places/{DONGCHENG}/population/").status_code == 404
    response = client.post(f"/places/{DONGCHENG}/population/", population_form(1800, **all_bands()))

    assert response.status_code == 404
    assert population_state() == before


def test_auditor_cannot_import_or_add_communities(world, client_as):
    client = client_as(world.auditor)
    population_before, places_before = population_state(), places_state()
    data = csv_bytes([["区划代码", "年份", "常住人口"], [DONGCHENG, NEW_YEAR, 1800]])

    assert client.get("/places/imports/").status_code == 403
    assert client.post("/places/imports/", {"kind": "population", "file": upload("p.csv", data)}).status_code == 403
    response = client.post(f"/places/{DONGCHENG}/communities/", {"code": f"{DONGCHENG}901", "name": "审计社区"})

    assert response.status_code == 404
    assert population_state() == population_before
    assert places_state() == places_before


# --- population, typed in ---------------------------------------------------------------------------------


def test_city_admin_population_form_shows_the_latest_figures(world, client_as):
    latest = Population.objects.filter(place__code=DONGCHENG).order_by("-year")[0]

    response = client_as(world.city_admin).get(f"/places/{DONGCHENG}/population/")

    assert response.status_code == 200
    page = html(response)
    assert f'<input id="year" name="year" value="{latest.year}"' in page
    assert f'<input id="total" name="total" value="{latest.total}"' in page


def test_city_admin_saves_population_with_bands(world, client_as):
    # given a street with no figures for NEW_YEAR
    client = client_as(world.city_admin)
    assert not Population.objects.filter(place__code=DONGCHENG, year=NEW_YEAR).exists()

    # when the city admin fills in the total and every band
    response = client.post(f"/places/{DONGCHENG}/population/", population_form(1800, **all_bands()))

    # then the figures are saved, audited, and the place page shows them
    assert response.status_code == 302
    assert response.url == f"/places/{DONGCHENG}/"
    pop = Population.objects.get(place__code=DONGCHENG, year=NEW_YEAR)
    assert pop.total == 1800
    assert sorted(pop.bands.values_list("sex", "age_band", "count")) == sorted(
        (f.split(":")[0], f.split(":")[1], 100) for f in BAND_FIELDS)
    assert AuditEvent.objects.filter(action="population.set", object_id=str(pop.pk)).count() == 1
    page = html(client.get(response.url))
    assert "<li class=\"success\">已保存 东城街道 2030 年人口</li>" in page
    assert '<span class="stat" data-testid="population-total">1,800</span> <span class="muted">（2030 年）</span>' in page
    assert '<tr><td>80+</td><td class="num">100</td><td class="num">100</td></tr>' in page


def test_city_admin_saves_a_total_without_bands(world, client_as):
    response = client_as(world.city_admin).post(f"/places/{DONGCHENG}/population/", population_form(1234))

    assert response.status_code == 302
    pop = Population.objects.get(place__code=DONGCHENG, year=NEW_YEAR)
    assert (pop.total, pop.bands.count()) == (1234, 0)


@pytest.mark.parametrize(("form", "message"), [
    (population_form("一千八"), "「一千八」不是整数"),
    (population_form(1800, **{**all_bands(), "F:80+": "很多"}), "「很多」不是整数"),
    (population_form(-5), "总人口「-5」必须是非负整数"),
    (population_form(1800, **{**all_bands(), "M:0-14": -100, "M:15-17": 300}), "M 0-14 的人数必须是非负整数"),
    (population_form(1700, **all_bands()), "分性别年龄段人数之和 1800 与总人口 1700 不相等"),
    (population_form(1800, **{"M:0-14": 900, "F:0-14": 900}), "分性别年龄段要么全部填写，要么都不填"),
    (population_form(1800, year=1900), "年份 1900 不在 1950–2100 之间"),
], ids=["text-total", "text-band", "negative-total", "negative-band", "bands-not-summing", "some-bands",
        "year-out-of-range"])
def test_city_admin_bad_population_is_refused_with_the_message_and_nothing_saved(world, client_as, form, message):
    before = population_state()

    response = client_as(world.city_admin).post(f"/places/{DONGCHENG}/population/", form)

    assert response.status_code == 400
    page = html(response)
    assert f"<li>{message}</li>" in page
    # the form comes back with what was typed, so nothing has to be typed again
    assert f'<input id="total" name="total" value="{form["total"]}"' in page
    assert population_state() == before


# --- population, imported ---------------------------------------------------------------------------------


def test_city_admin_imports_population_from_xlsx(world, client_as):
    # given an xlsx with two streets' figures, bands and all, for a new year
    data = xlsx([
        ["区划代码", "年份", "常住人口", *BAND_HEADERS],
        [DONGCHENG, NEW_YEAR, 1800, *[100] * 18],
        [XICHENG, NEW_YEAR, 3600, *[200] * 18],
    ])

    # when it is uploaded
    response = client_as(world.city_admin).post("/places/imports/",
                                                   {"kind": "population", "file": upload("人口.xlsx", data)})

    # then both rows are saved and the page says so
    assert response.status_code == 200
    page = html(response)
    assert "共 2 行：新增 2，更新 0。" in page
    assert "文件编码" not in page
    assert Population.objects.get(place__code=DONGCHENG, year=NEW_YEAR).total == 1800
    assert Population.objects.get(place__code=XICHENG, year=NEW_YEAR).total == 3600
    assert PopulationBand.objects.filter(population__year=NEW_YEAR).count() == 36


def test_city_admin_imports_a_gbk_csv_and_is_told_the_encoding(world, client_as):
    # given a CSV saved by Excel in GBK: one existing year (2025) and one new
    existing = Population.objects.get(place__code=DONGCHENG, year=2025)
    new_total = existing.total + 1
    data = csv_bytes([["区划代码", "年份", "常住人口"], [DONGCHENG, 2025, new_total], [XICHENG, NEW_YEAR, 5000]],
                     encoding="gbk")
    data.decode("gbk")  # really GBK, and
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # not UTF-8 by accident

    response = client_as(world.city_admin).post("/places/imports/",
                                                   {"kind": "population", "file": upload("人口.csv", data)})

    assert response.status_code == 200
    page = html(response)
    assert "共 2 行：新增 1，更新 1。" in page
    assert "文件编码：GBK/GB18030" in page
    existing.refresh_from_db()
    assert existing.total == new_total
    assert Population.objects.get(place__code=XICHENG, year=NEW_YEAR).total == 5000


@pytest.mark.parametrize(("filename", "data", "lines"), [
    (
        "wrong-columns.csv",
        csv_bytes([["区划代码", "年份", "人数"], [DONGCHENG, NEW_YEAR, 1800]]),
        ["表头不正确，未导入任何数据。缺少列 (missing columns): 常住人口；无法识别的列 (unknown columns): 人数。"
         "应有的列：区划代码、年份、常住人口"],
    ),
    (
        "text.xlsx",
        xlsx([["区划代码", "年份", "常住人口"], [DONGCHENG, NEW_YEAR, 1800], [XICHENG, "今年", "很多"]]),
        ["2 处错误，未导入任何数据。", "第 3 行「年份」: 「今年」不是数字", "第 3 行「常住人口」: 「很多」不是数字"],
    ),
    (
        "negative.csv",
        csv_bytes([["区划代码", "年份", "常住人口"], [DONGCHENG, NEW_YEAR, -5], [XICHENG, NEW_YEAR, 1800]], encoding="gbk"),
        ["1 处错误，未导入任何数据。", "第 2 行「常住人口」: 人数不能为负数（-5）"],
    ),
    (
        "negative-band.xlsx",
        xlsx([["区划代码", "年份", "常住人口", *BAND_HEADERS], [DONGCHENG, NEW_YEAR, 1800, -100, *[100] * 16, 200]]),
        ["1 处错误，未导入任何数据。", "第 2 行「男0-14岁」: 人数不能为负数（-100）"],
    ),
], ids=["wrong-columns", "text-in-numbers", "negative-total", "negative-band"])
def test_city_admin_bad_population_file_is_refused_with_every_error_and_nothing_saved(world, client_as, filename,
                                                                                      data, lines):
    before = population_state()

    response = client_as(world.city_admin).post("/places/imports/",
                                                   {"kind": "population", "file": upload(filename, data)})

    assert response.status_code == 400
    page = html(response)
    assert "<h2>未导入任何数据</h2>" in page
    errors = page.split('<ul class="errors">', 1)[1].split("</ul>", 1)[0]
    assert errors == "".join(f"<li>{line}</li>" for line in lines)
    assert population_state() == before


def test_import_without_a_file_is_refused(world, client_as):
    before = population_state()

    response = client_as(world.city_admin).post("/places/imports/", {"kind": "population"})

    assert response.status_code == 400
    assert "<li>请选择要上传的文件</li>" in html(response)
    assert population_state() == before


def test_district_admin_import_for_another_district_is_refused_whole(world, client_as):
    # given a file with one row in 通川区 (theirs) and one in 达川区 (not theirs)
    data = csv_bytes([["区划代码", "年份", "常住人口"], [DONGCHENG, NEW_YEAR, 1800], [SANLIPING, NEW_YEAR, 1800]])
    before = population_state()

    response = client_as(world.district_admin).post("/places/imports/",
                                                       {"kind": "population", "file": upload("p.csv", data)})

    # then neither row is saved
    assert response.status_code == 400
    assert "<li>第 3 行「区划代码」: 您无权修改「三里坪街道」的人口数据</li>" in html(response)
    assert population_state() == before


# --- communities ------------------------------------------------------------------------------------------


def test_city_admin_imports_communities(world, client_as):
    data = csv_bytes([["街道代码", "社区代码", "社区名称"], [DONGCHENG, f"{DONGCHENG}901", "新桥社区"],
                      [XICHENG, f"{XICHENG}901", "西湖社区"]])

    response = client_as(world.city_admin).post("/places/imports/",
                                                   {"kind": "communities", "file": upload("社区.csv", data)})

    assert response.status_code == 200
    assert "共 2 行：新增 2，更新 0。" in html(response)
    rows = sorted(Place.objects.filter(code__in=[f"{DONGCHENG}901", f"{XICHENG}901"])
                  .values_list("code", "name", "parent__code", "level", "source", "path"))
    assert rows == [
        (f"{DONGCHENG}901", "新桥社区", DONGCHENG, PlaceLevel.COMMUNITY, PlaceSource.IMPORT,
         f"/510000/511700/511702/{DONGCHENG}/{DONGCHENG}901/"),
        (f"{XICHENG}901", "西湖社区", XICHENG, PlaceLevel.COMMUNITY, PlaceSource.IMPORT,
         f"/510000/511700/511702/{XICHENG}/{XICHENG}901/"),
    ]


def test_city_admin_bad_communities_file_is_refused_and_nothing_saved(world, client_as):
    # given one good row and one whose code does not belong to its street
    data = xlsx([["街道代码", "社区代码", "社区名称"], [DONGCHENG, f"{DONGCHENG}901", "新桥社区"],
                 [DONGCHENG, f"{SANLIPING}901", "错码社区"]])
    before = places_state()

    response = client_as(world.city_admin).post("/places/imports/",
                                                   {"kind": "communities", "file": upload("社区.xlsx", data)})

    assert response.status_code == 400
    assert (f"<li>第 3 行「社区代码」: 社区/村代码「{SANLIPING}901」应为 12 位数字，并以所属街道/乡镇代码 {DONGCHENG} 开头</li>"
            in html(response))
    assert places_state() == before


def test_city_admin_adds_a_community_on_a_street_page(world, client_as):
    client = client_as(world.city_admin)
    # the street page offers the form
    assert f'action="/places/{DONGCHENG}/communities/"' in html(client.get(f"/places/{DONGCHENG}/"))

    response = client.post(f"/places/{DONGCHENG}/communities/", {"code": f"{DONGCHENG}901", "name": "新桥社区"})

    assert response.status_code == 302
    assert response.url == f"/places/{DONGCHENG}901/"
    place = Place.objects.get(code=f"{DONGCHENG}901")
    assert (place.name, place.parent.code, place.level, place.source) == (
        "新桥社区", DONGCHENG, PlaceLevel.COMMUNITY, PlaceSource.MANUAL)
    assert AuditEvent.objects.filter(action="place.create", object_id=str(place.pk)).count() == 1
    assert '<li class="success">已添加「新桥社区」</li>' in html(client.get(response.url))


@pytest.mark.parametrize(("code", "name", "message"), [
    ("123", "新桥社区", f"社区/村代码「123」应为 12 位数字，并以所属街道/乡镇代码 {DONGCHENG} 开头"),
    (f"{XICHENG}901", "新桥社区", f"社区/村代码「{XICHENG}901」应为 12 位数字，并以所属街道/乡镇代码 {DONGCHENG} 开头"),
    (f"{DONGCHENG}001", "重复社区", f"区划代码「{DONGCHENG}001」已存在"),
    (f"{DONGCHENG}901", "", "名称不能为空，且不超过 64 个字"),
], ids=["short", "other-street", "existing", "no-name"])
def test_city_admin_bad_community_shows_the_message_and_saves_nothing(world, client_as, code, name, message):
    client = client_as(world.city_admin)
    before = places_state()

    response = client.post(f"/places/{DONGCHENG}/communities/", {"code": code, "name": name})

    assert response.status_code == 302
    assert response.url == f"/places/{DONGCHENG}/"
    assert places_state() == before
    assert f'<li class="error">{message}</li>' in html(client.get(response.url))


def test_community_form_is_offered_on_streets_only(world, client_as):
    client = client_as(world.city_admin)
    before = places_state()

    assert "/communities/" not in html(client.get(f"/places/{TONGCHUAN}/"))
    response = client.post(f"/places/{TONGCHUAN}/communities/", {"code": f"{TONGCHUAN}901001", "name": "区下社区"})

    assert response.status_code == 302
    assert places_state() == before
    assert '<li class="error">「通川区」不是街道/乡镇，社区/村只能建在街道/乡镇之下</li>' in html(client.get(response.url))
