"""The reviewers', institutions' and administrators' pages of the credit bank under /credits/:

- review/          declarations waiting for review (expert reviewers and city administrators decide; auditors read);
- inbox/           conversion applications to the institutions the user runs (approve or reject, with a reason);
- standards/       the outcome standards; city administrators create, revise, withdraw and accredit providers;
- rules/           conversion rules; institutions draft and submit, expert reviewers review, abolish;
- accounts/bulk/   an institution opens learning accounts from a spreadsheet of 身份证号码, 姓名;
- policy/          the city's credit-bank policy (city administrators).

Every read goes through `selectors`, every write through `services` (which decide who may); the pages parse,
show only the actions the user may take, and present the services' errors."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from learncity.catalog.models import CourseKind, RecordKind
from learncity.core import uploads
from learncity.core.errors import DomainError, FileRejected, NotFound, PermissionDenied
from learncity.core.forms import add_domain_errors, flash_domain_errors
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.core.scopes import Action, Capability, scope_for
from learncity.core.tabular import check_headers, read_table
from learncity.creditbank import selectors, services
from learncity.creditbank.inputs import AbolishIn, PolicyIn, RuleIn, StandardIn, StandardRevision
from learncity.creditbank.models import (
    ConversionStatus,
    CreditClass,
    DeclarationStatus,
    FrameworkLevel,
    RuleStatus,
    TargetKind,
    VersionStatus,
)
from learncity.network import selectors as network_selectors
from learncity.network.models import Institution
from learncity.places.models import Place, PlaceLevel

LIMIT = 200  # rows a list page shows
BULK_COLUMNS = {"id_number": ("身份证号码", "身份证号", "公民身份号码", "id_number"), "name": ("姓名", "name")}


# --- who the user is (what to show; the services decide what is allowed) --------------------------------------

def _is_city_admin(scope) -> bool:
    return scope.may(Capability.MANAGE_CREDIT_RULES)


def _managed(user):
    """The institutions the user runs (staff: their own; administrators: those in their area)."""
    return Institution.objects.restrict(user, Action.CHANGE).order_by("code")


def _admin_city(request) -> Place:
    """The city a city administrator administers (a superuser: the one named by ?city=, else the first)."""
    scope = scope_for(request.user)
    if not _is_city_admin(scope):
        raise PermissionDenied(_("只有市级管理员（终身教育促进委员会办公室）可以操作"))
    cities = Place.objects.restrict(scope, Action.CHANGE).filter(level=PlaceLevel.CITY).order_by("code")
    city = cities.filter(code=request.GET.get("city") or request.POST.get("city") or "").first() or cities.first()
    if city is None:
        raise PermissionDenied(_("您没有可管理的城市"))
    return city


def _decision(request) -> bool:
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        raise DomainError({"decision": _("请选择通过或不通过")})
    return decision == "approve"


def _messages_of(exc: DomainError) -> list[str]:
    return [m for ms in exc.errors.values() for m in (ms if isinstance(ms, list) else [ms])]


# --- the index --------------------------------------------------------------------------------------------------

@login_required
def staff_home(request):
    """The credit bank's back office: the pages this user may use."""
    scope = scope_for(request.user)
    if not scope.may(Capability.STAFF_AREA):
        raise PermissionDenied(_("学分银行管理页面只对工作人员开放"))
    return render_page(request, "creditbank/staff/home.html", {
        "can_review": scope.may(Capability.READ_REVIEWS),
        "runs_institutions": _managed(request.user).exists(),
        "is_city_admin": _is_city_admin(scope),
    })


# --- declaration review ------------------------------------------------------------------------------------------

@login_required
def review(request):
    """The declaration review queue, oldest first, each with its evidence files."""
    status = request.GET.get("status", DeclarationStatus.SUBMITTED)
    if status not in DeclarationStatus.values:
        status = DeclarationStatus.SUBMITTED
    queue = selectors.review_queue(actor=request.user, status=status)
    return render_page(request, "creditbank/staff/review.html", {
        "declarations": queue[:LIMIT], "total": queue.count(), "status": status, "tabs": DeclarationStatus.choices,
        "can_decide": scope_for(request.user).may(Capability.REVIEW),
    })


def _decide(request, pk: int, *, get, decide, card: tuple[str, str, str], failed, done, back: str, **context):
    """One card's decision, approve or reject with a reason: `decide(obj, approve, reason)` through its service,
    the object read by `get(pk)`. HTMX swaps the card (`card`: template, partial, the object's name in it), 200
    with the error in it (htmx swaps no 4xx answer); a plain form comes back to `back` with `failed(obj, message)`
    for each error, or `done(obj)`."""
    obj, error = get(pk), None
    try:
        obj = decide(obj, _decision(request), request.POST.get("reason", ""))
    except DomainError as exc:
        error = _messages_of(exc)
    if request.htmx:
        template, partial, key = card
        return render_page(request, template, {key: get(pk), "error": error, "reason": request.POST.get("reason"),
                                               **context}, partial=partial)
    if error:
        for m in error:
            messages.error(request, failed(obj, m))
    else:
        messages.success(request, done(obj))
    return redirect(back)


@login_required
@require_POST
def review_decide(request, pk: int):
    """Approve or reject one declaration with a reason. HTMX swaps its card; a plain form comes back to the queue."""
    return _decide(
        request, pk, get=lambda pk: selectors.declaration_get(actor=request.user, pk=pk),
        decide=lambda d, approve, reason: services.declaration_review(actor=request.user, declaration=d,
                                                                      approve=approve, reason=reason),
        card=("creditbank/staff/review.html", "declaration", "d"), can_decide=True,
        failed=lambda d, m: _("%(title)s：%(message)s") % {"title": d.title, "message": m},
        done=lambda d: _("已审核「%(t)s」：%(s)s") % {"t": d.title, "s": d.get_status_display()},
        back="creditbank:review")


# --- conversion applications to my institutions ---------------------------------------------------------------------

def _require_institution(request):
    if not _managed(request.user).exists():
        raise PermissionDenied(_("只有机构工作人员和管理员可以处理学分转换申请"))


@login_required
def inbox(request):
    _require_institution(request)
    status = request.GET.get("status", ConversionStatus.APPLIED)
    if status not in ConversionStatus.values:
        status = ConversionStatus.APPLIED
    items = selectors.conversion_inbox(actor=request.user, status=status)
    return render_page(request, "creditbank/staff/inbox.html", {
        "conversions": items[:LIMIT], "total": items.count(), "status": status, "tabs": ConversionStatus.choices})


@login_required
@require_POST
def inbox_decide(request, pk: int):
    return _decide(
        request, pk, get=lambda pk: selectors.conversion_get(actor=request.user, pk=pk),
        decide=lambda c, approve, reason: services.conversion_decide(actor=request.user, conversion=c,
                                                                     approve=approve, reason=reason),
        card=("creditbank/staff/inbox.html", "conversion", "c"), failed=lambda c, m: m,
        done=lambda c: _("已处理 %(a)s 的转换申请：%(s)s") % {"a": c.account.learner.name,
                                                       "s": c.get_status_display()},
        back="creditbank:inbox")


# --- standards -----------------------------------------------------------------------------------------------------

def _text(label, max_length=300, widget=None):
    """A text's widget only (the browser's maxlength): the input schema checks the length and says what is wrong."""
    widget = widget or forms.TextInput()
    widget.attrs.setdefault("maxlength", max_length)
    return forms.CharField(label=label, required=False, widget=widget)


def _date(label):
    """A date's widget only: the input schema reads the date and says what is wrong."""
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _number(label):
    """A number's widget only: the input schema reads the number and says what is wrong."""
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class StandardForm(forms.Form):
    """Widgets and labels: every value goes to the input schema (creditbank.inputs) as typed, which says what is
    wrong, and then to the services."""

    code = _text(gettext_lazy("标准代码"), 40)
    name = _text(gettext_lazy("名称"), 128)
    credit_class = forms.ChoiceField(label=gettext_lazy("学分类别"), choices=CreditClass.choices)
    level = forms.ChoiceField(label=gettext_lazy("资历等级"))
    credits = _number(gettext_lazy("学分（固定值，或按学时折算时的上限）"))
    hours_per_credit = _number(gettext_lazy("每学分学时（按学时折算时填写）"))
    min_hours = _number(gettext_lazy("最少学时"))
    min_score = _number(gettext_lazy("最低成绩（可选）"))
    evidence = _text(gettext_lazy("所需证明材料"))
    record_kinds = forms.MultipleChoiceField(label=gettext_lazy("自动认定的学习记录类型"), required=False,
                                             choices=RecordKind.choices, widget=forms.CheckboxSelectMultiple)
    course_kinds = forms.MultipleChoiceField(label=gettext_lazy("限于课程类别（不选为不限）"), required=False,
                                             choices=CourseKind.choices, widget=forms.CheckboxSelectMultiple)
    effective_from = _date(gettext_lazy("生效日期"))
    providers = _text(gettext_lazy("认证机构代码（多个用逗号或空格分隔）"), 2000,
                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, revising=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(f.level, str(f)) for f in FrameworkLevel.objects.restrict(None, Action.BROWSE)]
        if revising:  # a version changes what the standard says; its code and providers stay
            del self.fields["code"], self.fields["providers"], self.fields["effective_from"]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        if "providers" in data:
            data["providers"] = data["providers"].replace("，", ",").replace(",", " ").split()
        return data


def _version_initial(version) -> dict:
    return {"name": version.name, "credit_class": version.credit_class, "level": version.level.level,
            "credits": version.credits, "hours_per_credit": version.hours_per_credit or "",
            "min_hours": version.min_hours, "min_score": "" if version.min_score is None else version.min_score,
            "evidence": version.evidence, "record_kinds": [k for k in version.record_kinds.split(",") if k],
            "course_kinds": [k for k in version.course_kinds.split(",") if k]}


@login_required
def standards(request):
    """Every standard's current version; filter by name or code and class (HTMX swaps the rows)."""
    q, credit_class = request.GET.get("q", "").strip(), request.GET.get("credit_class", "")
    if credit_class not in CreditClass.values:
        credit_class = ""
    rows = selectors.standard_list(actor=request.user, q=q, credit_class=credit_class)
    return render_page(request, "creditbank/staff/standards.html", {
        "versions": rows[:LIMIT], "q": q, "credit_class": credit_class, "classes": CreditClass.choices,
        "is_city_admin": _is_city_admin(scope_for(request.user))}, partial="rows")


@login_required
def standard_new(request):
    city = _admin_city(request)
    form = StandardForm(request.POST or None, initial={"min_hours": "0"})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.standard_create(actor=request.user, city=city, data=parse(StandardIn, form.values()))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已创建认证标准「%(c)s」") % {"c": version.standard.code})
            return redirect("creditbank:standard", code=version.standard.code)
    return render_page(request, "creditbank/staff/standard_form.html", {"form": form, "city": city},
                       status=400 if form.errors else 200)


def _standard_page(request, standard, *, revise_form=None, status=200):
    scope = scope_for(request.user)
    versions = list(standard.versions.select_related("level", "created_by").order_by("-version"))
    current = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    if revise_form is None and current is not None:
        revise_form = StandardForm(initial=_version_initial(current), revising=True)
    return render_page(request, "creditbank/staff/standard.html", {
        "standard": standard, "versions": versions, "current": current,
        "providers": standard.accreditations.filter(revoked_at__isnull=True).select_related("institution")
        .order_by("institution__code"),
        "is_city_admin": _is_city_admin(scope), "revise_form": revise_form,
        # The accreditation form's picker: the active institutions the admin may see, by name (no typed codes).
        "institutions": Institution.objects.restrict(scope, Action.VIEW).filter(is_active=True)
        .select_related("place").order_by("code")[:3000] if _is_city_admin(scope) else [],
    }, status=status)


@login_required
def standard_detail(request, code: str):
    return _standard_page(request, selectors.standard_get(code))


@login_required
@require_POST
def standard_revise(request, code: str):
    standard = selectors.standard_get(code)
    form = StandardForm(request.POST, revising=True)
    if form.is_valid():
        try:
            version = services.standard_revise(actor=request.user, standard=standard,
                                               data=parse(StandardRevision, form.values()))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已发布「%(c)s」第 %(v)s 版") % {"c": standard.code, "v": version.version})
            return redirect("creditbank:standard", code=standard.code)
    return _standard_page(request, standard, revise_form=form, status=400)


@login_required
@require_POST
def standard_withdraw(request, code: str):
    standard = selectors.standard_get(code)
    try:
        services.standard_withdraw(actor=request.user, standard=standard, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("已撤销认证标准「%(c)s」") % {"c": standard.code})
    return redirect("creditbank:standard", code=standard.code)


@login_required
@require_POST
def standard_accredit(request, code: str):
    standard = selectors.standard_get(code)
    if not _is_city_admin(scope_for(request.user)):
        raise PermissionDenied(_("只有市级管理员（终身教育促进委员会办公室）可以认证机构"))
    try:
        try:
            institution = network_selectors.institution_get(actor=request.user,
                                                            code=request.POST.get("institution_code", "").strip())
        except NotFound:  # a mistyped code is an input error here
            raise DomainError({"institution": _("未找到机构「%(c)s」") % {
                "c": request.POST.get("institution_code", "")}}) from None
        services.accreditation_grant(actor=request.user, standard=standard, institution=institution)
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("已认证 %(i)s 为「%(c)s」的认证机构") % {"i": institution.name, "c": standard.code})
    return redirect("creditbank:standard", code=standard.code)


# --- conversion rules ----------------------------------------------------------------------------------------------

class RuleForm(forms.Form):
    code = _text(gettext_lazy("规则代码"), 40)
    name = _text(gettext_lazy("名称"), 200)
    source_codes = forms.MultipleChoiceField(label=gettext_lazy("来源标准"), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    target_institution_code = forms.ChoiceField(label=gettext_lazy("目标机构"))
    target_kind = forms.ChoiceField(label=gettext_lazy("目标类型"), choices=TargetKind.choices)
    target_name = _text(gettext_lazy("目标专业、课程或证书"), 128)
    target_class = forms.ChoiceField(label=gettext_lazy("转换后的学分类别"), choices=CreditClass.choices)
    ratio = _number(gettext_lazy("转换比例（如 0.5）"))
    cap_per_learner = _number(gettext_lazy("每人上限（学分）"))
    min_score = _number(gettext_lazy("最低成绩（可选）"))
    effective_from = _date(gettext_lazy("生效日期"))
    abolished_on = _date(gettext_lazy("废止日期（可选）"))

    def __init__(self, *args, institutions=(), standards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_institution_code"].choices = [(i.code, i.name) for i in institutions]
        self.fields["source_codes"].choices = [(v.standard.code, f"{v.standard.code} {v.name}") for v in standards]


@login_required
def rules(request):
    """Conversion rules the user may see, each with the actions the user may take on it."""
    scope = scope_for(request.user)
    status = request.GET.get("status", "")
    if status not in RuleStatus.values:
        status = ""
    managed = set(_managed(request.user).values_list("pk", flat=True))
    rows = [{"rule": r, "can_submit": r.status == RuleStatus.DRAFT and r.target_institution_id in managed,
             "can_review": r.status == RuleStatus.REVIEW and scope.may(Capability.REVIEW),
             "can_abolish": r.status != RuleStatus.ABOLISHED and (r.target_institution_id in managed
                                                                  or _is_city_admin(scope))}
            for r in selectors.rule_list(actor=request.user, status=status)[:LIMIT]]
    return render_page(request, "creditbank/staff/rules.html", {
        "rows": rows, "status": status, "statuses": RuleStatus.choices, "can_draft": bool(managed)})


@login_required
def rule_new(request):
    institutions = list(_managed(request.user)[:500])
    if not institutions:
        raise PermissionDenied(_("只有机构工作人员和管理员可以制定转换规则"))
    standards = selectors.standard_list(actor=request.user).filter(status=VersionStatus.ACTIVE)
    form = RuleForm(request.POST or None, institutions=institutions, standards=standards)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(actor=request.user, data=parse(RuleIn, form.cleaned_data))
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"sources": "source_codes",
                                                  "target_institution": "target_institution_code"})
        else:
            messages.success(request, _("已起草转换规则「%(c)s」，提交专家评审后生效") % {"c": rule.code})
            return redirect("creditbank:rules")
    return render_page(request, "creditbank/staff/rule_form.html", {"form": form},
                       status=400 if form.errors else 200)


@login_required
@require_POST
def rule_act(request, code: str, action: str):
    """Submit a draft, review one (approve or send back, with a note), or abolish a rule."""
    rule = selectors.rule_get(actor=request.user, code=code)
    try:
        if action == "submit":
            rule = services.rule_submit(actor=request.user, rule=rule)
        elif action == "review":
            rule = services.rule_review(actor=request.user, rule=rule, approve=_decision(request),
                                        note=request.POST.get("note", ""))
        else:
            rule = services.rule_abolish(actor=request.user, rule=rule, on=parse(AbolishIn, request.POST).on)
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, _("转换规则「%(c)s」：%(s)s") % {"c": rule.code, "s": rule.get_status_display()})
    return redirect("creditbank:rules")


# --- opening accounts in bulk --------------------------------------------------------------------------------------

@login_required
def accounts_bulk(request):
    """An institution uploads 身份证号码, 姓名 (xlsx or CSV): all accounts are opened, or none, with each row's error."""
    institutions = list(_managed(request.user)[:500])
    if not institutions:
        raise PermissionDenied(_("只有机构工作人员和管理员可以批量开户"))
    result = errors = rejected = None
    chosen = request.POST.get("institution_code") or institutions[0].code
    if request.method == "POST":
        try:
            upload = uploads.request_files(request).get("file")
            if upload is None:
                raise FileRejected(_("请选择要上传的文件"))
            table = read_table(uploads.upload_read(upload), upload.name)
            cols = check_headers(table, required=BULK_COLUMNS)
            people = [(row, _cell(cells, cols["id_number"]), _cell(cells, cols["name"])) for row, cells in table.rows]
            result = services.accounts_open_bulk(actor=request.user, institution_code=chosen, people=people)
        except FileRejected as exc:
            rejected = exc
        except DomainError as exc:
            errors = dict(sorted(exc.errors.items(), key=lambda item: _row_number(item[0])))  # in the file's order
    return render_page(request, "creditbank/staff/accounts_bulk.html", {
        "institutions": institutions, "chosen": chosen, "result": result, "errors": errors, "rejected": rejected},
        status=400 if errors or rejected else 200)


def _row_number(where: str) -> int:
    found = re.search(r"\d+", where)
    return int(found[0]) if found else 0


def _cell(cells: list, index: int) -> str:
    value = cells[index] if index < len(cells) else None
    return "" if value is None else str(value).strip()


# --- the city's policy ----------------------------------------------------------------------------------------------

class PolicyForm(forms.Form):
    culture_never_academic = forms.BooleanField(label=gettext_lazy("文化休闲类学分不得转换为学历教育学分"), required=False)
    source_once_per_target = forms.BooleanField(label=gettext_lazy("同一成果对同一目标专业只能使用一次"), required=False)
    points_per_hour = _number(gettext_lazy("每学时积分"))
    points_per_credit = _number(gettext_lazy("每学分积分"))
    star_min_points = _number(gettext_lazy("终身学习之星：积分不少于"))
    star_min_hours_year = _number(gettext_lazy("终身学习之星：当年学时不少于"))
    star_min_credits = _number(gettext_lazy("终身学习之星：累计学分不少于"))


POLICY_FIELDS = list(PolicyForm.base_fields)


@login_required
def policy(request):
    city = _admin_city(request)
    current = services.policy_for(city)
    form = PolicyForm(request.POST or None, initial={f: getattr(current, f) for f in POLICY_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, city=city, data=parse(PolicyIn, form.cleaned_data))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("已保存%(c)s的学分银行政策") % {"c": city.name})
            return redirect(f"{request.path}?city={city.code}")
    return render_page(request, "creditbank/staff/policy.html", {"form": form, "city": city, "policy": current},
                       status=400 if form.errors else 200)
