"""Provider data intake: institution-scoped API keys, import jobs, and the staging table a job's rows pass through.

A job's file is kept under DATA_DIR/intake/<job id>/ until the job is finished. Its rows are parsed (streamed, never
held whole) into `StagedRow` with COPY on PostgreSQL (batched inserts on SQLite), validated set-based against the
reference tables, deduplicated inside the file and against what the provider sent before (provider + record id),
and the new rows become learning records — in one transaction, so a job killed before its commit leaves nothing
accepted and is run again. The records are then recognised into the ledger batch by batch, and a job stopped
there is resumed at the records not yet recognised (`ImportJob.records_first`…`records_last`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from learncity.core.credentials import Credential
from learncity.core.scopes import Action, RestrictedManager, scoped
from learncity.core.scopes.rules import Rule
from learncity.network.models import Institution
from learncity.people.models import User


def uploaders(field: str) -> Rule:
    """Rows of an institution (`field`, the relation to it) that the people who may upload for it reach, to read
    and to change: its staff and the administrators over it (the institutions they CHANGE, for reading too; an
    auditor or reviewer does not see uploads)."""
    return Rule(lambda s, a: s.institutions_q(Action.CHANGE, prefix=f"{field}__"), f"uploaders({field!r})")


@scoped(view=uploaders("institution"), change=uploaders("institution"))
class ProviderKey(Credential):
    """An API key of one institution (not of a person): uploads made with it are that institution's, and only its.
    Stored as SHA-256; shown once. Staff of the institution create, list and revoke them."""

    hash_field = "key_hash"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="provider_keys")
    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.institution.code} {self.name} ({self.prefix})"


class JobMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("全部正确才接收")
    ACCEPT_VALID = "valid", _("接收正确的行")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    REJECTED = "rejected", _("未接收（有错误）")
    FAILED = "failed", _("处理失败")


class JobSource(models.TextChoices):
    PAGE = "page", _("页面上传")
    API = "api", _("接口")
    CLI = "cli", _("命令行")


@scoped(view=uploaders("institution"), change=uploaders("institution"))
class ImportJob(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(max_length=24, default="learning_records")
    source = models.CharField(max_length=8, choices=JobSource.choices)
    mode = models.CharField(max_length=8, choices=JobMode.choices, default=JobMode.ALL_OR_NOTHING)
    filename = models.CharField(max_length=200)
    file_format = models.CharField(max_length=8)  # xlsx, csv, jsonl
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(max_length=16, blank=True)  # what a CSV was read as (utf-8, utf-8-sig, gb18030)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provider_key = models.ForeignKey(ProviderKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=32, blank=True)  # what it is doing now, for the progress bar
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    recognised = models.PositiveIntegerField(default=0)
    rows_examples = models.PositiveIntegerField(default=0)  # the template's example rows, skipped
    # The ids of the learning records the job wrote (one range, reserved at once), set in the transaction that
    # wrote them: from then on the job is past the point of accepting, and a run that stops is resumed at the
    # recognition of these records, never started over.
    records_first = models.BigIntegerField(null=True, blank=True)
    records_last = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    has_report = models.BooleanField(default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "created_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} {self.filename} ({self.status})"


@scoped(view=uploaders("job__institution"), change=uploaders("job__institution"))
class StagedRow(models.Model):
    """One row of a job's file, parsed and checked. Kept until the job is finished (the error report reads them)."""

    # No database constraint or own index: rows are written in bulk by the job that owns them (the ORM still
    # cascades), and the (job, row_no) index serves every look-up.
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    row_no = models.PositiveIntegerField()
    external_id = models.CharField(max_length=64, blank=True)
    id_hash = models.CharField(max_length=64, blank=True)
    id_masked = models.CharField(max_length=18, blank=True)
    name = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    course_code = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    date = models.DateField(null=True)
    learner_id = models.BigIntegerField(null=True)
    course_id = models.BigIntegerField(null=True)
    course_kind = models.CharField(max_length=16, blank=True)
    raw = models.TextField(blank=True)  # the row as given (JSON list), for the error report
    errors = models.TextField(blank=True)  # "column: message" lines; empty when the row is good
    outcome = models.CharField(max_length=10, blank=True)  # new, duplicate, changed, invalid

    objects = RestrictedManager()

    class Meta:
        indexes = [models.Index(fields=["job", "row_no"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_no}"
