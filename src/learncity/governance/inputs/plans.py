"""What each governance command takes (core.inputs): the API's body and the page form's data alike. What needs the
database (a unit of the committee, a task's state) stays in the services."""

from pydantic import ConfigDict, Field, field_validator

from learncity.core.inputs import Day, Input, amount

MAX_DOCUMENT_CHARS = 200_000
MAX_FIGURES = 20

FigureValue = amount(places=2, ge=-(10**7), le=10**7)


class ImportIn(Input):
    """A work-points document to read: its text (pasted, or read from the uploaded .docx by the adapter), and the
    office's decisions on the names it did not recognise: {name as written: member unit id, "new" to add it to the
    committee as a member unit, or "ignore" to leave it out of the tasks (the name stays in the item's text)}."""

    text: str = Field(min_length=1, max_length=MAX_DOCUMENT_CHARS)
    year: int | None = Field(default=None, ge=2000, le=2100)  # the plan's year; the document's own when left out
    decisions: dict[str, str] = Field(default_factory=dict, max_length=200)

    @field_validator("decisions", mode="before")
    @classmethod
    def _blank_decisions_dropped(cls, value):
        if isinstance(value, dict):
            return {str(k).strip(): str(v).strip() for k, v in value.items() if v is not None and str(v).strip()}
        return value


class UnitIn(Input):
    """A unit given to a task: exactly one of a member unit's id or a committee's id."""

    member_unit_id: int | None = None
    committee_id: int | None = None


class TaskIn(Input):
    """A task the office adds to an item, or a decision of a joint meeting: its units named by id."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    item_id: int
    title: str = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=4000)
    due_on: Day
    lead: list[UnitIn] = Field(default_factory=list, max_length=100)
    cooperating: list[UnitIn] = Field(default_factory=list, max_length=100)
    indicator_codes: list[str] = Field(default_factory=list, max_length=20)


class MoveIn(Input):
    """A move of a task's state: the event's name, why (the office's cancel and reschedule need one), and for a
    reschedule the new time limit."""

    event: str = Field(min_length=1, max_length=32)
    reason: str = Field(default="", max_length=500)
    due_on: Day | None = None


class FigureIn(Input):
    label: str = Field(min_length=1, max_length=64)
    value: FigureValue
    unit: str = Field(default="", max_length=16)


class UpdateIn(Input):
    """A unit's progress on a task: text, figures; the unit (when the author answers for more than one, by id)."""

    text: str = Field(min_length=1, max_length=4000)
    figures: list[FigureIn] = Field(default_factory=list, max_length=MAX_FIGURES)
    member_unit_id: int | None = None
    committee_id: int | None = None


class DecisionIn(Input):
    """The office's answer to an update: accept, or return it asking for more (a comment is then required)."""

    accept: bool
    comment: str = Field(default="", max_length=500)


class MilestoneIn(Input):
    """A milestone of a task (a node on the way, with its own time limit)."""

    title: str = Field(min_length=1, max_length=128)
    due_on: Day


class MilestoneDoneIn(Input):
    """A milestone reached: on `done_on` (today when left out; never in the future)."""

    done_on: Day | None = None
