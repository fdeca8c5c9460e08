"""The pools' input schemas (core.inputs): one per command, the API's body and the page form's data alike (the
pages pass their POST through `parse`), and what each service parses its arguments with. A refused input names
every wrong field in core.inputs' words: a DomainError (400) on the page and from a service, the API's 422 for a
body that does not match, as everywhere in the API."""

from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext
from pydantic import Field, field_validator

from learncity.core.inputs import Day, Input, amount
from learncity.pools.models import ExpertKind, TeacherKind

MAX_DAY_HOURS = Decimal("24")
MIN_SERVICE_HOURS = Decimal("0.5")  # as VolunteerService.hours declares


def text(max_length: int, *, required: bool = False):
    """A stripped text of at most `max_length` characters; `required`: not blank."""
    return Annotated[str, Field(min_length=1 if required else 0, max_length=max_length)]


Name = text(64, required=True)
Specialities = text(200)
Skills = text(200)
ServiceHours = amount(places=1, ge=float(MIN_SERVICE_HOURS), le=int(MAX_DAY_HOURS))


class PoolInput(Input):
    """The pools' schemas: a wrong value is the API's 422 naming the field in core.inputs' words (as every other
    body of the API), and the page's and the services' DomainError through `parse`."""


class TeacherInput(PoolInput):
    name: Name
    kind: TeacherKind
    institution_codes: list[str] = []  # none: the service says to choose one
    specialities: Specialities = ""


class TeacherPatch(PoolInput):
    """A field left out stays as it is; null is refused (422)."""

    name: Name = None
    kind: TeacherKind = None
    specialities: Specialities = None
    institution_codes: list[str] = None


def isbn_check(raw: str) -> str:
    """A well-formed ISBN-10 or ISBN-13 (hyphens or spaces allowed, kept as hyphens), or ValueError saying what is
    wrong."""
    text = (raw or "").strip().upper()
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        values = [int(d) for d in digits[:9]] + [10 if digits[9] == "X" else int(digits[9])]
        valid = sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0
    elif len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            raise ValueError(gettext("ISBN「%(raw)s」不正确：13 位 ISBN 应以 978 或 979 开头") % {"raw": raw})
        valid = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    else:
        raise ValueError(gettext("ISBN「%(raw)s」不正确：应为 10 位或 13 位数字（可含连字符，10 位的末位可为 X）")
                         % {"raw": raw})
    if not valid:
        raise ValueError(gettext("ISBN「%(raw)s」的校验位不正确，请核对") % {"raw": raw})
    normalised = "-".join(part for part in text.replace(" ", "-").split("-") if part)
    if len(normalised) > 17:
        raise ValueError(gettext("ISBN「%(raw)s」的连字符过多") % {"raw": raw})
    return normalised


class _Isbn(PoolInput):
    @field_validator("isbn", check_fields=False)
    @classmethod
    def _isbn(cls, value):
        return isbn_check(value) if value else value


class TextbookInput(_Isbn):
    title: text(200, required=True)
    authors: text(200) = ""
    publisher: text(100) = ""
    isbn: str = ""
    topic: text(64) = ""


class TextbookPatch(_Isbn):
    """A field left out stays as it is; null is refused (422)."""

    title: text(200, required=True) = None
    authors: text(200) = None
    publisher: text(100) = None
    isbn: str = None
    topic: text(64) = None


class ExpertInput(PoolInput):
    name: Name
    kind: ExpertKind
    specialities: Specialities = ""
    organisation: text(128) = ""
    city_code: str | None = None


class ExpertPatch(PoolInput):
    """A field left out stays as it is; null is refused (422)."""

    name: Name = None
    kind: ExpertKind = None
    specialities: Specialities = None
    organisation: text(128) = None


class VolunteerInput(PoolInput):
    """A resident who volunteers, by the ID number on their card or (for who may see it) their profile id."""

    institution_code: str
    id_number: str | None = None
    learner_id: int | None = None
    skills: Skills = ""


class VolunteerPatch(PoolInput):
    """A field left out stays as it is; empty skills ("") clear them, and a null institution keeps it."""

    skills: Skills = None
    institution_code: str | None = None


class ServiceInput(PoolInput):
    """Hours a volunteer served on a day (past, after their birth: the service checks), at an institution (by its
    code; by default the volunteer's own)."""

    date: Day
    hours: ServiceHours
    activity: text(200, required=True)
    institution_code: str | None = None
