"""Resident ID numbers (居民身份证号码), GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit sequence
(odd for men, even for women) and an ISO 7064 MOD 11-2 check character."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext

from learncity.core.errors import DomainError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask(self.number)


def mask(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def parse(raw: str, *, today: datetime.date | None = None) -> ResidentId:
    """Validate and parse; raises DomainError({"id_number": ...}) saying exactly what is wrong."""
    number = str(raw or "").strip().upper().replace(" ", "")
    if len(number) != 18:
        raise DomainError({"id_number": gettext("身份证号码应为 18 位，「%(number)s」是 %(number2)s 位") % {"number": number, "number2": len(number)}})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise DomainError({"id_number": gettext("身份证号码前 17 位必须是数字，最后一位是数字或 X")})
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError({"id_number": gettext("身份证号码中的出生日期 %(v)s 不存在") % {"v": number[6:14]}}) from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1890:
        raise DomainError({"id_number": gettext("身份证号码中的出生日期 %(isoformat)s 不可能") % {"isoformat": birth.isoformat()}})
    expected = check_char(number[:17])
    if number[17] != expected:
        raise DomainError({"id_number": gettext("身份证号码校验位错误：最后一位应为 %(expected)s，而不是 %(v)s") % {"expected": expected, "v": number[17]}})
    return ResidentId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def make(region: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid number (used by the demo city and by tests)."""
    first17 = f"{region[:6]}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
