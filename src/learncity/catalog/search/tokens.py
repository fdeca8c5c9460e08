"""Tokens and weights: one `tokenize` for documents and queries, the synonym groups, and the weight each
field gives a term (see the package's docstring)."""

import logging
import re
import threading
import unicodedata
import warnings
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from learncity.catalog.synonyms import SYNONYMS

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
    from pypinyin import Style, lazy_pinyin  # a heavy library (its tables), loaded at the first pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, v_to_u=False, errors=lambda chars: ["?"] * len(chars))
    ok = len(syllables) == len(word) and all(s.isascii() and s.isalpha() for s in syllables)
    return tuple(syllables) if ok else ()


@lru_cache(maxsize=100_000)
def _word_initials(word: str) -> str:
    """The pinyin initials of a word, one letter per character (书法 → "sf"; "" if a character has none).
    A word at a time, so pypinyin can read a heteronym from its phrase (重庆 → "cq")."""
    from pypinyin import Style, lazy_pinyin  # a heavy library (its tables), loaded at the first pinyin

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


