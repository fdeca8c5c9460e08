"""The data-intake pages under /intake/, for institution staff and the administrators over them:

- ""                 upload a file of learning records (xlsx or CSV) for an institution, all-or-nothing or accepting
                     the valid rows; the templates (xlsx, CSV) to fill in;
- jobs/              the upload history, per institution;
- jobs/<pk>/         one upload: its progress, refreshed by HTMX every second while it is queued or running (stage,
                     rows done of rows total), then the counts, the encoding the file was read in, the error report;
- keys/              the institutions' provider API keys: create (the key is shown once), list, revoke.

Reads go through `selectors` and `keys`, writes through `services` and `keys` (which decide who may); the pages
parse, show only what the user may do, and present the services' errors. No worker runs inside a request: an
upload becomes a queued job that the background worker (`learncity serve` starts one) takes up.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.forms import add_domain_errors, upload_refused
from learncity.core.htmx import render_page
from learncity.core.scopes import Action, Capability, scope_for
from learncity.intake import keys, selectors, services
from learncity.intake.inputs import MAX_DAYS
from learncity.intake.models import JobMode, JobSource, JobStatus
from learncity.intake.pipeline import ENCODING_LABELS
from learncity.network.models import Institution

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 200  # rows a list page shows
KEY_STATUS = {"active": gettext_lazy("有效"), "revoked": gettext_lazy("已吊销"), "expired": gettext_lazy("已过期")}


def _managed_or_refuse(request) -> list[Institution]:
    """The institutions the user uploads for and whose keys they manage (staff: their own; administrators: those
    in their area); PermissionDenied when there is none."""
    institutions = list(Institution.objects.restrict(request.user, Action.CHANGE).order_by("code")[:500])
    if not institutions:
        raise PermissionDenied(_("只有机构工作人员和管理员可以报送学习记录"))
    return institutions


def _staff_only(request) -> None:
    if not scope_for(request.user).may(Capability.STAFF_AREA):
        raise PermissionDenied(_("数据报送页面只对工作人员开放"))


def _choices(institutions) -> list[tuple[str, str]]:
    return [(i.code, _("%(name)s（%(code)s）") % {"name": i.name, "code": i.code}) for i in institutions]


# --- upload ----------------------------------------------------------------------------------------------------

class UploadForm(forms.Form):
    institution_code = forms.ChoiceField(label=gettext_lazy("报送机构"))
    mode = forms.ChoiceField(label=gettext_lazy("有错误的行怎么办"), choices=JobMode.choices,
                             initial=JobMode.ALL_OR_NOTHING, widget=forms.RadioSelect(attrs={"style": "width:auto"}))
    file = forms.FileField(label=gettext_lazy("学习记录文件（xlsx 或 CSV）"),
                           error_messages={"required": gettext_lazy("请选择要上传的文件"),
                                           "empty": gettext_lazy("文件是空的")})

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = _choices(institutions)
        if len(institutions) == 1:
            self.fields["institution_code"].initial = institutions[0].code
            self.fields["institution_code"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"


@login_required
def upload(request):
    """Upload a file: it is saved and queued at once, and the job page follows its progress."""
    institutions = _managed_or_refuse(request)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None, institutions=institutions)
    if posted and not upload_refused(form, request) and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.job_submit(actor=request.user, institution_code=data["institution_code"],
                                      filename=data["file"].name, data=data["file"], mode=data["mode"],
                                      source=JobSource.PAGE)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases={"data": "file", "filename": "file", "__all__": "file"})
        else:
            messages.success(request, _("已收到文件「%(name)s」，正在排队处理") % {"name": job.filename})
            return redirect("intake:job", pk=job.pk)
    return render_page(request, "intake/upload.html", {
        "form": form, "institutions": institutions, "single": institutions[0] if len(institutions) == 1 else None,
        "max_mb": _max_mb()}, status=400 if form.errors else 200)


def _max_mb() -> int:
    return settings.LEARNCITY_INTAKE_MAX_BYTES // (1024 * 1024)


# --- jobs --------------------------------------------------------------------------------------------------------

@login_required
def job_detail(request, pk: int):
    """One upload. While it is queued or running, the progress part asks for itself again every second (HTMX);
    once the job has finished, the answer no longer asks, and the polling stops."""
    job = selectors.job_get(actor=request.user, pk=pk)
    return render_page(request, "intake/job.html", {
        "job": job, "polling": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "stage": services.STAGES.get(job.stage, job.stage),
        "encoding": ENCODING_LABELS.get(job.encoding, job.encoding),
        "percent": _percent(job), "finished": job.status in (JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED),
        "failed": selectors.job_failed_rows(actor=request.user, job=job) if job.status in (JobStatus.DONE, JobStatus.REJECTED) else None,
    }, partial="progress")


def _percent(job) -> int:
    if job.status == JobStatus.DONE:
        return 100
    if job.records_first is not None and job.rows_new:  # past the records' commit: their recognition
        return min(100, job.recognised * 100 // job.rows_new)
    if not job.rows_total:
        return 0
    return min(100, job.rows_done * 100 // job.rows_total)


@login_required
def job_list(request):
    """The upload history of the institutions the user may see, newest first; one institution's with ?institution=."""
    _staff_only(request)
    code = request.GET.get("institution") or None
    jobs = selectors.job_list(actor=request.user, institution_code=code).select_related("institution")
    managed = Institution.objects.restrict(request.user, Action.CHANGE).order_by("code")
    return render_page(request, "intake/jobs.html", {
        "jobs": jobs[:LIMIT], "institutions": managed[:500], "chosen": code, "can_upload": managed.exists()})


@login_required
def job_report(request, pk: int):
    """The error report: the file's rows with each row's errors beside it (xlsx)."""
    job = selectors.job_get(actor=request.user, pk=pk)
    if not job.has_report:
        raise NotFound(_("这次上传没有错误报告"))
    response = HttpResponse(services.report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{_('错误报告')}-{job.pk}.xlsx")
    return response


@login_required
def template_download(request, fmt: str):
    """The file to fill in: the columns in Chinese and an example row (xlsx, or CSV in UTF-8 with BOM)."""
    _staff_only(request)
    if fmt == "xlsx":
        response = HttpResponse(services.template_xlsx(), content_type=XLSX)
    else:
        response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{_('学习记录模板')}.{fmt}")
    return response


# --- provider API keys -------------------------------------------------------------------------------------------

class KeyForm(forms.Form):
    institution_code = forms.ChoiceField(label=gettext_lazy("机构"))
    name = forms.CharField(label=gettext_lazy("名称（用在哪个系统）"), max_length=64,
                           error_messages={"required": gettext_lazy("请填写密钥名称")})
    days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1, max_value=MAX_DAYS, initial=365)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = _choices(institutions)
        if len(institutions) == 1:
            self.fields["institution_code"].initial = institutions[0].code
            self.fields["institution_code"].widget = forms.HiddenInput()


@login_required
def key_list(request):
    """The keys of the institutions the user manages, and a form for a new one. A new key is shown on the answer
    to its creation, once, and never again (only its hash is kept)."""
    institutions = _managed_or_refuse(request)
    form = KeyForm(request.POST or None, institutions=institutions)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw = keys.provider_key_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            form = KeyForm(institutions=institutions)
    code = request.GET.get("institution") or None
    rows = list(keys.provider_key_list(actor=request.user, institution_code=code)[:LIMIT])
    for k in rows:
        k.status = keys.provider_key_status(k)
        k.status_label = KEY_STATUS[k.status]
    response = render_page(request, "intake/keys.html", {
        "form": form, "rows": rows, "created": created, "raw": raw, "institutions": institutions, "chosen": code,
        "single": institutions[0] if len(institutions) == 1 else None}, status=400 if form.errors else 200)
    if raw:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request, pk: int):
    key = keys.provider_key_get(actor=request.user, pk=pk)
    keys.provider_key_revoke(actor=request.user, key=key)
    messages.success(request, _("已吊销密钥「%(name)s」（%(prefix)s），使用它的系统将无法再上传") % {
        "name": key.name, "prefix": key.prefix})
    return redirect("intake:keys")
