"""What each governance command takes (core.inputs), one module per part."""

from learncity.governance.inputs.inspections import (
    CircularIn,
    CriterionIn,
    InspectionRoundIn,
    RectificationIn,
    ScoreIn,
    StandardIn,
    VisitIn,
)
from learncity.governance.inputs.meetings import DecisionTaskIn, DecisionTasksIn, MeetingDecisionIn, MeetingIn
from learncity.governance.inputs.plans import (
    MAX_DOCUMENT_CHARS,
    MAX_FIGURES,
    DecisionIn,
    FigureIn,
    ImportIn,
    MilestoneDoneIn,
    MilestoneIn,
    MoveIn,
    TaskIn,
    UnitIn,
    UpdateIn,
)

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "MAX_FIGURES",
    "DecisionIn",
    "DecisionTaskIn",
    "DecisionTasksIn",
    "FigureIn",
    "ImportIn",
    "MeetingDecisionIn",
    "MeetingIn",
    "MilestoneDoneIn",
    "MilestoneIn",
    "MoveIn",
    "TaskIn",
    "UnitIn",
    "UpdateIn",
]
__all__ += ["CircularIn", "CriterionIn", "InspectionRoundIn", "RectificationIn", "ScoreIn", "StandardIn", "VisitIn"]
