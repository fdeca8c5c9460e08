"""What each inspection command takes (core.inputs): the API's body and the page form's data alike. A criterion's
points, a score's bounds and a target in the committee's area need the database: the services check them, naming the
criterion."""

from pydantic import ConfigDict, Field

from learncity.core.inputs import Day, Input, amount

MAX_CRITERIA = 60
Points = amount(places=2, ge=-(10**4), le=10**4)  # > 0 and the sum are the service's, naming the criterion


class CriterionIn(Input):
    """One criterion of a standard: its section (一级指标), what is assessed, its points, the evidence it needs."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    position: int = Field(ge=1, le=999)
    section: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=500)
    points: Points
    evidence_required: str = Field(default="", max_length=500)


class StandardIn(Input):
    """An inspection standard as data (standards/community_school.json): `total`, when given, is the points the
    criteria must add up to."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    code: str = Field(min_length=1, max_length=48, pattern=r"^[-a-zA-Z0-9_]+$")
    title: str = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=4000)
    total: Points | None = None
    criteria: list[CriterionIn] = Field(min_length=1, max_length=MAX_CRITERIA)


class InspectionRoundIn(Input):
    """A round of inspection: the standard it scores by, its title, year and dates."""

    standard_id: int
    title: str = Field(min_length=1, max_length=128)
    year: int = Field(ge=2000, le=2100)
    starts_on: Day
    ends_on: Day


class VisitIn(Input):
    """An inspector sent to one target: a district (place id), an institution or a member unit (exactly one)."""

    inspector_id: int
    place_id: int | None = None
    institution_id: int | None = None
    member_unit_id: int | None = None


class ScoreIn(Input):
    """An inspector's score of one criterion, what they found, and whether it needs rectifying."""

    criterion_id: int
    score: amount(places=2, ge=-(10**4), le=10**4)  # 0 ≤ score ≤ the criterion's points: the service's
    finding: str = Field(default="", max_length=2000)
    rectify: bool = False


class RectificationIn(Input):
    """A finding sent for rectification: its time limit, and a title (the criterion's when left blank)."""

    due_on: Day
    title: str = Field(default="", max_length=128)


class CircularIn(Input):
    """The office's circular of a closed round: its title and its own text (the results are added to it)."""

    title: str = Field(min_length=1, max_length=128)
    text: str = Field(default="", max_length=8000)
