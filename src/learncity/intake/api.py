"""The intake JSON API under /api/intake: parse → service or selector → schema out.

Besides the personal tokens and the session, these routes take an institution's provider key
(`Authorization: Bearer lcp_…`, see `keys`): an upload made with it is that institution's, and only its. A revoked
or expired key is answered 401; another institution's job, asked for with a key, 404.

- POST /jobs          an upload: a multipart form with the file in the field `file`, or a JSON Lines body
                      (`Content-Type: application/x-ndjson`, one JSON object a line, keyed by the template's
                      columns); `institution_code` (required with a personal token or the session, optional with a
                      key) and `mode` (all | valid) as query parameters or form fields. Answered 201 with the queued
                      job; the background worker runs it. The body is streamed to disk, never held whole.
- GET  /jobs, /jobs/{id}, /jobs/{id}/report.xlsx, /template.xlsx, /template.csv
- GET/POST /keys, POST /keys/{id}/revoke   for people (a token or the session), not for keys.
"""

import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.security import HttpBearer

from learncity.core import uploads
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.signin import PROVIDER_KEY, token_signin
from learncity.intake import keys, selectors, services
from learncity.intake.models import ImportJob, JobMode, JobSource, JobStatus, ProviderKey

router = Router(tags=["intake"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONL_TYPES = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines"}


class ProviderKeyAuth(HttpBearer):
    """`Authorization: Bearer lcp_…`: the key of an institution. `request.auth` is the ProviderKey; the request has
    no user. Any other bearer token is left to the personal-token auth that follows this one."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token.startswith(keys.KEY_PREFIX):
            return None
        # Throttled like a sign-in: failed keys from one address lock it out for a while (429).
        return token_signin(request, token, keys.provider_key_authenticate, account=PROVIDER_KEY)


def _key(request) -> ProviderKey | None:
    return request.auth if isinstance(request.auth, ProviderKey) else None


def _actor(request):
    """The person behind the request (None for a provider key)."""
    return None if _key(request) else request.auth


def _people_only(request):
    if _key(request):
        raise PermissionDenied(gettext("接口密钥只能用于报送数据；管理密钥请使用个人令牌或登录后操作"))
    return request.auth


# --- schemas -----------------------------------------------------------------------------------------------------

class JobOut(Schema):
    id: int
    institution_code: str
    institution_name: str
    filename: str
    file_format: str
    size: int
    source: str
    mode: str
    status: str
    status_label: str
    stage: str
    rows_total: int
    rows_done: int
    progress: float  # 0–1: rows_done / rows_total (1 once done)
    rows_new: int
    rows_duplicate: int
    rows_changed: int
    rows_invalid: int
    recognised: int
    encoding: str
    message: str
    has_report: bool
    report_url: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code

    @staticmethod
    def resolve_institution_name(obj):
        return obj.institution.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_progress(obj):
        if obj.status == JobStatus.DONE:
            return 1.0
        return round(min(obj.rows_done / obj.rows_total, 1.0), 4) if obj.rows_total else 0.0

    @staticmethod
    def resolve_report_url(obj):
        return f"/api/intake/jobs/{obj.pk}/report.xlsx" if obj.has_report else None


class KeyOut(Schema):
    id: int
    institution_code: str
    name: str
    prefix: str
    status: str  # active, revoked, expired
    created_at: datetime.datetime
    created_by: str | None
    expires_at: datetime.datetime | None
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code

    @staticmethod
    def resolve_status(obj):
        return keys.provider_key_status(obj)

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by.username if obj.created_by_id else None


class KeyCreatedOut(KeyOut):
    key: str  # shown this once; only its SHA-256 is kept


class KeyIn(Schema):
    institution_code: str
    name: str
    days: int | None = 365


# --- jobs --------------------------------------------------------------------------------------------------------

def _content_type(request) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


class _Body:
    """The request body as the file `job_submit` streams to disk; `size` is the length the client declared, so an
    upload over the limit is refused before a byte of it is read."""

    def __init__(self, request, size: int | None):
        self.request, self.size = request, size

    def read(self, n: int = -1) -> bytes:
        return self.request.read(n)


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "") or None
    except ValueError:
        return None


MULTIPART_SLACK = 64 * 1024  # a form's boundaries and other fields, beside the file


@router.post("/jobs", response={201: JobOut}, openapi_extra={"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "xlsx or CSV"},
        "institution_code": {"type": "string"}, "mode": {"type": "string", "enum": ["all", "valid"]}}}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines: one object a line, keyed by "
                                        "external_id, id_number, name, kind, course_code, course_kind, title, "
                                        "hours, score, date"}}}}})
def job_submit(request, institution_code: str = "", mode: str = "", filename: str = ""):
    """Upload learning records: a file (multipart, field `file`: xlsx or CSV) or JSON Lines
    (`Content-Type: application/x-ndjson`). The job is queued and runs in the background: follow it at
    GET /jobs/{id}. With a provider key, the institution is the key's."""
    kind = _content_type(request)
    key = _key(request)
    actor = _actor(request)
    own = key.institution.code if key is not None else ""
    declared = _declared_length(request)
    if kind == "multipart/form-data" and declared is not None and (
            declared > settings.LEARNCITY_INTAKE_MAX_BYTES + MULTIPART_SLACK):
        # Refused by its declared length before the form is parsed, whatever fields it carries (an institution_code
        # among them is not read). A smaller body whose file passes the limit is stopped as it arrives (core.uploads).
        raise uploads.request_too_big(declared, limit=settings.LEARNCITY_INTAKE_MAX_BYTES)
    if kind == "multipart/form-data":
        file = uploads.request_files(request).get("file")
        institution_code = institution_code or request.POST.get("institution_code", "")
        mode = mode or request.POST.get("mode", "")
        if file is None:
            raise DomainError({"file": gettext("请在表单字段 file 中上传文件（xlsx 或 CSV）")})
        data, filename = file, file.name
    elif kind in JSONL_TYPES:
        filename = filename or "records.jsonl"
        if not filename.lower().endswith((".jsonl", ".ndjson")):
            filename += ".jsonl"
    else:
        raise DomainError({"content_type": gettext("不支持的内容类型「%(v)s」：请用 multipart/form-data 上传文件，或用 application/x-ndjson 上传 JSON Lines") % {"v": kind or gettext("未指定")}})
    if kind in JSONL_TYPES:
        data = _Body(request, declared)  # streamed from the request to disk
    institution_code = institution_code or own
    if not institution_code:
        raise DomainError({"institution_code": gettext("请用 institution_code 指明报送机构的机构代码")})
    return services.job_submit(actor=actor, institution_code=institution_code, filename=filename, data=data,
                               mode=mode or JobMode.ALL_OR_NOTHING, source=JobSource.API, provider_key=key)


def _job(request, pk: int) -> ImportJob:
    return selectors.job_get(actor=_actor(request), pk=pk, provider_key=_key(request))


@router.get("/jobs", response=list[JobOut])
@paginate
def job_list(request, institution_code: str | None = None):
    """The uploads of the institutions the caller may see (a key: its institution's), newest first."""
    return (selectors.job_list(actor=_actor(request), institution_code=institution_code, provider_key=_key(request))
            .select_related("institution"))


@router.get("/jobs/{pk}", response=JobOut)
def job_get(request, pk: int):
    """One upload: its status, progress (rows done of rows total) and, once finished, its counts."""
    return _job(request, pk)


@router.get("/jobs/{pk}/report.xlsx", response={200: None})
def job_report(request, pk: int):
    """The error report: each row of the file with its errors beside it (xlsx)."""
    job = _job(request, pk)
    if not job.has_report:
        raise NotFound(gettext("这次上传没有错误报告"))
    response = HttpResponse(services.report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"report-{job.pk}.xlsx")
    return response


@router.get("/template.xlsx", response={200: None})
def template_xlsx(request):
    """The spreadsheet to fill in: the columns (Chinese headers) and an example row."""
    response = HttpResponse(services.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "template.xlsx")
    return response


@router.get("/template.csv", response={200: None})
def template_csv(request):
    """The same as CSV (UTF-8 with BOM)."""
    response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "template.csv")
    return response


# --- provider keys (people only) ---------------------------------------------------------------------------------

@router.get("/keys", response=list[KeyOut])
def key_list(request, institution_code: str | None = None):
    """The keys of the institutions the caller manages (revoked and expired ones too), newest first."""
    return keys.provider_key_list(actor=_people_only(request), institution_code=institution_code)


@router.post("/keys", response={201: KeyCreatedOut})
def key_create(request, payload: KeyIn):
    """A new key of an institution the caller manages. The key is in this answer, and only here."""
    key, raw = keys.provider_key_create(actor=_people_only(request), **payload.dict())
    key.key = raw
    return key


@router.post("/keys/{pk}/revoke", response=KeyOut)
def key_revoke(request, pk: int):
    actor = _people_only(request)
    return keys.provider_key_revoke(actor=actor, key=keys.provider_key_get(actor=actor, pk=pk))
