"""Full-text search in Chinese: bigrams, unigrams, jieba words and pinyin initials, with filters, ranked the
same way on SQLite and PostgreSQL. Each test indexes a small catalog of its own on an emptied index."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from learncity.catalog.inputs import SearchFilters
from learncity.catalog.models import (
    Course,
    CourseSession,
    CourseState,
    Event,
    Resource,
    SearchDocument,
    SearchTerm,
    Venue,
)
from learncity.catalog.search import document_for, index_documents, reindex_all, tokenize
from learncity.catalog.search import search as engine_search
from learncity.core.errors import DomainError
from learncity.core.inputs import parse
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup
from learncity.places.models import Place

GULOU, TAIJIANG = "/350000/350100/350102/", "/350000/350100/350103/"
GUDONG = "350102001"  # 鼓东街道, a street of 鼓楼区

# title, institution (district code, kind), course kind, mode, fee, groups, first session, description
COURSES = [
    ("书法入门", ("350102", "community_college"), "culture", "offline", 0, ["elderly"], "2026-03-02",
     "从握笔开始，练习楷书的基本笔画。"),
    ("太极拳基础", ("350102001", "community_school"), "health", "offline", 0, ["elderly"], "2026-04-06",
     "二十四式太极拳，强身健体。"),
    ("鼓楼区老年书法班", ("350102", "elderly_university"), "elderly", "offline", 200, ["elderly"], "2026-05-04",
     "面向老年学员，临摹名家碑帖。"),
    ("Python 编程入门", ("350103", "community_college"), "digital", "online", 0, ["youth", "employee"], "2026-03-09",
     "零基础学习编程，写出第一个程序。"),
    ("Excel 表格", ("350103", "community_college"), "digital", "blended", 50, ["employee"], "2026-06-01",
     "用电子表格管理家庭账本。"),
    ("健康坝坝舞", ("350102001", "community_school"), "health", "offline", 0, ["elderly", "women"], "2026-04-13",
     "在社区广场跳起来，锻炼身体。"),
    ("腊梅种植", ("350103", "elderly_university"), "rural", "offline", 0, ["farmer"], "2026-11-02",
     "腊梅的育苗、嫁接与冬季养护。"),
    ("国画入门", ("350102", "community_college"), "culture", "offline", 0, [], "2026-07-06",
     "国画与书法同源：先练书法用笔，再学山水花鸟。"),
    ("AI 辅助书法创作", ("350103", "community_college"), "digital", "online", 0, ["youth"], "2026-08-03",
     "用人工智能工具设计字帖。"),
]

FEATURED = {"鼓楼区老年书法班"}


def search(**kwargs):
    """The engine with ended courses included: this file's courses are dated in 2026 and most have ended by the
    time it runs; leaving ended courses out by default is tested in test_life_cycle.py."""
    return engine_search(**{"include_ended": True, **kwargs})


def _institution(place_code: str, kind: str) -> Institution:
    return Institution.objects.get(place__code=place_code, kind=kind)


def _course(n: int, title: str, inst: tuple[str, str], kind: str, mode: str, fee: int, groups: list[str],
            first: str, description: str, *, state: str = CourseState.PUBLISHED, sessions: int = 4) -> Course:
    course = Course.objects.create(
        institution=_institution(*inst), code=f"TEST-SEARCH-{n:03d}", title=title, description=description,
        kind=kind, mode=mode, hours=Decimal("8"), fee=Decimal(fee), capacity=30, state=state, term="2026春",
        featured=title in FEATURED)
    course.target_groups.set(LearnerGroup.objects.filter(code__in=groups))
    start = datetime.date.fromisoformat(first)
    for week in range(sessions):
        CourseSession.objects.create(course=course, date=start + datetime.timedelta(weeks=week),
                                     start=datetime.time(9), end=datetime.time(11))
    return course


@pytest.fixture
def catalog(db):
    """The index emptied, then a small catalog indexed: courses by title, plus a draft, a resource published
    and one not, a venue in 鼓东街道 and an event there. (A closed course: test_a_closed_course_is_found_as_ended.)"""
    SearchTerm.objects.all().delete()
    SearchDocument.objects.all().delete()
    objs = {row[0]: _course(i, *row) for i, row in enumerate(COURSES)}
    objs["书法进阶"] = _course(90, "书法进阶", ("350102", "community_college"), "culture", "offline", 0, [],
                           "2026-09-07", "行书与草书。", state=CourseState.DRAFT)
    gulou_college = _institution("350102", "community_college")
    objs["书法欣赏"] = Resource.objects.create(
        title="书法欣赏", kind="video", topic="书法", course_kind="culture", description="历代名家作品赏析。",
        url="https://example.org/v/1", duration_minutes=30, provider=gulou_college)
    objs["太极拳教学"] = Resource.objects.create(
        title="太极拳教学", kind="video", topic="太极", course_kind="health", description="分解动作。",
        url="https://example.org/v/2", duration_minutes=20, provider=gulou_college, published=False)
    objs["鼓东文化站"] = Venue.objects.create(
        name="鼓东文化站", kind=Venue.Kind.CULTURAL_STATION, place=Place.objects.get(code=GUDONG),
        institution=_institution(GUDONG, "cultural_station"), address="鼓东路 8 号", opening_hours="9:00-17:00")
    tz = timezone.get_current_timezone()
    objs["书法作品展"] = Event.objects.create(
        title="书法作品展", kind="exhibition", description="学员作品展出。", organiser=gulou_college,
        venue=objs["鼓东文化站"], starts_at=datetime.datetime(2026, 9, 28, 9, tzinfo=tz),
        ends_at=datetime.datetime(2026, 9, 30, 17, tzinfo=tz), is_free=True)
    index_documents(objs.values())
    return objs


def titles(results) -> list[str]:
    return [doc.title for doc, _ in results.items]


# --- tokens --------------------------------------------------------------------------------------------

def test_tokenize_gives_bigrams_unigrams_words_latin_and_pinyin_keys():
    tokens = [(t.term, t.kind) for t in tokenize("Excel表格，书法！")]

    assert tokens == [
        ("excel", "latin"),
        ("表", "unigram"), ("格", "unigram"), ("表格", "bigram"), ("表格", "word"), ("py:bg", "pinyin"),
        ("pf:biaoge", "pinyin_full"),
        ("书", "unigram"), ("法", "unigram"), ("书法", "bigram"), ("书法", "word"), ("py:sf", "pinyin"),
        ("pf:shufa", "pinyin_full"),
    ]


def test_tokenize_normalizes_full_width_and_case_and_splits_letters_from_digits():
    assert [t.term for t in tokenize("ＰＹＴＨＯＮ3")] == ["python3", "python", "3"]


# --- queries -------------------------------------------------------------------------------------------

def test_two_character_queries_find_every_title_containing_them(catalog):
    # The featured course gets its boost on both terms (书法 and its synonym group); the resource also has 书法
    # as its topic; then by document id; 国画入门 has 书法 in its description only.
    assert titles(search(q="书法")) == ["鼓楼区老年书法班", "书法欣赏", "书法入门", "AI 辅助书法创作", "书法作品展",
                                       "国画入门"]
    assert titles(search(q="太极")) == ["太极拳基础"]
    # 鼓楼 in a title first; then what is in 鼓楼区 (the place names are indexed with a low weight).
    assert titles(search(q="鼓楼")) == ["鼓楼区老年书法班", "书法入门", "太极拳基础", "健康坝坝舞", "国画入门",
                                       "书法欣赏", "鼓东文化站", "书法作品展"]


def test_a_single_character_query_matches_titles_by_unigram(catalog):
    assert titles(search(q="拳")) == ["太极拳基础"]
    assert titles(search(q="梅")) == ["腊梅种植"]


def test_mixed_chinese_and_latin_queries(catalog):
    assert titles(search(q="Python 入门")) == ["Python 编程入门"]
    assert titles(search(q="python入门")) == ["Python 编程入门"]
    assert titles(search(q="excel表格")) == ["Excel 表格"]
    assert titles(search(q="AI 书法")) == ["AI 辅助书法创作"]
    assert search(q="Python 入门").query_terms == ["python", "入门"]


def test_pinyin_initials_find_chinese_titles(catalog):
    assert titles(search(q="sf")) == ["鼓楼区老年书法班", "书法入门", "AI 辅助书法创作", "书法欣赏", "书法作品展"]
    assert titles(search(q="tj")) == ["太极拳基础"]
    assert titles(search(q="TJQ")) == ["太极拳基础"]
    assert titles(search(q="jkbbw")) == ["健康坝坝舞"]


def test_all_query_terms_must_match(catalog):
    assert titles(search(q="书法 太极")) == []
    assert titles(search(q="太极 基础")) == ["太极拳基础"]
    assert titles(search(q="书法入门")) == ["书法入门"]
    assert titles(search(q="书法 入门")) == ["书法入门", "国画入门"]


def test_a_title_match_ranks_above_a_description_match(catalog):
    results = search(q="书法", types=["course"])

    scores = dict((doc.title, score) for doc, score in results.items)
    assert titles(results) == ["鼓楼区老年书法班", "书法入门", "AI 辅助书法创作", "国画入门"]
    assert min(scores["书法入门"], scores["AI 辅助书法创作"]) > scores["国画入门"]


def test_a_featured_course_gets_a_small_boost(catalog):
    before = dict((d.title, s) for d, s in search(q="太极").items)["太极拳基础"]
    Course.objects.filter(pk=catalog["太极拳基础"].pk).update(featured=True)
    index_documents([catalog["太极拳基础"]])

    after = dict((d.title, s) for d, s in search(q="太极").items)["太极拳基础"]
    assert after - before == 10  # 5 on each term it matched: 太极, and its synonym group (sy:taichi)


def test_drafts_and_unpublished_resources_are_not_searchable(catalog):
    assert titles(search(q="进阶")) == []
    assert titles(search(q="教学")) == []
    assert document_for(catalog["书法进阶"]) is None
    assert SearchDocument.objects.count() == 12


def test_unpublishing_a_course_removes_it_from_the_index(catalog):
    course = catalog["太极拳基础"]
    Course.objects.filter(pk=course.pk).update(state=CourseState.DRAFT)

    index_documents([course])

    assert titles(search(q="太极")) == []
    assert SearchDocument.objects.filter(object_type="course", object_id=course.pk).count() == 0
    assert SearchTerm.objects.filter(document__object_id=course.pk, document__object_type="course").count() == 0


def test_a_deleted_object_leaves_the_index(catalog):
    resource = catalog["书法欣赏"]
    Resource.objects.filter(pk=resource.pk).delete()

    index_documents([resource])

    assert "书法欣赏" not in titles(search(q="书法"))
    assert SearchDocument.objects.filter(object_type="resource", object_id=resource.pk).count() == 0


def test_reindexing_keeps_document_ids_and_replaces_terms(catalog):
    course = catalog["书法入门"]
    doc_id = SearchDocument.objects.get(object_type="course", object_id=course.pk).pk
    Course.objects.filter(pk=course.pk).update(title="硬笔书法入门")

    index_documents(Course.objects.filter(pk=course.pk))

    doc = SearchDocument.objects.get(object_type="course", object_id=course.pk)
    assert (doc.pk, doc.title) == (doc_id, "硬笔书法入门")
    assert titles(search(q="硬笔")) == ["硬笔书法入门"]
    assert SearchTerm.objects.filter(document=doc, term="py:yb").count() == 1


def test_reindex_all_builds_the_same_index_as_index_documents(catalog):
    def snapshot():  # the terms of the fixture's objects (the demo city's are indexed by reindex_all too)
        ours = {(SearchDocument.Type.VENUE if isinstance(o, Venue) else SearchDocument.Type.EVENT
                 if isinstance(o, Event) else SearchDocument.Type.RESOURCE if isinstance(o, Resource)
                 else SearchDocument.Type.COURSE, o.pk) for o in catalog.values()}
        rows = SearchTerm.objects.filter(document__object_id__in=[pk for _, pk in ours]).values_list(
            "document__object_type", "document__object_id", "term", "weight")
        return sorted(r for r in rows if r[:2] in ours)

    before = snapshot()
    Course.objects.filter(pk=catalog["腊梅种植"].pk).update(state=CourseState.DRAFT)

    counts = reindex_all()

    after = snapshot()
    lamei = ("course", catalog["腊梅种植"].pk)
    assert [r for r in before if r[:2] != lamei] == after
    assert len(before) > len(after)
    assert counts["course"] == Course.objects.filter(state__in=[CourseState.PUBLISHED, CourseState.CLOSED]).count()
    assert counts["resource"] == Resource.objects.filter(published=True).count()


def test_document_for_describes_the_document(catalog):
    doc = document_for(catalog["鼓楼区老年书法班"])

    assert (doc.object_type, doc.title, doc.kind, doc.mode, doc.groups, doc.is_free, doc.featured) == (
        "course", "鼓楼区老年书法班", "elderly", "offline", ",elderly,", False, True)
    assert (doc.start_date, doc.end_date) == (datetime.date(2026, 5, 4), datetime.date(2026, 5, 25))
    assert doc.place_path == GULOU
    assert doc.summary == "面向老年学员，临摹名家碑帖。"
    weights = document_for(catalog["太极拳基础"]).term_weights
    # 太极: a title bigram (40) and a description bigram (2); 强身: description; 鼓东: its street's name.
    assert (weights["太极"], weights["强身"], weights["鼓东"], weights["py:tj"], weights["拳"]) == (42, 2, 1, 8, 2)


def test_a_course_takes_its_place_from_its_first_venue(catalog):
    course = catalog["Python 编程入门"]  # taught by an institution in 台江区
    venue = catalog["鼓东文化站"]
    CourseSession.objects.filter(course=course).update(venue=venue)

    doc = document_for(course)

    assert doc.place_path == venue.place.path


# --- filters -------------------------------------------------------------------------------------------

def test_district_filter(catalog):
    assert titles(search(q="入门", district_code="350102")) == ["书法入门", "国画入门"]
    assert titles(search(q="入门", district_code="350103")) == ["Python 编程入门"]


def test_kind_mode_group_and_free_filters(catalog):
    assert titles(search(q="", kind="health")) == ["太极拳基础", "健康坝坝舞"]
    assert titles(search(q="书法", mode="online")) == ["书法欣赏", "AI 辅助书法创作"]
    assert titles(search(q="", group="women")) == ["健康坝坝舞"]
    assert titles(search(q="书法", group="elderly")) == ["鼓楼区老年书法班", "书法入门"]
    assert titles(search(q="书法", free_only=True, types=["course"])) == ["书法入门", "AI 辅助书法创作", "国画入门"]
    assert titles(search(q="", kind="exhibition")) == ["书法作品展"]


def test_types_filter(catalog):
    assert titles(search(q="书法", types=["event", "resource"])) == ["书法欣赏", "书法作品展"]
    assert titles(search(q="鼓东", types="venue")) == ["鼓东文化站"]


def test_date_range_keeps_what_overlaps_it(catalog):
    # 太极拳基础 runs 04-06 … 04-27; 健康坝坝舞 04-13 … 05-04; 鼓楼区老年书法班 05-04 … 05-25.
    results = search(q="", date_from=datetime.date(2026, 4, 28), date_to=datetime.date(2026, 5, 4))
    assert titles(results) == ["健康坝坝舞", "鼓楼区老年书法班"]
    assert titles(search(q="书法", date_from=datetime.date(2026, 9, 29))) == ["书法作品展"]
    assert titles(search(q="", date_to=datetime.date(2026, 3, 2))) == ["书法入门"]


def test_near_a_place_keeps_its_district_and_puts_its_street_first(catalog):
    results = search(q="", near_code=GUDONG)

    # 鼓东街道 first (by start date), then the rest of 鼓楼区 (by start date, undated last).
    assert titles(results) == ["太极拳基础", "健康坝坝舞", "书法作品展", "鼓东文化站",
                               "书法入门", "鼓楼区老年书法班", "国画入门", "书法欣赏"]
    assert titles(search(q="书法", near_code=GUDONG)) == ["书法作品展", "鼓楼区老年书法班", "书法欣赏", "书法入门",
                                                       "国画入门"]


def test_an_empty_or_punctuation_query_browses_by_filters(catalog):
    expected = ["书法入门", "Python 编程入门", "太极拳基础", "健康坝坝舞", "鼓楼区老年书法班", "Excel 表格",
                "国画入门", "AI 辅助书法创作", "腊梅种植"]
    assert titles(search(q="", types=["course"])) == expected
    assert titles(search(q=" ，。！? ", types=["course"])) == expected
    assert search(q="", types=["course"]).total == 9
    assert [s for _, s in search(q="", types=["course"]).items] == [0] * 9


def test_pages_are_stable_and_complete(catalog):
    first = search(q="书法", limit=4)
    second = search(q="书法", limit=4, offset=4)
    beyond = search(q="书法", limit=4, offset=8)

    assert (first.total, second.total, beyond.total) == (6, 6, 6)
    assert titles(first) + titles(second) == titles(search(q="书法"))
    assert titles(beyond) == []
    assert search(q="", types=["course"], limit=5, offset=5).total == 9


def test_repeated_runs_return_identical_ordered_results(catalog):
    runs = [[(d.pk, s) for d, s in search(q=q).items] for q in ("书法", "入门", "鼓楼", "sf") for _ in range(3)]

    assert runs[0] == runs[1] == runs[2]
    assert runs[3] == runs[4] == runs[5]
    assert runs[6] == runs[7] == runs[8]
    assert runs[9] == runs[10] == runs[11]


def test_a_search_takes_one_or_two_statements(catalog, django_assert_num_queries):
    with django_assert_num_queries(1):
        search(q="书法")
    with django_assert_num_queries(2):  # the words' frequencies, then the search
        search(q="书法 入门")
    with django_assert_num_queries(1):  # a word found nowhere ends it
        search(q="书法 量子")
    with django_assert_num_queries(2):  # the district's path, then the search
        search(q="书法", district_code="350102")
    with django_assert_num_queries(1):
        search(q="", kind="health")
    search(q="calligraphy")  # the English vocabulary, read once a few minutes (typo tolerance)
    with django_assert_num_queries(2):  # an English or pinyin word: which of its kinds the index has, then the search
        search(q="taiji")


# --- English, full pinyin, synonyms, typos (issue 15, item 3) -------------------------------------------

@pytest.fixture
def english(catalog):
    """The catalog, and courses with an English title or tags, one titled with the letters SF, and one whose
    initials hold "tj" inside a word (家庭教育: jtjy)."""
    made = {
        "口语入门": _course(50, "口语入门", ("350103", "community_college"), "community", "offline", 0, [], "2026-03-02",
                         "日常会话。"),
        "晨练班": _course(51, "晨练班", ("350102", "community_college"), "health", "offline", 0, [], "2026-03-02",
                       "公园晨练。"),
        "SF 科幻电影赏析": _course(52, "SF 科幻电影赏析", ("350102", "community_college"), "culture", "offline", 0, [],
                              "2026-03-02", "经典科幻电影。"),
        "家庭教育讲座": _course(53, "家庭教育讲座", ("350102", "community_college"), "family", "offline", 0, [],
                          "2026-03-02", "亲子沟通。"),
    }
    Course.objects.filter(pk=made["口语入门"].pk).update(title_en="Spoken English")
    Course.objects.filter(pk=made["晨练班"].pk).update(title_en="Morning Exercise", tags="瑜伽,yoga,stretching")
    index_documents(list(made.values()))
    return {**catalog, **made}


def test_english_titles_and_tags_are_searched(english):
    assert titles(search(q="Spoken English")) == ["口语入门"]
    assert titles(search(q="morning")) == ["晨练班"]
    assert titles(search(q="stretching")) == ["晨练班"]
    assert titles(search(q="晨练 exercise")) == ["晨练班"]


def test_full_pinyin_without_tones_finds_chinese_titles(english):
    assert titles(search(q="taiji")) == ["太极拳基础"]
    assert titles(search(q="TaiJiQuan")) == ["太极拳基础"]
    assert titles(search(q="jiankang")) == ["健康坝坝舞"]
    # In titles only (国画入门 has 书法 in its description); the featured course first, then by document id.
    assert titles(search(q="shufa")) == ["鼓楼区老年书法班", "书法入门", "AI 辅助书法创作", "书法欣赏", "书法作品展"]


def test_initials_match_the_start_of_a_word_and_only_when_nothing_better_does(english):
    assert titles(search(q="tj")) == ["太极拳基础"]  # not 家庭教育 (jtjy), which holds tj inside a word
    assert titles(search(q="jt")) == ["家庭教育讲座"]
    assert titles(search(q="sf")) == ["SF 科幻电影赏析"]  # the letters themselves: the initials of 书法 not asked


def test_synonyms_cross_languages(english):
    assert titles(search(q="calligraphy", types=["course"])) == ["鼓楼区老年书法班", "书法入门", "AI 辅助书法创作"]
    assert titles(search(q="Tai Chi")) == ["太极拳基础"]
    assert titles(search(q="tai-chi")) == ["太极拳基础"]
    assert titles(search(q="英语")) == ["口语入门"]  # by its English title
    assert titles(search(q="瑜伽")) == ["晨练班"]  # by its tags
    assert titles(search(q="yoga")) == ["晨练班"]


def test_a_misspelt_english_word_is_searched_as_the_closest_words(english):
    fixed = search(q="calligrapy", types=["course"])
    swapped = search(q="yoag")

    assert titles(fixed) == ["鼓楼区老年书法班", "书法入门", "AI 辅助书法创作"]
    assert fixed.corrections == {"calligrapy": ["calligraphy"]}
    assert (titles(swapped), swapped.corrections) == (["晨练班"], {"yoag": ["yoga"]})
    assert titles(search(q="pythn")) == ["Python 编程入门"]
    assert search(q="python").corrections == {}
    nothing = search(q="qwertz")
    assert (nothing.total, nothing.corrections) == (0, {})


def test_a_closed_course_is_found_as_ended(catalog):
    """A course its provider closed is indexed as ended (whatever its sessions' dates): counted, not listed,
    unless ended courses are asked for."""
    closed = _course(91, "隶书提高", ("350102", "community_college"), "culture", "offline", 0, [],
                     (timezone.localdate() + datetime.timedelta(days=30)).isoformat(), "隶书。",
                     state=CourseState.CLOSED)
    index_documents([closed])

    default = engine_search(q="隶书")
    including = engine_search(q="隶书", include_ended=True)

    assert (default.total, default.ended_total, titles(default)) == (0, 1, [])
    assert (including.total, including.ended_total, titles(including)) == (1, 0, ["隶书提高"])
    assert document_for(closed).end_date < timezone.localdate()


# --- bad input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "field"), [
    ({"district_code": "999999"}, "district_code"),
    ({"district_code": GUDONG}, "district_code"),  # a street, not a district
    ({"date_from": datetime.date(2026, 5, 2), "date_to": datetime.date(2026, 5, 1)}, "date_from"),
    ({"q": "书" * 101}, "q"),
    ({"kind": "astrology"}, "kind"),
    ({"mode": "carrier_pigeon"}, "mode"),
    ({"group": "aliens"}, "group"),
    ({"types": ["course", "teacher"]}, "types"),
    ({"near_code": "000000"}, "near_code"),
    ({"limit": 0}, "limit"),
    ({"offset": -1}, "offset"),
])
def test_bad_input_is_refused_naming_the_field(catalog, kwargs, field):
    with pytest.raises(DomainError) as exc:
        search(**{"q": "书法", **kwargs})

    assert list(exc.value.errors) == [field]


def test_a_date_that_is_no_date_is_refused_at_the_door_naming_the_field():
    # the engine takes dates; the page's and the API's query are parsed before it (SearchFilters, Ninja)
    with pytest.raises(DomainError) as exc:
        parse(SearchFilters, {"q": "书法", "date_from": "2026-13-01"})

    assert exc.value.errors == {"date_from": ["「2026-13-01」不是日期（YYYY-MM-DD）"]}


def test_a_query_of_exactly_100_characters_is_accepted(catalog):
    assert search(q="书" * 100).total == 0
