"""The joint meetings as pages: a committee's meetings, a new meeting and its edit (while a draft), a meeting's
page (agenda, attendance, minutes, decisions and each decision's tasks), publishing it, adding a decision, a
decision's tasks, and the minutes as .docx and PDF. Thin adapters: reads through `selectors`, writes through
`services` with the inputs of `governance.inputs` (core.inputs.parse); a refused input is shown on the page and
nothing is written; a meeting the user does not read is not found (404), a write on one they read but whose
office they do not run is refused (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.governance import minutes, selectors, services
from learncity.governance.inputs import DecisionTasksIn, MeetingDecisionIn, MeetingIn
from learncity.governance.models import MeetingState, UnitPart
from learncity.governance.views.plans import _errors, _reader_only, _unit_values
from learncity.network import selectors as network_selectors

TASK_ROWS = 1  # a decision's task form adds one task at a time; the API takes several


@login_required
def meeting_list(request, pk: int):
    """A committee's meetings, newest first; its office may register a new one."""
    _reader_only(request)
    committee = network_selectors.committee_get(actor=request.user, pk=pk)
    meetings = list(selectors.meeting_list(actor=request.user, committee=committee))
    return render_page(request, "governance/meeting_list.html", {
        "committee": committee, "meetings": meetings,
        "office": selectors.governs(actor=request.user, committee=committee)})


def _attendance_choices(request, committee, posted: dict) -> dict:
    units = selectors.units_assignable(actor=request.user, committee=committee)
    chosen_units = {str(v) for v in posted.get("member_unit_ids", [])}
    chosen_committees = {str(v) for v in posted.get("committee_ids", [])}
    return {"unit_choices": [{"pk": u.pk, "name": u.name, "checked": str(u.pk) in chosen_units}
                             for u in units["member_units"]],
            "committee_choices": [{"pk": c.pk, "name": c.name, "checked": str(c.pk) in chosen_committees}
                                  for c in units["committees"] if c.pk != committee.pk]}


def _meeting_posted(post) -> dict:
    return {"title": post.get("title", ""), "held_on": post.get("held_on", ""), "year": post.get("year", ""),
            "location": post.get("location", ""), "convener": post.get("convener", ""),
            "agenda": post.get("agenda", ""), "minutes": post.get("minutes", ""),
            "member_unit_ids": [v for v in post.getlist("member_unit_ids") if v.isdigit()],
            "committee_ids": [v for v in post.getlist("committee_ids") if v.isdigit()]}


def _meeting_form(request, committee, *, meeting=None):
    """The new meeting's form, or a draft meeting's edit: shown, or posted and written."""
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有委员会办公室可以登记或修改联席会议"))
    if meeting is not None and meeting.state != MeetingState.DRAFT:
        messages.error(request, _("会议纪要已印发，不能再修改"))
        return redirect("governance:meeting", pk=meeting.pk)
    if meeting is None:
        posted = {}
    else:
        posted = {"title": meeting.title, "held_on": str(meeting.held_on), "year": str(meeting.year),
                  "location": meeting.location, "convener": meeting.convener, "agenda": meeting.agenda,
                  "minutes": meeting.minutes, "member_unit_ids": [u.pk for u in meeting.member_units.all()],
                  "committee_ids": [c.pk for c in meeting.committees.all()]}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        posted = _meeting_posted(request.POST)
        try:
            data = parse(MeetingIn, {**posted, "year": posted["year"] or None})
            if meeting is None:
                meeting = services.meeting_create(actor=request.user, committee=committee, data=data)
                messages.success(request, _("已登记联席会议「%(title)s」") % {"title": meeting.title})
            else:
                meeting = services.meeting_update(actor=request.user, meeting=meeting, data=data)
                messages.success(request, _("已保存联席会议「%(title)s」") % {"title": meeting.title})
            return redirect("governance:meeting", pk=meeting.pk)
        except DomainError as exc:
            errors, status = _errors(exc), 400
    return render_page(request, "governance/meeting_form.html", {
        "committee": committee, "meeting": meeting, "posted": posted, "errors": errors,
        **_attendance_choices(request, committee, posted)}, status=status)


@login_required
def meeting_new(request, pk: int):
    """The office registers a meeting of its committee (a draft)."""
    committee = network_selectors.committee_get(actor=request.user, pk=pk)
    return _meeting_form(request, committee)


@login_required
def meeting_edit(request, pk: int):
    """The office edits a draft meeting: its details, attendance, agenda and minutes."""
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    return _meeting_form(request, meeting.committee, meeting=meeting)


def _meeting_context(request, meeting, **extra) -> dict:
    office = selectors.governs(actor=request.user, committee=meeting.committee)
    decisions = selectors.meeting_decisions(actor=request.user, meeting=meeting)
    for decision in decisions:
        decision.task_rows = [{"task": t, "lead": [u for u in t.units.all() if u.part == UnitPart.LEAD],
                               "cooperating": [u for u in t.units.all() if u.part == UnitPart.COOPERATING]}
                              for t in decision.tasks.all()]
    context = {"meeting": meeting, "committee": meeting.committee, "office": office, "decisions": decisions,
               "draft": meeting.state == MeetingState.DRAFT, "member_units": list(meeting.member_units.all()),
               "committees": list(meeting.committees.all()), "errors": {}, "decision_errors": {}, "posted": {}}
    context.update(extra)
    return context


@login_required
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    return render_page(request, "governance/meeting_detail.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_publish(request, pk: int):
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    try:
        meeting = services.meeting_publish(actor=request.user, meeting=meeting)
    except DomainError as exc:
        return render_page(request, "governance/meeting_detail.html",
                           _meeting_context(request, meeting, errors=_errors(exc)), status=400)
    messages.success(request, _("会议纪要已印发"))
    return redirect("governance:meeting", pk=meeting.pk)


@login_required
@require_POST
def decision_new(request, pk: int):
    """The office adds a decision to a draft meeting."""
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    posted = {"text": request.POST.get("text", ""), "due_on": request.POST.get("due_on", "")}
    try:
        data = parse(MeetingDecisionIn, {**posted, "due_on": posted["due_on"] or None})
        services.decision_add(actor=request.user, meeting=meeting, data=data)
    except DomainError as exc:
        return render_page(request, "governance/meeting_detail.html", _meeting_context(
            request, meeting, decision_errors=_errors(exc), posted=posted), status=400)
    messages.success(request, _("已增加议定事项"))
    return redirect("governance:meeting", pk=meeting.pk)


@login_required
def decision_tasks_new(request, pk: int):
    """The office turns a published meeting's decision into a task: title, time limit, lead and cooperating
    units (the committee's, as selectors.units_assignable lists them)."""
    decision = selectors.decision_get(actor=request.user, pk=pk)
    meeting = decision.meeting
    committee = meeting.committee
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有委员会办公室可以将议定事项转为任务"))
    posted = {"title": "", "description": decision.text[:4000],
              "due_on": str(decision.due_on) if decision.due_on else "", "lead": [], "cooperating": []}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        posted = {"title": post.get("title", ""), "description": post.get("description", ""),
                  "due_on": post.get("due_on", ""), "lead": post.getlist("lead"),
                  "cooperating": post.getlist("cooperating")}
        try:
            data = parse(DecisionTasksIn, {"tasks": [{
                "title": posted["title"], "description": posted["description"], "due_on": posted["due_on"],
                "lead": _unit_values(posted["lead"]), "cooperating": _unit_values(posted["cooperating"])}]})
            tasks = services.decision_tasks_create(actor=request.user, decision=decision, data=data)
            messages.success(request, _("已将议定事项转为任务「%(title)s」") % {"title": tasks[0].title})
            return redirect("governance:meeting", pk=meeting.pk)
        except DomainError as exc:
            # the form has one task: "tasks.0.lead" is its "lead"
            errors, status = {k.removeprefix("tasks.0."): v for k, v in _errors(exc).items()}, 400
    units = selectors.units_assignable(actor=request.user, committee=committee)
    choices = ([(f"m:{u.pk}", u.name) for u in units["member_units"]]
               + [(f"c:{c.pk}", c.name) for c in units["committees"]])
    parts = [(part, label, [{"value": v, "name": n, "checked": v in posted[part]} for v, n in choices])
             for part, label in ((UnitPart.LEAD, _("牵头单位")), (UnitPart.COOPERATING, _("配合单位")))]
    return render_page(request, "governance/meeting_task_form.html", {
        "decision": decision, "meeting": meeting, "committee": committee, "posted": posted, "errors": errors,
        "parts": parts}, status=status)


def _minutes(request, pk: int, kind: str) -> HttpResponse:
    body, content_type, name = minutes.minutes_file(actor=request.user, pk=pk, kind=kind)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def minutes_docx(request, pk: int):
    return _minutes(request, pk, "docx")


@login_required
def minutes_pdf(request, pk: int):
    return _minutes(request, pk, "pdf")
