"""The search itself: filters checked and turned into SQL, then the page ranked in one statement (see the
package's docstring)."""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection, connections
from django.utils import timezone, translation

from learncity.catalog.models import (
    CourseKind,
    EventKind,
    Mode,
    SearchDocument,
    SearchTerm,
    Venue,
)
from learncity.catalog.search.query import SearchResults, Tier, _latin_vocabulary, _Query, parse_query
from learncity.catalog.search.sql import search_sql
from learncity.catalog.search.sql.base import like_escape
from learncity.catalog.search.tokens import MAX_LIMIT, MAX_QUERY, _synonym_table, tokenize
from learncity.catalog.selectors import ANYONE
from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.people.models import LearnerGroup
from learncity.places.models import Place, PlaceLevel

log = logging.getLogger("learncity.catalog.search")


def _bad(fieldname: str, message: str) -> DomainError:
    return DomainError({fieldname: message}, code="invalid")


KINDS = frozenset([*CourseKind.values, *EventKind.values, *Venue.Kind.values])
MODES = frozenset(Mode.values)
TYPES = frozenset(SearchDocument.Type.values)


def search(*, q: str, types=None, district_code=None, kind=None, mode=None, group=None, free_only=False,
           date_from: datetime.date | None = None, date_to: datetime.date | None = None, near_code=None,
           include_ended=False, limit=20, offset=0) -> SearchResults:
    """Search the index. All query terms must match; best score first, then document id. Without searchable
    words (empty or only punctuation) it browses by the filters, soonest first (start date, then id).
    Filters: types (course/resource/event/venue), district_code, kind, mode, group (target group code),
    free_only, date_from/date_to (overlap with the document's dates; undated documents drop out), near_code (a
    place: its district only, same community, then street, first), include_ended (courses whose last session
    is before today, and closed courses, are indexed as ended and left out unless it is set). Bad input raises
    DomainError naming it.

    One statement for a one-word query; two otherwise (the words' frequencies first, so the rarest word
    drives the join and a word found nowhere ends the search at once)."""
    q = q or ""
    _check_page(q, limit, offset)
    where = _Where()
    _filter_types(where, types)
    _filter_district(where, district_code)
    _filter_choices(where, kind=kind, mode=mode, group=group, free_only=free_only)
    _filter_dates(where, date_from, date_to)
    ended_sql, ended_params = ("0", []) if include_ended else _ended()  # ended courses: counted, not shown
    near_sql, near_params = _near_rank(where, near_code)
    query = parse_query(q)
    filters = _Filters(where.sql(), where.params, near_sql, near_params, ended_sql, ended_params)
    if not query.slots:
        return _browse(query, filters, limit, offset)
    return _match(query, filters, limit, offset)


class _Where:
    """The documents' conditions (ANDed) and their parameters, in order."""

    def __init__(self):
        self.conditions: list[str] = []
        self.params: list = []

    def add(self, condition: str, params: list) -> None:
        self.conditions.append(condition)
        self.params += params

    def starts_with(self, column: str, prefix: str) -> None:
        self.add(*search_sql().prefix(column, prefix))

    def sql(self) -> str:
        return " AND ".join(self.conditions) or "1 = 1"


def _check_page(q: str, limit, offset) -> None:
    if len(q) > MAX_QUERY:
        raise _bad("q", translation.gettext("搜索词最多 %(n)s 个字符") % {"n": MAX_QUERY})
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", translation.gettext("每页条数应在 1 到 %(n)s 之间") % {"n": MAX_LIMIT})
    if not isinstance(offset, int) or offset < 0:
        raise _bad("offset", translation.gettext("偏移量不能为负"))


def _filter_types(where: _Where, types) -> None:
    types = [t for t in ([types] if isinstance(types, str) else types or ()) if t]
    if not types:
        return
    unknown = [t for t in types if t not in TYPES]
    if unknown:
        raise _bad("types", translation.gettext("未知类型：%(v)s") % {"v": ", ".join(map(str, unknown))})
    where.add(f"d.object_type IN ({', '.join(['%s'] * len(types))})", types)


def _filter_district(where: _Where, district_code) -> None:
    if not district_code:
        return
    path = (Place.objects.restrict(ANYONE, Action.BROWSE).filter(code=district_code, level=PlaceLevel.DISTRICT)
            .values_list("path", flat=True).first())
    if path is None:
        raise _bad("district_code", translation.gettext("未知区县代码：%(v)s") % {"v": district_code})
    where.starts_with("d.place_path", path)


def _filter_choices(where: _Where, *, kind, mode, group, free_only) -> None:
    if kind:
        if kind not in KINDS:
            raise _bad("kind", translation.gettext("未知类别：%(v)s") % {"v": kind})
        where.add("d.kind = %s", [kind])
    if mode:
        if mode not in MODES:
            raise _bad("mode", translation.gettext("未知方式：%(v)s") % {"v": mode})
        where.add("d.mode = %s", [mode])
    if group:
        if not LearnerGroup.objects.filter(code=group).exists():
            raise _bad("group", translation.gettext("未知群体：%(v)s") % {"v": group})
        where.add("d.groups LIKE %s ESCAPE '\\'", [f"%,{like_escape(group)},%"])
    if free_only:
        where.add("d.is_free = %s", [True])


def _filter_dates(where: _Where, date_from: datetime.date | None, date_to: datetime.date | None) -> None:
    """Dates come parsed (the API's query, the page's SearchFilters)."""
    if date_from and date_to and date_from > date_to:
        raise _bad("date_from", translation.gettext("开始日期晚于结束日期"))
    ops = connection.ops
    if date_to:
        where.add("d.start_date IS NOT NULL AND d.start_date <= %s", [ops.adapt_datefield_value(date_to)])
    if date_from:
        where.add("d.end_date IS NOT NULL AND d.end_date >= %s", [ops.adapt_datefield_value(date_from)])


def _ended() -> tuple[str, list]:
    """1 for a course that has ended, else 0."""
    return ("CASE WHEN d.object_type = 'course' AND d.end_date < %s THEN 1 ELSE 0 END",
            [connection.ops.adapt_datefield_value(timezone.localdate())])


def _near_rank(where: _Where, near_code) -> tuple[str, list]:
    """Keep to the place's district; rank its street (2) and community (3) higher: the rank's SQL and params."""
    if not near_code:
        return "0", []
    near = _near(near_code)
    where.starts_with("d.place_path", near[0])
    if len(near) == 1:
        return "0", []
    whens, params = [], []
    for rank, path in sorted(enumerate(near), reverse=True)[:-1]:
        condition, condition_params = search_sql().prefix("d.place_path", path)
        whens.append(f"WHEN {condition} THEN {rank + 1}")
        params += condition_params
    return f"CASE {' '.join(whens)} ELSE 0 END", params


@dataclass
class _Filters:
    where: str
    params: list
    near: str  # the near_rank expression
    near_params: list
    ended: str  # 1 for a course that has ended (when ended courses are left out), else 0
    ended_params: list

    @property
    def on_documents(self) -> bool:
        """Whether the ranking needs the documents' columns (a filter, nearness or the ended flag)."""
        return bool(self.params or self.near_params or self.ended_params)


_PAGE = ("SELECT d.*, r.score, r.near_rank, r.ended, r.total, r.ended_total FROM ({ranked}) r {join} {docs} d "
         "ON d.id = r.doc_id ORDER BY {order}")
# The hits, counted: those not ended (the total) and those ended, which sort last and are dropped from the page.
_RANKED = ("SELECT x.*, SUM(1 - x.ended) OVER () AS total, SUM(x.ended) OVER () AS ended_total FROM ({hits}) x "
           "ORDER BY {order} LIMIT %s OFFSET %s")


def _results(query: _Query, found: list, total_sql: str, total_params: list, offset: int,
             corrections: dict | None = None) -> SearchResults:
    if found:
        total, ended = int(found[0].total or 0), int(found[0].ended_total or 0)
    elif offset:  # a page beyond the last: count what there is
        with connection.cursor() as cur:
            cur.execute(f"SELECT SUM(1 - x.ended), SUM(x.ended) FROM ({total_sql}) x", total_params)
            total, ended = (int(v or 0) for v in cur.fetchone())
    else:
        total = ended = 0
    items = [(d, int(d.score)) for d in found if not d.ended]
    return SearchResults(total=total, items=items, query_terms=query.words, ended_total=ended,
                         corrections=corrections or {})


def _browse(query: _Query, f: _Filters, limit: int, offset: int) -> SearchResults:
    docs = SearchDocument._meta.db_table
    hits = (f"SELECT d.id AS doc_id, 0 AS score, {f.near} AS near_rank, {f.ended} AS ended, d.start_date AS start_date "
            f"FROM {docs} d WHERE {f.where}")
    order = "ended, near_rank DESC, CASE WHEN start_date IS NULL THEN 1 ELSE 0 END, start_date, doc_id"
    ranked = _RANKED.format(hits=hits, order=order)
    sql = _PAGE.format(ranked=ranked, join=search_sql().join, docs=docs, order=(
        "r.ended, r.near_rank DESC, CASE WHEN d.start_date IS NULL THEN 1 ELSE 0 END, d.start_date, d.id"))
    hit_params = [*f.near_params, *f.ended_params, *f.params]
    found = list(SearchDocument.objects.raw(sql, [*hit_params, limit, offset]))
    return _results(query, found, hits, hit_params, offset)


def _choose(query: _Query) -> tuple[list[Tier], list[int], dict[str, list[str]]] | None:
    """Each slot's terms (the first tier of it the index has, only the terms it has), with their row counts,
    and the corrections used; None when a slot is found nowhere. Reads the terms' frequencies (one statement)
    unless the query is one slot of one tier."""
    if len(query.slots) == 1 and len(query.slots[0]) == 1:
        return [query.slots[0][0]], [0], {}
    frequency = _frequencies(list({t for slot in query.slots for tier in slot for t in tier}))
    chosen, counts, corrections = [], [], {}
    for slot in query.slots:
        tier = next((tier for tier in slot if any(frequency.get(t) for t in tier)), None)
        if tier is None:
            return None
        if tier in query.corrections:
            typo, words = query.corrections[tier]
            corrections[typo] = words
        chosen.append(tuple(t for t in tier if frequency.get(t)))
        counts.append(sum(frequency.get(t, 0) for t in tier))
    return chosen, counts, corrections


def _match(query: _Query, f: _Filters, limit: int, offset: int) -> SearchResults:
    terms, docs = SearchTerm._meta.db_table, SearchDocument._meta.db_table
    choice = _choose(query)
    if choice is None:
        return SearchResults(total=0, items=[], query_terms=query.words)
    slots, counts, corrections = choice
    if len(slots) > 1:  # the rarest slot drives the join
        slots = [slot for _, _, slot in sorted(zip(counts, range(len(slots)), slots, strict=True))]
    # The hits: the rarest slot's rows, joined to a row of every other slot of the same document.
    seam = search_sql()
    join, sql, params, score = seam.join, [], [], []
    lookup = seam.term_lookup(SearchTerm._meta.indexes[0].name)
    for i, slot in enumerate(slots):
        marks = ", ".join(["%s"] * len(slot))
        if len(slot) == 1:
            source = f"{terms} t{i}{lookup}"
        else:  # alternatives (a word, its pinyin, its synonyms): one row per document
            source = (f"(SELECT document_id, SUM(weight) AS weight FROM {terms} WHERE term IN ({marks}) "
                      f"GROUP BY document_id) t{i}")
            params += slot
        if i == 0:
            sql.append(f"FROM {source}")
        else:
            sql.append(f"{join} {source} ON t{i}.document_id = t0.document_id")
            if len(slot) == 1:
                sql[-1] += f" AND t{i}.term = %s"
                params.append(slot[0])
        score.append(f"t{i}.weight")
    for j, word in enumerate(query.bonus):
        sql.append(f"LEFT JOIN {terms} b{j}{lookup} ON b{j}.document_id = t0.document_id AND b{j}.term = %s")
        params.append(word)
        score.append(f"COALESCE(b{j}.weight, 0)")
    if len(slots[0]) == 1:
        sql.append("WHERE t0.term = %s")
        params.append(slots[0][0])
    hits = f"SELECT t0.document_id AS doc_id, {' + '.join(score)} AS hit_score {' '.join(sql)}"
    if f.on_documents:  # filters: every hit's document is looked at
        source, source_params = f"({hits}) h {join} {docs} d ON d.id = h.doc_id WHERE {f.where}", [*params, *f.params]
    else:  # none: the ranking reads the terms only, and the page's twenty documents
        source, source_params = f"({hits}) h", params
    ranked_hits = f"SELECT h.doc_id, h.hit_score AS score, {f.near} AS near_rank, {f.ended} AS ended FROM {source}"
    ranked = _RANKED.format(hits=ranked_hits, order="ended, near_rank DESC, score DESC, doc_id")
    page = _PAGE.format(ranked=ranked, join=join, docs=docs, order="r.ended, r.near_rank DESC, r.score DESC, d.id")
    hit_params = [*f.near_params, *f.ended_params, *source_params]
    found = list(SearchDocument.objects.raw(page, [*hit_params, limit, offset]))
    return _results(query, found, ranked_hits, hit_params, offset, corrections)


def _frequencies(terms: list[str]) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT term, COUNT(*) FROM {SearchTerm._meta.db_table} WHERE term IN "
                    f"({', '.join(['%s'] * len(terms))}) GROUP BY term", terms)
        return dict(cur.fetchall())


def _near(code: str) -> list[str]:
    """The place's district path, then (when the place is below it) its street path, then its community path."""
    place = Place.objects.filter(code=code).values_list("path", "level").first()
    if place is None or place[1] < PlaceLevel.DISTRICT:
        raise _bad("near_code", translation.gettext("未知地点代码：%(v)s") % {"v": code})
    path, level = place
    codes = path.strip("/").split("/")
    ancestors = dict(Place.objects.filter(code__in=codes, level__gte=PlaceLevel.DISTRICT)
                     .values_list("level", "path"))
    return [ancestors[lv] for lv in sorted(ancestors) if lv <= level]


def search_warm(*, queries: bool = True) -> None:
    """Load what the first search of a process would otherwise wait for: jieba's dictionary, pypinyin's tables,
    the synonym table, rapidfuzz's first extraction and, with `queries`, the index's English vocabulary and one
    search of each kind (a Chinese word, pinyin initials, an English word, a misspelt one), so the database's
    pages and the ORM's first compilations are warm too. The web server's workers call it as they start
    (wsgi.py), so the first visitor's search is as fast as the next; it closes the connection it opened."""
    tokenize("终身学习 书法 太极 taiji Python")
    _synonym_table()
    from rapidfuzz import process  # loaded here on purpose: warming it is this function's job
    from rapidfuzz.distance import DamerauLevenshtein

    process.extract("taiji", ("taichi", "yoga"), scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=None)
    if not queries:
        return
    try:
        _latin_vocabulary()
        for q in ("书法", "sf", "shufa", "calligraphy", "calligrapy"):
            search(q=q, limit=20)
    except Exception:  # a database not migrated yet, or down: the first visitor pays, the server still starts
        log.warning("search warm-up: the index could not be read", exc_info=True)
    finally:
        connections.close_all()

