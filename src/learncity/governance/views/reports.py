"""Member units' reports as pages: the reports' home (the user's own returns, the rounds they read, the office's
forms and a new form pasted as JSON), a new round, a round's page (every unit's return with its state, late and
extension marks, the summary, the consolidated report), and a return's page: the fill page for its unit while it
can be edited (sections, numbers with their unit and range, fixed-row tables that scroll sideways on a phone,
narrative, attachments; save a draft or submit; each error shown at its cell), read-only otherwise; for the office
the accept/return form and the extension, and the history. Thin adapters over `selectors` and `services.reports`
with the inputs of `governance.inputs.reports`; nothing is written on a refusal; what the user does not read is a
404, a write on what they read but may not change a 403."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.governance import report_schema, selectors
from learncity.governance.inputs.reports import ExtensionIn, FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.services import reports
from learncity.governance.views.plans import _errors, _reader_only
from learncity.network import selectors as network_selectors

PREFIX = "d."  # a cell's input is named by its path: d.courses, d.funds_by_source.budget.amount


@login_required
def reports_home(request):
    """The user's own returns, the rounds they read, and for an office its forms (and a new one)."""
    _reader_only(request)
    governed = list(selectors.committees_governed(actor=request.user))
    rounds = list(selectors.report_round_list(actor=request.user)[:50])
    counts = selectors.report_round_counts(actor=request.user, rounds=rounds)
    for rnd in rounds:
        rnd.counts = counts.get(rnd.pk, {})
    errors, posted, status = {}, {}, 200
    if request.method == "POST":
        posted = {k: request.POST.get(k, "") for k in ("committee", "code", "title", "schema")}
        try:
            committee = network_selectors.committee_get(actor=request.user, pk=int(posted["committee"] or 0))
            try:
                schema = json.loads(posted["schema"] or "null")
            except ValueError as exc:
                raise DomainError({"schema": _("报表结构不是有效的 JSON：%(error)s") % {"error": exc}}) from None
            form = reports.form_create(actor=request.user, committee=committee, data=parse(FormIn, {
                "code": posted["code"], "title": posted["title"], "schema": schema}))
            messages.success(request, _("已新建报表「%(title)s」") % {"title": form.title})
            return redirect("governance:reports")
        except DomainError as exc:
            errors, status = _errors(exc), 400
    return render_page(request, "governance/report_home.html", {
        "returns": list(selectors.returns_mine(actor=request.user)[:50]), "rounds": rounds,
        "forms": list(selectors.form_list(actor=request.user).filter(committee__in=governed)) if governed else [],
        "governed": governed, "errors": errors, "posted": posted}, status=status)


@login_required
def round_new(request, pk: int):
    """The office opens a round of one of its forms for its member units and lower committees."""
    form = selectors.form_get(actor=request.user, pk=pk)
    if not selectors.governs(actor=request.user, committee=form.committee):
        raise PermissionDenied(_("只有委员会办公室可以发起报送"))
    units = selectors.units_assignable(actor=request.user, committee=form.committee)
    posted = {"member_unit_ids": [str(u.pk) for u in units["member_units"]], "committee_ids": []}
    errors, status = {}, 200
    if request.method == "POST":
        posted = {k: request.POST.get(k, "") for k in ("title", "period_start", "period_end", "deadline",
                                                        "remind_days")}
        posted |= {k: [v for v in request.POST.getlist(k) if v.isdigit()] for k in ("member_unit_ids",
                                                                                    "committee_ids")}
        try:
            rnd = reports.round_open(actor=request.user, data=parse(ReportRoundIn, {
                **posted, "form_id": form.pk, "remind_days": posted["remind_days"] or 3}))
            messages.success(request, _("已发起报送「%(title)s」") % {"title": rnd.title})
            return redirect("governance:report_round", pk=rnd.pk)
        except DomainError as exc:
            errors, status = _errors(exc), 400
    return render_page(request, "governance/report_round_new.html", {
        "form": form, "posted": posted, "errors": errors,
        "unit_choices": [{"pk": u.pk, "name": u.name, "checked": str(u.pk) in posted["member_unit_ids"]}
                         for u in units["member_units"]],
        "committee_choices": [{"pk": c.pk, "name": c.name, "checked": str(c.pk) in posted["committee_ids"]}
                              for c in units["committees"] if c.pk != form.committee_id]}, status=status)


@login_required
def round_detail(request, pk: int):
    """A round: every return the user reads with its state, late and extension marks, and the summary."""
    _reader_only(request)
    rnd = selectors.report_round_get(actor=request.user, pk=pk)
    returns = selectors.report_round_returns(actor=request.user, rnd=rnd)
    return render_page(request, "governance/report_round.html", {
        "round": rnd, "returns": returns, "summary": selectors.report_round_summary(returns=returns),
        "closed": rnd.locked_at is not None or rnd.deadline <= timezone.now(),  # the sweep records the lock later
        "office": selectors.governs(actor=request.user, committee=rnd.committee)})


def _sections(schema: dict, data: dict, errors: dict) -> list[dict]:
    """The form's sections laid out for the page: each field with its value(s) and error(s) by cell."""
    out = []
    for section in schema["sections"]:
        fields = []
        for spec in section["fields"]:
            key = spec["key"]
            field = {"spec": spec, "name": PREFIX + key, "value": data.get(key, ""), "error": errors.get(key)}
            if spec["type"] == "table":
                table = data.get(key) if isinstance(data.get(key), dict) else {}
                field["rows"] = [{"label": r["label"], "error": errors.get(f"{key}.{r['key']}"), "cells": [
                    {"name": f"{PREFIX}{key}.{r['key']}.{c['key']}", "spec": c,
                     "value": (table.get(r["key"]) or {}).get(c["key"], ""),
                     "error": errors.get(f"{key}.{r['key']}.{c['key']}")} for c in spec["columns"]]}
                    for r in spec["rows"]]
            fields.append(field)
        out.append({"title": section["title"], "fields": fields})
    return out


def _posted_answers(post) -> dict:
    """The answers from the fill page's inputs, by their cell paths."""
    data: dict = {}
    for name in post:
        if not name.startswith(PREFIX):
            continue
        parts = name[len(PREFIX):].split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = post.get(name, "")
    return data


def _return_page(request, ret, *, errors=None, data=None, status=200, decision_errors=None, extension_errors=None):
    now = timezone.now()
    fills = reports.answers_for(request.user, ret)
    editable = fills and ret.state in reports.EDITABLE and not reports.is_locked(ret, now)
    attachments = list(selectors.return_attachments(actor=request.user, report_return=ret))
    schema = ret.round.form.schema
    return render_page(request, "governance/report_return.html", {
        "ret": ret, "round": ret.round, "editable": editable, "locked": reports.is_locked(ret, now),
        "office": reports.runs_office(request.user, ret.round.committee),
        "sections": _sections(schema, ret.data if data is None else data, errors or {}),
        "attachment_fields": [f for f in report_schema.field_index(schema).values() if f["type"] == "attachments"],
        "attachments": attachments, "errors": errors or {}, "decision_errors": decision_errors or {},
        "extension_errors": extension_errors or {},
        "history": list(selectors.return_history(actor=request.user, report_return=ret))}, status=status)


@login_required
def return_detail(request, pk: int):
    """A return: its fill page for its unit while editable, read-only otherwise; the office's review."""
    _reader_only(request)
    return _return_page(request, selectors.return_get(actor=request.user, pk=pk))


@login_required
@require_POST
def return_fill(request, pk: int):
    """The unit saves its draft (`save`) or submits (`submit`); a refusal shows each error at its cell."""
    ret = selectors.return_get(actor=request.user, pk=pk)
    data = _posted_answers(request.POST)
    submit = request.POST.get("action") == "submit"
    try:
        if submit:
            reports.return_submit(actor=request.user, report_return=ret, data=parse(ReturnIn, {"data": data}))
            messages.success(request, _("报表已报送"))
        else:
            reports.return_save(actor=request.user, report_return=ret, data=parse(ReturnIn, {"data": data}))
            messages.success(request, _("草稿已保存"))
    except DomainError as exc:
        return _return_page(request, ret, errors=_errors(exc), data=data, status=400)
    return redirect("governance:report_return", pk=ret.pk)


@login_required
@require_POST
def return_decide(request, pk: int):
    """The office accepts a submitted return, or returns it with a comment."""
    ret = selectors.return_get(actor=request.user, pk=pk)
    try:
        reports.return_decide(actor=request.user, report_return=ret, data=parse(ReturnDecisionIn, {
            "accept": request.POST.get("accept") == "1", "comment": request.POST.get("comment", "")}))
    except DomainError as exc:
        return _return_page(request, ret, decision_errors=_errors(exc), status=400)
    messages.success(request, _("已审核报表"))
    return redirect("governance:report_return", pk=ret.pk)


@login_required
@require_POST
def return_extend(request, pk: int):
    """The office grants the return an extension, until a later time, for a reason."""
    ret = selectors.return_get(actor=request.user, pk=pk)
    try:
        reports.extension_grant(actor=request.user, report_return=ret, data=parse(ExtensionIn, {
            "until": request.POST.get("until", ""), "reason": request.POST.get("reason", "")}))
    except DomainError as exc:
        return _return_page(request, ret, extension_errors=_errors(exc), status=400)
    messages.success(request, _("已同意延期"))
    return redirect("governance:report_return", pk=ret.pk)


@login_required
@require_POST
def attachment_add(request, pk: int):
    """The unit uploads files to one of the form's attachment fields."""
    ret = selectors.return_get(actor=request.user, pk=pk)
    field = request.POST.get("field", "")
    files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
    try:
        reports.attachment_add(actor=request.user, report_return=ret, field=field, files=files)
    except DomainError as exc:
        return _return_page(request, ret, errors=_errors(exc), status=400)
    messages.success(request, _("文件已上传"))
    return redirect("governance:report_return", pk=ret.pk)


@login_required
@require_POST
def attachment_remove(request, pk: int, aid: int):
    attachment = selectors.attachment_get(actor=request.user, return_pk=pk, pk=aid)
    try:
        reports.attachment_remove(actor=request.user, attachment=attachment)
    except DomainError as exc:
        return _return_page(request, attachment.report_return, errors=_errors(exc), status=400)
    messages.success(request, _("文件已删除"))
    return redirect("governance:report_return", pk=pk)


@login_required
def attachment_download(request, pk: int, aid: int):
    attachment = selectors.attachment_get(actor=request.user, return_pk=pk, pk=aid)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    return response
