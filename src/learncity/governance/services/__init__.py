"""Writes of the committee's year, one module per part. Each checks who may, validates everything before writing
and audits in the same transaction.

Who may do what:
- import work points, add tasks, complete, cancel and reschedule them, accept or return updates: the committee's
  office, that is the administrators of its place (imports.py, tasks.py, updates.py);
- start a task: its lead units (their reporters; a lead committee's officials) or the office (tasks.py);
- post progress: the task's lead and cooperating units (updates.py);
- mark a task overdue: the system's daily sweep (tasks.py, `learncity governance sweep`).
"""

from learncity.governance.services.imports import IGNORE, NEW, import_preview, workplan_import
from learncity.governance.services.inspections import (
    circular_pdf,
    circular_publish,
    rectification_create,
    round_close,
    round_create,
    score_record,
    standard_import,
    standard_shipped,
    visit_assign,
    visit_submit,
)
from learncity.governance.services.tasks import (
    TRANSITIONS,
    events_open,
    is_office,
    leads,
    milestone_add,
    milestone_done,
    task_create,
    task_move,
    tasks_lapse,
)
from learncity.governance.services.updates import update_decide, update_post

__all__ = ["IGNORE", "NEW", "TRANSITIONS", "events_open", "import_preview", "is_office", "leads", "milestone_add",
           "milestone_done", "task_create", "task_move", "tasks_lapse", "update_decide", "update_post",
           "workplan_import"]
__all__ += ["circular_pdf", "circular_publish", "rectification_create", "round_close", "round_create", "score_record",
            "standard_import", "standard_shipped", "visit_assign", "visit_submit"]
from learncity.governance.services.meetings import (  # noqa: E402
    decision_add,
    decision_tasks_create,
    meeting_create,
    meeting_publish,
    meeting_update,
)

__all__ += ["decision_add", "decision_tasks_create", "meeting_create", "meeting_publish", "meeting_update"]
