"""The file format of an upload of learning records: its columns (the Chinese headers are part of the format, in
every language), the labels a kind may be written as, and the staging table's columns."""

import datetime
from dataclasses import dataclass

from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from learncity.people import idcard
from learncity.records.models import CourseKind, RecordKind

EXAMPLE_PREFIX = "示例"  # the template's example row: its record id starts so, and it is skipped

@dataclass(frozen=True)
class Column:
    code: str  # the JSON Lines key, and the column's name in the code
    header: str  # the Chinese header of templates and reports
    required: bool
    example: str
    hint: str  # (translated: the headers are the format, what to write under them is explained in the reader's language)


def _chinese_labels(choices) -> dict[str, str]:
    """code → Chinese label of a TextChoices: the labels a file may use are its format, whatever the language."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


KIND_LABELS = _chinese_labels(RecordKind)
COURSE_KIND_LABELS = _chinese_labels(CourseKind)

COLUMNS: tuple[Column, ...] = (
    Column("external_id", "记录编号", True, "示例-0001",
           _("贵机构系统中这条记录的唯一编号（不超过 64 个字符）；同一编号重复报送不会重复入账")),
    Column("id_number", "身份证号码", True, idcard.make("350102", datetime.date(1980, 5, 17), 123),
           _("18 位居民身份证号码（请把这一列设为文本格式）")),
    Column("name", "姓名", True, "林小明", _("与身份证一致的姓名")),
    Column("kind", "学习类型", True, KIND_LABELS[RecordKind.COMPLETION],
           format_lazy(_("{labels} 之一（也可以写代码：{codes}）"), labels="、".join(KIND_LABELS.values()),
                       codes="、".join(KIND_LABELS))),
    Column("course_code", "课程代码", False, "",
           _("本机构在平台上发布的课程代码，可空；填写后课程类别以课程为准")),
    Column("course_kind", "课程类别", False, COURSE_KIND_LABELS[CourseKind.COMMUNITY],
           format_lazy(_("{labels} 之一，可空"), labels="、".join(COURSE_KIND_LABELS.values()))),
    Column("title", "学习内容", True, "智能手机应用入门（示例）", _("课程或活动名称，不超过 200 个字")),
    Column("hours", "学时", True, "16", _("大于 0、不超过 2000，最多一位小数")),
    Column("score", "成绩", False, "", _("0–100，最多一位小数，可空")),
    Column("date", "学习日期", True, "2026-06-30", _("YYYY-MM-DD，不能晚于今天，不能早于出生日期")),
)
CODES = tuple(c.code for c in COLUMNS)
HEADERS = {c.code: c.header for c in COLUMNS}

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": _("UTF-8（带 BOM）"), "gb18030": "GBK/GB18030", "utf-16": "UTF-16",
                   "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}

# The staging table's columns, in the order the rows are written.
STAGE_COLUMNS = ("job_id", "row_no", "external_id", "id_hash", "id_masked", "name", "kind", "course_code", "title",
                 "hours", "score", "date", "course_kind", "raw", "errors", "outcome")
TEXT_COLUMNS = ("external_id", "id_hash", "id_masked", "name", "kind", "course_code", "title", "course_kind", "raw",
                 "errors", "outcome")


def key_codes() -> dict[str, str]:
    """The accepted spellings of each column: its code (any case) and its Chinese header."""
    names = {}
    for c in COLUMNS:
        names[c.header] = c.code
        names[c.code] = c.code
    return names
