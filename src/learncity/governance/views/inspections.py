"""Inspection (专项督导) as pages. The office: its standards (the shipped community-school standard or one pasted as
JSON), its rounds, a new round, a round's ranked results with the inspectors it sends, the findings it sends to
rectification, closing, and the circular. The inspector: their visits, and the scoring page, phone first (one
criterion a card: the score with its maximum, the finding, rectify, a photo taken there), then submitting.
Thin adapters: reads through `selectors`, writes through `services` with governance's inputs; a refusal is shown
on the page with nothing written; outside the user's scope 404, an action on what they read 403."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
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
from learncity.governance import selectors, services
from learncity.governance.inputs import (
    CircularIn,
    InspectionRoundIn,
    RectificationIn,
    ScoreIn,
    StandardIn,
    VisitIn,
)
from learncity.governance.models import VisitState
from learncity.network import selectors as network_selectors


def _errors(exc: DomainError) -> dict[str, list[str]]:
    return {k: list(v) for k, v in exc.errors.items()}


def _inspection_reader(request) -> None:
    scope = scope_for(request.user)
    if not (scope.may(Capability.GOVERN) or scope.may(Capability.INSPECT)):
        raise PermissionDenied(_("专项督导只对委员会办公室和督导员开放"))


@login_required
def home(request):
    """The office's standards and rounds, and where it may open one; the inspector's visits."""
    _inspection_reader(request)
    return render_page(request, "governance/inspection_home.html", {
        "standards": list(selectors.standard_list(actor=request.user)),
        "rounds": list(selectors.round_list(actor=request.user)),
        "visits": list(selectors.visit_list_mine(actor=request.user)),
        "governed": list(selectors.committees_governed(actor=request.user)),
        "circulars": list(selectors.circular_list(actor=request.user)[:20]), "assigned": VisitState.ASSIGNED})


@login_required
def standard_import(request, pk: int):
    """The office imports a standard: the shipped community-school one, or one pasted as JSON."""
    committee = network_selectors.committee_get(actor=request.user, pk=pk)
    text = request.POST.get("data", "")
    if request.method == "POST":
        try:
            if request.POST.get("shipped"):
                raw = services.standard_shipped()
            else:
                try:
                    raw = json.loads(text)
                except ValueError:
                    raise DomainError({"data": _("不是有效的 JSON")}) from None
            standard = services.standard_import(actor=request.user, committee=committee, data=parse(StandardIn, raw))
        except DomainError as exc:
            return render_page(request, "governance/inspection_standard_import.html", {
                "committee": committee, "errors": _errors(exc), "data": text}, status=400)
        messages.success(request, _("已导入评估标准「%(title)s」") % {"title": standard.title})
        return redirect("governance:inspection_standard", pk=standard.pk)
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有委员会办公室可以导入督导评估标准"))
    return render_page(request, "governance/inspection_standard_import.html", {
        "committee": committee, "errors": {}, "data": ""})


@login_required
def standard_detail(request, pk: int):
    standard = selectors.standard_get(actor=request.user, pk=pk)
    criteria = selectors.standard_criteria(actor=request.user, standard=standard)
    return render_page(request, "governance/inspection_standard.html", {
        "standard": standard, "criteria": criteria, "total": sum(c.points for c in criteria)})


@login_required
def round_new(request, pk: int):
    committee = network_selectors.committee_get(actor=request.user, pk=pk)
    if not selectors.governs(actor=request.user, committee=committee):
        raise PermissionDenied(_("只有委员会办公室可以组织专项督导"))
    standards = list(selectors.standard_list(actor=request.user).filter(committee=committee))
    context = {"committee": committee, "standards": standards, "errors": {}, "posted": request.POST,
               "year": timezone.localdate().year}
    if request.method == "POST":
        try:
            found = services.round_create(actor=request.user, committee=committee, data=parse(InspectionRoundIn, request.POST))
        except DomainError as exc:
            return render_page(request, "governance/inspection_round_new.html",
                               context | {"errors": _errors(exc)}, status=400)
        messages.success(request, _("已创建专项督导「%(title)s」") % {"title": found.title})
        return redirect("governance:inspection_round", pk=found.pk)
    return render_page(request, "governance/inspection_round_new.html", context)


def _round_context(request, found, **extra) -> dict:
    user = request.user
    office = selectors.governs(actor=user, committee=found.committee)
    context = {"round": found, "office": office, "visits": selectors.round_visits(actor=user, round=found),
               "findings": selectors.round_findings(actor=user, round=found),
               "circular": selectors.circular_list(actor=user).filter(round=found).first(),
               "inspectors": selectors.inspectors_assignable(actor=user, committee=found.committee) if office else [],
               "targets": selectors.visit_targets(actor=user, committee=found.committee) if office
               and found.closed_at is None else {},
               "today": timezone.localdate(), "assign_errors": {}, "close_errors": {}, "circular_errors": {},
               "rectify_errors": {}, "submitted": VisitState.SUBMITTED}
    return context | extra


@login_required
def round_detail(request, pk: int):
    found = selectors.round_get(actor=request.user, pk=pk)
    return render_page(request, "governance/inspection_round.html", _round_context(request, found))


def _target_choice(value: str) -> dict:
    """"p:12" → the district 12, "i:3" → the institution 3, "m:5" → the member unit 5."""
    kind, _sep, pk = (value or "").partition(":")
    field = {"p": "place_id", "i": "institution_id", "m": "member_unit_id"}.get(kind)
    return {field: int(pk)} if field and pk.isdigit() else {}


@login_required
@require_POST
def visit_assign(request, pk: int):
    found = selectors.round_get(actor=request.user, pk=pk)
    try:
        data = parse(VisitIn, {"inspector_id": request.POST.get("inspector_id", ""),
                               **_target_choice(request.POST.get("target", ""))})
        visit = services.visit_assign(actor=request.user, round=found, data=data)
    except DomainError as exc:
        return render_page(request, "governance/inspection_round.html",
                           _round_context(request, found, assign_errors=_errors(exc)), status=400)
    messages.success(request, _("已派督导员督导「%(target)s」") % {"target": visit.target})
    return redirect("governance:inspection_round", pk=found.pk)


@login_required
@require_POST
def round_close(request, pk: int):
    found = selectors.round_get(actor=request.user, pk=pk)
    try:
        services.round_close(actor=request.user, round=found)
    except DomainError as exc:
        return render_page(request, "governance/inspection_round.html",
                           _round_context(request, found, close_errors=_errors(exc)), status=400)
    messages.success(request, _("专项督导「%(title)s」已结束") % {"title": found.title})
    return redirect("governance:inspection_round", pk=found.pk)


@login_required
@require_POST
def circular_publish(request, pk: int):
    found = selectors.round_get(actor=request.user, pk=pk)
    try:
        circular = services.circular_publish(actor=request.user, round=found, data=parse(CircularIn, request.POST))
    except DomainError as exc:
        return render_page(request, "governance/inspection_round.html",
                           _round_context(request, found, circular_errors=_errors(exc)), status=400)
    messages.success(request, _("已发布通报「%(title)s」") % {"title": circular.title})
    return redirect("governance:circular", pk=circular.pk)


@login_required
@require_POST
def rectification_new(request, pk: int):
    score = selectors.score_get(actor=request.user, pk=pk)
    found = selectors.round_get(actor=request.user, pk=score.visit.round_id)
    try:
        rectification = services.rectification_create(actor=request.user, score=score,
                                                      data=parse(RectificationIn, request.POST))
    except DomainError as exc:
        return render_page(request, "governance/inspection_round.html", _round_context(
            request, found, rectify_errors=_errors(exc), rectify_score=score.pk), status=400)
    messages.success(request, _("已下发整改任务「%(title)s」") % {"title": rectification.task.title})
    return redirect("governance:inspection_round", pk=found.pk)


@login_required
def circular_detail(request, pk: int):
    circular = selectors.circular_get(actor=request.user, pk=pk)
    return render_page(request, "governance/inspection_circular.html", {
        "circular": circular, "paragraphs": circular.text.split("\n")})


@login_required
def circular_pdf(request, pk: int):
    circular = selectors.circular_get(actor=request.user, pk=pk)
    response = HttpResponse(services.circular_pdf(circular), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"circular-{circular.pk}.pdf")
    return response


# --- the inspector's phone ---------------------------------------------------------------------------------------

def _visit_context(request, visit, **extra) -> dict:
    criteria = selectors.visit_criteria(actor=request.user, visit=visit)
    mine = visit.inspector_id == request.user.pk and scope_for(request.user).may(Capability.INSPECT)
    open_ = visit.state == VisitState.ASSIGNED and visit.round.closed_at is None
    return {"visit": visit, "criteria": criteria, "may_score": mine and open_,
            "n_scored": sum(1 for c in criteria if c.mark is not None), "errors": {}, "error_criterion": None,
            "submit_errors": {}, "posted": {}, "max_files": EVIDENCE_MAX_FILES,
            "max_mb": evidence_max_bytes() // (1024 * 1024)} | extra


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get(actor=request.user, pk=pk)
    return render_page(request, "governance/inspection_visit.html", _visit_context(request, visit))


@login_required
@require_POST
def score_record(request, pk: int, criterion: int):
    visit = selectors.visit_get(actor=request.user, pk=pk)
    post = request.POST
    try:
        refused = uploads.upload_refusal(request)
        if refused is not None:
            raise refused
        files = [(f.name, uploads.upload_read(f, limit=evidence_max_bytes(), zip_limits=False))
                 for f in request.FILES.getlist("evidence")]
        data = parse(ScoreIn, {"criterion_id": criterion, "score": post.get("score", ""),
                               "finding": post.get("finding", ""), "rectify": post.get("rectify") == "on"})
        services.score_record(actor=request.user, visit=visit, data=data, files=files)
    except DomainError as exc:
        return render_page(request, "governance/inspection_visit.html", _visit_context(
            request, visit, errors=_errors(exc), error_criterion=criterion, posted=post), status=400)
    messages.success(request, _("已保存评分"))
    return redirect(reverse("governance:inspection_visit", args=[visit.pk]) + f"#c-{criterion}")


@login_required
@require_POST
def visit_submit(request, pk: int):
    visit = selectors.visit_get(actor=request.user, pk=pk)
    try:
        services.visit_submit(actor=request.user, visit=visit)
    except DomainError as exc:
        return render_page(request, "governance/inspection_visit.html", _visit_context(
            request, visit, submit_errors=_errors(exc)), status=400)
    messages.success(request, _("已提交对「%(target)s」的督导结果") % {"target": visit.target})
    return redirect("governance:inspection_visit", pk=visit.pk)


@login_required
def evidence_download(request, pk: int, eid: int):
    score = selectors.score_get(actor=request.user, pk=pk)
    evidence = selectors.inspection_evidence_get(actor=request.user, score_pk=score.pk, pk=eid)
    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response
