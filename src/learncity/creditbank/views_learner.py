"""The learner's pages of the credit bank: my learning account, my transcript (live, and issued as a PDF), my
declarations and my conversions; and the public page that verifies an issued transcript by its token.

Every read goes through `selectors`, every write through `services`; the pages only parse and present."""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from learncity.core import uploads
from learncity.core.errors import DomainError, NotFound
from learncity.core.forms import add_domain_errors, flash_domain_errors, upload_refused
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.creditbank import selectors, services
from learncity.creditbank.inputs import ConversionIn, DeclarationIn
from learncity.creditbank.models import CreditClass, DeclarationKind, VersionStatus
from learncity.creditbank.transcript_pdf import content_balances, transcript_pdf

ENTRIES_PER_PAGE = 20
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _has_profile(user) -> bool:
    return getattr(user, "learner_profile", None) is not None


def _no_account(request, template: str):
    """A page that needs an account, shown before the learner has one: say so and offer to open it."""
    return render_page(request, template, {"account": None, "has_profile": _has_profile(request.user)})


# --- my learning account ---------------------------------------------------------------------------------

@login_required
def account(request):
    """Balances by class, learning points and the Lifelong Learning Star thresholds, outcomes by class and year,
    and the ledger (20 entries a page; HTMX loads the next page in place)."""
    acct = selectors.account_of(request.user)
    if acct is None:
        return _no_account(request, "creditbank/learner/account.html")
    paginator = Paginator(selectors.entries(acct), ENTRIES_PER_PAGE)
    entries = paginator.get_page(request.GET.get("page"))
    if request.htmx and request.GET.get("page"):
        return render_page(request, "creditbank/learner/account.html", {"entries": entries}, partial="entry-rows")
    balances = selectors.balances_loaded(acct)  # the row account_of read in this request
    incentives = selectors.incentives(acct, by_class=balances)
    labels = {"points": _("学习积分"), "hours_year": _("本年度学时"), "credits": _("累计学分")}
    thresholds = [{"key": key, "label": labels.get(key, key), "have": have, "need": need, "met": have >= need,
                   "gap": max(need - have, Decimal("0")), "bar": min(have, need)}
                  for key, (have, need) in incentives.thresholds.items()]
    return render_page(request, "creditbank/learner/account.html", {
        "account": acct,
        "balances": [(CreditClass(c).label, amount) for c, amount in balances.items()],
        "total": sum(balances.values(), Decimal("0")),
        "incentives": incentives, "thresholds": thresholds,
        "classes": _by_class_and_year(selectors.outcomes(acct)),
        "entries": entries,
    })


def _by_class_and_year(outcomes) -> list[dict]:
    grouped: dict[str, dict[int, list]] = {}
    for o in outcomes:
        grouped.setdefault(o.credit_class, {}).setdefault(o.date.year, []).append(o)
    return [{"class": c, "label": CreditClass(c).label,
             "years": sorted(grouped[c].items(), reverse=True)}
            for c in CreditClass.values if c in grouped]


@login_required
@require_POST
def account_open(request):
    try:
        acct = services.account_open_own(actor=request.user)
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("学习账户已开设，账号 %(n)s") % {"n": acct.number})
    return redirect("creditbank:me")


# --- transcripts -----------------------------------------------------------------------------------------

@login_required
def transcript(request):
    """The live transcript; POST issues one (frozen, with a verification QR code) and downloads its PDF."""
    acct = selectors.account_of(request.user)
    if acct is None:
        return _no_account(request, "creditbank/learner/transcript.html")
    if request.method == "POST":
        try:
            # The issued document is Chinese whatever language the page is in: what it states is frozen.
            with translation.override("zh-hans"):
                issued = services.transcript_issue(actor=request.user, account=acct)
        except DomainError as exc:
            flash_domain_errors(request, exc)
            return redirect("creditbank:me_transcript")
        return _pdf_response(request, issued)
    content = selectors.transcript_get(actor=request.user, account=acct)
    return render_page(request, "creditbank/learner/transcript.html", {
        "account": acct, "content": content, "balances": content_balances(content),
        "issued": selectors.transcript_list(actor=request.user, account=acct)[:20],
    })


@login_required
def transcript_download(request, token: str):
    """An issued transcript again, as the PDF it was (its owner only)."""
    acct = selectors.account_of(request.user)
    issued = (selectors.transcript_list(actor=request.user, account=acct).filter(token=token).first()
              if acct is not None else None)
    if issued is None:
        raise NotFound(_("未找到该学习成果证明"))
    return _pdf_response(request, issued)


@login_required
@require_POST
def transcript_withdraw(request, token: str):
    """Withdraw one of my issued transcripts: its verification page then says it no longer holds."""
    try:
        withdrawn = services.transcript_withdraw(actor=request.user, token=token, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("证明 %(t)s 已撤回：核验页将显示它不再有效。") % {"t": withdrawn.token})
    return redirect("creditbank:me_transcript")


def _verify_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("creditbank:verify", args=[token]))


def _pdf_response(request, issued) -> HttpResponse:
    body = transcript_pdf(issued, verify_url=_verify_url(request, issued.token))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"学习成果证明-{issued.content.get('account', '')}-{timezone.localtime(issued.issued_at):%Y%m%d}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- public verification ------------------------------------------------------------------------------------

def _token_from(text: str) -> str:
    """What a visitor types: the token, or the whole verification URL copied from the QR code."""
    text = (text or "").strip()
    found = re.search(r"/verify/([^/?#\s]+)", text)
    return found[1] if found else text


def verify_form(request):
    token = _token_from(request.GET.get("token", ""))
    error = None
    if "token" in request.GET:
        if TOKEN_RE.fullmatch(token):
            return redirect("creditbank:verify", token=token)
        error = _("请输入证明上印的证明编号（字母、数字、- 和 _），或扫描证明上的二维码")
    response = render_page(request, "creditbank/verify.html", {"token": token, "error": error},
                           status=400 if error else 200)
    response["X-Robots-Tag"] = "noindex"
    return response


def verify(request, token: str):
    """Public, no sign-in: what the document states (only what it states) and whether it still holds."""
    try:
        found = selectors.transcript_verify(token)
    except NotFound:
        response = render_page(request, "creditbank/verify.html", {"token": token, "not_found": True}, status=404)
    else:
        content = found.transcript.content
        response = render_page(request, "creditbank/verify.html", {
            "token": token, "verification": found, "transcript": found.transcript, "content": content,
            "balances": content_balances(content), "issued_at": timezone.localtime(found.transcript.issued_at)})
    response["X-Robots-Tag"] = "noindex"
    return response


# --- declarations ----------------------------------------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        cleaned = []
        for f in files:
            cleaned.append(super().clean(f, initial))
        return cleaned


class DeclarationForm(forms.Form):
    """Widgets and labels: the input schema (creditbank.inputs.DeclarationIn) reads the values, and
    `services.declaration_submit` checks the standard, the date and the files; both errors land beside the fields."""

    standard = forms.ChoiceField(label=gettext_lazy("申请认定的标准"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("成果类型"), choices=DeclarationKind.choices, required=False)
    title = forms.CharField(label=gettext_lazy("成果名称"), required=False)
    issuer = forms.CharField(label=gettext_lazy("发证或培训单位"), required=False)
    date = forms.CharField(label=gettext_lazy("取得日期"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.CharField(label=gettext_lazy("学时"), required=False, initial="0",
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    score = forms.CharField(label=gettext_lazy("成绩（百分制，没有可不填）"), required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label=gettext_lazy("说明"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}))
    evidence = MultipleFileField(label=gettext_lazy("证明材料（PDF、JPG 或 PNG，可多选，每份不超过 10 MB）"),
                                 required=False)

    def __init__(self, *args, standards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].choices = [("", "—")] + [
            (v.standard.code, _("%(code)s %(name)s（%(credit_class)s，%(credits)s 学分）") % {
                "code": v.standard.code, "name": v.name, "credit_class": v.get_credit_class_display(),
                "credits": v.credits}) for v in standards]


@login_required
def declarations(request):
    """My declarations with the reviewer's reason, and the form to declare an outcome with evidence."""
    standards = selectors.standard_list(actor=request.user).filter(status=VersionStatus.ACTIVE)
    status = 200
    if request.method == "POST":
        form = DeclarationForm(request.POST, request.FILES, standards=standards)
        if not upload_refused(form, request, "evidence") and form.is_valid():
            data = form.cleaned_data
            try:
                # Each refused by its size before it is read (never more than a byte past the limit).
                files = [(f.name, uploads.upload_read(f, limit=services.evidence_max_bytes(), zip_limits=False))
                         for f in data["evidence"]]
                try:
                    declared = parse(DeclarationIn, {**data, "standard_code": data["standard"], "evidence": []})
                except DomainError as exc:  # the files' errors too, all at once
                    raise DomainError({**services.evidence_errors(files), **exc.errors}) from None
                declaration = services.declaration_submit(actor=request.user, data=declared, files=files)
            except DomainError as exc:
                add_domain_errors(form, exc, aliases={"file": "evidence", "standard_code": "standard"})
            else:
                messages.success(request, _("已提交申报「%(t)s」，请等待审核") % {"t": declaration.title})
                return redirect("creditbank:me_declarations")
        status = 400
    else:
        form = DeclarationForm(standards=standards)
    return render_page(request, "creditbank/learner/declarations.html", {
        "form": form, "has_profile": _has_profile(request.user),
        "declarations": selectors.declaration_list_mine(actor=request.user),
    }, status=status)


@login_required
def evidence_download(request, pk: int, eid: int):
    """A declaration's evidence file, for its learner or a reviewer of the learner's city."""
    declaration = selectors.declaration_get(actor=request.user, pk=pk)  # neither its learner nor a reviewer: 404
    evidence = declaration.evidence.filter(pk=eid).first()
    if evidence is None:
        raise NotFound(_("未找到该证明材料"))
    response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


# --- conversions ---------------------------------------------------------------------------------------------

@login_required
def conversions(request):
    """Active rules with my outcomes each can convert (a checkbox each), and my applications."""
    acct = selectors.account_of(request.user)
    if acct is None:
        return _no_account(request, "creditbank/learner/conversions.html")
    errors: dict[str, list[str]] = {}
    chosen: dict[str, set[int]] = {}
    status = 200
    if request.method == "POST":
        code = request.POST.get("rule", "")
        rule = selectors.rule_get(actor=request.user, code=code)
        ids = [i for i in request.POST.getlist("outcome") if i.isdigit()]  # the boxes to tick again if refused
        try:
            data = parse(ConversionIn, {"rule_code": code, "outcome_ids": request.POST.getlist("outcome")})
            conversion = services.conversion_apply(actor=request.user, rule=rule, outcome_ids=data.outcome_ids)
        except DomainError as exc:
            errors[rule.code] = [m for ms in exc.errors.values() for m in ms]
            chosen[rule.code] = {int(i) for i in ids}
            status = 400
        else:
            messages.success(request, _("已提交转换申请（%(n)s 学分），请等待 %(inst)s 审批") % {
                "n": conversion.credits_out, "inst": rule.target_institution.name})
            return redirect("creditbank:me_conversions")
    mine = selectors.outcomes(acct)
    rules = [{"rule": r, "outcomes": selectors.convertible_outcomes(account=acct, rule=r, among=mine),
              "errors": errors.get(r.code, []), "chosen": chosen.get(r.code, set())}
             for r in selectors.rule_list(actor=request.user, status="active")]
    rules.sort(key=lambda item: (not item["outcomes"], item["rule"].code))
    return render_page(request, "creditbank/learner/conversions.html", {
        "account": acct, "rules": rules, "today": timezone.localdate(),
        "applications": selectors.conversion_list_mine(actor=request.user),
    }, status=status)
