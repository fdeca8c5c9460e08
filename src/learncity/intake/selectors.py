"""Reads of import jobs, scoped: the staff of an institution and the administrators over it see its uploads (the
people who may upload for it); a provider key sees its own institution's."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.intake.models import ImportJob, JobStatus, ProviderKey, StagedRow
from learncity.intake.pipeline import HEADERS


def job_list(*, actor, institution_code: str | None = None,
             provider_key: ProviderKey | None = None) -> QuerySet[ImportJob]:
    """The uploads the actor (or the provider key) may see, newest first; one institution's with its code."""
    if provider_key is not None:  # a key is its institution's: it reaches that institution's uploads
        jobs = ImportJob.objects.unscoped("a provider key, no user: its institution's uploads").filter(
            institution_id=provider_key.institution_id)
    else:
        jobs = ImportJob.objects.restrict(actor, Action.VIEW)
    if institution_code:
        jobs = jobs.filter(institution__code=institution_code)
    return jobs


def job_get(*, actor, pk, provider_key: ProviderKey | None = None) -> ImportJob:
    job = (job_list(actor=actor, provider_key=provider_key).select_related("institution", "created_by")
           .filter(pk=pk).first())
    if job is None:
        raise NotFound(gettext("未找到这次上传 (no such upload)"))
    return job


# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

HOME_JOB_DAYS = 30  # uploads this recent are looked at


def home_jobs_to_fix(*, actor, limit: int = 5) -> dict:
    """The actor's institutions' uploads of the last HOME_JOB_DAYS days that need them: failed, refused (not
    accepted, with errors) or accepted with rows in error — until a later upload of the same institution is
    accepted whole. Their count and the newest few. Two queries."""
    since = timezone.now() - datetime.timedelta(days=HOME_JOB_DAYS)
    fixed = ImportJob.objects.restrict(actor, Action.VIEW).filter(
        institution_id=OuterRef("institution_id"), created_at__gt=OuterRef("created_at"), status=JobStatus.DONE,
        rows_invalid=0)
    qs = (job_list(actor=actor).filter(created_at__gte=since)
          .filter(Q(status__in=[JobStatus.FAILED, JobStatus.REJECTED]) | Q(status=JobStatus.DONE, rows_invalid__gt=0))
          .exclude(Exists(fixed)))
    return {"count": qs.count(), "items": list(qs.select_related("institution").order_by("-created_at", "-id")[:limit]),
            "days": HOME_JOB_DAYS}


# --- the job page's failed rows (issue 15, item 8) ------------------------------------------------------------

FAILED_ROWS_SHOWN = 100


def job_failed_rows(*, actor, job: ImportJob, limit: int = FAILED_ROWS_SHOWN) -> dict:
    """The first `limit` rows of a job's file that have errors, in file order, each with its errors by column
    (the column's header as the file has it): {"rows": [...], "total": rows in error, "shown": len(rows)}. One
    query besides the count; empty once the job's staged rows have been purged."""
    failed = StagedRow.objects.restrict(actor, Action.VIEW).filter(job=job).exclude(errors="")
    rows = []
    for row_no, external_id, name, errors in (failed.order_by("row_no")
                                              .values_list("row_no", "external_id", "name", "errors")[:limit]):
        problems = []
        for line in filter(None, errors.split("\n")):
            code, _sep, message = line.partition(":")
            problems.append((HEADERS.get(code, code), message.strip()))
        rows.append({"row_no": row_no, "external_id": external_id, "name": name, "errors": problems})
    total = failed.count() if len(rows) == limit else len(rows)
    return {"rows": rows, "total": total, "shown": len(rows)}
