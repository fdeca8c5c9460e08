"""Benchmark: a provider's 1,000,000-row CSV of learning records ingested end to end, beside a raw COPY of it.

On a fresh throwaway database (SQLite in a temporary data folder; with --postgres a new database on the server of
DATABASE_URL, dropped afterwards) a child process migrates, builds the demo city with --residents residents, gives
the demo staff member's community school a few courses, and streams a CSV of --rows valid learning records of
that school's (course completions of its residents, half of them naming one of its courses) to a temporary file.
A fresh process then times `job_submit` + `job_run` end to end — parse and row checks, staging (COPY), the
set-based checks, dedup, the INSERT … SELECT into LearningRecord, and recognition into outcomes and hash-chained
ledger entries — with the time of each stage and its peak RSS. Another fresh process times a raw
`COPY … FROM STDIN` of the same file into an unindexed table of the same columns (what psql's \\copy does; on
SQLite, executemany into such a table). On PostgreSQL a third fresh process times the floor of the design: a COPY
of the very rows the intake wrote (its learning records, outcomes and ledger entries, dumped first, untimed) into
three tables made LIKE those tables INCLUDING ALL (the same columns, defaults, constraints and indexes).
The rates are printed side by side, with the intake's ratio to the floor and (for comparison) to the raw COPY.
Goal (issue 16, PostgreSQL, 2 cores): the intake within 1.3× of the floor, its peak memory flat.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import run_child, say, timed


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--courses", type=int, default=20, help="courses of the school named in the file")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    return parser


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench ingest").parse_args(argv)
    return run_child("ingest", __file__, argv, postgres=args.postgres, unset=("LEARNCITY_INTAKE_MAX_BYTES",))


_say = say


def _timed(label: str, fn):
    return timed(label, fn, width=40)


# --- the child: a city and a file -----------------------------------------------------------------------------

def _child(out: str, argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from learncity.demo.builder import demo_build

    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    _say(f"ingest · {database} · {args.rows:,} rows · {args.residents:,} residents · {os.cpu_count()} CPUs")
    figures: dict = {"database": database, "rows": args.rows, "residents": args.residents}
    _timed("migrate", lambda: call_command("migrate", verbosity=0))
    _timed(f"demo city ({args.residents:,} residents)", lambda: demo_build(residents=args.residents))
    path = os.path.join(os.path.dirname(out), "records.csv")
    size, _seconds = _timed(f"write the CSV ({args.rows:,} rows)", lambda: _write_csv(path, args.rows, args.courses))
    figures["file_mib"] = round(size / 2**20, 1)
    _say(f"  file {figures['file_mib']} MiB")
    connection.close()

    env = {**os.environ}
    ingest_out, raw_out, floor_out = out + ".ingest", out + ".raw", out + ".floor"
    steps = [("--ingest", ingest_out, path), ("--raw", raw_out, path)]
    if database == "PostgreSQL":
        steps.append(("--floor", floor_out, ingest_out))
    for step, step_out, step_in in steps:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), step, step_out, step_in], env=env)
        if proc.returncode != 0:
            raise SystemExit(f"{step[2:]} failed (exit {proc.returncode})")
    with open(ingest_out, encoding="utf-8") as f:
        figures["ingest"] = json.load(f)
    with open(raw_out, encoding="utf-8") as f:
        figures["raw_copy"] = json.load(f)
    ingest, raw = figures["ingest"], figures["raw_copy"]
    figures["ratio"] = round(ingest["records_per_s"] / raw["rows_per_s"], 3) if raw["rows_per_s"] else None
    _say("")
    _say(f"  {'':<28}{'seconds':>10}{'rows/s':>12}")
    _say(f"  {'intake end to end':<28}{ingest['seconds']:>10.1f}{ingest['records_per_s']:>12,.0f}"
         f"   (peak RSS {ingest['peak_rss_mib']} MiB)")
    _say(f"  {raw['what']:<28}{raw['seconds']:>10.1f}{raw['rows_per_s']:>12,.0f}")
    if database == "PostgreSQL":
        with open(floor_out, encoding="utf-8") as f:
            floor = figures["floor"] = json.load(f)
        figures["times_floor"] = round(ingest["seconds"] / floor["seconds"], 2) if floor["seconds"] else None
        _say(f"  {'floor: COPY into the 3 tables':<28}{floor['seconds']:>10.1f}{floor['records_per_s']:>12,.0f}"
             f"   ({', '.join(f'{t} {n:,} rows {sec:.1f} s' for t, n, sec in floor['tables'])})")
        _say(f"  intake / floor: {figures['times_floor']:.2f}×   (goal ≤ 1.3×)")
    else:
        _say("  (the floor is measured on PostgreSQL: --postgres)")
    _say(f"  ratio intake / raw copy (unindexed, for comparison): {figures['ratio']:.1%}"
         if figures["ratio"] is not None else "")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False, indent=1)


def _staff():
    from learncity.people.models import User

    return User.objects.get(username="staff")


def _write_csv(path: str, rows: int, n_courses: int) -> int:
    """Stream `rows` valid records of the staff member's school to a CSV file (UTF-8): completions of community
    courses by the city's residents, dated between their birth (or two years ago) and yesterday."""
    import csv
    import datetime
    import random
    from decimal import Decimal

    from learncity.catalog.models import Course, CourseKind, CourseState
    from learncity.core import crypto
    from learncity.intake.pipeline import COLUMNS
    from learncity.people.models import LearnerProfile
    from learncity.people.services import ID_CONTEXT

    rng = random.Random(2026)
    school = _staff().role_assignments.get().institution
    Course.objects.bulk_create([
        Course(institution=school, code=f"BENCH-GD-{i:03d}", title=f"社区课程 {i}", kind=CourseKind.COMMUNITY,
               hours=Decimal(16), capacity=60, state=CourseState.PUBLISHED, term="2026春") for i in range(n_courses)])
    courses = [(f"BENCH-GD-{i:03d}", f"社区课程 {i}") for i in range(n_courses)]
    today = datetime.date.today()
    earliest = today - datetime.timedelta(days=730)
    people = []
    for encrypted, name, birth in LearnerProfile.objects.values_list("id_number_encrypted", "name", "birth_date"):
        start = max(birth, earliest)
        span = (today - start).days - 1
        if span > 0:
            people.append((crypto.decrypt(encrypted, context=ID_CONTEXT), name, start, span))
    titles = ["智能手机应用入门", "太极拳（二十四式）", "家庭理财", "防范电信诈骗", "社区书法班", "中医养生"]
    hours = ["4", "6", "8", "12", "16", "24", "32", "40"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([c.header for c in COLUMNS])
        for i in range(rows):
            id_number, name, start, span = people[rng.randrange(len(people))]
            day = start + datetime.timedelta(days=rng.randrange(span))
            if i % 2:
                code, title = courses[rng.randrange(len(courses))]
            else:
                code, title = "", rng.choice(titles)
            score = str(rng.randint(60, 100)) if i % 3 == 0 else ""
            w.writerow([f"GD-{i:08d}", id_number, name, "课程结业", code, "社区教育", title, rng.choice(hours),
                        score, day.isoformat()])
    return os.path.getsize(path)


# --- the measured processes --------------------------------------------------------------------------------------

def _peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM, which (unlike getrusage's ru_maxrss, kept across exec on Linux)
    starts afresh with the process, so the parent's demo build does not count."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _ingest(out: str, path: str) -> None:
    """job_submit + job_run of the file, in a fresh process (so its peak RSS is the pipeline's own)."""
    import django

    django.setup()
    from learncity.catalog.models import LearningRecord
    from learncity.creditbank.models import LedgerEntry, Outcome
    from learncity.intake import services

    staff = _staff()
    school = staff.role_assignments.get().institution
    first_ids = {m._meta.db_table: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
                 for m in (LearningRecord, Outcome, LedgerEntry)}  # the rows from these on are the job's
    rss_before = _peak_rss_mib()
    stages: dict[str, float] = {}
    state = {"stage": None, "at": 0.0}

    def progress(job):
        now = time.perf_counter()
        if job.stage != state["stage"]:
            if state["stage"] is not None:
                stages[state["stage"]] = stages.get(state["stage"], 0.0) + now - state["at"]
                _say(f"    {services.STAGES.get(state['stage'], state['stage'])!s:<24}{now - state['at']:>8.1f} s"
                     f"   rows {job.rows_done:,}")
            state.update(stage=job.stage, at=now)

    started = time.perf_counter()
    with open(path, "rb") as f:
        job = services.job_submit(actor=staff, institution_code=school.code, filename=os.path.basename(path),
                                  data=f, mode="all", source="cli")
    submitted = time.perf_counter()
    _say(f"    {'submit (upload to disk)':<24}{submitted - started:>8.1f} s")
    job = services.job_run(job.pk, progress=progress)
    seconds = time.perf_counter() - started
    if job.status != "done" or job.rows_new != job.rows_total:
        raise SystemExit(f"the job did not take every row: {job.status} {job.message}")
    outcomes, entries = Outcome.objects.count(), LedgerEntry.objects.count()
    figures = {
        "seconds": round(seconds, 2), "records_per_s": round(job.rows_new / seconds), "rows_new": job.rows_new,
        "recognised": job.recognised, "submit_seconds": round(submitted - started, 2),
        "stages_seconds": {k: round(v, 2) for k, v in stages.items()}, "peak_rss_mib": _peak_rss_mib(),
        "rss_before_mib": rss_before, "outcomes_total": outcomes, "ledger_entries_total": entries,
        "encoding": job.encoding, "first_ids": first_ids,
    }
    _say(f"  intake end to end: {seconds:.1f} s, {figures['records_per_s']:,} records/s, {job.rows_new:,} new, "
         f"{job.recognised:,} recognised, peak RSS {figures['peak_rss_mib']} MiB (after setup {rss_before} MiB)")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f)


def _raw(out: str, path: str) -> None:
    """The baseline: the same file into an unindexed table of the same columns, as fast as the database takes it."""
    import django

    django.setup()
    from django.db import connection

    columns = ("external_id text, id_number text, name text, kind text, course_code text, course_kind text, "
               "title text, hours numeric, score numeric, date date")
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cur.execute(f"CREATE TABLE bench_raw_copy ({columns})")
    started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            what = "raw COPY (psql \\copy)"
            with open(path, "rb") as f, cur.cursor.copy(
                    "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while block := f.read(1 << 20):
                    copy.write(block)
        else:
            import csv

            what = "raw executemany (SQLite)"
            with open(path, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                batch = []
                for row in reader:
                    batch.append([v or None for v in row])
                    if len(batch) >= 10_000:
                        cur.executemany("INSERT INTO bench_raw_copy VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                                        batch)
                        batch = []
                if batch:
                    cur.executemany("INSERT INTO bench_raw_copy VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", batch)
        cur.execute("SELECT COUNT(*) FROM bench_raw_copy")
        rows = cur.fetchone()[0]
    seconds = time.perf_counter() - started
    _say(f"  {what}: {seconds:.1f} s, {rows / seconds:,.0f} rows/s")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"what": what, "seconds": round(seconds, 2), "rows": rows, "rows_per_s": round(rows / seconds)}, f)


def _floor(out: str, ingest_figures: str) -> None:
    """The floor of the design (PostgreSQL): the rows the intake wrote into learning records, outcomes and ledger
    entries, dumped to files (untimed), then COPYed, timed, into three tables made LIKE those INCLUDING ALL (so
    with the same indexes and constraints)."""
    import tempfile

    import django

    django.setup()
    from django.db import connection

    with open(ingest_figures, encoding="utf-8") as f:
        first_ids = json.load(f)["first_ids"]
    dumps = []
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder, connection.cursor() as cur:
        for table, first in first_ids.items():
            path = os.path.join(folder, table)
            with open(path, "wb") as f, cur.cursor.copy(f"COPY (SELECT * FROM {table} WHERE id >= {int(first)} "
                                                        f"ORDER BY id) TO STDOUT") as copy:
                for block in copy:
                    f.write(block)
            cur.execute(f"DROP TABLE IF EXISTS bench_floor_{table}")
            cur.execute(f"CREATE TABLE bench_floor_{table} (LIKE {table} INCLUDING ALL)")
            dumps.append((table, path))
        cur.execute("CHECKPOINT")  # the dumps' and the new tables' writes out of the way of the timing
        tables, started = [], time.perf_counter()
        for table, path in dumps:
            at = time.perf_counter()
            with open(path, "rb") as f, cur.cursor.copy(f"COPY bench_floor_{table} FROM STDIN") as copy:
                while block := f.read(1 << 20):
                    copy.write(block)
            tables.append([table, cur.rowcount, time.perf_counter() - at])
        seconds = time.perf_counter() - started
        for table, _path in dumps:
            cur.execute(f"DROP TABLE bench_floor_{table}")
    records = tables[0][1]
    _say(f"  floor (COPY into the three indexed tables): {seconds:.1f} s, "
         + ", ".join(f"{t} {n:,} rows in {sec:.1f} s" for t, n, sec in tables))
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"seconds": round(seconds, 2), "records_per_s": round(records / seconds) if seconds else 0,
                   "tables": [[t, n, round(sec, 2)] for t, n, sec in tables]}, f)


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] in ("--child", "--ingest", "--raw", "--floor"):
    {"--child": lambda: _child(sys.argv[2], sys.argv[3:]), "--ingest": lambda: _ingest(sys.argv[2], sys.argv[3]),
     "--raw": lambda: _raw(sys.argv[2], sys.argv[3]),
     "--floor": lambda: _floor(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
