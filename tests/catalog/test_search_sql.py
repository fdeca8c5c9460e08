"""The search's database seam (catalog/search/sql): each method run on the same data gives the answer the ORM
(or Django's introspection), which is the same on both databases, gives. CI runs this file on SQLite and on
PostgreSQL, so each method is held to one answer on both."""

import pytest
from django.db import connection, transaction

from learncity.catalog.models import SearchDocument, SearchTerm
from learncity.catalog.search import reindex_all, search
from learncity.catalog.search.sql import search_sql

pytestmark = pytest.mark.django_db

DOCS, TERMS = SearchDocument._meta.db_table, SearchTerm._meta.db_table
# Paths that a careless prefix would confuse: a longer code with the same digits, LIKE's own wildcards, a
# path whose last character is the largest a range can hold.
PATHS = ["/35/3501/", "/35/3501/01/", "/35/35011/", "/35/3501_/", "/35/3501%/", "/35/36/", "/36/", "/35/3501/~~/"]
PREFIXES = ["/35/3501/", "/35/", "/35/3501_/", "/35/3501%/", "/3", "/35/3501/~"]


@pytest.fixture
def documents():
    """Documents with the paths above and a few terms each, numbered past the demo city's."""
    docs = [SearchDocument.objects.create(object_type="venue", object_id=900_000 + i, title=f"seam {i}",
                                          place_path=path) for i, path in enumerate(PATHS)]
    for i, doc in enumerate(docs):
        SearchTerm.objects.create(term="seamtest", document=doc, weight=i + 1)
        if i % 2:
            SearchTerm.objects.create(term="seamodd", document=doc, weight=10)
    return docs


def _ids(sql: str, params: list) -> set[int]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {row[0] for row in cur.fetchall()}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_prefix_finds_the_paths_that_start_with_it(documents, prefix):
    condition, params = search_sql().prefix("d.place_path", prefix)
    found = _ids(f"SELECT d.id FROM {DOCS} d WHERE d.id IN ({', '.join(['%s'] * len(documents))}) AND {condition}",
                 [d.pk for d in documents] + params)
    assert found == {d.pk for d in documents if d.place_path.startswith(prefix)}


def test_join_and_term_lookup_find_the_documents_with_both_terms(documents):
    seam = search_sql()
    hint = seam.term_lookup(SearchTerm._meta.indexes[0].name)
    found = _ids(f"SELECT t0.document_id FROM {TERMS} t0{hint} {seam.join} {TERMS} t1{hint} "
                 "ON t1.document_id = t0.document_id AND t1.term = %s WHERE t0.term = %s", ["seamodd", "seamtest"])
    assert found == {d.pk for i, d in enumerate(documents) if i % 2}


def _introspected(table: str) -> tuple[set[str], set[str]]:
    """The table's secondary indexes and foreign keys by name, as Django's introspection sees them."""
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, table)
    indexes = {n for n, c in constraints.items() if c["index"] and not c["primary_key"] and not c["unique"]}
    keys = {n for n, c in constraints.items() if c["foreign_key"]}
    return indexes, keys


def test_secondary_indexes_are_the_tables_indexes_other_than_its_key():
    names = [name for name, ddl in search_sql().secondary_indexes(TERMS)]
    indexes, _ = _introspected(TERMS)
    assert names == sorted(names)
    assert set(names) == indexes
    assert SearchTerm._meta.indexes[0].name in names
    assert all(ddl.upper().startswith("CREATE INDEX") for _, ddl in search_sql().secondary_indexes(TERMS))


def test_foreign_keys_are_those_a_bulk_load_can_drop():
    """PostgreSQL names the term table's key to its document (it is dropped and checked again); SQLite keeps it
    in the table itself and names none: either way, every name given is a foreign key of the table."""
    keys = search_sql().foreign_keys(TERMS)
    _, introspected = _introspected(TERMS)
    assert {name for name, _ in keys} <= introspected
    assert all("REFERENCES" in definition.upper() for _, definition in keys)


def test_bulk_load_empties_both_tables_and_gives_back_the_indexes_and_keys(documents):
    before = _introspected(TERMS)
    with transaction.atomic(), search_sql().bulk_load(TERMS, DOCS):
        assert not SearchTerm.objects.exists() and not SearchDocument.objects.exists()
        assert _introspected(TERMS)[0] == set()  # the secondary indexes are gone while the rows are written
    assert _introspected(TERMS) == before


def test_bulk_load_leaves_the_indexes_to_the_rollback_on_an_error(documents):
    before = _introspected(TERMS)
    with pytest.raises(RuntimeError), transaction.atomic(), search_sql().bulk_load(TERMS, DOCS):
        raise RuntimeError("a bad row")
    assert _introspected(TERMS) == before
    assert SearchDocument.objects.filter(pk__in=[d.pk for d in documents]).count() == len(documents)


def test_a_search_finds_the_same_page_after_a_bulk_reindex(city):
    queries = [{"q": "书法"}, {"q": "sf"}, {"q": "taiji"}, {"q": "", "types": ["venue"], "limit": 50},
               {"q": "老年", "district_code": "350102"}, {"q": "", "near_code": "350102", "limit": 50}]

    def pages():
        return [[(d.object_type, d.object_id, score) for d, score in search(**params).items] for params in queries]

    before = pages()
    reindex_all()
    assert pages() == before
    assert any(before)
