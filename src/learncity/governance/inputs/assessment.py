"""What the annual assessment's commands take (core.inputs): the API's body and the page form's data alike. The
components' names and the weights' sum are checked by the service (governance/services/assessment.py), which
names the component in its error."""

from pydantic import Field

from learncity.core.inputs import Input, amount

Weight = amount(places=2, ge=0, le=100)


class WeightsIn(Input):
    """{component: weight}: indicators, tasks, reports, inspections; the weights sum to 100."""

    weights: dict[str, Weight] = Field(max_length=10)


class SchemeIn(WeightsIn):
    """A scheme of the committee's annual assessment: its year, its subjects (districts or member_units) and the
    weights of its components."""

    year: int = Field(ge=2000, le=2100)
    subjects: str = Field(min_length=1, max_length=16)


class ProposeIn(Input):
    """The office's proposal of advanced units: the first `count` of the ranked table."""

    count: int = Field(ge=1, le=100)
