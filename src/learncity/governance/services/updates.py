"""Progress updates: a unit that leads or cooperates on a task reports its progress (text, figures, evidence
files) while the task is under way or overdue; the office accepts it or returns it asking for more, and the unit
answers with a new update."""

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.evidence import evidence_checked
from learncity.governance.inputs import DecisionIn, UpdateIn
from learncity.governance.models import Evidence, ProgressUpdate, Task, TaskState, TaskUnit, UpdateState
from learncity.governance.selectors import task_units_mine
from learncity.governance.services.tasks import is_office

OPEN_STATES = (TaskState.IN_PROGRESS, TaskState.OVERDUE)


def _unit_of_author(actor, task: Task, data: UpdateIn) -> TaskUnit:
    """The task's unit the author reports for: the one named, or their only one."""
    mine = task_units_mine(actor=actor, task=task)
    if data.member_unit_id is not None or data.committee_id is not None:
        mine = [u for u in mine if (u.member_unit_id, u.committee_id) == (data.member_unit_id, data.committee_id)]
    if not mine:
        raise PermissionDenied(gettext("您所在的单位不是该任务的牵头或配合单位"))
    if len(mine) > 1:
        raise DomainError({"member_unit_id": gettext("您负责该任务的多个单位，请选择本次报送的单位：%(units)s") % {
            "units": "、".join(str(u.unit) for u in mine)}})
    return mine[0]


def update_post(*, actor, task: Task, data: UpdateIn, files: list[tuple[str, bytes]] = ()) -> ProgressUpdate:
    """The unit's update on a task under way or overdue, with up to five evidence files (PDF, JPEG, PNG)."""
    unit = _unit_of_author(actor, task, data)
    errors = {}
    if task.state not in OPEN_STATES:
        errors["task"] = gettext("任务「%(title)s」当前为「%(state)s」，不能报送进展") % {
            "title": task.title, "state": task.get_state_display()}
    checked = evidence_checked(errors, list(files or []))
    if errors:
        raise DomainError(errors)
    figures = [{"label": f.label, "value": str(f.value), "unit": f.unit} for f in data.figures]
    with transaction.atomic():
        update = ProgressUpdate.objects.create(task=task, member_unit=unit.member_unit, committee=unit.committee,
                                               author=actor, text=data.text, figures=figures)
        for name, mime, content in checked:
            Evidence.objects.create(update=update, name=name, content_type=mime, size=len(content),
                                    sha256=hashlib.sha256(content).hexdigest(), content=content)
        audit_record(actor=actor, action="task.update_post", obj=update, task=task.pk, files=len(checked))
    return update


def update_decide(*, actor, update: ProgressUpdate, data: DecisionIn) -> ProgressUpdate:
    """The office accepts the update, or returns it with what is missing. Decided once."""
    if not is_office(actor, update.task):
        raise PermissionDenied(gettext("只有委员会办公室可以审阅进展"))
    if not data.accept and not data.comment:
        raise DomainError({"comment": gettext("退回补充时请写明需要补充的内容")})
    with transaction.atomic():
        update = ProgressUpdate.objects.unscoped("the update locked again after the office's check") \
            .select_for_update().get(pk=update.pk)
        if update.state != UpdateState.SUBMITTED:
            raise DomainError({"state": gettext("这条进展已审阅（%(state)s），不能再次审阅") % {
                "state": update.get_state_display()}}, code="already_decided")
        update.state = UpdateState.ACCEPTED if data.accept else UpdateState.RETURNED
        update.comment = data.comment
        update.decided_by = actor
        update.decided_at = timezone.now()
        update.save(update_fields=["state", "comment", "decided_by", "decided_at"])
        audit_record(actor=actor, action="task.update_accept" if data.accept else "task.update_return",
                     obj=update, comment=data.comment)
    return update
