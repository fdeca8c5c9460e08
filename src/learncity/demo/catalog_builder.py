"""The demo catalog's old import path: the builder is the package `learncity.demo.catalog` now."""

from .catalog import (  # noqa: F401
    COUNT_KEYS,
    NEXT_TERM_LEAD,
    NEXT_TERM_MIN,
    NEXT_TERM_OPENED,
    NEXT_TERM_POPULAR,
    NEXT_TERM_SHARE,
    TERMS,
    WEEKS,
    CatalogBuild,
    build_catalog,
    isbn13,
    next_term,
    second_saturday,
    term_weeks,
    third_saturday,
)
