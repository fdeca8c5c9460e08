"""Files of learning records for the intake tests, made in memory: xlsx, CSV in any encoding, JSON Lines."""

import csv
import datetime
import io
import json

from openpyxl import Workbook

from learncity.core import crypto
from learncity.intake.pipeline import COLUMNS
from learncity.people.models import LearnerProfile
from learncity.people.services import ID_CONTEXT
from tests.people.factories import learner_make, root
from tests.places.factories import TONGCHUAN, place, street_of

HEADERS = [c.header for c in COLUMNS]
CODES = [c.code for c in COLUMNS]


def id_number_of(profile: LearnerProfile) -> str:
    return crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)


def adults(n: int) -> list[LearnerProfile]:
    """n residents of the tests' world (通川区, 达州市) born before 1990 (so any recent date is after their birth),
    by id: the world's own, and more made (through the service) when a test needs more than it has."""
    tongchuan = place(TONGCHUAN)
    found = list(LearnerProfile.objects.filter(residence__path__startswith=tongchuan.path,
                                               birth_date__lte=datetime.date(1990, 1, 1)).order_by("pk")[:n])
    if len(found) < n:
        actor, street = root(), street_of(tongchuan)
        found += [learner_make(street, account=False, actor=actor, name="测试居民",
                               birth=datetime.date(1950 + i % 35, 1 + i % 12, 1 + i % 28))
                  for i in range(len(found), n)]
    return found


def record(profile: LearnerProfile, external_id: str, **values) -> dict:
    """A valid row for the resident: a community-course completion of 16 hours, ten days ago; `values` (by
    column code) override."""
    row = {"external_id": external_id, "id_number": id_number_of(profile), "name": profile.name,
           "kind": "课程结业", "course_code": "", "course_kind": "社区教育", "title": "社区书法入门",
           "hours": "16", "score": "", "date": (datetime.date.today() - datetime.timedelta(days=10)).isoformat()}
    row.update(values)
    return row


def table(records: list[dict], headers: list[str] | None = None) -> list[list]:
    """Rows of a file: the header row, then each record's values in column order."""
    headers = HEADERS if headers is None else headers
    by_header = {c.header: c.code for c in COLUMNS}
    return [list(headers), *[[r.get(by_header.get(h, h), "") for h in headers] for r in records]]


def csv_file(records: list[dict], *, encoding: str = "utf-8", headers: list[str] | None = None) -> bytes:
    """A CSV file; encoding "utf-8-sig" writes the byte-order mark, "gbk" what Excel on Chinese Windows saves."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table(records, headers))
    return buf.getvalue().encode(encoding)


def xlsx_file(records: list[dict], *, headers: list[str] | None = None, merge: str | None = None,
              formula: tuple[str, str] | None = None) -> bytes:
    """An xlsx file; `merge` merges a range ("C2:C3"); `formula` = (cell, "=…") puts a formula in a cell."""
    wb = Workbook()
    ws = wb.active
    for row in table(records, headers):
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    if formula:
        ws[formula[0]] = formula[1]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def jsonl_file(records: list[dict]) -> bytes:
    """One JSON object a line, keyed by the column codes; numbers as numbers, empty values left out."""
    lines = []
    for r in records:
        obj = {}
        for code in CODES:
            value = r.get(code, "")
            if value == "":
                continue
            if code in ("hours", "score"):
                value = float(value) if "." in str(value) else int(value)
            obj[code] = value
        lines.append(json.dumps(obj, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")
