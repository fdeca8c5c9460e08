"""What the joint meetings' commands take (core.inputs): the API's body and the page form's data alike. Whether a
unit is the committee's, whether the committee has a plan for the year, stays in the services."""

from pydantic import Field

from learncity.core.inputs import Day, Input
from learncity.governance.inputs.plans import UnitIn

MAX_MEETING_TEXT = 20_000


class MeetingIn(Input):
    """A meeting as the office writes it: when, where, who convened it, who attended (member units and lower
    committees by id), the agenda and the minutes. `year` (the plan its decisions' tasks go into) is the
    meeting's own year when left out."""

    title: str = Field(min_length=1, max_length=128)
    held_on: Day
    year: int | None = Field(default=None, ge=2000, le=2100)
    location: str = Field(default="", max_length=128)
    convener: str = Field(min_length=1, max_length=64)
    member_unit_ids: list[int] = Field(default_factory=list, max_length=200)
    committee_ids: list[int] = Field(default_factory=list, max_length=100)
    agenda: str = Field(min_length=1, max_length=MAX_MEETING_TEXT)
    minutes: str = Field(default="", max_length=MAX_MEETING_TEXT)


class MeetingDecisionIn(Input):
    """One decision of the meeting (议定事项), with its time limit when it has one."""

    text: str = Field(min_length=1, max_length=2000)
    due_on: Day | None = None


class DecisionTaskIn(Input):
    """A task a decision becomes: its title, time limit and units (lead and cooperating) by id."""

    title: str = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=4000)
    due_on: Day
    lead: list[UnitIn] = Field(default_factory=list, max_length=100)
    cooperating: list[UnitIn] = Field(default_factory=list, max_length=100)


class DecisionTasksIn(Input):
    """The tasks a decision becomes, one or more at once (all written, or none)."""

    tasks: list[DecisionTaskIn] = Field(min_length=1, max_length=20)
