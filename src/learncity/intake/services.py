"""Provider uploads of learning records: submit a file (saved, queued: `job_submit`), templates to fill in, the
report of every row with its errors beside it, and the purge of what only the reports need. A job is run by
`jobs.job_run` (re-exported here), from the background task or the import command.

Exactly once: every record carries the provider's own record id; a row whose id the provider sent before creates
nothing (duplicate, or changed — reported, never overwritten: a recognised record is corrected by reversing it).
Memory stays flat: the upload is streamed to disk and the file is streamed from it, a chunk of rows at a time.
"""

import datetime
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.core import documents, uploads
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, FileRejected, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import Action
from learncity.intake import keys, pipeline, tasks
from learncity.intake.inputs import UploadInput
from learncity.intake.jobs import intake_dir, job_file
from learncity.intake.jobs import job_run as job_run  # (callers and tests run a job as services.job_run)
from learncity.intake.models import ImportJob, JobMode, JobSource, JobStatus, ProviderKey, StagedRow
from learncity.network.models import Institution

COLUMNS = pipeline.COLUMNS
FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# What a job is doing (ImportJob.stage), for the progress shown on its page and in the CLI.
STAGES = {
    "parse": gettext_lazy("逐行读取与检查"),
    "validate": gettext_lazy("核对居民、课程与重复"),
    "dedup": gettext_lazy("与此前报送的记录查重"),
    "write": gettext_lazy("写入学习记录"),
    "recognise": gettext_lazy("认定学习成果"),
}
# The result of each row, in the report.
OUTCOME_LABELS = {"new": gettext_lazy("新增"), "duplicate": gettext_lazy("重复（此前已接收，未重复入账）"),
                  "changed": gettext_lazy("内容有变化（未覆盖）"), "invalid": gettext_lazy("有错误，未接收"),
                  "rejected": gettext_lazy("正确，但整个文件未接收")}
CHANGED_NOTE = gettext_lazy(
    "该记录编号此前已接收，本次内容不同：未覆盖原记录。已接收的记录（可能已认定学分）不能修改；如需更正，"
    "请联系学分银行撤销（冲正）原记录后，以新的记录编号重新报送")


# --- submit ----------------------------------------------------------------------------------------------------------

def _format_of(filename: str, head: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xls", ".et", ".wps"):
        raise FileRejected(_("不支持旧版 Excel（.xls）文件：请在 Excel 或 WPS 中另存为 xlsx 后上传"))
    fmt = FORMATS.get(suffix)
    if fmt is None and suffix not in ("", ".json"):
        raise FileRejected(_("不支持的文件类型「%(s)s」：请上传 xlsx、CSV 或 JSON Lines 文件") % {"s": suffix})
    if fmt is None:
        fmt = "xlsx" if head.startswith(b"PK\x03\x04") else "jsonl" if head.lstrip()[:1] == b"{" else "csv"
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        raise FileRejected(_("「%(f)s」不是有效的 xlsx 文件：请用 Excel 或 WPS 另存为 xlsx 后重新上传") % {"f": filename})
    return fmt


def _too_big(size: int, limit: int) -> FileRejected:
    return uploads.request_too_big(size, limit=limit)  # the intake API refuses by Content-Length with it too


def _save_upload(data, limit: int) -> tuple[Path, int, str, bytes]:
    """Stream the upload to a new file under the intake folder, refusing it as soon as it passes the limit.
    Returns (path, size, sha256, first bytes)."""
    declared = len(data) if isinstance(data, (bytes, bytearray, memoryview)) else getattr(data, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_big(declared, limit)  # refused before a byte is read
    incoming = intake_dir() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"{secrets.token_hex(8)}.part"
    digest, size, head = hashlib.sha256(), 0, b""
    if isinstance(data, (bytes, bytearray, memoryview)):
        blocks = (bytes(data[i:i + (1 << 20)]) for i in range(0, len(data), 1 << 20))
    elif hasattr(data, "chunks"):
        blocks = data.chunks(1 << 20)
    else:
        blocks = iter(lambda: data.read(1 << 20), b"")
    try:
        with open(path, "wb") as out:
            for block in blocks:
                size += len(block)
                if size > limit:
                    raise _too_big(size, limit)
                if len(head) < 64:
                    head += block[:64 - len(head)]
                digest.update(block)
                out.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest(), head


def _institution_for(actor, institution_code: str, provider_key: ProviderKey | None) -> Institution:
    code = (institution_code or "").strip()
    institution = Institution.objects.restrict(actor, Action.BROWSE).filter(code=code).first() if code else None
    if institution is None:
        raise DomainError({"institution_code": _("未知的机构代码「%(c)s」") % {"c": code}})
    if provider_key is not None:
        if provider_key.institution_id != institution.pk or keys.provider_key_status(provider_key) != "active":
            raise PermissionDenied(_("这个接口密钥不属于该机构，或已吊销、已过期"))
    elif not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(_("只有该机构的工作人员或其上级管理员可以报送它的学习记录"))
    return institution


def job_submit(*, actor, institution_code: str, filename: str, data, mode: str = JobMode.ALL_OR_NOTHING,
               source: str = JobSource.PAGE, provider_key: ProviderKey | None = None) -> ImportJob:
    """Accept an upload of learning records for an institution: checks who may (its staff and the administrators
    over it, or one of its provider keys), the size limit (streamed to disk, refused as soon as it passes
    LEARNCITY_INTAKE_MAX_BYTES) and the format; saves it; queues the job. The rows are read by `job_run`."""
    institution = _institution_for(actor, institution_code, provider_key)
    command = parse(UploadInput, {"mode": mode, "source": source})
    mode, source = command.mode, command.source
    filename = PurePath(str(filename or "").replace("\\", "/")).name[:200] or "upload"
    limit = settings.LEARNCITY_INTAKE_MAX_BYTES
    path, size, sha256, head = _save_upload(data, limit)
    try:
        if size == 0 or not head.strip():
            raise FileRejected(_("文件「%(f)s」是空的") % {"f": filename})
        fmt = _format_of(filename, head)
        if head.startswith(uploads.ZIP_SIGNATURE):  # what it expands to, before a job or a parser sees it
            uploads.zip_check(path, name=filename, max_expanded=settings.LEARNCITY_INTAKE_MAX_EXPANDED_BYTES)
        user = actor if getattr(actor, "is_authenticated", False) else None
        with transaction.atomic():
            job = ImportJob.objects.create(
                institution=institution, source=source, mode=mode, filename=filename, file_format=fmt, size=size,
                sha256=sha256, created_by=user, provider_key=provider_key)
            target = job_file(job)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            audit_record(actor=actor, action="intake.job_submit", obj=job, institution=institution.code,
                         filename=filename, size=size, sha256=sha256, mode=mode, source=source,
                         provider_key=provider_key.prefix if provider_key else "")
            transaction.on_commit(lambda: _enqueue(job.pk))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def _enqueue(job_id: int) -> None:
    tasks.job_enqueue(job_id)


# --- purge ---------------------------------------------------------------------------------------------------------

PURGE_CHUNK = 50_000  # staged rows deleted a transaction


@dataclass
class PurgeResult:
    jobs: int = 0  # jobs whose report is gone
    rows: int = 0  # staged rows deleted


def jobs_purge(*, days: int | None = None, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete what staging keeps only for the reports:
    - every staged row of the jobs finished more than `days` (default LEARNCITY_INTAKE_REPORT_DAYS) ago: their
      report goes (`has_report` off), the job with its counts and message stays in the history;
    - sooner, the rows no report shows: of a finished job over REPORT_EVERY_ROW_UP_TO rows, those new or
      duplicate without an error (its report lists only the rows with errors or changes).
    Never the rows of a job still queued or running. In chunks, a short transaction each."""
    days = settings.LEARNCITY_INTAKE_REPORT_DAYS if days is None else days
    if days < 0:
        raise DomainError({"days": _("保留天数不能是负数（%(d)s）") % {"d": days}})
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    finished = ImportJob.objects.unscoped("the scheduled purge, the system's own: no actor").filter(status__in=[JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED])
    result = PurgeResult()
    staged = Exists(StagedRow.objects.unscoped("the scheduled purge, the system's own: no actor").filter(job_id=OuterRef("pk")))
    for job in finished.filter(staged, finished_at__lt=cutoff).order_by("pk"):
        result.rows += _staged_purge(StagedRow.objects.unscoped("the scheduled purge, the system's own: no actor").filter(job_id=job.pk))
        with transaction.atomic():
            ImportJob.objects.unscoped("the scheduled purge, the system's own: no actor").filter(pk=job.pk).update(has_report=False)
        result.jobs += 1
        audit_record(actor=None, action="intake.report_purged", obj=job, days=days)
    for job_id in finished.filter(finished_at__gte=cutoff, rows_total__gt=REPORT_EVERY_ROW_UP_TO,
                                  status=JobStatus.DONE).values_list("pk", flat=True):
        result.rows += _staged_purge(StagedRow.objects.unscoped("the scheduled purge, the system's own: no actor")
                                      .filter(job_id=job_id, errors="", outcome__in=["", "duplicate"]))
    return result


def _staged_purge(rows) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(rows.order_by("row_no").values_list("pk", flat=True)[:PURGE_CHUNK])
            if not ids:
                return deleted
            deleted += StagedRow.objects.unscoped("the scheduled purge, the system's own: no actor").filter(pk__in=ids).delete()[0]


# --- templates and the report ------------------------------------------------------------------------------------

def template_csv() -> bytes:
    """The CSV to fill in: UTF-8 with a byte-order mark (so Excel opens it right), the Chinese headers and one
    example row (its record id starts with 示例: such rows are skipped)."""
    return documents.csv_bytes([[c.header for c in COLUMNS], [c.example for c in COLUMNS]])


def template_xlsx() -> bytes:
    """The xlsx to fill in: a sheet with the Chinese headers, an example row and text-formatted ID numbers, and a
    sheet explaining each column."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = documents.workbook()
    ws = wb.active
    ws.title = _("学习记录")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=c.header)
        cell.font, cell.fill = bold, fill
        cell.comment = Comment(str(c.hint), "learncity")
        ws.cell(row=2, column=i, value=c.example).number_format = "@"
        ws.column_dimensions[cell.column_letter].width = max(12, len(c.header) * 2 + 4)
    for row in range(3, 1002):  # ID numbers and record ids as text, so Excel keeps all 18 digits
        for col in (1, 2, 5):
            ws.cell(row=row, column=col).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列"), _("必填"), _("说明")])
    for c in COLUMNS:
        notes.append([c.header, _("是") if c.required else _("否"), str(c.hint)])
    notes.append([])
    notes.append([_("示例行"), "", _("记录编号以「示例」开头的行是示例，导入时会跳过；可以删除，也可以保留")])
    notes.column_dimensions["C"].width = 80
    return documents.workbook_bytes(wb)



REPORT_EVERY_ROW_UP_TO = 100_000  # larger files: the report lists the rows that need the uploader's attention


def report_xlsx(job: ImportJob) -> bytes:
    """Every row of the job's file: the row number, the columns as given (ID numbers masked for the rows that
    passed the row checks), the result (新增 / 重复 / 内容有变化 / 有错误) and the errors beside it, the wrong cells
    marked; for a file of more than REPORT_EVERY_ROW_UP_TO rows, only the rows with errors or changes. A second
    sheet sums up the job. Written streaming (openpyxl write-only), a chunk of rows at a time."""
    import orjson
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = documents.streaming_workbook()
    ws = wb.sheet(_("导入结果"))
    bold = Font(bold=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    wrap = Alignment(wrap_text=True, vertical="top")
    headers = [_("行号"), *[c.header for c in COLUMNS], _("结果"), _("错误")]
    for letter, width in (("B", 16), ("C", 20), ("H", 24), ("M", 24), ("N", 60)):
        ws.column_dimensions[letter].width = width
    ws.append([ws.cell(h, font=bold) for h in headers])
    position = {c.code: i for i, c in enumerate(COLUMNS)}
    labels = {c.code: c.header for c in COLUMNS}
    rejected = job.status == JobStatus.REJECTED
    rows = StagedRow.objects.unscoped("the rows of a job the caller was given by job_get").filter(job=job)
    every_row = job.rows_total <= REPORT_EVERY_ROW_UP_TO
    if not every_row:
        rows = rows.exclude(errors="", outcome__in=["", "duplicate"])
    rows = rows.order_by("row_no").values_list("row_no", "external_id", "id_masked", "name", "kind", "course_code",
                                               "course_kind", "title", "hours", "score", "date", "raw", "errors",
                                               "outcome")
    for (row_no, ext, masked, name, kind, ccode, ckind, title, hours, score, date, raw, errors,
         outcome) in rows.iterator(chunk_size=5000):
        if raw:
            values = [str(v) if v is not None else "" for v in orjson.loads(raw)] or [""] * len(COLUMNS)
        else:
            values = [ext, masked, name, pipeline.KIND_LABELS.get(kind, kind), ccode,
                      pipeline.COURSE_KIND_LABELS.get(ckind, ckind), title, _number(hours), _number(score),
                      date.isoformat() if date else ""]
        values += [""] * (len(COLUMNS) - len(values))
        messages, bad = [], set()
        for line in filter(None, errors.split("\n")):
            code, _sep, message = line.partition(":")
            messages.append(f"{labels.get(code, code)}：{message}")
            if code in position:
                bad.add(position[code])
        if errors:
            result = str(OUTCOME_LABELS["invalid"])
        elif outcome == "changed":
            result = str(OUTCOME_LABELS["changed"])
            messages.append(str(CHANGED_NOTE))
        elif outcome == "duplicate":
            result = str(OUTCOME_LABELS["duplicate"])
        else:
            result = str(OUTCOME_LABELS["rejected" if rejected else "new"])
        cells = [row_no]
        for i, v in enumerate(values):
            cells.append(ws.cell(v, fill=red) if i in bad else v)
        note = ws.cell("；".join(messages), alignment=wrap, **({"fill": red} if errors else {}))
        ws.append([*cells, result, note])
    summary = wb.sheet(_("汇总"))
    for label, value in ((_("文件"), job.filename), (_("机构"), job.institution.name), (_("状态"), job.get_status_display()),
                         (_("说明"), job.message), (_("行数"), job.rows_total), (_("新增"), job.rows_new),
                         (_("重复"), job.rows_duplicate), (_("内容有变化"), job.rows_changed),
                         (_("有错误"), job.rows_invalid), (_("认定学习成果"), job.recognised)):
        summary.append([label, value])
    if not every_row:
        summary.append([_("报告"), _("文件超过 %(n)s 行，报告只列出有错误或内容有变化的行") % {"n": REPORT_EVERY_ROW_UP_TO}])
    return wb.save()


def _number(value) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text[:-2] if text.endswith(".0") else text


# --- what a rotation of the personal-data key asks of intake (people.rotation, through core.followups) --------

def jobs_blocking_pii_rotation() -> list[int]:
    """The import jobs queued or running, locked to the end of the caller's transaction: a rotation of the
    personal-data key waits for them (their staged rows carry ID hashes under the current key)."""
    return list(ImportJob.objects.unscoped("every running import, for the key rotation: no actor's scope")
                .select_for_update().filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list("pk", flat=True))


def staged_hashes_forget() -> int:
    """After a rotation, in its transaction: the staged rows' ID hashes were made under the old key; forget them.
    Returns how many."""
    return StagedRow.objects.unscoped("every staged hash made under the old key").exclude(id_hash="").update(id_hash="")
