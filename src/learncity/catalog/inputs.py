"""The catalog's input schemas (core.inputs): one per command, shared by the API (its body or query), the page
(`parse(Schema, request.POST, aliases=…)`) and the service, which receives the parsed instance.

Numbers, dates, choices and lengths are read here, by the project's one rule and with its one wording; what needs
the database (the institution is the actor's, the course code is free, hours within the course's hours, a venue
that exists) or two fields of a stored row (an enrolment window) stays in the services.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from learncity.catalog.models import CourseKind, Mode, RecordKind, RecordSource
from learncity.core.inputs import Day, Input, amount

MAX_HOURS = Decimal("2000")  # hours of a course or a record
MAX_FEE = Decimal("100000")
MAX_CAPACITY = 1_000_000  # places a course offers; far below the column's 2^31 (a larger number was a 500)
_TAG_SEPARATORS = str.maketrans({"，": ",", "、": ",", ";": ",", "；": ","})


def _whole(value):
    """A whole number's checks before pydantic's int: a blank is required, True/False is no number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("number_required", "required")
    if isinstance(value, bool):
        raise PydanticCustomError("number_invalid", "not a number", {"value": str(value)})
    return value


def _clock(value):
    """A time of day: a time, or its text "HH:MM[:SS]"."""
    if isinstance(value, datetime.time) or value is None:
        return value
    try:
        return datetime.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(gettext("「%(value)s」不是有效的时间") % {"value": str(value)[:20]}) from None


def _folded(value):
    """Runs of white space as one space (an English title)."""
    return " ".join(str(value).split()) if value is not None else value


def _tags(value):
    """Tags separated by commas (，、;； too), each stripped, empty ones and repeats dropped, joined by ","."""
    if value is None:
        return value
    tags = str(value).translate(_TAG_SEPARATORS).split(",")
    return ",".join(dict.fromkeys(t.strip() for t in tags if t.strip()))


# bounds as the schemas show them in a refusal ("不能大于 2000，而不是 2001")
CourseHours = amount(places=1, gt=0, le=int(MAX_HOURS))  # the columns keep one place: 1.25 is refused, not rounded
RecordHours = amount(places=1, ge=0, le=int(MAX_HOURS))
Fee = amount(ge=0, le=int(MAX_FEE))
Score = amount(places=1, ge=0, le=100)
Capacity = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=MAX_CAPACITY)]
Seconds = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=10**8)]
CourseCode = Annotated[str, Field(min_length=1, max_length=40)]
Title = Annotated[str, Field(min_length=1, max_length=128)]
Term = Annotated[str, Field(min_length=1, max_length=16)]
TitleEn = Annotated[str, BeforeValidator(_folded), Field(max_length=160)]
Tags = Annotated[str, BeforeValidator(_tags), Field(max_length=200)]
Clock = Annotated[datetime.time, BeforeValidator(_clock)]
Ids = list[Annotated[int, BeforeValidator(_whole)]]


# --- courses ---------------------------------------------------------------------------------------------------

class CourseInput(Input):
    """A new course (the page's form, the API's body)."""

    institution_code: str
    code: CourseCode
    title: Title
    kind: CourseKind
    hours: CourseHours
    capacity: Capacity
    term: Term
    mode: Mode = Mode.OFFLINE
    fee: Fee = Decimal("0")
    description: str = ""
    level: Annotated[str, Field(max_length=32)] = ""
    target_groups: list[str] = []
    teacher_ids: Ids = []
    textbook_ids: Ids = []
    featured: bool = False
    outcome_standard_code: Annotated[str, Field(max_length=40)] = ""
    title_en: TitleEn = ""
    tags: Tags = ""  # comma-separated
    enrol_opens: Day | None = None
    enrol_closes: Day | None = None
    late_enrolment: bool = False


class CoursePatch(Input):
    """A course's changes (the API's PATCH body): a field left out stays as it is; null is refused (422), but for
    the enrolment dates (null: none)."""

    title: Title = None
    description: str = None
    kind: CourseKind = None
    mode: Mode = None
    hours: CourseHours = None
    fee: Fee = None
    capacity: Capacity = None
    term: Term = None
    featured: bool = None
    title_en: TitleEn = None
    tags: Tags = None
    enrol_opens: Day | None = None
    enrol_closes: Day | None = None
    late_enrolment: bool = None


class CourseEdit(CoursePatch):
    """Every field of a course its institution may change (the service's keywords)."""

    level: Annotated[str, Field(max_length=32)] = None
    outcome_standard_code: Annotated[str, Field(max_length=40)] = None


class SessionInput(Input):
    """A session of a course: its day and times, and where (a venue and room, or a web address)."""

    date: Day
    start: Clock
    end: Clock
    venue_id: Annotated[int, BeforeValidator(_whole)] | None = None
    room: Annotated[str, Field(max_length=64)] = ""
    online_url: str = ""


# --- attendance, completion, learning records ----------------------------------------------------------------

class CompletionEntry(Input):
    """One learner's completion: their enrolment, the hours they completed and, optionally, a score."""

    enrollment_id: Annotated[int, BeforeValidator(_whole)]
    hours: CourseHours
    score: Score | None = None


class CompletionInput(Input):
    entries: list[CompletionEntry]


class AttendanceInput(Input):
    enrollment_ids: Ids


class RecordInput(Input):
    """What a learning record states, checked alike whoever makes it (a page, the API, a check-in, the demo)."""

    kind: RecordKind
    source: RecordSource
    course_kind: CourseKind | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=64)]
    hours: RecordHours
    score: Score | None = None
    date: Day


class ResourceDoneInput(Input):
    watched_seconds: Seconds


# --- events ----------------------------------------------------------------------------------------------------

class EventCheckInInput(Input):
    registration_ids: Ids


# The dates an event list may be asked about (beyond them a period's arithmetic would leave the calendar).
EVENT_DATES = (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))


def _in_event_dates(day):
    """A day within EVENT_DATES, refused with the project's bound messages (the bound shown as a date)."""
    first, last = EVENT_DATES
    if day is not None and day < first:
        raise PydanticCustomError("greater_than_equal", "Input should be greater than or equal to {ge}",
                                  {"ge": first.isoformat(), "value": day.isoformat()})
    if day is not None and day > last:
        raise PydanticCustomError("less_than_equal", "Input should be less than or equal to {le}",
                                  {"le": last.isoformat(), "value": day.isoformat()})
    return day


EventDay = Annotated[Day, AfterValidator(_in_event_dates)]


class EventFilters(Input):
    """The event list's filters (the API's query; the page names the dates `from` and `to`)."""

    date_from: EventDay | None = None
    date_to: EventDay | None = None
    district: str | None = None
    street: str | None = None
    kind: str | None = None  # checked by the selector, which names the kinds


# --- search ------------------------------------------------------------------------------------------------------

class SearchFilters(Input):
    """The discovery page's dates (the engine checks the codes and choices it looks up)."""

    date_from: Day | None = None
    date_to: Day | None = None
