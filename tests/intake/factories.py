"""Test data for the intake, made through its services (the same checks, jobs and audit rows as an upload on the
page): uploads submitted, or submitted and run as the worker runs them, and provider keys. The files themselves
are made by files.py."""

from learncity.intake import keys, services
from learncity.intake.models import ImportJob, JobMode, JobSource, ProviderKey
from learncity.network.models import Institution


def submitted(actor, institution: Institution, data: bytes, *, filename: str = "rows.csv",
              mode: str = JobMode.ALL_OR_NOTHING, source: str = JobSource.PAGE,
              provider_key: ProviderKey | None = None) -> ImportJob:
    """An upload of `data` for the institution, queued (on the test's commit its task would be enqueued)."""
    return services.job_submit(actor=actor, institution_code=institution.code, filename=filename, data=data,
                               mode=mode, source=source, provider_key=provider_key)


def uploaded(actor, institution: Institution, data: bytes, *, progress=None, **kwargs) -> ImportJob:
    """An upload submitted and run to its end here, as the worker would run it."""
    return services.job_run(submitted(actor, institution, data, **kwargs).pk, progress=progress)


def provider_key(actor, institution: Institution, *, name: str = "教务系统", days: int | None = 365
                 ) -> tuple[ProviderKey, str]:
    """A new key of the institution: (its row, the key itself, shown this once)."""
    return keys.provider_key_create(actor=actor, institution_code=institution.code, name=name, days=days)
