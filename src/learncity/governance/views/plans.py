"""The committee's year as pages: the plans and my tasks, a plan's items and tasks, a task with its history,
updates and the moves the user may make, the office's import of the published work points (preview, then
import) and its new task. Thin adapters: reads through `selectors`, writes through `services` with the inputs
of `governance.inputs` (core.inputs.parse); a refused input is shown on the page and nothing is written; an
object the user does not read is not found (404), an action they may not take on one they read is refused (403).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core import uploads
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.evidence import EVIDENCE_MAX_FILES, evidence_max_bytes
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.core.scopes import Capability, scope_for
from learncity.governance import selectors, services, workpoints
from learncity.governance.inputs import DecisionIn, ImportIn, MilestoneIn, MoveIn, TaskIn, UpdateIn
from learncity.governance.models import TaskState, UnitPart, UpdateState
from learncity.governance.services.tasks import EVENT_LABELS, TRANSITIONS
from learncity.network import selectors as network_selectors

FIGURE_ROWS = 3  # the empty figure rows the update form offers


def _reader_only(request) -> None:
    """The governance pages are for the offices, the member units and the committee's readers (experts and
    auditors): an institution's staff and learners have no part in it."""
    scope = scope_for(request.user)
    if not (scope.may(Capability.GOVERN) or scope.may(Capability.REPORT_PROGRESS)
            or scope.may(Capability.READ_REVIEWS)):
        raise PermissionDenied(_("工作任务只对促进委员会的办公室、成员单位和评估人员开放"))


def _errors(exc: DomainError) -> dict[str, list[str]]:
    return {k: list(v) for k, v in exc.errors.items()}


# --- reading ----------------------------------------------------------------------------------------------------

@login_required
def home(request):
    """The plans the user reads, with their tasks counted by state; the user's own open tasks; for the office,
    the committees whose work points it may import."""
    _reader_only(request)
    plans = list(selectors.plan_list(actor=request.user))
    counts = selectors.plan_counts(actor=request.user, plans=plans)
    for plan in plans:
        plan.counts = counts[plan.pk]
        plan.n_read = sum(n for _state, _label, n in plan.counts)
    mine = list(selectors.task_list(actor=request.user, mine=True).filter(state__in=selectors.OPEN)[:50])
    governed = list(selectors.committees_governed(actor=request.user))
    office = scope_for(request.user).may(Capability.GOVERN)
    waiting = list(selectors.updates_waiting(actor=request.user)[:50]) if office else []
    return render_page(request, "governance/home.html", {
        "plans": plans, "mine": mine, "governed": governed, "waiting": waiting, "today": timezone.localdate()})


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(actor=request.user, pk=pk)
    items = selectors.plan_items(actor=request.user, plan=plan)
    sections: list[dict] = []
    for item in items:
        if not sections or sections[-1]["title"] != item.section:
            sections.append({"title": item.section, "items": []})
        sections[-1]["items"].append(item)
    office = selectors.governs(actor=request.user, committee=plan.committee)
    others = list(selectors.plan_other_tasks(actor=request.user, plan=plan))
    return render_page(request, "governance/plan.html", {
        "plan": plan, "sections": sections, "others": others, "office": office, "today": timezone.localdate()})


@login_required
def tasks(request):
    """The tasks the user reads, by state, and only their own units' ("mine")."""
    _reader_only(request)
    state = request.GET.get("state", "")
    state = state if state in TaskState.values else ""
    mine = request.GET.get("mine") == "1"
    rows = list(selectors.task_list(actor=request.user, state=state or None, mine=mine)[:500])
    return render_page(request, "governance/tasks.html", {
        "tasks": rows, "state": state, "mine": mine, "states": TaskState.choices, "today": timezone.localdate()})


def _task_context(request, task, **extra) -> dict:
    user = request.user
    events = services.events_open(user, task)
    office = services.is_office(user, task)
    units = list(task.units.all())
    mine = selectors.task_units_mine(actor=user, task=task)
    for u in mine:
        u.choice = f"m:{u.member_unit_id}" if u.member_unit_id else f"c:{u.committee_id}"
    can_post = bool(mine) and task.state in (TaskState.IN_PROGRESS, TaskState.OVERDUE)
    updates = list(selectors.task_updates(actor=user, task=task))
    context = {
        "task": task, "plan": task.plan, "item": task.item,
        "lead": [u for u in units if u.part == UnitPart.LEAD],
        "cooperating": [u for u in units if u.part == UnitPart.COOPERATING],
        "indicators": list(selectors.task_indicators(actor=user, task=task)),
        "milestones": list(selectors.task_milestones(actor=user, task=task)),
        "may_add_milestone": office and task.state in (TaskState.NOT_STARTED, TaskState.IN_PROGRESS, TaskState.OVERDUE),
        "may_reach_milestone": office or services.leads(user, task),
        "history": list(selectors.task_history(actor=user, task=task)),
        "updates": updates, "office": office, "submitted": UpdateState.SUBMITTED,
        "events": [{"name": e, "label": EVENT_LABELS[e], "reason": TRANSITIONS[e].reason_required} for e in events],
        "can_post": can_post, "my_units": mine, "figure_rows": range(FIGURE_ROWS),
        "max_files": EVIDENCE_MAX_FILES, "max_mb": evidence_max_bytes() // (1024 * 1024),
        "today": timezone.localdate(), "tomorrow": timezone.localdate() + datetime.timedelta(days=1),
        "move_errors": {}, "update_errors": {}, "decide_errors": {}, "milestone_errors": {}, "posted": {},
    }
    context.update(extra)
    return context


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get(actor=request.user, pk=pk)
    return render_page(request, "governance/task.html", _task_context(request, task))


@login_required
def evidence_download(request, pk: int, eid: int):
    """An update's evidence file, for those who read the update (its unit, the office and the committee's
    readers)."""
    update = selectors.update_get(actor=request.user, pk=pk)
    evidence = selectors.evidence_get(actor=request.user, update_pk=update.pk, pk=eid)
    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


# --- moving a task, its updates and the office's decisions ------------------------------------------------------

@login_required
@require_POST
def task_move(request, pk: int):
    task = selectors.task_get(actor=request.user, pk=pk)
    try:
        data = parse(MoveIn, request.POST)
        task = services.task_move(actor=request.user, task=task, data=data)
    except DomainError as exc:
        return render_page(request, "governance/task.html", _task_context(
            request, task, move_errors=_errors(exc), moving=request.POST.get("event", "")), status=400)
    messages.success(request, _("任务「%(title)s」已%(event)s，现为「%(state)s」") % {
        "title": task.title, "event": EVENT_LABELS[data.event], "state": task.get_state_display()})
    return redirect("governance:task", pk=task.pk)


@login_required
@require_POST
def milestone_new(request, pk: int):
    """The office sets a milestone on a task, due by the task's own time limit."""
    task = selectors.task_get(actor=request.user, pk=pk)
    try:
        data = parse(MilestoneIn, request.POST)
        milestone = services.milestone_add(actor=request.user, task=task, data=data)
    except DomainError as exc:
        return render_page(request, "governance/task.html", _task_context(
            request, task, milestone_errors=_errors(exc),
            posted={"m_title": request.POST.get("title", ""), "m_due_on": request.POST.get("due_on", "")}),
            status=400)
    messages.success(request, _("已设置节点「%(title)s」") % {"title": milestone.title})
    return redirect("governance:task", pk=task.pk)


@login_required
@require_POST
def milestone_done(request, pk: int):
    """A lead unit (or the office) marks a milestone reached today."""
    milestone = selectors.milestone_get(actor=request.user, pk=pk)
    task = selectors.task_get(actor=request.user, pk=milestone.task_id)
    try:
        services.milestone_done(actor=request.user, milestone=milestone)
    except DomainError as exc:
        return render_page(request, "governance/task.html", _task_context(
            request, task, milestone_errors=_errors(exc)), status=400)
    messages.success(request, _("节点「%(title)s」已完成") % {"title": milestone.title})
    return redirect("governance:task", pk=task.pk)


def _unit_choice(value: str) -> dict:
    """"m:12" → the member unit 12, "c:3" → the committee 3 (the update form's unit select)."""
    kind, _sep, pk = (value or "").partition(":")
    if pk.isdigit():
        return {"member_unit_id": int(pk)} if kind == "m" else {"committee_id": int(pk)} if kind == "c" else {}
    return {}


def _figures(post) -> list[dict]:
    rows = zip(post.getlist("figure_label"), post.getlist("figure_value"), post.getlist("figure_unit"), strict=False)
    return [{"label": label, "value": value, "unit": unit} for label, value, unit in rows
            if (label or "").strip() or (value or "").strip() or (unit or "").strip()]


@login_required
@require_POST
def update_new(request, pk: int):
    """A unit's progress on the task, with figures and evidence files."""
    task = selectors.task_get(actor=request.user, pk=pk)
    post = request.POST
    figures = _figures(post)
    try:
        refused = uploads.upload_refusal(request)
        if refused is not None:
            raise refused
        files = [(f.name, uploads.upload_read(f, limit=evidence_max_bytes(), zip_limits=False))
                 for f in request.FILES.getlist("evidence")]
        data = parse(UpdateIn, {"text": post.get("text", ""), "figures": figures,
                                **_unit_choice(post.get("unit", ""))})
        services.update_post(actor=request.user, task=task, data=data, files=files)
    except DomainError as exc:
        return render_page(request, "governance/task.html", _task_context(
            request, task, update_errors=_errors(exc),
            posted={"text": post.get("text", ""), "figures": figures, "unit": post.get("unit", "")}), status=400)
    messages.success(request, _("已报送进展，等待委员会办公室审阅"))
    return redirect("governance:task", pk=task.pk)


@login_required
@require_POST
def update_decide(request, pk: int):
    """The office accepts an update, or returns it saying what is missing."""
    update = selectors.update_get(actor=request.user, pk=pk)
    task = selectors.task_get(actor=request.user, pk=update.task_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "return"):
            raise DomainError({"decision": _("请选择采纳或退回补充")})
        data = parse(DecisionIn, {"accept": decision == "accept", "comment": request.POST.get("comment", "")})
        services.update_decide(actor=request.user, update=update, data=data)
    except DomainError as exc:
        return render_page(request, "governance/task.html", _task_context(
            request, task, decide_errors=_errors(exc)), status=400)
    messages.success(request, _("已采纳该进展") if data.accept else _("已退回该进展，请报送单位补充"))
    return redirect("governance:task", pk=task.pk)


# --- the office: importing work points, adding a task -----------------------------------------------------------

def _governed(request, pk: int):
    """The committee, when the user runs its office: not found when they do not read it, refused when they read
    it but do not run it."""
    committee = network_selectors.committee_get(actor=request.user, pk=pk)
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有该委员会办公室（所在地管理员）可以导入工作要点"))
    return committee


def _document_text(request) -> str:
    """The document's text: the uploaded .docx's (through the upload guard), or the text pasted or carried over."""
    upload = uploads.request_files(request).get("file")
    if upload is None:
        return request.POST.get("text", "")
    name = str(upload.name or "upload")
    if not name.lower().endswith(".docx"):
        raise DomainError({"file": _("「%(name)s」不是 Word 文档（.docx）") % {"name": name}})
    data = uploads.upload_read(upload, name=name)
    return workpoints.docx_text(data, name=name)


def _decisions(post) -> dict[str, str]:
    return {name: decision for name, decision in zip(post.getlist("unknown"), post.getlist("decision"),
                                                     strict=False) if name}


def _decision_label(decision: str, units: dict) -> str:
    if decision == services.NEW:
        return _("新增为成员单位")
    if decision == services.IGNORE:
        return _("不列入任务")
    unit = units.get(decision)
    return unit.name if unit is not None else ""


def _preview_rows(preview, unit_options) -> list[dict]:
    units = {str(u.pk): u for u in unit_options}
    rows = []
    for item, resolved in zip(preview.document.items, preview.units, strict=True):
        lead, cooperating = [], []
        for r in resolved:
            names = [u.name for u in r.member_units] + [c.name for c in r.committees]
            entry = {"name": r.ref.name, "units": names, "unknown": r.unknown, "group": bool(r.ref.group),
                     "decision_label": _decision_label(r.decision, units) if r.decision else ""}
            (lead if r.ref.part == workpoints.LEAD else cooperating).append(entry)
        rows.append({"item": item, "lead": lead, "cooperating": cooperating})
    return rows


@login_required
def plan_import(request, pk: int):
    """The office's import of its committee's work points: the document pasted or uploaded (.docx), a preview of
    its items, tasks and units with a decision asked for each name the committee does not know, then the import."""
    committee = _governed(request, pk)
    context = {"committee": committee, "errors": {}, "text": "", "year": "", "preview": None,
               "unit_options": list(network_selectors.member_unit_list(actor=request.user, committee=committee)
                                    .order_by("id")),
               "NEW": services.NEW, "IGNORE": services.IGNORE}
    if request.method != "POST":
        return render_page(request, "governance/import.html", context)
    action = request.POST.get("action", "preview")
    year = request.POST.get("year", "").strip()
    context["year"] = year
    decisions = _decisions(request.POST)
    try:
        text = _document_text(request)
        context["text"] = text
        data = parse(ImportIn, {"text": text, "year": year or None, "decisions": decisions})
        if action == "import":
            plan = services.workplan_import(actor=request.user, committee=committee, data=data)
            messages.success(request, _("已导入「%(title)s」：%(n)s 项任务") % {
                "title": plan.title, "n": plan.tasks.count()})
            return redirect("governance:plan", pk=plan.pk)
        context["preview"] = services.import_preview(actor=request.user, committee=committee, data=data)
    except DomainError as exc:
        context["errors"] = _errors(exc)
        if context["text"] and action == "import":  # show the preview again, with the decisions made
            try:
                context["preview"] = services.import_preview(actor=request.user, committee=committee,
                                                             data=parse(ImportIn, {"text": context["text"],
                                                                                   "year": year or None,
                                                                                   "decisions": decisions}))
            except DomainError:
                context["preview"] = None
    if context["preview"] is not None:
        context["rows"] = _preview_rows(context["preview"], context["unit_options"])
        context["unknown"] = [{"name": n, "decision": decisions.get(n, "")} for n in context["preview"].unknown]
    return render_page(request, "governance/import.html", context, status=400 if context["errors"] else 200)


def _unit_values(values: list[str]) -> list[dict]:
    return [u for u in (_unit_choice(v) for v in values) if u]


@login_required
def task_new(request, pk: int):
    """The office adds a task to an item of its plan: units, time limit, the indicators it serves."""
    item = selectors.item_get(actor=request.user, pk=pk)
    committee = item.plan.committee
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有委员会办公室可以新增任务"))
    units = selectors.units_assignable(actor=request.user, committee=committee)
    context = {"item": item, "plan": item.plan, "units": units, "errors": {}, "posted": {}}
    if request.method == "POST":
        post = request.POST
        codes = [c for c in post.get("indicator_codes", "").replace("，", ",").replace("、", ",").split(",")
                 if c.strip()]
        context["posted"] = {"title": post.get("title", ""), "description": post.get("description", ""),
                             "due_on": post.get("due_on", ""), "lead": post.getlist("lead"),
                             "cooperating": post.getlist("cooperating"),
                             "indicator_codes": post.get("indicator_codes", "")}
        try:
            data = parse(TaskIn, {"item_id": item.pk, "title": post.get("title", ""),
                                  "description": post.get("description", ""), "due_on": post.get("due_on", ""),
                                  "lead": _unit_values(post.getlist("lead")),
                                  "cooperating": _unit_values(post.getlist("cooperating")),
                                  "indicator_codes": [c.strip() for c in codes]})
            task = services.task_create(actor=request.user, data=data)
        except DomainError as exc:
            context["errors"] = _errors(exc)
            _task_form_parts(context)
            return render_page(request, "governance/task_form.html", context, status=400)
        messages.success(request, _("已新增任务「%(title)s」") % {"title": task.title})
        return redirect("governance:task", pk=task.pk)
    _task_form_parts(context)
    return render_page(request, "governance/task_form.html", context)


def _task_form_parts(context: dict) -> None:
    """The units as checkboxes for each part, those posted checked again."""
    units = context["units"]
    choices = ([(f"m:{u.pk}", u.name) for u in units["member_units"]]
               + [(f"c:{c.pk}", c.name) for c in units["committees"]])
    posted = context["posted"]
    context["parts"] = [(part, label, [{"value": v, "name": n, "checked": v in posted.get(part, [])}
                                       for v, n in choices]) for part, label in ((UnitPart.LEAD, _("牵头单位")), (UnitPart.COOPERATING, _("配合单位")))]
