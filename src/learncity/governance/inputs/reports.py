"""What the member units' reports take (core.inputs): the API's body and the page form's data alike. The form's
schema and a return's answers are checked against each other in governance/report_schema.py (by the services)."""

import datetime
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, Field

from learncity.core.inputs import Day, Input

MAX_ROUND_UNITS = 500


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A time given without its zone is the city's local time (a page's datetime-local input)."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


Moment = Annotated[datetime.datetime, AfterValidator(_aware)]


class FormIn(Input):
    """A report form: its code (a slug, unique in the committee), title and schema (see report_schema.py)."""

    code: str = Field(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_-]*$")
    title: str = Field(min_length=1, max_length=128)
    schema_: dict = Field(alias="schema")


class ReportRoundIn(Input):
    """A reporting round: the form, its title (2026年第三季度), the period reported on, the deadline, how many days
    before it the units are reminded, and the units asked (member units and lower committees, by id)."""

    form_id: int
    title: str = Field(min_length=1, max_length=128)
    period_start: Day
    period_end: Day
    deadline: Moment
    remind_days: int = Field(default=3, ge=0, le=30)
    member_unit_ids: list[int] = Field(default_factory=list, max_length=MAX_ROUND_UNITS)
    committee_ids: list[int] = Field(default_factory=list, max_length=MAX_ROUND_UNITS)


class ReturnIn(Input):
    """A unit's answers, by field key (numbers as decimal strings; tables {row: {column: value}})."""

    data: dict = Field(default_factory=dict)


class ReturnDecisionIn(Input):
    """The office's answer to a submitted return: accept, or return it for changes (a comment is then required)."""

    accept: bool
    comment: str = Field(default="", max_length=1000)


class ExtensionIn(Input):
    """An extension the office grants one return: until when, and why."""

    until: Moment
    reason: str = Field(default="", max_length=1000)
