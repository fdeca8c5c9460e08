"""Step 2's checks of a row, those that need no database: the ID number's check digit and its keyed hash, cached per
number; name, kind, course, numbers and dates, cached per distinct text (`RowChecker`)."""

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from learncity.core.errors import DomainError
from learncity.intake.pipeline.columns import COURSE_KIND_LABELS, HEADERS, KIND_LABELS
from learncity.people import idcard
from learncity.people.services import id_number_hash

MAX_HOURS = Decimal("2000")
_KINDS = {**{v: v for v in KIND_LABELS}, **{label: v for v, label in KIND_LABELS.items()}}
_COURSE_KINDS = {**{v: v for v in COURSE_KIND_LABELS}, **{label: v for v, label in COURSE_KIND_LABELS.items()}}
_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z·. \-]{1,64}")
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "｡": "·"})
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?|(\d{4})(\d\d)(\d\d)")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")
_ONE_PLACE = Decimal("0.1")
MAX_SCORE = Decimal(100)
_CACHE_LIMIT = 100_000


def cell_text(value) -> str:
    """A typed cell (xlsx, JSON) as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):  # (an 18-digit ID number in a number cell has lost its last digits: say so)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class RowChecker:
    """The per-row checks that need no database. What repeats in a file (a person's ID number and name, kinds,
    course codes, numbers, dates) is checked once and cached by its text; a row then costs a few dict look-ups.
    Each cached answer is a tuple whose last item is the errors found, as ((column code, message), …)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.people: dict[tuple, tuple] = {}
        self.kinds: dict[str, tuple] = {}
        self.courses: dict[tuple, tuple] = {}
        self.hours: dict[str, tuple] = {}
        self.scores: dict[str, tuple] = {}
        self.dates: dict[str, tuple] = {}

    @staticmethod
    def _keep(cache: dict, key, value: tuple) -> tuple:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[key] = value
        return value

    def person(self, idn: str, name: str) -> tuple:
        """(ID hash, masked ID, name, errors)."""
        number, errors = idn.strip(), []
        id_hash = masked = ""
        if not number:
            errors.append(("id_number", _("身份证号码不能为空")))
        else:
            try:
                rid = idcard.parse(number, today=self.today)
            except DomainError as exc:
                if _SCIENTIFIC.fullmatch(number):
                    errors.append(("id_number", _("身份证号码被存成了数字（%(v)s），末几位已丢失：请把这一列设为文本格式后"
                                                  "重新填写") % {"v": number}))
                else:
                    errors.append(("id_number", " ".join(exc.errors.get("id_number", [str(exc)]))))
            else:
                id_hash, masked = id_number_hash(rid.number), rid.masked
        clean = name.strip()
        if not _NAME.fullmatch(clean):
            clean = clean.translate(_DOTS)
            if not clean:
                errors.append(("name", _("姓名不能为空")))
            elif not _NAME.fullmatch(clean) or "\x00" in clean:
                errors.append(("name", _("姓名「%(v)s」含有数字或符号，或超过 64 个字") % {"v": clean[:70]}))
        return self._keep(self.people, (idn, name), (id_hash, masked, clean[:64], tuple(errors)))

    def kind(self, raw: str) -> tuple:
        """(kind code, errors)."""
        text = raw.strip()
        code = _KINDS.get(text) or _KINDS.get(text.lower())
        errors = () if code else (("kind", _("学习类型「%(v)s」应为 %(choices)s 之一") % {
            "v": text[:30], "choices": "、".join(KIND_LABELS.values())}),)
        return self._keep(self.kinds, raw, (code or "", errors))

    def course(self, code: str, kind: str) -> tuple:
        """(course code, course kind code, errors)."""
        code, kind, errors = code.strip(), kind.strip(), []
        if len(code) > 40 or "\x00" in code:
            errors.append(("course_code", _("课程代码不能超过 40 个字符，也不能含有控制字符")))
        course_kind = ""
        if kind:
            course_kind = _COURSE_KINDS.get(kind) or _COURSE_KINDS.get(kind.lower()) or ""
            if not course_kind:
                errors.append(("course_kind", _("课程类别「%(v)s」不在课程类别表中") % {"v": kind[:30]}))
        return self._keep(self.courses, (code, kind), (code[:40], course_kind, tuple(errors)))

    def number(self, raw: str, cache: dict, *, what: str, maximum: Decimal, strictly_positive: bool) -> tuple:
        """(the value as the database takes it, errors) of the number `raw` in column `what` (a code)."""
        text = raw.strip()
        header = HEADERS[what]  # the column as the file names it (headers are part of the format)
        if not text:
            if strictly_positive:
                return self._keep(cache, raw, (None, ((what, _("%(what)s不能为空") % {"what": header}),)))
            return self._keep(cache, raw, (None, ()))
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        problem = None
        if value is None or not value.is_finite():
            problem = _("%(what)s「%(v)s」不是数字") % {"what": header, "v": text[:30]}
        elif (value <= 0 if strictly_positive else value < 0) or value > maximum:
            limit = (_("大于 0，不超过 %(max)s") % {"max": maximum}) if strictly_positive else f"0– {maximum}"
            problem = _("%(what)s %(v)s 超出范围（%(range)s）") % {"what": header, "v": text, "range": limit}
        elif value != value.quantize(_ONE_PLACE):
            problem = _("%(what)s %(v)s 最多保留一位小数") % {"what": header, "v": text}
        if problem:
            return self._keep(cache, raw, (None, ((what, problem),)))
        return self._keep(cache, raw, (str(value.quantize(_ONE_PLACE)), ()))

    def date(self, raw: str) -> tuple:
        """(ISO date, errors)."""
        text = raw.strip()
        if not text:
            return self._keep(self.dates, raw, (None, (("date", _("学习日期不能为空")),)))
        m = _DATE.fullmatch(text)
        day = None
        if m:
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            try:
                day = datetime.date(int(y), int(mo), int(d))
            except ValueError:
                day = None
        if day is None:
            problem = _("学习日期「%(v)s」不是有效日期（应为 YYYY-MM-DD）") % {"v": text[:30]}
        elif day > self.today:
            problem = _("学习日期 %(d)s 在未来") % {"d": day.isoformat()}
        elif day.year < 1900:
            problem = _("学习日期 %(d)s 不可能") % {"d": day.isoformat()}
        else:
            return self._keep(self.dates, raw, (day.isoformat(), ()))
        return self._keep(self.dates, raw, (None, (("date", problem),)))

    def check(self, values: Sequence[str]) -> tuple[tuple, list[tuple[str, str]]]:
        """The staged values (external_id … course_kind, in STAGE_COLUMNS order from external_id) and the row's
        errors as (column code, message)."""
        ext, idn, name, kind, ccode, ckind, title, hours, score, date = values
        p = self.people.get((idn, name)) or self.person(idn, name)
        k = self.kinds.get(kind) or self.kind(kind)
        c = self.courses.get((ccode, ckind)) or self.course(ccode, ckind)
        h = self.hours.get(hours) or self.number(hours, self.hours, what="hours", maximum=MAX_HOURS,
                                                 strictly_positive=True)
        sc = self.scores.get(score) or self.number(score, self.scores, what="score", maximum=MAX_SCORE,
                                                   strictly_positive=False)
        d = self.dates.get(date) or self.date(date)
        ext, title = ext.strip(), title.strip()
        staged = (ext, p[0], p[1], p[2], k[0], c[0], title, h[0], sc[0], d[0], c[1])
        if (not p[3] and not k[1] and not c[2] and not h[1] and not sc[1] and not d[1] and ext and title
                and len(ext) <= 64 and len(title) <= 200 and "\x00" not in ext and "\x00" not in title):
            return staged, []
        errors = []
        if not ext:
            errors.append(("external_id", _("记录编号不能为空")))
        elif len(ext) > 64 or "\x00" in ext:
            errors.append(("external_id", _("记录编号不能超过 64 个字符，也不能含有控制字符")))
        errors += p[3]
        errors += k[1]
        errors += c[2]
        if not title:
            errors.append(("title", _("学习内容不能为空")))
        elif len(title) > 200 or "\x00" in title:
            errors.append(("title", _("学习内容不能超过 200 个字，也不能含有控制字符")))
        errors += h[1]
        errors += sc[1]
        errors += d[1]
        return staged, errors
