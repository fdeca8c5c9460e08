"""What each governance command takes (core.inputs), one module per part."""

from learncity.governance.inputs.plans import (
    MAX_DOCUMENT_CHARS,
    MAX_FIGURES,
    DecisionIn,
    FigureIn,
    ImportIn,
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
    "FigureIn",
    "ImportIn",
    "MilestoneIn",
    "MoveIn",
    "TaskIn",
    "UnitIn",
    "UpdateIn",
]
