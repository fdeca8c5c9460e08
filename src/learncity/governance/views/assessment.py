"""The annual assessment's pages: the schemes of the committees whose office the user runs and a new scheme with
its weights; a scheme's ranked table (a card per unit on a phone, each component opening to its source rows with
links to the task, the return or the visit), its weights, the export as .xlsx and the proposal of advanced units.

Thin adapters: reads through selectors/assessment.py, writes through services/assessment.py with the inputs of
inputs/assessment.py; a refused input is shown on the page (400) and nothing is written; a scheme the user does not
read is not found (404); a change the user may not make on one they read is refused (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.core.scopes import Capability, scope_for
from learncity.governance import selectors
from learncity.governance.assessment_xlsx import FIGURE_LABELS, assessment_xlsx
from learncity.governance.inputs.assessment import ProposeIn, SchemeIn, WeightsIn
from learncity.governance.models import AssessmentComponent, AssessmentSubjects
from learncity.governance.selectors import assessment as assessment_selectors
from learncity.governance.services import assessment as assessment_services
from learncity.network import selectors as network_selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# a source row's page: a task, a return, an inspection visit by id; an indicator by its code
SOURCE_ROUTES = {"task": ("governance:task", "pk"), "return": ("governance:report_return", "pk"),
                 "visit": ("governance:inspection_visit", "pk"), "indicator": ("monitoring:indicator", "code")}


def _office_only(request) -> None:
    if not scope_for(request.user).may(Capability.GOVERN):
        raise PermissionDenied(_("年度考核只对促进委员会办公室开放"))


def _errors(exc: DomainError) -> dict[str, list[str]]:
    """The refusal's messages by field; a weight's named by its component (the input names it weights.<key>)."""
    labels = dict(AssessmentComponent.choices)
    out = {}
    for field, messages_ in exc.errors.items():
        component = field.removeprefix("weights.")
        if component != field and component in labels:
            messages_ = [_("%(item)s：%(message)s") % {"item": labels[component], "message": m} for m in messages_]
        out[field] = list(messages_)
    return out


def _weights_posted(post) -> dict[str, str]:
    return {c: post.get(f"weight_{c}", "").strip() for c in AssessmentComponent.values}


def _link(kind: str, pk) -> str:
    name, arg = SOURCE_ROUTES[kind]
    return reverse(name, kwargs={arg: pk})


@login_required
def assessment_home(request, *, errors=None, posted=None, status=200):
    """The schemes the user's offices run, and a new one."""
    _office_only(request)
    governed = list(selectors.committees_governed(actor=request.user))
    return render_page(request, "governance/assessment_list.html", {
        "schemes": assessment_selectors.scheme_list(actor=request.user), "governed": governed,
        "subjects": AssessmentSubjects.choices, "components": AssessmentComponent.choices,
        "errors": errors or {}, "posted": posted or {"weights": {"indicators": "30", "tasks": "30", "reports": "20",
                                                                  "inspections": "20"}}}, status=status)


@login_required
@require_POST
def scheme_new(request):
    _office_only(request)
    post = request.POST
    committee_id = post.get("committee", "")
    posted = {"committee": committee_id, "year": post.get("year", ""), "subjects": post.get("subjects", ""),
              "weights": _weights_posted(post)}
    try:
        if not committee_id.isdigit():
            raise DomainError({"committee": _("请选择委员会")})
        committee = network_selectors.committee_get(actor=request.user, pk=int(committee_id))
        data = parse(SchemeIn, {"year": posted["year"], "subjects": posted["subjects"],
                                "weights": {k: v for k, v in posted["weights"].items() if v}})
        scheme = assessment_services.scheme_create(actor=request.user, committee=committee, data=data)
    except DomainError as exc:
        return assessment_home(request, errors=_errors(exc), posted=posted, status=400)
    messages.success(request, _("已建立考核方案"))
    return redirect("governance:assessment", pk=scheme.pk)


def _scheme_context(request, scheme, **extra) -> dict:
    user = request.user
    table = assessment_selectors.assessment_table(user, scheme)
    for row in table:
        for c in row.components:
            for s in c.sources:
                s.link = _link(s.kind, s.id)
                s.shown = [(FIGURE_LABELS.get(k, k), v) for k, v in s.figures.items()]
    weights = assessment_selectors.scheme_weights(actor=user, scheme=scheme)
    context = {
        "scheme": scheme, "table": table, "office": selectors.governs(actor=user, committee=scheme.committee),
        "weights": [(c, label, weights[c]) for c, label in AssessmentComponent.choices],
        "proposal": assessment_selectors.proposal_current(actor=user, scheme=scheme),
        "proposals": assessment_selectors.proposal_count(actor=user, scheme=scheme),
        "weight_errors": {}, "propose_errors": {}, "posted": {}, "penalty": assessment_selectors.RETURN_PENALTY,
    }
    context.update(extra)
    return context


@login_required
def scheme_detail(request, pk: int):
    scheme = assessment_selectors.scheme_get(actor=request.user, pk=pk)
    return render_page(request, "governance/assessment_scheme.html", _scheme_context(request, scheme))


@login_required
@require_POST
def scheme_weights(request, pk: int):
    scheme = assessment_selectors.scheme_get(actor=request.user, pk=pk)
    posted = _weights_posted(request.POST)
    try:
        data = parse(WeightsIn, {"weights": {k: v for k, v in posted.items() if v}})
        assessment_services.weights_set(actor=request.user, scheme=scheme, data=data)
    except DomainError as exc:
        return render_page(request, "governance/assessment_scheme.html", _scheme_context(
            request, scheme, weight_errors=_errors(exc), posted=posted), status=400)
    messages.success(request, _("已修改权重"))
    return redirect("governance:assessment", pk=scheme.pk)


@login_required
@require_POST
def scheme_propose(request, pk: int):
    scheme = assessment_selectors.scheme_get(actor=request.user, pk=pk)
    try:
        data = parse(ProposeIn, {"count": request.POST.get("count", "")})
        rows = assessment_services.advanced_propose(actor=request.user, scheme=scheme, data=data)
    except DomainError as exc:
        return render_page(request, "governance/assessment_scheme.html", _scheme_context(
            request, scheme, propose_errors=_errors(exc)), status=400)
    messages.success(request, ngettext("已提名 %(n)s 个先进单位", "已提名 %(n)s 个先进单位", len(rows)) % {
        "n": len(rows)})
    return redirect("governance:assessment", pk=scheme.pk)


@login_required
def scheme_export(request, pk: int):
    scheme = assessment_selectors.scheme_get(actor=request.user, pk=pk)
    content = assessment_xlsx(scheme, assessment_selectors.assessment_table(request.user, scheme))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"assessment-{scheme.year}-{scheme.subjects}-{scheme.pk}.xlsx")
    return response
