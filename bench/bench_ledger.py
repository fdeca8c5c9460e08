"""Benchmark: the credit-bank ledger at city scale (bulk recognitions/s, transcript p95, ledger verify entries/s).

On a fresh throwaway database (SQLite in a temporary data folder; with --postgres a new database on the server
of DATABASE_URL, dropped afterwards) a child process migrates and generates, set-based (COPY on PostgreSQL),
--accounts residents with their learning accounts and --entries ledger entries of recognised history (outcomes
under a few standards, about 2% reversals), each account's entries a valid hash chain written in the same
format as `ledger.entries_append`, with heads and cached balances to match (foreign-key checks are skipped while
this generated history loads, when the database role allows it; everything measured after runs with them). Then
it measures:

- bulk recognition: --records new learning records (set-based) for existing accounts, from an accredited
  provider, recognised by `creditbank.bulk.recognise_records` end to end (goal ≥ 20,000 records/s);
- transcripts: `selectors.transcript_content` for --transcripts random accounts, p50/p95 (goal p95 < 50 ms);
- ledger verify: `learncity ledger verify --json` in its own process over every entry: entries/s and that
  process's peak RSS (goal ≥ 200,000 entries/s), and it must find 0 breaks.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import database_mib, percentile, run_child, say, timed

GOALS = {"recognitions_per_second": 20_000, "transcript_p95_ms": 50, "verify_entries_per_second": 200_000}


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--records", type=int, default=200_000, help="new learning records to recognise in bulk")
    parser.add_argument("--transcripts", type=int, default=200, help="random accounts whose transcript is timed")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to EXPLAIN, profile)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench ledger").parse_args(argv)
    if args.accounts < 1 or args.entries < args.accounts:
        raise SystemExit("need --accounts ≥ 1 and --entries ≥ --accounts (every account has at least one entry)")
    return run_child("ledger", __file__, argv, postgres=args.postgres, keep=args.keep)


# --- the child: a fresh database of its own ------------------------------------------------------------

_say = say


def _timed(label: str, fn):
    return timed(label, fn, width=44)


def _goal(met: bool) -> str:
    return "goal met" if met else "GOAL MISSED"


def _child(out: str, argv: list[str]) -> None:
    args = _parser().parse_args(argv)

    import django

    django.setup()
    import resource

    from django.core.management import call_command
    from django.db import connection

    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    _say(f"ledger · {database} · {args.accounts:,} accounts · {args.entries:,} entries · {args.records:,} new records")
    figures: dict = {"database": database, "accounts": args.accounts, "entries": args.entries, "goals": GOALS}
    started = time.perf_counter()
    _timed("migrate", lambda: call_command("migrate", verbosity=0))
    world, _ = _timed("world (places, provider, standards)", _world)
    with _foreign_keys_unchecked() as unchecked:
        history, seconds = _timed("residents, accounts, history (set-based)",
                                  lambda: _history(world, args.accounts, args.entries, args.seed))
    figures["history_foreign_keys_checked"] = not unchecked
    figures["history_seconds"] = round(seconds, 1)
    figures["history_entries_per_second"] = round(args.entries / seconds)
    _say(f"    {history['outcomes']:,} outcomes · {history['reversals']:,} reversals · {history['balances']:,} balances "
         f"· {args.entries / seconds:,.0f} entries/s" + (" (foreign keys not checked while loading)" if unchecked else ""))
    _timed("vacuum / analyze", _analyze)
    figures["setup_seconds"] = round(time.perf_counter() - started, 1)
    figures["setup_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["database_mib"] = database_mib()
    _say(f"  setup {figures['setup_seconds']:,.1f} s · database {figures['database_mib']:,} MiB · "
         f"peak RSS {figures['setup_peak_rss_mib']:,} MiB")

    figures["transcripts"] = _transcripts(args.transcripts, args.seed)
    figures["recognition"] = _recognition(world, history, args.records, args.seed)
    figures["verify"] = _verify(args.entries + figures["recognition"]["recognised"])
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False, indent=1)


@contextlib.contextmanager
def _foreign_keys_unchecked():
    """While the generated history (consistent by construction) is loaded, skip the per-row foreign-key checks
    when the database lets this session (PostgreSQL: session_replication_role, for superusers; SQLite: PRAGMA
    foreign_keys); they are most of the loading time. Yields whether they are skipped."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            try:
                cur.execute("SET session_replication_role = replica")
            except DatabaseError:
                yield False
                return
            try:
                yield True
            finally:
                cur.execute("SET session_replication_role = DEFAULT")
        else:
            cur.execute("PRAGMA foreign_keys = OFF")
            try:
                yield True
            finally:
                cur.execute("PRAGMA foreign_keys = ON")


def _world() -> dict:
    """A street of a made-up city, one community school accredited for five standards, its staff member."""
    import datetime
    from decimal import Decimal

    from learncity.core.scopes import Role
    from learncity.creditbank.models import (
        Accreditation,
        CreditClass,
        FrameworkLevel,
        Standard,
        StandardVersion,
    )
    from learncity.network.models import Institution, InstitutionKind
    from learncity.people.models import RoleAssignment, User
    from learncity.places.models import Place, PlaceLevel

    parent = None
    for code, name, level in (("990000", "测试省", PlaceLevel.PROVINCE), ("990100", "测试市", PlaceLevel.CITY),
                              ("990102", "测试区", PlaceLevel.DISTRICT), ("990102001", "测试街道", PlaceLevel.STREET)):
        parent = Place.objects.create(code=code, name=name, level=level, parent=parent,
                                      path=(parent.path if parent else "/") + code + "/")
    street, city = parent, Place.objects.get(code="990100")
    school = Institution.objects.create(code="BENCH-SCHOOL", name="测试街道社区学校", place=street,
                                        kind=InstitutionKind.COMMUNITY_SCHOOL)
    staff = User.objects.create_user(username="bench-staff", password=None)
    RoleAssignment.objects.create(user=staff, role=Role.INSTITUTION_STAFF, institution=school)
    levels = {f.level: f for f in FrameworkLevel.objects.all()}
    effective = datetime.date(2018, 1, 1)
    versions = {}
    # code, name, class, level, credits, hours per credit, record kinds, course kinds
    for code, name, credit_class, level, credits, per, kinds, course_kinds in (
            ("BENCH-CE", "社区教育课程（按学时认定）", CreditClass.TRAINING, 1, "4", "16", ",completion,", ",community,"),
            ("BENCH-ELDER", "老年教育课程", CreditClass.CULTURE, 1, "4", "16", "", ""),
            ("BENCH-VT", "职业技能培训课程", CreditClass.VOCATIONAL, 2, "6", "16", "", ""),
            ("BENCH-AC", "成人学历教育课程", CreditClass.ACADEMIC, 5, "5", "18", "", ""),
            ("BENCH-LECTURE", "市民讲堂", CreditClass.CULTURE, 1, "1", None, "", "")):
        standard = Standard.objects.create(code=code, city=city)
        versions[code] = StandardVersion.objects.create(
            standard=standard, version=1, name=name, credit_class=credit_class, level=levels[level],
            credits=Decimal(credits), hours_per_credit=Decimal(per) if per else None, min_hours=Decimal("1"),
            record_kinds=kinds, course_kinds=course_kinds, effective_from=effective, created_by=staff)
        Accreditation.objects.create(standard=standard, institution=school, granted_by=staff)
    return {"street": street, "school": school, "staff": staff, "versions": versions}


def _entry_counts(accounts: int, entries: int, rng) -> list[int]:
    """How many entries each account has: `entries` in all, each at least 1, spread around the mean."""
    base, extra = divmod(entries, accounts)
    counts = [base + (1 if i < extra else 0) for i in range(accounts)]
    rng.shuffle(counts)
    for i in range(0, accounts - 1, 2):  # move some entries between neighbours: the sum stays exact
        a, b = counts[i], counts[i + 1]
        shift = rng.randint(-(a - 1), b - 1) if a + b > 2 else 0
        counts[i], counts[i + 1] = a + shift, b - shift
    return counts


def _history(world: dict, n_accounts: int, n_entries: int, seed: int, chunk: int = 20_000) -> dict:  # noqa: PLR0915 (the hot generator loop, kept whole for speed)
    """Residents, accounts and their recognised history, a chunk of accounts per transaction, with COPY."""
    import datetime
    import random
    from collections import defaultdict
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.core.bulk import insert_rows, next_ids
    from learncity.creditbank.ledger import GENESIS, entry_hash, outcome_hash, outcome_payload
    from learncity.creditbank.models import (
        CHAIN,
        CreditClass,
        EntryReason,
        LearningAccount,
        LedgerEntry,
        OpenedVia,
        Outcome,
        RecognitionMethod,
    )
    from learncity.people.models import LearnerProfile

    rng = random.Random(seed)
    rand = rng.random  # choices by hand below: random.choice/randrange cost more than the rest of a row
    ops = connection.ops
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        def when(v):
            return ops.adapt_datetimefield_value(v)

        def day(v):
            return ops.adapt_datefield_value(v)

        def num(v):
            return str(v)
    else:
        def when(v):
            return v

        def day(v):
            return v

        def num(v):
            return v

    school, staff, street = world["school"].pk, world["staff"].pk, world["street"].pk
    # The history's standards, each with a few (hours, credits) a record of it earned.
    kinds = []
    for code, titles in (("BENCH-CE", ["智能手机应用", "家庭理财", "中医养生", "法律常识"]),
                         ("BENCH-ELDER", ["书法", "国画", "合唱", "太极拳"]),
                         ("BENCH-VT", ["育婴师", "电工", "中式烹饪"]),
                         ("BENCH-AC", ["计算机应用基础", "大学英语"]),
                         ("BENCH-LECTURE", ["市民讲堂", "全民终身学习活动周"])):
        v = world["versions"][code]
        earned = [(h, v.credits_for(h)) for h in (Decimal("16.0"), Decimal("24.0"), Decimal("32.0"), Decimal("48.0"))]
        basis = f"认证机构 {world['school'].name} 的课程结业记录，符合标准 {code} v1《{v.name}》"
        shown = {"standard_code": code, "version": v.version, "version_name": v.name, "level": v.level.level}
        kinds.append((v.pk, v.credit_class, titles, [(h, num(h), c, num(c)) for h, c in earned], basis, shown))
    counts = _entry_counts(n_accounts, n_entries, rng)
    epoch = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    span = int((datetime.datetime(2024, 6, 30, tzinfo=datetime.UTC) - epoch).total_seconds())
    now = timezone.now()
    memo = "认定有误，予以冲正"
    totals = {"outcomes": 0, "reversals": 0, "balances": 0, "profile_ids": []}
    for start in range(0, n_accounts, chunk):
        part = counts[start:start + chunk]
        with transaction.atomic():
            pids = next_ids(LearnerProfile, len(part))
            aids = next_ids(LearningAccount, len(part))
            oids = iter(next_ids(Outcome, sum(part)))
            eids = iter(next_ids(LedgerEntry, sum(part)))
            totals["profile_ids"].append((pids.start, pids.stop))
            created = when(now)
            insert_rows(LearnerProfile, ["id", "user_id", "name", "id_number_encrypted", "id_number_hash",
                                         "id_number_masked", "birth_date", "sex", "phone", "residence_id",
                                         "created_at", "updated_at"],
                        ((pid, None, f"居民{pid}", "-", f"bench-{pid}", "990102********0000",
                          day(datetime.date(1950 + pid % 50, 1 + pid % 12, 1 + pid % 28)), "FM"[pid % 2], "",
                          street, created, created) for pid in pids))
            accounts, outcomes, entries = [], [], []
            for account_id, n in zip(aids, part, strict=True):
                t = epoch + datetime.timedelta(seconds=int(rand() * span), microseconds=int(rand() * 1_000_000))
                prev, sums, standing = GENESIS, defaultdict(Decimal), []
                for seq in range(1, n + 1):
                    eid = next(eids)
                    if standing and rand() < 0.02:  # a reversal of an earlier recognition
                        rid, oid, credit_class, credits, covered = standing.pop(int(rand() * len(standing)))
                        amount, reason, reverses, text = -credits, EntryReason.REVERSAL, rid, memo
                        totals["reversals"] += 1
                    else:
                        version, credit_class, titles, earned, basis, shown = kinds[int(rand() * len(kinds))]
                        hours, hours_db, credits, credits_db = earned[int(rand() * len(earned))]
                        oid = next(oids)
                        title = titles[int(rand() * len(titles))]
                        outcomes.append((oid, account_id, version, None, None, RecognitionMethod.AUTO,
                                         title, school, world["school"].name, day(t.date()), hours_db,
                                         None, credit_class, credits_db, basis, when(t), staff))
                        # (the outcome as the ledger covers it: chain version 2, as every entry written now is)
                        covered = outcome_hash(outcome_payload(
                            outcome_id=oid, account_id=account_id, **shown, method=RecognitionMethod.AUTO, title=title,
                            provider_id=school, provider_name=world["school"].name, date=t.date(), hours=hours,
                            score=None, credit_class=credit_class, credits=credits, basis=basis,
                            learning_record_id=None, declaration_id=None, recognised_at=t, recognised_by_id=staff))
                        standing.append((eid, oid, credit_class, credits, covered))
                        amount, reason, reverses, text = credits, EntryReason.RECOGNITION, None, ""
                    digest = entry_hash(prev_hash=prev, account_id=account_id, seq=seq, credit_class=credit_class,
                                        amount=amount, reason=reason, outcome_id=oid, conversion_id=None,
                                        reverses_id=reverses, actor_id=staff, memo=text, created_at=t, chain=CHAIN,
                                        outcome_hash=covered)
                    entries.append((eid, account_id, seq, credit_class, num(amount), reason, oid, None, reverses, staff,
                                    text, when(t), prev, digest, CHAIN, covered))
                    sums[credit_class] += amount
                    prev = digest
                    t += datetime.timedelta(seconds=86_400 + int(rand() * 86_400 * 59),
                                            microseconds=int(rand() * 1_000_000))
                accounts.append((account_id, pids[account_id - aids.start], created, OpenedVia.BULK, school, staff,
                                 n, prev, *(num(sums[c]) for c in CreditClass.values)))
                totals["balances"] += sum(1 for v in sums.values() if v)
            insert_rows(LearningAccount, ["id", "learner_id", "opened_at", "opened_via", "opened_for_id",
                                          "opened_by_id", "head_seq", "head_hash",
                                          *(f"balance_{c}" for c in CreditClass.values)], accounts)
            totals["outcomes"] += insert_rows(Outcome, [
                "id", "account_id", "standard_version_id", "learning_record_id", "declaration_id", "method", "title",
                "provider_id", "provider_name", "date", "hours", "score", "credit_class", "credits", "basis",
                "recognised_at", "recognised_by_id"], outcomes)
            insert_rows(LedgerEntry, ["id", "account_id", "seq", "credit_class", "amount", "reason", "outcome_id",
                                      "conversion_id", "reverses_id", "actor_id", "memo", "created_at", "prev_hash",
                                      "hash", "chain", "outcome_hash"], entries)
        done = min(start + chunk, n_accounts)
        if done % (chunk * 10) == 0 or done == n_accounts:
            _say(f"    … {done:,} accounts")
    return totals


def _analyze() -> None:
    """Every table the setup wrote gets the planner's statistics (`core.bulk.analyze`, as the app's own bulk paths
    do); on PostgreSQL the big four are vacuumed too, so their visibility maps allow index-only scans."""
    from django.db import connection

    from learncity.core.bulk import analyze
    from learncity.creditbank.models import (
        Accreditation,
        LearningAccount,
        LedgerEntry,
        Outcome,
        Standard,
        StandardVersion,
    )
    from learncity.network.models import Institution
    from learncity.people.models import LearnerProfile, RoleAssignment, User
    from learncity.places.models import Place

    big = (LearnerProfile, LearningAccount, Outcome, LedgerEntry)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for model in big:
                cur.execute(f"VACUUM {model._meta.db_table}")
    analyze(*big, Place, Institution, User, RoleAssignment, Standard, StandardVersion, Accreditation)


def _transcripts(n: int, seed: int) -> dict:
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learncity.creditbank.models import LearningAccount
    from learncity.creditbank.selectors import transcript_content

    rng = random.Random(seed + 1)
    low, high = LearningAccount.objects.order_by("pk").values_list("pk", flat=True)[:1][0], \
        LearningAccount.objects.order_by("-pk").values_list("pk", flat=True)[:1][0]
    picked = rng.sample(range(low, high + 1), min(n, high - low + 1))
    accounts = list(LearningAccount.objects.filter(pk__in=picked).select_related("learner"))
    for account in accounts[:5]:  # warm the connection and the caches
        transcript_content(account)
    times, outcomes = [], 0
    with CaptureQueriesContext(connection) as queries:
        for account in accounts:
            started = time.perf_counter()
            content = transcript_content(account)
            times.append((time.perf_counter() - started) * 1000)
            outcomes += sum(len(y["outcomes"]) for c in content["classes"] for y in c["years"])
    p50, p95 = percentile(times, 50), percentile(times, 95)
    figures = {"accounts": len(accounts), "outcomes_per_transcript": round(outcomes / len(accounts), 1),
               "queries_per_transcript": round(len(queries) / len(accounts), 1), "p50_ms": round(p50, 2),
               "p95_ms": round(p95, 2), "max_ms": round(max(times), 2)}
    _say(f"  transcripts ({len(accounts)} random accounts, {figures['outcomes_per_transcript']} outcomes, "
         f"{figures['queries_per_transcript']} queries each)")
    _say(f"    p50 {p50:.2f} ms · p95 {p95:.2f} ms · max {figures['max_ms']} ms   "
         f"{_goal(p95 < GOALS['transcript_p95_ms'])} (p95 < {GOALS['transcript_p95_ms']} ms)")
    return figures


def _recognition(world: dict, history: dict, n: int, seed: int) -> dict:
    """`n` new completion records of community courses for random existing residents (set-based), then
    recognised in bulk; timed end to end."""
    import datetime
    import random
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.catalog.models import LearningRecord, RecordKind, RecordSource
    from learncity.core.bulk import insert_rows, next_ids
    from learncity.creditbank import bulk

    rng = random.Random(seed + 2)
    ops = connection.ops
    sqlite = connection.vendor == "sqlite"
    profiles = [pid for start, stop in history["profile_ids"] for pid in range(start, stop)]
    today = timezone.localdate()
    now = timezone.now()
    created = ops.adapt_datetimefield_value(now) if sqlite else now
    titles = ["智能手机应用入门", "家庭理财", "中医养生", "法律常识", "垃圾分类", "亲子阅读"]

    def make():
        with transaction.atomic():
            ids = next_ids(LearningRecord, n)
            rows = []
            for rid in ids:
                date = today - datetime.timedelta(days=rng.randrange(1, 90))
                hours = Decimal(rng.choice(["8.0", "16.0", "24.0", "32.0"]))
                rows.append((rid, rng.choice(profiles), world["school"].pk, RecordKind.COMPLETION, "community", None,
                             None, None, None, rng.choice(titles), str(hours) if sqlite else hours, None,
                             ops.adapt_datefield_value(date) if sqlite else date, RecordSource.IMPORT,
                             f"bench-{rid}", created, world["staff"].pk))
            insert_rows(LearningRecord, ["id", "learner_id", "provider_id", "kind", "course_kind", "course_id",
                                         "session_id", "event_id", "resource_id", "title", "hours", "score", "date",
                                         "source", "external_id", "created_at", "created_by_id"], rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {LearningRecord._meta.db_table}")

    _timed(f"{n:,} new learning records (set-based)", make)
    result, seconds = _timed("bulk.recognise_records", lambda: bulk.recognise_records(actor=world["staff"]))
    rate = result.recognised / seconds if seconds else 0
    figures = {"records": n, "recognised": result.recognised, "unmatched": result.unmatched,
               "batches": result.batches, "seconds": round(seconds, 2), "per_second": round(rate)}
    _say(f"    {result.recognised:,} recognised ({result.unmatched:,} unmatched, {result.batches} batches) · "
         f"{rate:,.0f} records/s   {_goal(rate >= GOALS['recognitions_per_second'])} "
         f"(≥ {GOALS['recognitions_per_second']:,}/s)")
    if result.recognised != n:
        raise SystemExit(f"expected {n:,} recognitions, got {result.recognised:,}")
    return figures


# Runs `learncity …` and, at exit, writes the process's peak resident memory (KiB) to $LEARNCITY_BENCH_HWM.
VERIFY = """
import atexit, os, resource

def _peak():
    try:
        with open("/proc/self/status") as f:
            kib = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(os.environ["LEARNCITY_BENCH_HWM"], "w") as f:
        f.write(str(kib))

atexit.register(_peak)
from learncity.cli import main
main()
"""


def _verify(expected_entries: int) -> dict:
    """`learncity ledger verify --json` in a process of its own, so its peak RSS is its own (VmHWM: getrusage's
    maxrss would include this process's memory, which the forked child shares until it executes)."""
    fd, hwm_file = tempfile.mkstemp(prefix="learncity-verify-hwm-")
    os.close(fd)
    proc = subprocess.run([sys.executable, "-c", VERIFY, "ledger", "verify", "--json"], stdout=subprocess.PIPE,
                          env={**os.environ, "LEARNCITY_BENCH_HWM": hwm_file})
    with open(hwm_file) as f:
        peak_kib = int(f.read() or 0)
    os.unlink(hwm_file)
    report = json.loads(proc.stdout)
    figures = {"exit_code": proc.returncode, "accounts": report["accounts"], "entries": report["entries"],
               "breaks": len(report["breaks"]), "seconds": report["seconds"],
               "entries_per_second": report["entries_per_second"], "peak_rss_mib": round(peak_kib / 1024),
               "digest": report["digest"]}
    rate = report["entries_per_second"]
    _say(f"  ledger verify{'':<31}{report['seconds']:>9.1f} s")
    _say(f"    {report['accounts']:,} accounts · {report['entries']:,} entries · {len(report['breaks'])} breaks · "
         f"{rate:,} entries/s · peak RSS {figures['peak_rss_mib']:,} MiB   "
         f"{_goal(rate >= GOALS['verify_entries_per_second'])} (≥ {GOALS['verify_entries_per_second']:,}/s)")
    _say(f"    digest {report['digest']}")
    if report["breaks"] or report["entries"] != expected_entries or proc.returncode != 0:
        for b in report["breaks"][:20]:
            _say(f"    ! {b['account']} seq {b['seq']}: {b['problem']}")
        raise SystemExit(f"ledger verify: {len(report['breaks'])} breaks, {report['entries']:,} entries "
                         f"(expected {expected_entries:,}), exit {proc.returncode}")
    return figures


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3:])
