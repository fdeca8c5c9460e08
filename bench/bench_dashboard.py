"""Benchmark: the monitoring dashboard at city scale (overview and district drill-down p50/p95, full recompute).

On a fresh throwaway database (SQLite in a temporary data folder; with --postgres a new database on the server
of DATABASE_URL, dropped afterwards) a child process migrates (which seeds the indicators) and generates,
set-based — one INSERT … SELECT per table over a generated series of numbers —, a made-up city of districts,
streets and communities with their population, institutions of every kind, --residents residents (a share of
them registered as employees) and --records learning records over two years, a fifth of the course records
recognised by the credit bank (an outcome each). Then it measures:

- the full recompute of every indicator's rollups for the year (`rollups_recompute(year)`; goal ≤ 60 s): every
  figure worked out anew from the raw rows and reconciled with the rollups there; and the same after the year's
  rollups (and the resident cells) were thrown away, so that every row is written;
- the city overview and a district drill-down as the city administrator sees them, the page served end to end
  (Django test client: selectors, template, charts' data) and the selectors alone, p50/p95 (goal p95 ≤ 200 ms);
  the public dashboard and a public drill-down, the quarterly report and the annual statistics: each with its
  queries and its time alone (the cache emptied before every request, comparable with the figures from before
  the cache), and the public dashboard as the crowd gets it (cached);
- the same numbers by a straightforward SQL GROUP BY over the raw records (distinct persons per district, the
  record counts), the time and the ratio; and it checks that both give the same numbers.

    learncity bench dashboard --postgres                                    # 1,000,000 residents, 10,000,000 records
    learncity bench dashboard --residents 20000 --records 200000            # small, on SQLite
"""

import argparse
import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import database_mib, percentile, run_child, say, timed

GOALS = {"overview_p95_ms": 200, "drilldown_p95_ms": 200, "recompute_seconds": 60}
YEAR = 2025  # the year measured; records fall in YEAR - 1 and YEAR
DISTRICTS, STREETS, COMMUNITIES = 12, 12, 10  # per city, per district, per street
COMMUNITY_KINDS = ("community", "digital", "family", "health", "law", "rural")
# (course kind, record kinds, institution kind) of the generated records, a tenth each
RECORD_MIX = (("community", "attendance", "community_school"), ("community", "completion", "community_school"),
              ("digital", "resource", "community_college"), ("health", "event", "learning_room"),
              ("elderly", "attendance", "elderly_university"), ("elderly", "completion", "elderly_university"),
              ("vocational", "completion", "vocational_school"), ("professional", "attendance", "enterprise_training"),
              ("academic", "attendance", "open_university"), ("culture", "event", "library"))


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each page")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to EXPLAIN, profile)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench dashboard").parse_args(argv)
    if args.residents < 100 or args.records < args.residents // 10:
        raise SystemExit("need --residents ≥ 100 and --records ≥ --residents / 10")
    return run_child("dashboard", __file__, argv, postgres=args.postgres, keep=args.keep)


# --- the child: a fresh database of its own ------------------------------------------------------------


def _timed(label: str, fn):
    return timed(label, fn, width=46)


def _goal(met: bool) -> str:
    return "goal met" if met else "GOAL MISSED"


def _child(out: str, argv: list[str]) -> None:
    args = _parser().parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    say(f"dashboard · {database} · {args.residents:,} residents · {args.records:,} learning records · year {YEAR}")
    figures: dict = {"database": database, "residents": args.residents, "records": args.records, "year": YEAR,
                     "goals": GOALS}
    started = time.perf_counter()
    _timed("migrate (seeds the indicators)", lambda: call_command("migrate", verbosity=0))
    world, _ = _timed("city, population, institutions, users", lambda: world_build(args.residents))
    _timed(f"{args.residents:,} residents (set-based)", lambda: residents_generate(world, args.residents))
    _, seconds = _timed(f"{args.records:,} learning records (set-based)",
                        lambda: records_generate(world, args.residents, args.records))
    figures["records_per_second"] = round(args.records / seconds) if seconds else None
    outcomes, _ = _timed("recognitions (outcomes, set-based)", lambda: outcomes_generate(world))
    say(f"    {outcomes:,} outcomes")
    _timed("vacuum / analyze", _analyze)
    figures["setup_seconds"] = round(time.perf_counter() - started, 1)
    figures["database_mib"] = database_mib()

    from learncity.monitoring.rollups import rollups_recompute, rollups_refresh

    _, first = _timed("first refresh (every record, all years)", rollups_refresh)
    # what autovacuum and a checkpoint would have done by the time of a nightly recompute
    _timed("vacuum / analyze, checkpoint", lambda: _analyze(checkpoint=True))
    _, seconds = _timed(f"full recompute of every indicator, {YEAR}", lambda: rollups_recompute(YEAR))
    figures["first_refresh_seconds"] = round(first, 2)
    figures["recompute_seconds"] = round(seconds, 2)
    say(f"    {_goal(seconds <= GOALS['recompute_seconds'])} (≤ {GOALS['recompute_seconds']} s)")
    # the same, when every row has to be written: the year's rollups and the resident cells thrown away first
    _, rebuilt = _timed(f"  the same, {YEAR}'s rollups thrown away first", lambda: _recompute_from_nothing(YEAR))
    figures["recompute_from_nothing_seconds"] = round(rebuilt, 2)
    _analyze()
    figures["pages"] = _pages(world, args.requests, args.seed)
    figures["baseline"] = _baseline(world, figures["pages"])
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False, indent=1)


# --- the generated city -----------------------------------------------------------------------------------


def world_build(residents: int) -> dict:
    """Places 990000 (province) › 990100 (city) › 12 districts › 12 streets each › 10 communities each; the
    population of every place; institutions (a community school per street, a learning room in most communities,
    the others per district); a city and a district administrator."""
    from django.db import transaction

    from learncity.core.scopes import Role
    from learncity.network.models import Committee, Institution
    from learncity.people.models import RoleAssignment, User
    from learncity.places.models import Place, PlaceLevel, PlaceSource

    with transaction.atomic():
        province = Place.objects.create(code="990000", name="测试省", level=PlaceLevel.PROVINCE, path="/990000/",
                                        source=PlaceSource.GENERATED)
        city = Place.objects.create(code="990100", name="测试市", level=PlaceLevel.CITY, parent=province,
                                    path="/990000/990100/", source=PlaceSource.GENERATED)
        districts, streets, communities = [], [], []
        for d in range(1, DISTRICTS + 1):
            dc = f"9901{d:02d}"
            districts.append(Place(code=dc, name=f"第{d}区", level=PlaceLevel.DISTRICT, parent=city,
                                   path=f"{city.path}{dc}/", source=PlaceSource.GENERATED))
        Place.objects.bulk_create(districts)
        districts = list(Place.objects.filter(parent=city).order_by("code"))
        for district in districts:
            for s in range(1, STREETS + 1):
                sc = f"{district.code}{s:03d}"
                streets.append(Place(code=sc, name=f"{district.name}第{s}街道", level=PlaceLevel.STREET,
                                     parent=district, path=f"{district.path}{sc}/", source=PlaceSource.GENERATED))
        Place.objects.bulk_create(streets, batch_size=2000)
        streets = list(Place.objects.filter(level=PlaceLevel.STREET, path__startswith=city.path).order_by("code"))
        for street in streets:
            for c in range(1, COMMUNITIES + 1):
                cc = f"{street.code}{c:03d}"
                communities.append(Place(code=cc, name=f"{street.name[-5:]}第{c}社区", level=PlaceLevel.COMMUNITY,
                                         parent=street, path=f"{street.path}{cc}/", source=PlaceSource.GENERATED))
        Place.objects.bulk_create(communities, batch_size=2000)
        communities = list(Place.objects.filter(level=PlaceLevel.COMMUNITY, path__startswith=city.path)
                           .order_by("code").values_list("pk", flat=True))
        institutions = []
        for street in streets:
            institutions.append(Institution(code=f"B-CS-{street.code}", name=f"{street.name}社区学校",
                                            kind="community_school", place=street))
        for i, pk in enumerate(communities):
            if i % 5 != 4:  # four communities in five have a learning room
                institutions.append(Institution(code=f"B-LR-{pk}", name=f"学习室{pk}", kind="learning_room",
                                                place_id=pk))
        kinds = sorted({k for _, _, k in RECORD_MIX} - {"community_school", "learning_room"})
        for district in districts:
            for kind in kinds:
                institutions.append(Institution(code=f"B-{kind[:8]}-{district.code}", name=f"{district.name}{kind}",
                                                kind=kind, place=district))
        Institution.objects.bulk_create(institutions, batch_size=2000)
        Committee.objects.create(place=city, name="测试市终身教育促进委员会")  # the city has a public dashboard
        admin = User.objects.create_user(username="bench-city-admin", password=None)
        RoleAssignment.objects.create(user=admin, role=Role.CITY_ADMIN, place=city)
        district_admin = User.objects.create_user(username="bench-district-admin", password=None)
        RoleAssignment.objects.create(user=district_admin, role=Role.DISTRICT_ADMIN, place=districts[0])
    _population(city, residents)
    return {"city": city, "districts": districts, "communities": communities, "admin": admin,
            "district_admin": district_admin}


def _resident(i: int, n_communities: int) -> tuple[int, str, datetime.date]:
    """Resident i's community index, sex and birth date — the same formulas as the SQL in residents_generate."""
    year = 1930 + (i * 37) % 80
    return (i * 7) % n_communities, "M" if (i * 13) % 100 < 51 else "F", datetime.date(year, 1 + i % 12, 1 + i % 28)


def _population(city, residents: int) -> None:
    """Every place's resident population for YEAR - 1 and YEAR by sex and age band: the generated residents
    (worked out with the same formulas) and as many again who keep no learning account."""
    from learncity.core.bulk import insert_rows
    from learncity.places.models import Place, Population, PopulationBand, age_band_of

    comm = list(Place.objects.filter(level=5, path__startswith=city.path).order_by("code"))
    by_code = dict(Place.objects.filter(path__startswith=city.path).values_list("code", "pk"))
    # a community's place and its ancestors below the province: city, district, street, community
    chain = [[by_code[code] for code in c.path.strip("/").split("/")[1:]] for c in comm]
    for year in (YEAR - 1, YEAR):
        cells: dict = {}
        for i in range(1, residents + 1):
            k, sex, birth = _resident(i, len(comm))
            age = year - birth.year - (0 if (birth.month, birth.day) == (1, 1) else 1)
            band = age_band_of(max(age, 0))
            for pk in chain[k]:
                key = (pk, sex, band)
                cells[key] = cells.get(key, 0) + 2
        totals: dict = {}
        for (pk, _, _), n in cells.items():
            totals[pk] = totals.get(pk, 0) + n
        pops = Population.objects.bulk_create([Population(place_id=pk, year=year, total=n) for pk, n in totals.items()],
                                              batch_size=2000)
        ids = {p.place_id: p.pk for p in pops}
        insert_rows(PopulationBand, ("population_id", "sex", "age_band", "count"),
                    ((ids[pk], sex, band, n) for (pk, sex, band), n in cells.items()))


def _numbers(n: int) -> str:
    """A FROM-clause source of the integers 1..n as column i."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series(1::bigint, {int(n)}::bigint) AS g(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) SELECT i FROM s) g"


def _date_sql(year: str, month: str, day: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"make_date(({year})::int, ({month})::int, ({day})::int)"
    return f"printf('%04d-%02d-%02d', {year}, {month}, {day})"


def _add_days_sql(start: datetime.date, days: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(DATE '{start.isoformat()}' + ({days})::int)"
    return f"date('{start.isoformat()}', '+' || ({days}) || ' days')"


def _execute(cur, sql: str, params: list) -> None:
    """Run generator SQL that uses % as the modulo operator, with %s placeholders."""
    cur.execute(sql.replace("%", "%%").replace("%%s", "%s"), params)


def _mapping_table(name: str, rows: list[tuple], columns: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TEMP TABLE {name} ({columns})")
        marks = ", ".join(["%s"] * len(rows[0]))
        cur.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)


def residents_generate(world: dict, n: int) -> None:
    """The residents (learner profiles), then a third of the 18–59-year-olds registered in the employee group."""
    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.core.bulk import next_ids
    from learncity.people.models import LearnerGroup, LearnerProfile

    comm = world["communities"]
    _mapping_table("bench_comm", list(enumerate(comm)), "n integer PRIMARY KEY, place_id bigint")
    profiles, groups = LearnerProfile._meta.db_table, LearnerProfile.groups.through._meta.db_table
    now = timezone.now()
    with transaction.atomic():
        ids = next_ids(LearnerProfile, n)
        base = ids.start - 1
        birth = _date_sql("1930 + (g.i * 37) % 80", "1 + g.i % 12", "1 + g.i % 28")
        with connection.cursor() as cur:
            _execute(cur, f"""
                INSERT INTO {profiles} (id, user_id, name, id_number_encrypted, id_number_hash, id_number_masked,
                                        birth_date, sex, phone, residence_id, created_at, updated_at)
                SELECT {base} + g.i, NULL, '居民' || g.i, '-', 'bench-' || g.i, '990100********0000', {birth},
                       CASE WHEN (g.i * 13) % 100 < 51 THEN 'M' ELSE 'F' END, '', c.place_id, %s, %s
                FROM {_numbers(n)} JOIN bench_comm c ON c.n = (g.i * 7) % {len(comm)}""", [now, now])
            employee = LearnerGroup.objects.get(code="employee").pk
            _execute(cur, f"""
                INSERT INTO {groups} (learnerprofile_id, learnergroup_id)
                SELECT {base} + g.i, %s FROM {_numbers(n)}
                WHERE g.i % 3 = 0 AND {YEAR} - (1930 + (g.i * 37) % 80) BETWEEN 19 AND 59""", [employee])
    world["profiles"] = ids


def records_generate(world: dict, residents: int, n: int) -> int:
    """`n` learning records of two fifths of the residents (the learners), over YEAR - 1 and YEAR, a tenth of
    each mix of course kind, record kind and provider kind; each at an institution of its kind."""
    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.catalog.models import LearningRecord
    from learncity.core.bulk import next_ids
    from learncity.network.models import Institution

    by_kind: dict[str, list[int]] = {}
    for pk, kind in Institution.objects.filter(code__startswith="B-").order_by("pk").values_list("pk", "kind"):
        by_kind.setdefault(kind, []).append(pk)
    rows = []  # (n, course kind, record kind, provider id): mix m, provider p
    width = max(len(v) for v in by_kind.values())
    for m, (course_kind, record_kind, inst_kind) in enumerate(RECORD_MIX):
        pks = by_kind[inst_kind]
        for p in range(width):
            rows.append((m * width + p, course_kind, record_kind, pks[p % len(pks)]))
    _mapping_table("bench_mix", rows, "n integer PRIMARY KEY, course_kind varchar(16), kind varchar(16), "
                                      "provider_id bigint")
    learners = max(1, residents * 2 // 5)
    first = world["profiles"].start
    start = datetime.date(YEAR - 1, 1, 1)
    day = _add_days_sql(start, "(g.i * 31) % 730")
    now = timezone.now()
    table = LearningRecord._meta.db_table
    with transaction.atomic():
        ids = next_ids(LearningRecord, n)
        with connection.cursor() as cur:
            _execute(cur, f"""
                INSERT INTO {table} (id, learner_id, provider_id, kind, course_kind, course_id, session_id, event_id,
                                     resource_id, title, hours, score, date, source, external_id, created_at,
                                     created_by_id)
                SELECT {ids.start - 1} + g.i, {first} + (g.i * 7919) % {learners}, x.provider_id, x.kind,
                       x.course_kind, NULL, NULL, NULL, NULL, '课程', 1.0 + (g.i % 8) * 0.5, NULL, {day}, 'import',
                       'b' || g.i, %s, NULL
                FROM {_numbers(n)} JOIN bench_mix x ON x.n = (g.i % 10) * {width} + (g.i / 10) % {width}""", [now])
    world["records"] = ids
    return n


def outcomes_generate(world: dict) -> int:
    """A learning account for every learner with a course record, and an outcome for a fifth of the completion and
    attendance records (the credit bank recognised them). No ledger is built: the monitoring reads outcomes."""
    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.catalog.models import LearningRecord
    from learncity.creditbank.models import (
        CreditClass,
        FrameworkLevel,
        LearningAccount,
        Outcome,
        Standard,
        StandardVersion,
    )

    now = timezone.now()
    records, accounts, outcomes = (LearningRecord._meta.db_table, LearningAccount._meta.db_table,
                                   Outcome._meta.db_table)
    with transaction.atomic():
        standard = Standard.objects.create(code="BENCH-ALL", city=world["city"])
        version = StandardVersion.objects.create(
            standard=standard, version=1, name="课程学习（按学时认定）", credit_class=CreditClass.TRAINING,
            level=FrameworkLevel.objects.order_by("level").first(), credits=4, hours_per_credit=16, min_hours=1,
            record_kinds="", course_kinds="", effective_from=datetime.date(2018, 1, 1), created_by=world["admin"])
        with connection.cursor() as cur:
            _execute(cur, f"""
                INSERT INTO {accounts} (learner_id, opened_at, opened_via, head_seq, head_hash)
                SELECT learner_id, %s, 'bulk', 0, '' FROM {records} GROUP BY learner_id""", [now])
            _execute(cur, f"""
                INSERT INTO {outcomes} (account_id, standard_version_id, learning_record_id, declaration_id, method,
                                        title, provider_id, provider_name, date, hours, score, credit_class,
                                        credits, basis, recognised_at, recognised_by_id)
                SELECT a.id, %s, r.id, NULL, 'auto', r.title, r.provider_id, '', r.date, r.hours, NULL,
                       CASE WHEN r.course_kind = 'vocational' THEN 'vocational' ELSE 'training' END, 0.5,
                       'bench', %s, NULL
                FROM {records} r JOIN {accounts} a ON a.learner_id = r.learner_id
                WHERE r.kind IN ('completion', 'attendance') AND (r.id / 10) % 5 = 0""", [version.pk, now])
            cur.execute(f"SELECT COUNT(*) FROM {outcomes}")
            return cur.fetchone()[0]


def _recompute_from_nothing(year: int) -> None:
    from django.db import transaction

    from learncity.monitoring.models import PersonCell, PersonYear, ResidentCell, ResidentState, TimeCell
    from learncity.monitoring.rollups import rollups_recompute

    with transaction.atomic():
        for model in (PersonCell, PersonYear, TimeCell):
            model.objects.filter(year=year).delete()
        ResidentCell.objects.all().delete()
        ResidentState.objects.all().delete()
        rollups_recompute(year)


def _analyze(checkpoint: bool = False) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")
            if checkpoint:
                cur.execute("CHECKPOINT")
        else:
            cur.execute("ANALYZE")


# --- measuring ----------------------------------------------------------------------------------------------


def _measure(label: str, fn, n: int, *, cold: bool = True) -> dict:
    """p50/p95 of n calls, and the queries of one. `cold`: the cache emptied before each call (outside the
    timing), so the figures are the work of a request alone, comparable with the figures before the cache."""
    from django.core.cache import cache
    from django.db import connection

    for _ in range(3):  # warm the connection and the process
        fn(0)
    if cold:
        cache.clear()
    queries = []  # counted by a wrapper: a request's start empties connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn(0)
    times = []
    for i in range(n):
        if cold:
            cache.clear()
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    say(f"  {label:<46}p50 {p50:7.1f} ms · p95 {p95:7.1f} ms · {len(queries)} queries")
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "max_ms": round(max(times), 2), "requests": n,
            "queries": len(queries), "cold": cold}


def _pages(world: dict, n: int, seed: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from learncity.monitoring import selectors
    from learncity.monitoring.periods import period_parse

    period = period_parse(str(YEAR))
    admin = world["admin"]
    rng = random.Random(seed)
    codes = [i.code for i in selectors.indicator_list(actor=admin)]
    districts = world["districts"]
    picks = [(rng.choice(codes), rng.choice(districts).pk) for _ in range(n + 3)]
    client = Client()
    client.force_login(admin)

    def page(url):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    # served as in production, except: the test client's host, and {% static %} without a collected manifest
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        return _timings(figures_for=(admin, period, picks, page), n=n)


def _timings(*, figures_for, n: int) -> dict:
    from django.test import Client

    from learncity.monitoring import selectors

    admin, period, picks, page = figures_for
    from learncity.monitoring import reports
    from learncity.monitoring.periods import period_parse

    anonymous = Client()

    def public(url):
        response = anonymous.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    quarter = period_parse(f"{YEAR}-Q3")
    home = selectors.monitoring_home_place(actor=admin)
    published = [i.code for i in selectors.indicator_list(actor=admin, published_only=True)]
    figures = {
        "public_page": _measure("public dashboard (/monitor/public/), uncached",
                                lambda i: public(f"/monitor/public/?period={YEAR}"), n),
        "public_page_cached": _measure("public dashboard, cached (the crowd's case)",
                                       lambda i: public(f"/monitor/public/?period={YEAR}"), n, cold=False),
        "public_drilldown_page": _measure("public drill-down of a district, uncached",
                                          lambda i: public(f"/monitor/public/i/{published[i % len(published)]}/?place={picks[i][1]}"
                                                           f"&period={YEAR}"), n),
        "quarterly_report": _measure("quarterly report (the document, no file)",
                                     lambda i: reports.quarterly_report(actor=admin, place_id=home.id,
                                                                        period=quarter), max(3, n // 10)),
        "annual_statistics": _measure("annual statistics (the document, no file)",
                                      lambda i: reports.annual_statistics(actor=admin, place_id=home.id,
                                                                          period=period), max(3, n // 10)),
        "overview_page": _measure("city overview page (/monitor/)",
                                  lambda i: page(f"/monitor/?period={YEAR}"), n),
        "drilldown_page": _measure("district drill-down page (/monitor/i/…)",
                                   lambda i: page(f"/monitor/i/{picks[i][0]}/?place={picks[i][1]}&period={YEAR}"), n),
        "overview_selector": _measure("monitoring_overview (selector)",
                                      lambda i: selectors.monitoring_overview(actor=admin, period=period), n),
        "drilldown_selector": _measure("indicator_drilldown of a district (selector)",
                                       lambda i: selectors.indicator_drilldown(actor=admin, code=picks[i][0],
                                                                               place_id=picks[i][1], period=period), n),
    }
    for key, goal in (("overview_page", "overview_p95_ms"), ("drilldown_page", "drilldown_p95_ms")):
        say(f"    {key}: {_goal(figures[key]['p95_ms'] <= GOALS[goal])} (p95 ≤ {GOALS[goal]} ms)")
    return figures


BASELINE = {  # code: (counts persons?, WHERE over r (record), p (profile), o (outcome, if recognised))
    "CE-PART": (True, "r.course_kind IN ({ce}) AND p.birth_date <= %(adult)s", True),
    "ELDER-PART": (True, "r.course_kind = 'elderly' AND p.birth_date <= %(elder)s", False),
    "ADULT-ACAD": (True, "r.course_kind = 'academic'", False),
    "EMP-CE": (True, "r.course_kind IN ('vocational', 'professional', 'cadre') AND EXISTS (SELECT 1 FROM {through} t "
                     "JOIN {groups} g ON g.id = t.learnergroup_id WHERE t.learnerprofile_id = p.id AND g.code = 'employee')",
               False),
    "NONACAD-PT": (False, "r.course_kind <> 'academic' AND r.course_kind <> '' "
                          "AND r.kind IN ('completion', 'event', 'resource')", False),
    "ONLINE-PT": (False, "r.kind = 'resource'", False),
}


def _baseline(world: dict, pages: dict) -> dict:
    """The records-based numerators of the overview (the city) and of a district drill-down (its streets) by a
    straightforward GROUP BY over the raw records; timed, and checked against the rollups' numbers."""
    from django.db import connection

    from learncity.catalog.models import LearningRecord
    from learncity.creditbank.models import Outcome
    from learncity.monitoring import selectors
    from learncity.monitoring.periods import period_parse
    from learncity.people.models import LearnerGroup, LearnerProfile
    from learncity.places.models import Place

    period = period_parse(str(YEAR))
    admin, district = world["admin"], world["districts"][0]
    r_t, p_t, o_t, pl_t = (LearningRecord._meta.db_table, LearnerProfile._meta.db_table, Outcome._meta.db_table,
                           Place._meta.db_table)
    params = {"start": datetime.date(YEAR, 1, 1), "end": datetime.date(YEAR, 12, 31),
              "adult": datetime.date(YEAR - 18, 1, 1), "elder": datetime.date(YEAR - 60, 1, 1)}
    ce = ", ".join(f"'{k}'" for k in COMMUNITY_KINDS)
    through, groups = LearnerProfile.groups.through._meta.db_table, LearnerGroup._meta.db_table

    def query(code: str, group_by_street: bool) -> dict:
        persons, where, recognised = BASELINE[code]
        what = "COUNT(DISTINCT r.learner_id)" if persons else "COUNT(*)"
        join = f"JOIN {o_t} o ON o.learning_record_id = r.id" if recognised else ""
        key, scope, group = (("c.parent_id", "AND s.parent_id = %(district)s", "GROUP BY c.parent_id")
                             if group_by_street else ("0", "", ""))
        sql = f"""SELECT {key}, {what} FROM {r_t} r {join}
                  JOIN {p_t} p ON p.id = r.learner_id
                  JOIN {pl_t} c ON c.id = p.residence_id JOIN {pl_t} s ON s.id = c.parent_id
                  WHERE r.date BETWEEN %(start)s AND %(end)s AND {where.format(ce=ce, through=through, groups=groups)}
                  {scope}
                  {group}"""
        with connection.cursor() as cur:
            cur.execute(sql, {**params, "district": district.pk})
            return {k: v for k, v in cur.fetchall()}

    def overview():
        return {code: query(code, False).get(0, 0) for code in BASELINE}

    def drilldown(code):
        return query(code, True)

    started = time.perf_counter()
    city_numbers = overview()
    overview_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    street_numbers = {code: drilldown(code) for code in BASELINE}
    drill_ms = (time.perf_counter() - started) * 1000 / len(BASELINE)

    ours = {r.indicator.code: r.actual.numerator for r in selectors.monitoring_overview(actor=admin,
                                                                                         period=period).rows}
    mismatches = [f"{c}: GROUP BY {city_numbers[c]} ≠ rollups {ours.get(c)}" for c in BASELINE
                  if ours.get(c) is not None and int(ours[c]) != city_numbers[c]]
    for code in BASELINE:
        d = selectors.indicator_drilldown(actor=admin, code=code, place_id=district.pk, period=period)
        for child in d.children:
            expected = street_numbers[code].get(child.place.id, 0)
            got = int(child.actual.numerator or 0)
            if got != expected:
                mismatches.append(f"{code} {child.place.name}: GROUP BY {expected} ≠ rollups {got}")
    overview_ratio = overview_ms / pages["overview_selector"]["p50_ms"]
    drill_ratio = drill_ms / pages["drilldown_selector"]["p50_ms"]
    say(f"  GROUP BY over the raw records: the overview's {len(BASELINE)} record numerators {overview_ms:,.0f} ms "
        f"({overview_ratio:,.1f}× the overview selector's p50)")
    say(f"  GROUP BY over the raw records: one district drill-down {drill_ms:,.0f} ms "
        f"({drill_ratio:,.1f}× the drill-down selector's p50)")
    say(f"    the same numbers: {'yes' if not mismatches else 'NO'}")
    for m in mismatches[:20]:
        say(f"    ! {m}")
    if mismatches:
        raise SystemExit(f"the rollups and the GROUP BY disagree in {len(mismatches)} numbers")
    return {"overview_ms": round(overview_ms, 1), "drilldown_ms": round(drill_ms, 1),
            "overview_ratio": round(overview_ratio, 1), "drilldown_ratio": round(drill_ratio, 1),
            "numbers_equal": not mismatches, "city_numbers": city_numbers}


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3:])
