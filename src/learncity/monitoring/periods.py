"""Reporting periods: a month, a quarter, a year, or a custom date range."""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError

KINDS = ("month", "quarter", "year", "custom")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """The period in words, in the active language: 2026年第3季度 / Q3 2026."""
        if self.kind == "year":
            return gettext("%(year)s年") % {"year": self.start.year}
        if self.kind == "quarter":
            return gettext("%(year)s年第%(quarter)s季度") % {"year": self.start.year,
                                                         "quarter": (self.start.month - 1) // 3 + 1}
        if self.kind == "month":
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        return gettext("%(start)s至%(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return self.key

    def previous(self) -> "Period":
        if self.kind == "custom" and self.whole_months:  # the same number of whole months before
            n = len(self.months())
            y, m = self.start.year, self.start.month - n
            while m < 1:
                y, m = y - 1, m + 12
            end = self.start - datetime.timedelta(days=1)
            return Period("custom", datetime.date(y, m, 1), end)
        if self.kind == "custom":
            length = self.end - self.start
            end = self.start - datetime.timedelta(days=1)
            return Period("custom", end - length, end)
        return period_of(self.kind, self.start - datetime.timedelta(days=1))

    def months(self) -> list[tuple[int, int]]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]

    def mask(self) -> int:
        """The 12-bit month mask of a period inside one year (bit 0 = January)."""
        return sum(1 << (m - 1) for _, m in self.months())

    def elapsed_share(self, today: datetime.date) -> float:
        """How much of the period has passed by `today` (0 before it starts, 1 after it ends)."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / ((self.end - self.start).days + 1)


def period_of(kind: str, day: datetime.date) -> Period:
    """The month, quarter or year containing `day`."""
    if kind == "year":
        return Period("year", datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        last = first + 2
        return Period("quarter", datetime.date(day.year, first, 1),
                      datetime.date(day.year, last, calendar.monthrange(day.year, last)[1]))
    if kind == "month":
        return Period("month", datetime.date(day.year, day.month, 1),
                      datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]))
    raise DomainError({"period": gettext("未知的期间类型「%(kind)s」，可选：month, quarter, year, custom") % {"kind": kind}})


def period_custom(start: datetime.date, end: datetime.date) -> Period:
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise DomainError({"period": gettext("自定义区间须给出开始和结束日期")})
    if end < start:
        raise DomainError({"period": gettext("期间的结束日期 %(isoformat)s 早于开始日期 %(isoformat2)s") % {"isoformat": end.isoformat(), "isoformat2": start.isoformat()}})
    if start.year < 1900 or end.year > 2999:
        raise DomainError({"period": gettext("年份超出范围")})
    return Period("custom", start, end)


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|至|~)\s*(\d{4}-\d{2}-\d{2})$")


def period_parse(key) -> Period:
    """"2026" | "2026-Q3" | "2026-07" | "2026-01-01..2026-06-30" → Period; DomainError saying what is wrong."""
    text = str(key if key is not None else "").strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if not 1900 <= year <= 2999:
            raise DomainError({"period": gettext("年份 %(year)s 超出范围") % {"year": year}})
        return period_of("year", datetime.date(year, 1, 1))
    if m := _QUARTER.match(text):
        return period_of("quarter", datetime.date(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 1))
    if m := _MONTH.match(text):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise DomainError({"period": gettext("「%(text)s」：月份须在 1–12 之间") % {"text": text}})
        return period_of("month", datetime.date(int(m.group(1)), month, 1))
    if m := _RANGE.match(text):
        try:
            start, end = (datetime.date.fromisoformat(m.group(i)) for i in (1, 2))
        except ValueError:
            raise DomainError({"period": gettext("「%(text)s」不是有效日期") % {"text": text}}) from None
        return period_custom(start, end)
    raise DomainError({"period": gettext("「%(text)s」不是期间：例如 2026、2026-Q3、2026-07 或 2026-01-01..2026-06-30") % {"text": text}})


def period_default() -> Period:
    return period_of("year", timezone.localdate())


def period_check_countable(period: Period) -> None:
    """Rollups count distinct persons exactly at month grain within a year."""
    if period.start.year != period.end.year or not period.whole_months:
        raise DomainError({"period": gettext("自定义区间须为同一年内的整月（如 %(year)s-01-01..%(year)s-06-30），而不是 %(key)s") % {"year": period.start.year, "key": period.key}})
