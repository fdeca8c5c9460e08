"""The demo city: built once, deterministic, complete (every street and community served), figures that add up."""

from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from learncity.core.models import AuditEvent
from learncity.core.scopes import Role
from learncity.demo.builder import POPULATION_YEAR, demo_build, demo_models
from learncity.network.models import (
    Committee,
    Designation,
    Institution,
    InstitutionKind,
    MemberUnit,
    NetworkLevel,
)
from learncity.network.services import institution_create
from learncity.people.models import LearnerProfile, RoleAssignment, User
from learncity.places.models import Place, PlaceLevel, PlaceSource, Population, PopulationBand
from learncity.places.selectors import place_list

FUZHOU_PATH = "/350000/350100/"
DAZHOU_PATH = "/510000/511700/"
JINCHANG = "620300"  # 金昌市: two districts, a small city to build twice


def table_counts() -> dict[str, int]:
    models = (Place, Population, PopulationBand, NetworkLevel, Institution, Committee, MemberUnit, Designation,
              User, RoleAssignment, LearnerProfile, AuditEvent)
    return {m._meta.label: m.objects.count() for m in models}


def city_fingerprint(path: str) -> dict[str, list]:
    """Everything generated for a city, by natural keys (not ids, which differ between builds)."""
    return {
        "communities": list(Place.objects.filter(path__startswith=path, level=PlaceLevel.COMMUNITY)
                            .order_by("code").values_list("code", "name")),
        "population": list(Population.objects.filter(place__path__startswith=path)
                           .order_by("place__code", "year").values_list("place__code", "year", "total")),
        "institutions": list(Institution.objects.filter(place__path__startswith=path)
                             .order_by("code").values_list("code", "name", "kind", "place__code", "parent__code",
                                                           "phone")),
        "residents": list(LearnerProfile.objects.filter(residence__path__startswith=path)
                          .order_by("id_number_masked", "name").values_list("name", "id_number_masked", "birth_date",
                                                                            "residence__code", "phone")),
        "users": sorted(User.objects.filter(username__startswith=f"{JINCHANG}_").values_list("username",
                                                                                             "display_name")),
    }


def build_and_forget(**kwargs) -> dict[str, list]:
    """Build 金昌市 inside a savepoint, take its fingerprint, and roll the build back."""
    with transaction.atomic():
        result = demo_build(city=JINCHANG, **kwargs)
        assert result.created
        fingerprint = city_fingerprint(result.city.path)
        transaction.set_rollback(True)
    assert not Population.objects.filter(place__code=JINCHANG).exists()
    return fingerprint


# --- built once --------------------------------------------------------------------------------------------


def test_building_the_demo_city_again_reports_it_and_adds_nothing(db):
    # given the demo city built by the test session
    before = table_counts()

    # when it is built again, with the same or another size
    again = demo_build(residents=300)
    bigger = demo_build(residents=5000)

    # then it is reported as already there, and no row is added anywhere
    assert (again.created, again.city.code, again.residents) == (False, "350100", 300)
    assert (bigger.created, bigger.residents) == (False, 300)
    assert table_counts() == before


def test_the_second_build_still_lists_the_sign_ins(db):
    result = demo_build(residents=300)

    assert [username for _, username, _ in result.signins] == [
        "city_admin", "district_admin", "district_admin_2", "staff", "reporter", "expert", "auditor", "inspector",
        "learner", "admin"]


def analysed_tables() -> set[str]:
    """The tables the planner has statistics for: PostgreSQL's pg_stats, SQLite's sqlite_stat1."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
        else:  # sqlite_stat1 exists once ANALYZE has run
            cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cur.fetchone():
                return set()
            cur.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cur.fetchall()}


def test_the_demo_build_leaves_statistics_for_every_table_it_filled(db):
    # given the demo city built by the test session (autovacuum never saw it: it ran a moment ago)
    filled = {m._meta.db_table for m in demo_models() if m._default_manager.exists()}

    # then every table it wrote has the planner's statistics, not only the few the builders analysed on the way
    assert len(filled) > 40
    assert filled - analysed_tables() == set()


# --- deterministic -----------------------------------------------------------------------------------------


def test_the_same_seed_builds_the_same_city(db):
    first = build_and_forget(residents=40, seed=7)
    second = build_and_forget(residents=40, seed=7)

    assert first == second
    assert len(first["communities"]) > 50
    assert len(first["residents"]) == 40
    assert len(first["users"]) == 9  # the eight roles' accounts and the committee's inspector


def test_another_seed_builds_another_city(db):
    first = build_and_forget(residents=40, seed=7)
    other = build_and_forget(residents=40, seed=8)

    assert other["communities"] != first["communities"]
    assert other["residents"] != first["residents"]


# --- complete ----------------------------------------------------------------------------------------------


def test_every_street_of_the_city_has_a_community_school(db):
    streets = set(Place.objects.filter(path__startswith=FUZHOU_PATH, level=PlaceLevel.STREET)
                  .values_list("id", flat=True))
    schools = Institution.objects.filter(place__path__startswith=FUZHOU_PATH, kind=InstitutionKind.COMMUNITY_SCHOOL)

    assert len(streets) == 181
    assert set(schools.values_list("place_id", flat=True)) == streets
    assert schools.count() == len(streets)
    # each sits at the street level of the network, under its own district's college
    assert set(schools.values_list("network_level__rank", "network_level__name")) == {(3, "社区学校")}
    assert not [s.pk for s in schools.select_related("place", "parent__place")
                if s.parent.place_id != s.place.parent_id]


def test_every_generated_community_has_a_learning_room_under_its_street_school(db):
    communities = Place.objects.filter(path__startswith=FUZHOU_PATH, level=PlaceLevel.COMMUNITY)
    rooms = Institution.objects.filter(place__path__startswith=FUZHOU_PATH, kind=InstitutionKind.LEARNING_ROOM)

    assert set(communities.values_list("source", flat=True)) == {PlaceSource.GENERATED}
    assert set(rooms.values_list("place_id", flat=True)) == set(communities.values_list("id", flat=True))
    assert rooms.count() == communities.count() > 1000
    assert set(rooms.values_list("network_level__rank", flat=True)) == {4}
    assert not [r.pk for r in rooms.select_related("place", "parent")
                if (r.parent.kind, r.parent.place_id) != (InstitutionKind.COMMUNITY_SCHOOL, r.place.parent_id)]


def test_the_demo_institutions_follow_the_network_rules(db):
    # every network institution's parent is one level up; the top has no parent
    network = Institution.objects.filter(place__path__startswith=FUZHOU_PATH, network_level__isnull=False)
    pairs = set(network.values_list("network_level__rank", "parent__network_level__rank"))

    assert pairs == {(1, None), (2, 1), (3, 2), (4, 3)}
    assert network.filter(network_level__rank=1).count() == 1


# --- figures that add up -----------------------------------------------------------------------------------


def test_the_population_adds_up_at_every_level(db):
    totals = dict(Population.objects.filter(place__path__startswith=FUZHOU_PATH, year=POPULATION_YEAR)
                  .values_list("place_id", "total"))
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in Place.objects.filter(path__startswith=FUZHOU_PATH).values_list("id", "parent_id"):
        children[parent_id].append(pk)
    city = Place.objects.get(code="350100")

    # the districts' totals add up to the city's, which is its residents (the demo's sample stands for the
    # city's population in every year it shows: monitoring_builder._sample_population)
    districts = children[city.pk]
    assert len(districts) == 13
    assert sum(totals[d] for d in districts) == totals[city.pk] == LearnerProfile.objects.filter(
        residence__path__startswith=FUZHOU_PATH).count()

    # and every place with figures below it is the sum of its children
    mismatched = [pk for pk, kids in children.items()
                  if pk in totals and kids and sum(totals[k] for k in kids) != totals[pk]]
    assert mismatched == []
    assert len(totals) == 1 + 13 + 181 + Place.objects.filter(path__startswith=FUZHOU_PATH, level=5).count()


def test_every_population_has_bands_that_add_up_to_its_total(db):
    pops = Population.objects.filter(place__path__startswith=FUZHOU_PATH)
    band_sums = dict(PopulationBand.objects.filter(population__in=pops).values_list("population_id")
                     .annotate(n=Sum("count")).values_list("population_id", "n"))
    band_counts = PopulationBand.objects.filter(population__in=pops).count()

    assert band_counts == 18 * pops.count()
    assert {pk: total for pk, total in pops.values_list("id", "total")} == band_sums


# --- a three-level city ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _dazhou_built(module_transaction):
    with module_transaction.unblock():
        return demo_build(city="达州市", residents=20)


@pytest.fixture
def dazhou(_dazhou_built, db):
    """达州市 built beside 福州, with its own three-level network preset and a handful of residents: once for the
    module (its tests change it only inside their own savepoints)."""
    return _dazhou_built


def test_a_three_level_preset_city_builds_with_its_own_levels(dazhou):
    assert (dazhou.created, dazhou.city.code, dazhou.residents) == (True, "511700", 20)
    assert list(NetworkLevel.objects.filter(city=dazhou.city).values_list("rank", "name", "tier")) == [
        (1, "继续教育大学", 0), (2, "继续教育学院", 1), (3, "继续教育中心", 3)]
    network = Institution.objects.filter(place__path__startswith=DAZHOU_PATH, network_level__isnull=False)
    assert set(network.values_list("network_level__rank", "place__level", "kind")) == {
        (1, PlaceLevel.CITY, InstitutionKind.CONTINUING_EDUCATION_CENTRE),
        (2, PlaceLevel.DISTRICT, InstitutionKind.CONTINUING_EDUCATION_CENTRE),
        (3, PlaceLevel.COMMUNITY, InstitutionKind.CONTINUING_EDUCATION_CENTRE),
    }
    # with no street level, each community centre hangs directly under its district's college
    assert set(network.values_list("network_level__rank", "parent__network_level__rank")) == {
        (1, None), (2, 1), (3, 2)}
    assert not Institution.objects.filter(place__path__startswith=DAZHOU_PATH,
                                          kind=InstitutionKind.COMMUNITY_SCHOOL).exists()


def test_a_three_level_city_counts_what_it_built(dazhou):
    network_counts = {k: dazhou.counts[k] for k in ("streets", "communities", "institutions")}
    assert network_counts == {
        "streets": Place.objects.filter(path__startswith=DAZHOU_PATH, level=PlaceLevel.STREET).count(),
        "communities": Place.objects.filter(path__startswith=DAZHOU_PATH, level=PlaceLevel.COMMUNITY).count(),
        "institutions": Institution.objects.filter(place__path__startswith=DAZHOU_PATH).count(),
    }
    assert dazhou.counts["streets"] == 200
    assert LearnerProfile.objects.filter(residence__path__startswith=DAZHOU_PATH).count() == 20
    assert Population.objects.get(place=dazhou.city, year=POPULATION_YEAR).total == 20  # the sample


def test_a_second_city_has_its_own_users_and_leaves_the_first_alone(dazhou):
    admin = User.objects.get(username="511700_city_admin")
    fuzhou_admin = User.objects.get(username="city_admin")

    assert list(admin.role_assignments.values_list("role", "place__code")) == [(Role.CITY_ADMIN, "511700")]
    assert not place_list(actor=admin).filter(path__startswith=FUZHOU_PATH).exists()
    assert not place_list(actor=fuzhou_admin).filter(path__startswith=DAZHOU_PATH).exists()
    assert demo_build(city="达州市", residents=20).created is False


def test_the_three_level_citys_admin_adds_a_centre_at_its_community_level(dazhou):
    # given the city admin of 达州 and one of its communities with its district's college
    admin = User.objects.get(username="511700_city_admin")
    community = Place.objects.filter(path__startswith=DAZHOU_PATH, level=PlaceLevel.COMMUNITY).order_by("code").first()
    college = Institution.objects.get(place=community.parent.parent, network_level__rank=2)
    bottom = NetworkLevel.objects.get(city=dazhou.city, rank=3)

    # when they add a second centre there through the service
    centre = institution_create(actor=admin, code="DZ-TEST-01", name=f"{community.name}第二继续教育中心",
                                kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE, place_code=community.code,
                                parent_code=college.code, network_level_id=bottom.pk)

    # then the service accepts what the builder builds
    assert (centre.network_level.rank, centre.parent.code) == (3, college.code)


def test_the_demo_history_arrives_through_the_intake_path(users):
    """The providers' yearly files went through job_submit and job_run: one job per provider, every valid row a
    record, recognised where a standard fits, and the community school's three wrong rows in its error report."""
    from io import BytesIO

    from openpyxl import load_workbook

    from learncity.catalog.models import LearningRecord
    from learncity.creditbank.models import Outcome
    from learncity.intake import services as intake
    from learncity.intake.models import ImportJob, JobStatus

    school = users["staff"].role_assignments.get().institution
    city = Place.objects.get(code="350100")
    jobs = list(ImportJob.objects.filter(institution__place__path__startswith=city.path).order_by("pk"))
    assert len(jobs) >= 2 and all(j.status == JobStatus.DONE and j.source == "cli" for j in jobs)
    for job in jobs:
        records = LearningRecord.objects.filter(provider=job.institution, source="import")
        assert job.rows_new == job.rows_total - job.rows_invalid == records.count() > 0
        assert job.recognised == Outcome.objects.filter(learning_record__in=records).count() > 0
        assert job.created_by == users["city_admin"] and "新增" in job.message
    own = next(j for j in jobs if j.institution == school)
    assert own.rows_invalid == 3 and own.has_report
    ws = load_workbook(BytesIO(intake.report_xlsx(own)), read_only=True).worksheets[0]
    errors = [r[-1] for r in ws.iter_rows(min_row=2, values_only=True) if r[-2] == "有错误，未接收"]
    assert len(errors) == 3
    assert any("姓名与该身份证号码登记的姓名不一致" in e for e in errors)
    assert any("在未来" in e for e in errors) and any("未知的课程代码「SQ-9999」" in e for e in errors)


def test_the_demo_learner_has_a_transcript_and_an_earlier_one_withdrawn(users):
    from learncity.creditbank.models import Transcript
    from learncity.creditbank.selectors import transcript_verify

    issued = list(Transcript.objects.filter(account__learner__user=users["learner"]).order_by("issued_at", "pk"))
    assert len(issued) == 2
    earlier, current = (transcript_verify(t.token) for t in issued)
    assert not earlier.valid and any("撤回" in r for r in earlier.reasons)
    assert issued[0].withdrawal.reason == "交给原单位的副本，不再使用"
    assert current.valid, current.reasons
