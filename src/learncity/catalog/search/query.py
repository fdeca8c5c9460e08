"""A query parsed into slots of tiers, with typo tolerance for English words (see the package's docstring)."""

import threading
import time
from dataclasses import dataclass, field

from django.db import connection

from learncity.catalog.models import (
    SearchDocument,
    SearchTerm,
)
from learncity.catalog.search.tokens import (
    BIGRAM,
    MAX_TERM,
    PINYIN,
    PINYIN_FULL_PREFIX,
    SYNONYM_PREFIX,
    WORD,
    _is_cjk,
    _runs,
    _synonym_table,
    _terms,
)

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
    from rapidfuzz import process  # a heavy optional library, loaded at the first misspelt word
    from rapidfuzz.distance import DamerauLevenshtein

    limit = 1 if len(word) < 8 else 2
    found = process.extract(word, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
    if not found:
        return []
    best = min(d for _, d, _ in found)
    return sorted(w for w, d, _ in found if d == best)[:3]


