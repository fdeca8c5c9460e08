"""Full-text search over courses, resources, events and venues, in Chinese, the same on SQLite and PostgreSQL.

Neither database segments Chinese, so the index is our own inverted index (`SearchDocument`, `SearchTerm`),
kept by this module and read with portable SQL.

Tokens (`tokenize`, one function for documents and queries). Text is NFKC-normalized and lowercased, then
split into CJK runs and latin/digit runs; everything else separates tokens.
- a CJK run gives its overlapping character bigrams (书法入门 → 书法 法入 入门), so any two-character query
  finds every text that contains it; its characters (unigrams: titles only, low weight), so a one-character
  query works; its jieba words (a two-character word is also a bigram and adds to its weight, so real words
  outrank bigrams that straddle two words); and, in titles and tags, pinyin initials ("py:sf" for 书法) of
  each word, of its first two or more characters and of the whole run (not of characters inside a word:
  家庭教育 is not "tj"), and the full pinyin without tones the same way ("pf:shufa", "pf:taiji" for 太极拳).
- a latin/digit run gives itself lowercased ("excel", "python3"), and its letter and digit parts when mixed.
- a title, English title or tags naming a word of the synonym table (catalog/synonyms.py: 太极, Tai Chi,
  taiji …) gives its group ("sy:taichi"), so a query in either language finds the other.

Weights. A document's fields (title, with the English title; keywords: the provider's tags; tags: kind,
topic, target groups; body: the description's first
`BODY_CHARS` characters, a venue's address and hours; where: its district and street names) each weigh token
kinds by `WEIGHTS`; occurrences add up to the field's cap (`CAPS`) and the fields add up. A title bigram (40)
outweighs all the same term can collect elsewhere (≤ 31): a title match ranks above a description match.

Query. Each bigram of a CJK run in the query (a lone character: its unigram) and each latin run is a slot
that must match (AND); a bigram of the synonym table is matched by itself or its group. An all-letter latin
run has tiers, and the first the index has is used: itself, its full pinyin and its synonym group ("taiji" →
"taiji", "pf:taiji", "sy:taichi"); else, for a misspelt English word, the closest words of the index's
English vocabulary (rapidfuzz, one edit, two from eight letters: "calligrapy" → "calligraphy"); else its
pinyin initials ("tj" → "py:tj"), so initials count only when nothing better matches. An English phrase of
the synonym table (tai chi) is one slot. The rarest slot's rows drive a join to one row of every other slot of
the same document (the frequencies come from one cheap look-up first, which also picks the tiers; a slot found
nowhere ends the search there). Courses that have ended are counted apart and left out of the page unless
asked for (`ended_total`), in the same statement. Score = the sum
of the matched terms' weights (a jieba word of three or more characters in the query adds its weight when
the document has it); a featured course's terms weigh `FEATURED_BOOST` more (kept in the index, so ranking
without filters never reads the documents). Order: score, then document id, so both databases return the
same page; the total comes with the page (a window count).

Indexing is set-based: `index_documents` rebuilds the documents of the objects given (as the services change
them), `reindex_all` bulk-loads the whole index (see there).
"""

import datetime
import itertools
import logging
import re
import threading
import time
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from learncity.catalog.models import (
    Course,
    CourseKind,
    CourseSession,
    CourseState,
    Event,
    EventKind,
    Mode,
    Resource,
    ResourceKind,
    SearchDocument,
    SearchTerm,
    Venue,
)
from learncity.core.bulk import insert_rows, next_ids
from learncity.core.errors import DomainError
from learncity.people.models import LearnerGroup
from learncity.places.models import Place, PlaceLevel

MAX_TERM = 32  # SearchTerm.term's length
MAX_QUERY = 100  # characters
MAX_LIMIT = 100
FEATURED_BOOST = 5
PINYIN = "py:"  # pinyin initials: of a word, a word's first letters, a whole run (书法 → py:sf)
PINYIN_FULL_PREFIX = "pf:"  # full pinyin without tones: of a word, its first syllables, a whole run (书法 → pf:shufa)
SYNONYM_PREFIX = "sy:"  # a synonym group (catalog/synonyms.py) named by the title, English title or tags

BIGRAM, UNIGRAM, WORD, LATIN, PINYIN_KEY = "bigram", "unigram", "word", "latin", "pinyin"
PINYIN_FULL, SYNONYM = "pinyin_full", "synonym"

# Weight of one occurrence of a token kind in a field; occurrences add up to the field's cap. A title bigram
# (40) outweighs what the same term can collect from tags, body and place together (12 + 15 + 4 = 31). The
# title field holds the title and the English title; "keywords" are the provider's own tags.
WEIGHTS: dict[str, dict[str, int]] = {
    "title": {BIGRAM: 40, WORD: 10, UNIGRAM: 2, LATIN: 50, PINYIN_KEY: 8, PINYIN_FULL: 40, SYNONYM: 40},
    "keywords": {BIGRAM: 20, WORD: 5, LATIN: 25, PINYIN_KEY: 4, PINYIN_FULL: 20, SYNONYM: 20},
    "tags": {BIGRAM: 4, WORD: 2, LATIN: 6},  # kind, topic, target groups, level
    "body": {BIGRAM: 2, WORD: 1, LATIN: 3},  # description, address, opening hours
    "where": {BIGRAM: 1, WORD: 1, LATIN: 1},  # district and street names (and an event's venue)
}
CAPS = {"title": 250, "keywords": 60, "tags": 12, "body": 15, "where": 4}
BODY_CHARS = 500  # of a description indexed: bigrams of a whole syllabus would swell the index

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+|[0-9a-z]+")
_PARTS = re.compile(r"[a-z]+|[0-9]+")


class Token(NamedTuple):
    term: str
    kind: str  # BIGRAM, UNIGRAM, WORD, LATIN or PINYIN_KEY
    run: str  # the run of text it came from


# --- tokenizing ----------------------------------------------------------------------------------------

log = logging.getLogger(__name__)
_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba, quiet and initialised once (its dictionary ships with the package: nothing is downloaded)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():  # jieba 0.42's regexes carry invalid escapes
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def search_warm(*, queries: bool = True) -> None:
    """Load what the first search of a process would otherwise wait for: jieba's dictionary, pypinyin's tables,
    the synonym table, rapidfuzz's first extraction and, with `queries`, the index's English vocabulary and one
    search of each kind (a Chinese word, pinyin initials, an English word, a misspelt one), so the database's
    pages and the ORM's first compilations are warm too. The web server's workers call it as they start
    (wsgi.py), so the first visitor's search is as fast as the next; it closes the connection it opened."""
    tokenize("终身学习 书法 太极 taiji Python")
    _synonym_table()
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    process.extract("taiji", ("taichi", "yoga"), scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=None)
    if not queries:
        return
    from django.db import connections

    try:
        _latin_vocabulary()
        for q in ("书法", "sf", "shufa", "calligraphy", "calligrapy"):
            search(q=q, limit=20)
    except Exception:  # a database not migrated yet, or down: the first visitor pays, the server still starts
        log.warning("search warm-up: the index could not be read", exc_info=True)
    finally:
        connections.close_all()


def _is_cjk(run: str) -> bool:
    return not ("0" <= run[0] <= "9" or "a" <= run[0] <= "z")


@lru_cache(maxsize=200_000)
def _cjk_terms(run: str, pinyin: bool) -> tuple[tuple[str, str], ...]:
    """(term, kind) pairs of a CJK run, cached: runs repeat a great deal across a catalog."""
    out = [(ch, UNIGRAM) for ch in run]
    out += [(run[i:i + 2], BIGRAM) for i in range(len(run) - 1)]
    words = _segmenter().lcut(run, HMM=False) if len(run) > 1 else [run]
    out += [(w[:MAX_TERM], WORD) for w in words if len(w) >= 2]
    if pinyin and len(run) >= 2:
        # Initials of each word, of its first two or more characters, and of the whole run: not of characters
        # inside a word (家庭教育 is not "tj"), so a short key finds what starts with it, not everything.
        initials = [_word_initials(w) for w in words]
        if all(initials):
            keys: list[str] = []
            for letters in initials:
                keys += [letters[:k] for k in range(2, len(letters) + 1)]
            keys.append("".join(initials))
            out += [((PINYIN + k)[:MAX_TERM], PINYIN_KEY) for k in dict.fromkeys(keys)]
        # Full pinyin, tones stripped, the same way: 太极拳 → taiji, taijiquan; 书法入门 → shufa, rumen, shufarumen.
        syllables = [_word_pinyin(w) for w in words]
        if all(syllables):
            keys = []
            for syl in syllables:
                keys += ["".join(syl[:k]) for k in range(2, len(syl) + 1)]
            keys.append("".join(s for syl in syllables for s in syl))
            out += [(PINYIN_FULL_PREFIX + k, PINYIN_FULL) for k in dict.fromkeys(keys)
                    if len(PINYIN_FULL_PREFIX + k) <= MAX_TERM]
    return tuple(out)


@lru_cache(maxsize=100_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """The toneless pinyin syllables of a word (书法 → ("shu", "fa"), 绿 → ("lv",)); () if a character has none."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, v_to_u=False, errors=lambda chars: ["?"] * len(chars))
    ok = len(syllables) == len(word) and all(s.isascii() and s.isalpha() for s in syllables)
    return tuple(syllables) if ok else ()


@lru_cache(maxsize=100_000)
def _word_initials(word: str) -> str:
    """The pinyin initials of a word, one letter per character (书法 → "sf"; "" if a character has none).
    A word at a time, so pypinyin can read a heteronym from its phrase (重庆 → "cq")."""
    from pypinyin import Style, lazy_pinyin

    text = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors=lambda chars: ["?"] * len(chars)))
    return text if len(text) == len(word) and text.isascii() and text.isalpha() else ""


def _latin_terms(run: str) -> tuple[tuple[str, str], ...]:
    parts = _PARTS.findall(run)
    return ((run[:MAX_TERM], LATIN), *((p[:MAX_TERM], LATIN) for p in parts if len(parts) > 1))


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _runs(text: str) -> list[str]:
    return _RUN.findall(normalize(text))


def _terms(run: str, pinyin: bool) -> tuple[tuple[str, str], ...]:
    return _cjk_terms(run, pinyin) if _is_cjk(run) else _latin_terms(run)


def tokenize(text: str, *, pinyin: bool = True) -> list[Token]:
    """The tokens of a text, in order: for documents (all of them, weighed by field) and queries (which use
    the bigrams, lone unigrams, latin runs and longer words). `pinyin=False` skips the pinyin keys."""
    return [Token(term, kind, run) for run in _runs(text) for term, kind in _terms(run, pinyin)]


@lru_cache(maxsize=200_000)
def _run_weights(run: str, fieldname: str) -> tuple[tuple[str, int], ...]:
    """The weighted terms of one run of text in a field (cached: runs repeat across a catalog)."""
    table = WEIGHTS[fieldname]
    out: dict[str, int] = {}
    for term, kind in _terms(run, PINYIN_KEY in table):
        w = table.get(kind)
        if w:
            out[term] = out.get(term, 0) + w
    return tuple(out.items())


def _field_weights(text: str, fieldname: str) -> dict[str, int]:
    out: dict[str, int] = {}
    runs = _runs(text)
    for run in runs:
        for term, w in _run_weights(run, fieldname):
            out[term] = out.get(term, 0) + w
    synonym_weight = WEIGHTS[fieldname].get(SYNONYM)
    if synonym_weight:
        for key in synonym_groups(runs):
            out[SYNONYM_PREFIX + key] = out.get(SYNONYM_PREFIX + key, 0) + synonym_weight
    cap = CAPS[fieldname]
    if any(w > cap for w in out.values()):
        out = {t: min(w, cap) for t, w in out.items()}
    return out


@lru_cache(maxsize=50_000)
def _short_field_weights(text: str, fieldname: str) -> tuple[tuple[str, int], ...]:
    """Titles, tags and places repeat across a catalog (a provider's name, a kind with its groups): cached."""
    return tuple(_field_weights(text, fieldname).items())


# --- synonyms ------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _synonym_table() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]]]:
    """(CJK word → group keys, English word or phrase as a tuple of its runs → group keys)."""
    from learncity.catalog.synonyms import SYNONYMS

    cjk: dict[str, list[str]] = defaultdict(list)
    latin: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key, members in SYNONYMS.items():
        for member in members:
            runs = tuple(_runs(member))
            if len(runs) == 1 and _is_cjk(runs[0]):
                cjk[runs[0]].append(key)
            elif runs and not any(_is_cjk(r) for r in runs):
                latin[runs].append(key)
    return ({k: tuple(v) for k, v in cjk.items()}, {k: tuple(v) for k, v in latin.items()})


def synonym_groups(runs: list[str]) -> list[str]:
    """The synonym groups named in a text's runs: a Chinese word anywhere in a run, an English word or phrase
    as whole words."""
    cjk, latin = _synonym_table()
    found: dict[str, None] = {}
    for word, keys in cjk.items():
        if any(word in run for run in runs):
            found.update(dict.fromkeys(keys))
    for i in range(len(runs)):
        for n in (1, 2, 3):
            keys = latin.get(tuple(runs[i:i + n])) if i + n <= len(runs) else None
            if keys:
                found.update(dict.fromkeys(keys))
    return list(found)


def term_weights(*, title: str, tags: str = "", body: str = "", where: str = "", title_en: str = "",
                 keywords: str = "") -> dict[str, int]:
    """The weighted terms of a document: per field, the weights of its tokens' occurrences (capped), summed.
    The English title weighs as the title does; `keywords` are the provider's tags."""
    title = " ".join(t for t in (title, title_en) if t)
    weights = dict(_short_field_weights(title, "title")) if title else {}
    for name, text in (("keywords", keywords), ("tags", tags), ("where", where)):
        if text:
            for term, w in _short_field_weights(text, name):
                weights[term] = weights.get(term, 0) + w
    if body:
        for term, w in _field_weights(body[:BODY_CHARS], "body").items():
            weights[term] = weights.get(term, 0) + w
    return weights


# --- documents -----------------------------------------------------------------------------------------

@dataclass
class _Built:
    object_id: int
    title: str
    summary: str
    place_path: str
    kind: str
    mode: str
    groups: str
    is_free: bool
    start_date: datetime.date | None
    end_date: datetime.date | None
    featured: bool
    weights: dict[str, int] = field(default_factory=dict)

    def document(self, object_type: str, pk: int | None = None) -> SearchDocument:
        return SearchDocument(
            pk=pk, object_type=object_type, object_id=self.object_id, title=self.title[:200],
            summary=self.summary, place_path=self.place_path, kind=self.kind, mode=self.mode,
            groups=self.groups[:200], is_free=self.is_free, start_date=self.start_date, end_date=self.end_date,
            featured=self.featured)


def _summary(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= 300 else text[:299] + "…"


def _labels(choices) -> dict[str, str]:
    with translation.override(None):  # the Chinese source strings, whatever language is active
        return {value: str(label) for value, label in choices.choices}


class _Places:
    """District and street names along place paths, looked up once per batch."""

    def __init__(self, paths: Iterable[str]):
        codes = {c for p in paths if p for c in p.strip("/").split("/")}
        self.names = dict(Place.objects.filter(code__in=codes, level__in=(PlaceLevel.DISTRICT, PlaceLevel.STREET))
                          .values_list("code", "name")) if codes else {}

    def text(self, path: str) -> str:
        return " ".join(self.names[c] for c in (path or "").strip("/").split("/") if c in self.names)


def _build_courses(ids: list[int]) -> list[_Built]:
    first_venue = (CourseSession.objects.filter(course=OuterRef("pk"), venue__isnull=False)
                   .order_by("date", "start", "id").values("venue__place__path")[:1])
    # Closed courses too, as ended: "太极" says that three closed 太极拳 courses match, and finds them on asking.
    rows = list(Course.objects.filter(pk__in=ids, state__in=(CourseState.PUBLISHED, CourseState.CLOSED))
                .order_by("pk").annotate(venue_path=Subquery(first_venue))
                .values_list("id", "title", "description", "kind", "mode", "fee", "featured", "level",
                             "institution__place__path", "venue_path", "title_en", "tags", "state"))
    found = [r[0] for r in rows]
    dates = {c: (first, last) for c, first, last in CourseSession.objects.filter(course_id__in=found)
             .values("course_id").annotate(first=Min("date"), last=Max("date"))
             .values_list("course_id", "first", "last")}
    groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for cid, code, name in (Course.target_groups.through.objects.filter(course_id__in=found)
                            .order_by("learnergroup__code")
                            .values_list("course_id", "learnergroup__code", "learnergroup__name")):
        groups[cid].append((code, name))
    places = _Places(r[9] or r[8] for r in rows)
    kinds = _labels(CourseKind)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    out = []
    for cid, title, description, kind, mode, fee, featured, level, inst_path, venue_path, title_en, tags, state in rows:
        path = venue_path or inst_path
        gs = groups.get(cid, [])
        first, last = _date(dates.get(cid, (None, None))[0]), _date(dates.get(cid, (None, None))[1])
        if state == CourseState.CLOSED:  # closed by its provider: it ended then, whatever its sessions' dates
            last = min(last or yesterday, yesterday)
        b = _Built(cid, title, _summary(description), path, kind, mode,
                   ("," + ",".join(c for c, _ in gs) + ",") if gs else "", fee == 0, first, last,
                   bool(featured))
        b.weights = term_weights(title=title, title_en=title_en, keywords=tags,
                                 tags=" ".join([kinds.get(kind, ""), level, *(n for _, n in gs)]),
                                 body=description, where=places.text(path))
        if featured:  # kept in the terms, so ranking needs no look at the documents
            b.weights = {t: w + FEATURED_BOOST for t, w in b.weights.items()}
        out.append(b)
    return out


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])  # SQLite hands back aggregates of dates as text


def _build_resources(ids: list[int]) -> list[_Built]:
    rows = list(Resource.objects.filter(pk__in=ids, published=True).order_by("pk").values_list(
        "id", "title", "description", "topic", "course_kind", "kind", "provider__place__path", "title_en"))
    places = _Places(r[6] for r in rows)
    kinds, media = _labels(CourseKind), _labels(ResourceKind)
    out = []
    for rid, title, description, topic, course_kind, kind, path, title_en in rows:
        b = _Built(rid, title, _summary(description), path, course_kind, Mode.ONLINE, "", True, None, None, False)
        b.weights = term_weights(title=title, title_en=title_en, tags=" ".join([topic, kinds.get(course_kind, ""), media.get(kind, "")]),
                                 body=description, where=places.text(path))
        out.append(b)
    return out


def _build_events(ids: list[int]) -> list[_Built]:
    rows = list(Event.objects.filter(pk__in=ids).order_by("pk").values_list(
        "id", "title", "description", "kind", "is_free", "starts_at", "ends_at", "venue__name", "venue__place__path",
        "title_en"))
    places = _Places(r[8] for r in rows)
    kinds = _labels(EventKind)
    out = []
    for eid, title, description, kind, is_free, starts, ends, venue, path, title_en in rows:
        b = _Built(eid, title, _summary(description), path, kind, Mode.OFFLINE, "", bool(is_free),
                   timezone.localdate(starts), timezone.localdate(ends), False)
        b.weights = term_weights(title=title, title_en=title_en, tags=kinds.get(kind, ""), body=description,
                                 where=" ".join([venue, places.text(path)]))
        out.append(b)
    return out


def _build_venues(ids: list[int]) -> list[_Built]:
    rows = list(Venue.objects.filter(pk__in=ids).order_by("pk").values_list(
        "id", "name", "kind", "address", "opening_hours", "free_open_days", "accessibility", "place__path",
        "name_en"))
    places = _Places(r[7] for r in rows)
    kinds = _labels(Venue.Kind)
    out = []
    for vid, name, kind, address, hours, free_days, access, path, name_en in rows:
        b = _Built(vid, name, _summary(" ".join(x for x in (address, hours) if x)), path, kind, Mode.OFFLINE, "",
                   True, None, None, False)
        b.weights = term_weights(title=name, title_en=name_en, tags=kinds.get(kind, ""),
                                 body=" ".join([address, hours, free_days, access]),
                                 where=places.text(path))
        out.append(b)
    return out


_SOURCES = {
    SearchDocument.Type.COURSE: (Course, _build_courses),
    SearchDocument.Type.RESOURCE: (Resource, _build_resources),
    SearchDocument.Type.EVENT: (Event, _build_events),
    SearchDocument.Type.VENUE: (Venue, _build_venues),
}
_TYPE_OF_MODEL = {model: t for t, (model, _) in _SOURCES.items()}
BATCH = 2000
BULK_BATCH = 10_000
_DOC_COLUMNS = ("id", "object_type", "object_id", "title", "summary", "place_path", "kind", "mode", "groups",
                "is_free", "start_date", "end_date", "featured")


def _type_of(obj) -> str:
    for model, t in _TYPE_OF_MODEL.items():
        if isinstance(obj, model):
            return t
    raise TypeError(f"not searchable: {type(obj).__name__}")


def document_for(obj) -> SearchDocument | None:
    """The search document `obj` (a course, resource, event or venue) would have, unsaved, with its weighted
    terms in `.term_weights`; None when it is not searchable (a draft course, an unpublished resource)."""
    object_type = _type_of(obj)
    built = _SOURCES[object_type][1]([obj.pk])
    if not built:
        return None
    doc = built[0].document(object_type)
    doc.term_weights = built[0].weights
    return doc


def index_documents(objects) -> int:
    """(Re)index these courses, resources, events and venues (any mix, or a queryset): their documents and
    terms are replaced set-based; objects no longer searchable (a draft course, an unpublished resource, an
    object deleted in this transaction) leave the index. Returns the number of documents written."""
    by_type: dict[str, set[int]] = defaultdict(set)
    if isinstance(objects, QuerySet):
        by_type[_TYPE_OF_MODEL[objects.model]].update(objects.values_list("pk", flat=True))
    else:
        for obj in objects:
            if obj.pk is None:  # Django forgets a deleted object's pk: index it before deleting it
                raise ValueError(f"{type(obj).__name__} without a primary key cannot be (un)indexed")
            by_type[_type_of(obj)].add(obj.pk)
    written = 0
    with transaction.atomic():
        for object_type, ids in by_type.items():
            ordered = sorted(ids)
            for i in range(0, len(ordered), BATCH):
                written += _index_batch(object_type, ordered[i:i + BATCH])
    return written


def _delete(doc_ids: list[int], *, terms: bool = True) -> None:
    """Delete documents and their terms: one statement per table and batch."""
    term_table, doc_table = SearchTerm._meta.db_table, SearchDocument._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(doc_ids), 5000):
            chunk = doc_ids[i:i + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            if terms:
                cur.execute(f"DELETE FROM {term_table} WHERE document_id IN ({marks})", chunk)
            cur.execute(f"DELETE FROM {doc_table} WHERE id IN ({marks})", chunk)


def _index_batch(object_type: str, ids: list[int]) -> int:
    """Replace the documents and terms of these objects (the incremental path: documents keep their ids)."""
    built = _SOURCES[object_type][1](ids)
    existing = dict(SearchDocument.objects.filter(object_type=object_type, object_id__in=ids)
                    .values_list("object_id", "id"))
    _delete(list(existing.values()))
    fresh = iter(next_ids(SearchDocument, sum(1 for b in built if b.object_id not in existing)))
    return _write(object_type, built, lambda object_id: existing.get(object_id) or next(fresh))


def _write(object_type: str, built: list[_Built], doc_id) -> int:
    ops = connection.ops
    docs, terms = [], []
    for b in built:
        pk = doc_id(b.object_id)
        docs.append((pk, object_type, b.object_id, b.title[:200], b.summary, b.place_path, b.kind, b.mode,
                     b.groups[:200], b.is_free, ops.adapt_datefield_value(b.start_date),
                     ops.adapt_datefield_value(b.end_date), b.featured))
        terms += [(t, pk, w) for t, w in b.weights.items()]
    terms.sort(key=itemgetter(0))  # a term's rows side by side: a query reads few pages of the table
    vocabulary_forget()
    insert_rows(SearchDocument, _DOC_COLUMNS, docs)
    insert_rows(SearchTerm, ("term", "document_id", "weight"), terms)
    return len(docs)


def reindex_all(*, progress=None) -> dict[str, int]:
    """Rebuild the whole index in one transaction; returns the number of documents per type. Documents keep
    their ids; those of objects no longer searchable (or gone) are not written again.

    A bulk load: the term table is emptied, its secondary indexes (and, on PostgreSQL, its foreign key) are
    dropped, the terms are written batch by batch, then the indexes are built once and the key checked in one
    pass, which is many times faster than keeping them up to date row by row. SQLite readers keep reading the
    old index until the commit; on PostgreSQL searches wait for the rebuild (the table is locked)."""
    with _big_cache():
        return _reindex_all(progress)


@contextmanager
def _big_cache():
    """SQLite: a 256 MiB page cache while the index is rebuilt (building its indexes sorts in memory)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(before)}")


def _reindex_all(progress) -> dict[str, int]:
    counts = {}
    term_table, doc_table = SearchTerm._meta.db_table, SearchDocument._meta.db_table
    qn = connection.ops.quote_name
    with transaction.atomic():
        existing = {(t, o): pk for t, o, pk in SearchDocument.objects.values_list("object_type", "object_id", "id")}
        fresh = itertools.count(next_ids(SearchDocument, 0).start)
        indexes, keys = _secondary_indexes(term_table), _foreign_keys(term_table)
        with connection.cursor() as cur:
            for name, _ in keys:
                # Checks still pending from earlier in the transaction must run before the key can go.
                cur.execute(f"SET CONSTRAINTS {qn(name)} IMMEDIATE")
                cur.execute(f"ALTER TABLE {term_table} DROP CONSTRAINT {qn(name)}")
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {qn(name)}")
            cur.execute(f"TRUNCATE {term_table}" if connection.vendor == "postgresql" else f"DELETE FROM {term_table}")
            cur.execute(f"DELETE FROM {doc_table}")
        for object_type, (model, build) in _SOURCES.items():
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            written = 0
            for i in range(0, len(ids), BULK_BATCH):
                written += _write(object_type, build(ids[i:i + BULK_BATCH]),
                                  lambda object_id, t=object_type: existing.get((t, object_id)) or next(fresh))
                if progress:
                    progress(object_type, min(i + BULK_BATCH, len(ids)), len(ids))
            counts[object_type] = written
        next_ids(SearchDocument, 0)  # PostgreSQL: the id sequence moves past the ids written
        with connection.cursor() as cur:
            for _, ddl in indexes:
                cur.execute(ddl)
            for name, definition in keys:
                cur.execute(f"ALTER TABLE {term_table} ADD CONSTRAINT {qn(name)} {definition}")
            if connection.vendor == "postgresql":
                cur.execute(f"ANALYZE {doc_table}")
                cur.execute(f"ANALYZE {term_table}")
    return counts


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of a table's indexes other than its primary key, from the catalog."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname", [table])
        else:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL ORDER BY name", [table])
        return list(cur.fetchall())


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of the table's foreign keys (SQLite keeps them in the table itself)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' ORDER BY conname", [table])
        return list(cur.fetchall())


# --- query ---------------------------------------------------------------------------------------------

@dataclass
class SearchResults:
    total: int
    items: list[tuple[SearchDocument, int]]  # (document, score), best first; browsing gives score 0
    query_terms: list[str]  # the query's words as searched: CJK runs and lowercased latin runs
    # Courses that match but have ended, left out unless ended courses were asked for (the page says so).
    ended_total: int = 0
    # A misspelt English word, and the words searched instead (calligrapy → calligraphy).
    corrections: dict[str, list[str]] = field(default_factory=dict)


# Each slot of a query is a list of tiers, best first; each tier holds alternative terms. The slot is matched
# by a term of the first tier the index has: an English word, its full pinyin or its synonyms; else, for a
# misspelt word, the close words of the index's vocabulary; else its pinyin initials.
Tier = tuple[str, ...]


@dataclass
class _Query:
    slots: list[tuple[Tier, ...]]  # each slot must be matched by one of its terms
    bonus: list[str]  # jieba words of three or more characters: add to the score when present
    words: list[str]
    corrections: dict[Tier, tuple[str, list[str]]] = field(default_factory=dict)  # a typo tier → (typo, words)


STOP_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with"})
TYPO_MIN_LENGTH = 4  # shorter English words are not corrected: too many words are one letter from them


def _latin_tiers(run: str, synonyms: tuple[str, ...] = ()) -> tuple[Tier, ...]:
    """The tiers of an English (or pinyin) word of a query; a word with digits matches only itself."""
    term = run[:MAX_TERM]
    if not run.isalpha():
        return ((term,),)
    keys = [SYNONYM_PREFIX + k for k in (*synonyms, *_synonym_table()[1].get((run,), ()))]
    best = (term, *((PINYIN_FULL_PREFIX + run,) if len(PINYIN_FULL_PREFIX + run) <= MAX_TERM else ()),
            *dict.fromkeys(keys))
    initials = (PINYIN + run,) if len(PINYIN + run) <= MAX_TERM else ()
    return (best, initials) if initials else (best,)


def parse_query(q: str) -> _Query:
    slots: dict[tuple[Tier, ...], None] = {}
    bonus: dict[str, None] = {}
    words: dict[str, None] = {}
    corrections: dict[Tier, tuple[str, list[str]]] = {}
    cjk_synonyms, latin_synonyms = _synonym_table()
    runs = _runs(q)
    i = 0
    while i < len(runs):
        run = runs[i]
        if not _is_cjk(run):
            # An English phrase of the synonym table (tai chi) is one slot: its group.
            phrase = next((n for n in (3, 2) if i + n <= len(runs) and tuple(runs[i:i + n]) in latin_synonyms), 0)
            if phrase:
                keys = latin_synonyms[tuple(runs[i:i + phrase])]
                words[" ".join(runs[i:i + phrase])] = None
                slots[(tuple(SYNONYM_PREFIX + k for k in keys),)] = None
                i += phrase
                continue
            words[run] = None
            i += 1
            if run in STOP_WORDS and len(runs) > 1:
                continue
            tiers = _latin_tiers(run)
            # An English word (it has a vowel: pinyin initials like jkbbw seldom do) may be misspelt.
            english = run.isalpha() and len(run) >= TYPO_MIN_LENGTH and any(v in run for v in "aeiouy")
            fixes = _corrections(run) if english else []
            if fixes:
                fixed = tuple(dict.fromkeys(t for w in fixes for t in _latin_tiers(w)[0]))
                corrections[fixed] = (run, fixes)
                tiers = (tiers[0], fixed, *tiers[1:])
            slots[tiers] = None
            continue
        i += 1
        words[run] = None
        if len(run) == 1:
            slots[((run,),)] = None
            continue
        for term, kind in _terms(run, False):
            if kind == BIGRAM:  # a Chinese word of the synonym table also finds its group (英语 → english)
                keys = cjk_synonyms.get(term, ())
                slots[((term, *(SYNONYM_PREFIX + k for k in keys)),)] = None
            elif kind == WORD and len(term) >= 3:
                bonus[term] = None
    flat = {t for slot in slots for tier in slot for t in tier}
    return _Query(list(slots), [b for b in bonus if b not in flat], list(words), corrections)


# --- typo tolerance ------------------------------------------------------------------------------------

VOCABULARY_SECONDS = 300  # how long a process keeps the index's English words before reading them again
_vocabulary_lock = threading.Lock()
_vocabulary: tuple[float, frozenset[str]] = (0.0, frozenset())


def _latin_vocabulary() -> frozenset[str]:
    """The English words of the index (all letters, three or more) and of the synonym table, read at most
    every VOCABULARY_SECONDS. One index seek a distinct word: a loose scan of the term index that jumps over
    the prefixed keys (py:, pf:, sy:) a prefix at a time."""
    global _vocabulary
    now = time.monotonic()
    if _vocabulary[0] > now:
        return _vocabulary[1]
    with _vocabulary_lock:
        if _vocabulary[0] > now:
            return _vocabulary[1]
        table = SearchTerm._meta.db_table
        sql = (f"WITH RECURSIVE v(term) AS (SELECT MIN(term) FROM {table} WHERE term >= %s AND term < %s "
               f"UNION ALL SELECT (SELECT MIN(t.term) FROM {table} t WHERE t.term > CASE WHEN SUBSTR(v.term, 3, 1) = ':' "
               f"THEN SUBSTR(v.term, 1, 2) || ';' ELSE v.term END AND t.term < %s) FROM v WHERE v.term IS NOT NULL) "
               f"SELECT term FROM v WHERE term IS NOT NULL")
        with connection.cursor() as cur:
            cur.execute(sql, ["a", "{", "{"])
            found = {t for (t,) in cur.fetchall() if len(t) >= 3 and t.isascii() and t.isalpha()}
        found |= {w for words in _synonym_table()[1] for w in words if len(w) >= 3 and w.isalpha()}
        _vocabulary = (now + VOCABULARY_SECONDS, frozenset(found))
        return _vocabulary[1]


def vocabulary_forget() -> None:
    """This process reads the vocabulary again at the next misspelt word (the index has changed)."""
    global _vocabulary
    _vocabulary = (0.0, frozenset())


def _corrections(word: str) -> list[str]:
    """The index's English words closest to a word it does not have: at most one edit away (a letter missed,
    added, changed, or two swapped: yoag → yoga), two for words of eight letters or more; the closest only."""
    vocabulary = _latin_vocabulary()
    if word in vocabulary:
        return []
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    limit = 1 if len(word) < 8 else 2
    found = process.extract(word, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
    if not found:
        return []
    best = min(d for _, d, _ in found)
    return sorted(w for w, d, _ in found if d == best)[:3]


def _bad(fieldname: str, message: str) -> DomainError:
    return DomainError({fieldname: message}, code="invalid")


def _as_date(value, fieldname: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(fieldname, translation.gettext("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": value}) from None


KINDS = frozenset([*CourseKind.values, *EventKind.values, *Venue.Kind.values])
MODES = frozenset(Mode.values)
TYPES = frozenset(SearchDocument.Type.values)


def search(*, q: str, types=None, district_code=None, kind=None, mode=None, group=None, free_only=False,
           date_from=None, date_to=None, near_code=None, include_ended=False, limit=20, offset=0) -> SearchResults:
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
    if len(q) > MAX_QUERY:
        raise _bad("q", translation.gettext("搜索词最多 %(n)s 个字符") % {"n": MAX_QUERY})
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", translation.gettext("每页条数应在 1 到 %(n)s 之间") % {"n": MAX_LIMIT})
    if not isinstance(offset, int) or offset < 0:
        raise _bad("offset", translation.gettext("偏移量不能为负"))
    where, params = [], []
    types = [t for t in ([types] if isinstance(types, str) else types or ()) if t]
    if types:
        unknown = [t for t in types if t not in TYPES]
        if unknown:
            raise _bad("types", translation.gettext("未知类型：%(v)s") % {"v": ", ".join(map(str, unknown))})
        where.append(f"d.object_type IN ({', '.join(['%s'] * len(types))})")
        params += types
    if district_code:
        path = (Place.objects.filter(code=district_code, level=PlaceLevel.DISTRICT)
                .values_list("path", flat=True).first())
        if path is None:
            raise _bad("district_code", translation.gettext("未知区县代码：%(v)s") % {"v": district_code})
        _prefix("d.place_path", path, where, params)
    if kind:
        if kind not in KINDS:
            raise _bad("kind", translation.gettext("未知类别：%(v)s") % {"v": kind})
        where.append("d.kind = %s")
        params.append(kind)
    if mode:
        if mode not in MODES:
            raise _bad("mode", translation.gettext("未知方式：%(v)s") % {"v": mode})
        where.append("d.mode = %s")
        params.append(mode)
    if group:
        if not LearnerGroup.objects.filter(code=group).exists():
            raise _bad("group", translation.gettext("未知群体：%(v)s") % {"v": group})
        where.append("d.groups LIKE %s ESCAPE '\\'")
        params.append(f"%,{_like_escape(group)},%")
    if free_only:
        where.append("d.is_free = %s")
        params.append(True)
    date_from, date_to = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    if date_from and date_to and date_from > date_to:
        raise _bad("date_from", translation.gettext("开始日期晚于结束日期"))
    ops = connection.ops
    ended_sql, ended_params = "0", []
    if not include_ended:  # ended courses are counted, and left out of the page
        ended_sql = "CASE WHEN d.object_type = 'course' AND d.end_date < %s THEN 1 ELSE 0 END"
        ended_params = [ops.adapt_datefield_value(timezone.localdate())]
    if date_to:
        where.append("d.start_date IS NOT NULL AND d.start_date <= %s")
        params.append(ops.adapt_datefield_value(date_to))
    if date_from:
        where.append("d.end_date IS NOT NULL AND d.end_date >= %s")
        params.append(ops.adapt_datefield_value(date_from))
    near_sql, near_params = "0", []
    if near_code:
        near = _near(near_code)
        _prefix("d.place_path", near[0], where, params)
        if len(near) > 1:  # the street (2), the community (3): nearer ranks higher
            whens = []
            for rank, path in sorted(enumerate(near), reverse=True)[:-1]:
                cond: list[str] = []
                _prefix("d.place_path", path, cond, near_params)
                whens.append(f"WHEN {cond[0]} THEN {rank + 1}")
            near_sql = f"CASE {' '.join(whens)} ELSE 0 END"
    query = parse_query(q)
    filters = _Filters(" AND ".join(where) or "1 = 1", params, near_sql, near_params, ended_sql, ended_params)
    if not query.slots:
        return _browse(query, filters, limit, offset)
    return _match(query, filters, limit, offset)


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


def _prefix(column: str, prefix: str, where: list[str], params: list) -> None:
    """`column` starts with `prefix`, as an index can serve it: LIKE 'prefix%' on PostgreSQL (Django's
    varchar_pattern_ops index), a range on SQLite (whose LIKE ignores case and so no index)."""
    if connection.vendor == "postgresql":
        where.append(f"{column} LIKE %s ESCAPE '\\'")
        params.append(_like_escape(prefix) + "%")
    else:
        where.append(f"({column} >= %s AND {column} < %s)")
        params += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _join() -> str:
    """SQLite takes the tables in the order written after CROSS JOIN (the rarest word first); PostgreSQL
    plans the order itself from its statistics."""
    return "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"


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
    sql = _PAGE.format(ranked=ranked, join=_join(), docs=docs, order=(
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
    join, sql, params, score = _join(), [], [], []
    # SQLite, without statistics, would rather probe a document's terms by document than look up (term,
    # document) in the index made for it; PostgreSQL's planner knows better from its statistics.
    lookup = f" INDEXED BY {SearchTerm._meta.indexes[0].name}" if connection.vendor == "sqlite" else ""
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
