"""The index's documents and terms, written set-based: `index_documents` for the objects the services change,
`reindex_all` for the whole index (see the package's docstring)."""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

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
from learncity.catalog.search.query import vocabulary_forget
from learncity.catalog.search.sql import search_sql
from learncity.catalog.search.tokens import FEATURED_BOOST, term_weights
from learncity.core.bulk import insert_rows, next_ids
from learncity.places.models import Place, PlaceLevel


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

    A bulk load (the database's `bulk_load`, sql/): the term table is emptied, its secondary indexes (and, on
    PostgreSQL, its foreign key) are dropped, the terms are written batch by batch, then the indexes are built
    once and the key checked in one pass, which is many times faster than keeping them up to date row by row.
    SQLite readers keep reading the old index until the commit; on PostgreSQL searches wait for the rebuild (the
    table is locked)."""
    counts = {}
    with transaction.atomic():
        existing = {(t, o): pk for t, o, pk in SearchDocument.objects.values_list("object_type", "object_id", "id")}
        fresh = itertools.count(next_ids(SearchDocument, 0).start)
        with search_sql().bulk_load(SearchTerm._meta.db_table, SearchDocument._meta.db_table):
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
    return counts
