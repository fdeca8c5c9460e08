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

from learncity.catalog.search import tokens
from learncity.catalog.search.engine import KINDS, MODES, TYPES, search, search_warm
from learncity.catalog.search.index import BATCH, BULK_BATCH, document_for, index_documents, reindex_all
from learncity.catalog.search.query import STOP_WORDS, SearchResults, parse_query, vocabulary_forget
from learncity.catalog.search.tokens import (
    BODY_CHARS,
    CAPS,
    FEATURED_BOOST,
    MAX_LIMIT,
    MAX_QUERY,
    MAX_TERM,
    WEIGHTS,
    Token,
    normalize,
    synonym_groups,
    term_weights,
    tokenize,
)

__all__ = [
    "BATCH", "BODY_CHARS", "BULK_BATCH", "CAPS", "FEATURED_BOOST", "KINDS", "MAX_LIMIT", "MAX_QUERY", "MAX_TERM",
    "MODES", "STOP_WORDS", "TYPES", "WEIGHTS", "SearchResults", "Token", "document_for", "index_documents",
    "normalize", "parse_query", "reindex_all", "search", "search_warm", "synonym_groups", "term_weights", "tokenize",
    "vocabulary_forget",
]


def __getattr__(name: str):
    """The segmenter as loaded (None before the first search): `search._jieba` reads it where it lives."""
    if name == "_jieba":
        return tokens._jieba
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
