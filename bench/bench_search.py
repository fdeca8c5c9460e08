"""Benchmark: Chinese full-text search over 100,000 courses (indexing time, p50/p95 per query, index size).

On a fresh throwaway database (SQLite in a temporary data folder; with --postgres a new database on the
server of DATABASE_URL, dropped afterwards) a child process migrates, builds the demo city with a few
residents, generates --courses courses (realistic titles from a topic list, across kinds, modes and
districts, set-based) with their sessions and --enrollments enrollments, indexes everything with
`reindex_all()`, then runs a fixed set of typical queries --repeat times each and prints p50 and p95
latency per query and overall, and the size of the index. The goal is p95 < 50 ms.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import percentile, run_child, say, timed

# (query, filters, kind): the kinds are printed, so each kind's cost shows (issue 15 added English titles and
# tags, full pinyin, synonyms and typo tolerance: the last four kinds).
QUERIES: list[tuple[str, dict, str]] = [
    ("书法", {}, "中文"),
    ("太极", {}, "中文"),
    ("鼓楼", {}, "中文"),
    ("理财", {}, "中文"),
    ("养生", {}, "中文"),
    ("摄影", {}, "中文"),
    ("太极拳", {}, "中文"),
    ("计算机技术", {}, "中文"),
    ("健康坝坝舞", {}, "中文"),
    ("书法入门", {}, "中文"),
    ("Python 入门", {}, "中英"),
    ("excel表格", {}, "中英"),
    ("AI 绘画", {}, "中英"),
    ("sf", {}, "首字母"),
    ("tj", {}, "首字母"),
    ("jsj", {}, "首字母"),
    ("书", {}, "单字"),
    ("书法", {"district_code": "350102"}, "筛选"),
    ("太极", {"near_code": "350102001"}, "筛选"),
    ("入门", {"kind": "digital", "mode": "online"}, "筛选"),
    ("书法", {"group": "elderly", "free_only": True}, "筛选"),
    ("养生", {"date_from": "2026-04-01", "date_to": "2026-04-30"}, "筛选"),
    ("", {"district_code": "350103", "kind": "health"}, "浏览"),
    ("", {"date_from": "2026-05-04", "date_to": "2026-05-10", "types": ["course"]}, "浏览"),
    ("calligraphy", {}, "英文"),
    ("Tai Chi", {}, "英文"),
    ("English", {}, "英文"),
    ("photography beginners", {}, "英文"),
    ("taiji", {}, "全拼"),
    ("shufa", {}, "全拼"),
    ("sheying", {}, "全拼"),
    ("英语", {}, "同义词"),
    ("programming", {}, "同义词"),
    ("tea", {}, "同义词"),
    ("calligrapy", {}, "纠错"),
    ("photograpy", {}, "纠错"),
    ("Englsh", {}, "纠错"),
]

# (topic, course kind, what it is about)
TOPICS = [
    ("书法", "culture", "从执笔、笔画到结构，临摹名家碑帖"),
    ("太极拳", "health", "二十四式简化太极拳，动作分解与呼吸配合"),
    ("健康坝坝舞", "health", "在社区广场跟着音乐跳起来，锻炼身体、结交朋友"),
    ("计算机技术", "digital", "电脑基本操作、文件管理与上网安全"),
    ("法律常识", "law", "与日常生活相关的法律知识，学会依法维权"),
    ("家庭理财", "family", "家庭收支记账、储蓄与防范理财陷阱"),
    ("腊梅种植", "rural", "腊梅的育苗、嫁接、修剪与冬季养护"),
    ("智能手机应用", "digital", "用手机挂号、缴费、视频通话和出行"),
    ("国画", "culture", "写意花鸟与山水的笔墨技法"),
    ("摄影", "culture", "构图、用光与手机摄影后期"),
    ("茶艺", "culture", "福州茉莉花茶的冲泡与品鉴"),
    ("闽剧", "culture", "闽剧唱腔与身段的入门练习"),
    ("中医养生", "health", "四季养生、穴位按摩与食疗"),
    ("营养膳食", "health", "平衡膳食与慢性病饮食调理"),
    ("急救知识", "health", "心肺复苏、止血包扎与海姆立克急救法"),
    ("Python 编程", "digital", "零基础学习 Python，编写第一个程序"),
    ("Excel 表格", "digital", "用 Excel 表格整理数据、制作图表"),
    ("短视频制作", "digital", "拍摄、剪辑与发布短视频"),
    ("AI 绘画", "digital", "用人工智能工具生成和修改图片"),
    ("防范电信诈骗", "law", "识别常见诈骗手法，守好钱袋子"),
    ("民法典", "law", "民法典中的婚姻家庭、继承与合同"),
    ("家庭教育", "family", "亲子沟通、习惯养成与家校合作"),
    ("亲子阅读", "family", "绘本共读与阅读习惯培养"),
    ("育婴师", "vocational", "婴幼儿生活照料与早期发展，考取职业技能等级证书"),
    ("电工", "vocational", "低压电工作业安全与实操"),
    ("家政服务", "vocational", "家居保洁、收纳与老人照护"),
    ("中式烹饪", "vocational", "闽菜刀工、火候与经典菜品"),
    ("电子商务", "vocational", "网店开设、直播带货与客户服务"),
    ("会计继续教育", "professional", "新会计准则与税收政策解读"),
    ("党史学习", "cadre", "百年党史专题学习"),
    ("英语口语", "academic", "日常会话与旅游英语"),
    ("茉莉花茶种植", "rural", "茉莉花的栽培、采摘与窨制"),
    ("果树栽培", "rural", "龙眼、荔枝的修剪施肥与病虫害防治"),
    ("水产养殖", "rural", "鱼虾混养与水质管理"),
    ("合唱", "culture", "发声练习与多声部合唱"),
    ("古筝", "culture", "古筝基本指法与名曲弹奏"),
    ("葫芦丝", "elderly", "葫芦丝吹奏技巧与经典曲目"),
    ("老年模特", "elderly", "形体训练与舞台走秀"),
    ("手工编织", "community", "毛线编织与中国结"),
    ("垃圾分类", "community", "垃圾分类知识与社区实践"),
    ("普通话", "community", "普通话发音纠正与朗读"),
    ("心理健康", "health", "情绪管理与压力调适"),
]
# English titles some providers give (every other course of these topics has one), and its pattern's English.
TOPIC_EN = {"书法": "Calligraphy", "太极拳": "Tai Chi", "英语口语": "Spoken English", "Python 编程": "Python Programming",
            "摄影": "Photography", "茶艺": "Tea Art", "国画": "Chinese Painting", "Excel 表格": "Excel",
            "急救知识": "First Aid", "合唱": "Choir", "中式烹饪": "Chinese Cooking", "家庭教育": "Parenting"}
PATTERN_EN = {"{t}入门": "{e} for Beginners", "{t}基础": "{e} Basics", "{t}进阶": "{e}: Next Steps",
              "{t}提高班": "{e} (Improvers)", "零基础学{t}": "{e} from Scratch", "{t}兴趣班": "{e} Interest Class"}
PATTERNS = ["{t}入门", "{t}基础", "{t}进阶", "{t}提高班", "零基础学{t}", "实用{t}", "{d}{t}班", "老年{t}班",
            "{t}（第{n}期）", "{t}兴趣班", "{t}精品课", "{t}专题讲座"]
SENTENCES = ["课程注重实践，每次课都有练习与点评。", "适合零基础学员，循序渐进。", "结业后可申请学分认定。",
             "请学员自备学习用品。", "由经验丰富的老师授课，小班教学。", "欢迎社区居民报名参加。",
             "课程内容贴近生活，学以致用。", "线上课程可反复回看。"]
GROUPS_BY_KIND = {"elderly": ["elderly"], "vocational": ["employee", "migrant_worker", "unemployed"],
                  "rural": ["farmer"], "professional": ["professional"], "cadre": ["civil_servant"],
                  "family": ["women"], "digital": ["elderly", "youth"], "health": ["elderly"]}


def run(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="learncity bench search")
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=50, help="runs of each query")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on DATABASE_URL's server")
    args = parser.parse_args(argv)
    return run_child("search", __file__, argv, postgres=args.postgres)


# --- the child: a fresh database of its own ------------------------------------------------------------

_say = say


def _timed(label: str, fn):
    return timed(label, fn, width=34)


def _child(out: str, argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from learncity.demo.builder import demo_build

    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    _say(f"search · {database} · {args.courses:,} courses · {args.enrollments:,} enrollments")
    figures: dict = {"database": database, "courses": args.courses, "enrollments": args.enrollments}
    _timed("migrate", lambda: call_command("migrate", verbosity=0))
    _timed(f"demo city ({args.residents:,} residents)", lambda: demo_build(residents=args.residents))
    (sessions, enrollments), figures["generate_seconds"] = _timed(
        "courses, sessions, enrollments", lambda: _generate(args.courses, args.enrollments))
    figures["sessions"], figures["enrollments"] = sessions, enrollments

    from learncity.catalog.models import SearchDocument, SearchTerm
    from learncity.catalog.search import reindex_all

    counts, seconds = _timed("reindex_all", reindex_all)
    figures["index_seconds"] = round(seconds, 1)
    figures["documents"] = SearchDocument.objects.count()
    figures["terms"] = SearchTerm.objects.count()
    figures["documents_by_type"] = counts
    figures["index_mib"] = _index_mib()
    _say(f"  documents {figures['documents']:,} · terms {figures['terms']:,} · index "
         f"{figures['index_mib'] if figures['index_mib'] is not None else '?'} MiB")
    figures["queries"] = _queries(args.repeat)
    figures["first_search"] = _first_search()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False, indent=1)


def _generate(n_courses: int, n_enrollments: int) -> tuple[int, int]:  # noqa: PLR0915 (one set-based data script)
    """Courses with target groups and sessions, venues for street-level institutions and enrollments; set-based."""
    import datetime
    import random
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from learncity.catalog.models import Course, CourseSession, CourseState, Enrollment, Mode, Venue
    from learncity.core.bulk import insert_rows, next_ids
    from learncity.network.models import Institution
    from learncity.people.models import LearnerGroup, LearnerProfile
    from learncity.places.models import Place, PlaceLevel

    rng = random.Random(2026)
    now = timezone.now()
    districts = dict(Place.objects.filter(level=PlaceLevel.DISTRICT, path__startswith="/350000/350100/")
                     .values_list("code", "name"))
    institutions = list(Institution.objects.filter(place__path__startswith="/350000/350100/")
                        .values_list("id", "name", "place__path", "place__level").order_by("id"))
    groups = dict(LearnerGroup.objects.values_list("code", "id"))
    learners = list(LearnerProfile.objects.order_by("id").values_list("id", flat=True))
    if not learners:
        raise SystemExit("no residents to enroll")
    with transaction.atomic():
        # A venue for every institution below the district (its classroom), so offline sessions have a place.
        venue_of = {}
        street_level = [i for i in institutions if i[3] >= PlaceLevel.STREET]
        place_of = dict(Place.objects.filter(path__in=[i[2] for i in street_level]).values_list("path", "id"))
        vids = next_ids(Venue, len(street_level))
        rows = []
        for vid, (iid, name, path, _) in zip(vids, street_level, strict=True):
            venue_of[iid] = vid
            rows.append((vid, f"{name}教室", Venue.Kind.CLASSROOM, place_of[path], iid, "", "", "", 40, ""))
        insert_rows(Venue, ("id", "name", "kind", "place_id", "institution_id", "address", "opening_hours",
                            "free_open_days", "capacity", "accessibility"), rows)

        course_ids = next_ids(Course, n_courses)
        through = Course.target_groups.through
        courses, links, sessions = [], [], []
        per_course = _split(n_enrollments, n_courses, rng)
        enrolled_counts = []
        term_start = {"2026春": datetime.date(2026, 3, 2), "2026秋": datetime.date(2026, 9, 7)}
        for cid, enrol in zip(course_ids, per_course, strict=True):
            topic, kind, about = rng.choice(TOPICS)
            iid, iname, ipath, _ = rng.choice(institutions)
            district = districts.get(ipath.strip("/").split("/")[2] if ipath.count("/") > 3 else "", "")
            pattern = rng.choice(PATTERNS)
            title = pattern.format(t=topic, d=district, n=rng.randint(1, 30))
            title_en = (PATTERN_EN.get(pattern, "{e}").format(e=TOPIC_EN[topic])
                        if topic in TOPIC_EN and cid % 2 == 0 else "")
            description = (f"{about}。本课程由{iname}开设，共{rng.choice([8, 12, 16, 24, 32])}学时。"
                           f"{rng.choice(SENTENCES)}{rng.choice(SENTENCES)}")
            mode = rng.choices([Mode.OFFLINE, Mode.ONLINE, Mode.BLENDED], [60, 25, 15])[0]
            state = rng.choices([CourseState.PUBLISHED, CourseState.CLOSED, CourseState.DRAFT], [85, 10, 5])[0]
            fee = Decimal(0) if rng.random() < 0.7 else Decimal(rng.choice([50, 100, 200, 300, 500]))
            term = rng.choice(["2026春", "2026秋"])
            enrolled = sum(1 for s in enrol if s == "enrolled")
            capacity = max(len(enrol), rng.choice([20, 30, 40, 60]))
            enrolled_counts.append(enrolled)
            courses.append((cid, iid, f"BENCH-{cid}", title[:128], description, kind, mode, "", Decimal(16), fee,
                            capacity, state, rng.random() < 0.03, term, "", enrolled, now, now, title_en))
            for code in rng.sample(GROUPS_BY_KIND.get(kind, ["employee", "elderly", "women", "youth"]),
                                   k=min(2, len(GROUPS_BY_KIND.get(kind, [1, 2])))):
                links.append((cid, groups[code]))
            start = term_start[term] + datetime.timedelta(days=rng.randrange(0, 60))
            venue = venue_of.get(iid) if mode != Mode.ONLINE else None
            for week in range(rng.randint(1, 8)):
                sessions.append((cid, start + datetime.timedelta(weeks=week), datetime.time(9), datetime.time(11),
                                 venue, "", ""))
        insert_rows(Course, ("id", "institution_id", "code", "title", "description", "kind", "mode", "level", "hours",
                             "fee", "capacity", "state", "featured", "term", "outcome_standard_code",
                             "enrolled_count", "created_at", "updated_at", "title_en"), courses)
        insert_rows(through, ("course_id", "learnergroup_id"), links)
        ops = connection.ops
        insert_rows(CourseSession, ("course_id", "date", "start", "end", "venue_id", "room", "online_url"),
                    ((c, ops.adapt_datefield_value(d), ops.adapt_timefield_value(s), ops.adapt_timefield_value(e),
                      v, r, u) for c, d, s, e, v, r, u in sessions))

        def enrollment_rows():
            for cid, enrol in zip(course_ids, per_course, strict=True):
                for learner, status in zip(rng.sample(learners, len(enrol)), enrol, strict=True):
                    yield (cid, learner, status, None, now, now,
                           Decimal(16) if status == "completed" else None)

        n = insert_rows(Enrollment, ("course_id", "learner_id", "status", "waitlist_position", "created_at",
                                     "updated_at", "completed_hours"), enrollment_rows())
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for model in (Course, CourseSession, Enrollment, Venue):
                cur.execute(f"ANALYZE {model._meta.db_table}")
    return len(sessions), n


def _split(total: int, parts: int, rng) -> list[list[str]]:
    """`total` enrollment statuses spread over `parts` courses (about total/parts each, at most 60)."""
    mean = total / parts if parts else 0
    counts = [min(60, max(0, round(rng.gauss(mean, mean / 3)))) for _ in range(parts)]
    diff = total - sum(counts)
    i = 0
    while diff and parts:
        j = i % parts
        if diff > 0 and counts[j] < 60:
            counts[j] += 1
            diff -= 1
        elif diff < 0 and counts[j] > 0:
            counts[j] -= 1
            diff += 1
        i += 1
    statuses = ["enrolled"] * 70 + ["completed"] * 25 + ["cancelled"] * 5
    return [[rng.choice(statuses) for _ in range(c)] for c in counts]


def _index_mib() -> float | None:
    from django.db import connection

    from learncity.catalog.models import SearchDocument, SearchTerm

    tables = [SearchDocument._meta.db_table, SearchTerm._meta.db_table]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT SUM(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t", [tables])
            return round(float(cur.fetchone()[0]) / 2**20, 1)
        try:
            cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master "
                        f"WHERE tbl_name IN ({', '.join(['%s'] * len(tables))}))", tables)
            return round(cur.fetchone()[0] / 2**20, 1)
        except Exception:
            return None


def _queries(repeat: int) -> dict:
    from learncity.catalog.search import search

    _say(f"  queries ({repeat} runs each)          kind        hits  ended    p50 ms   p95 ms")
    per_query, every, by_kind = {}, [], {}
    for q, filters, kind in QUERIES:
        search(q=q, **filters)  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            results = search(q=q, **filters)
            times.append((time.perf_counter() - started) * 1000)
        every += times
        by_kind.setdefault(kind, []).extend(times)
        label = (q or "（浏览）") + (" · " + ", ".join(f"{k}={v}" for k, v in filters.items()) if filters else "")
        p50, p95 = percentile(times, 50), percentile(times, 95)
        per_query[label] = {"kind": kind, "hits": results.total, "ended": results.ended_total,
                            "p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}
        fixed = (" → " + "/".join(w for ws in results.corrections.values() for w in ws)) if results.corrections else ""
        _say(f"    {label + fixed:<36}{kind:<8}{results.total:>8,}{results.ended_total:>7,} {p50:>9.2f} {p95:>8.2f}")
    kinds = {k: {"p50_ms": round(percentile(t, 50), 2), "p95_ms": round(percentile(t, 95), 2)}
             for k, t in by_kind.items()}
    _say("  by kind                                                  p50 ms   p95 ms")
    for k, f in kinds.items():
        _say(f"    {k:<54}{f['p50_ms']:>9.2f} {f['p95_ms']:>8.2f}")
    overall = {"p50_ms": round(percentile(every, 50), 2), "p95_ms": round(percentile(every, 95), 2),
               "max_ms": round(max(every), 2)}
    _say(f"    {'overall':<54}{overall['p50_ms']:>9.2f} {overall['p95_ms']:>8.2f}   (max {overall['max_ms']} ms)")
    return {"per_query": per_query, "by_kind": kinds, "overall": overall}


# A fresh process's first searches, one of each kind the warm-up has to prepare for (issue 16: within 2x of warm).
# Not the warm-up's own words (search_warm), so what shows is the warm-up, not a cached answer.
FIRST_QUERIES = ["太极", "tj", "photography", "photograpy"]


def _first_search() -> dict:
    """The first searches of a fresh process, as a server worker starts it (importing learncity.wsgi, which warms
    the search) and without the warm-up (django.setup() only), against the same searches once warm; each in a
    new process of its own, so nothing this process loaded helps."""
    import subprocess

    _say("  first search of a fresh process (ms)   " + "".join(f"{q:>13}" for q in FIRST_QUERIES))
    figures = {}
    for mode, label in (("cold", "no warm-up (django.setup)"), ("worker", "as a worker (learncity.wsgi)")):
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--first", mode], capture_output=True,
                              text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "learncity.settings"})
        if proc.returncode != 0:
            raise SystemExit(f"first search ({mode}) failed:\n{proc.stderr[-2000:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        figures[mode] = got
        _say(f"    {label:<36}" + "".join(f"{got['first'][q]:>13.1f}" for q in FIRST_QUERIES)
             + f"   (start-up {got['startup_ms']:,.0f} ms)")
        if mode == "worker":
            _say(f"    {'warm (p50 of 20, same process)':<36}" + "".join(f"{got['warm'][q]:>13.1f}"
                                                                         for q in FIRST_QUERIES))
            ratio = max(got["first"][q] / max(got["warm"][q], 0.01) for q in FIRST_QUERIES)
            figures["worst_first_to_warm"] = round(ratio, 1)
            _say(f"    {'worst first ÷ warm':<36}{ratio:>13.1f}×   (goal ≤ 2×)")
    return figures


def _first(mode: str) -> None:
    """In a fresh process: start as `mode` says, then time each FIRST_QUERIES search once, then 20 more times."""
    started = time.perf_counter()
    if mode == "worker":
        import learncity.wsgi  # noqa: F401 (what a granian worker does as it starts)
    else:
        import django

        django.setup()
    startup = (time.perf_counter() - started) * 1000
    from django.db import connection

    from learncity.catalog.search import search

    def connected() -> None:  # the connection's opening is a request's, not the search's: both sides leave it out
        with connection.cursor() as cur:
            cur.execute("SELECT 1")

    first, warm = {}, {}
    for q in FIRST_QUERIES:
        connected()
        t = time.perf_counter()
        search(q=q, limit=20)
        first[q] = round((time.perf_counter() - t) * 1000, 2)
    for q in FIRST_QUERIES:
        times = []
        for _ in range(20):
            t = time.perf_counter()
            search(q=q, limit=20)
            times.append((time.perf_counter() - t) * 1000)
        warm[q] = round(percentile(times, 50), 2)
    print(json.dumps({"startup_ms": round(startup, 1), "first": first, "warm": warm}))


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3:])
elif __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--first":
    _first(sys.argv[2])
