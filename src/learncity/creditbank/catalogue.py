"""What bulk recognition matches records against (the active standards, by the same rules as
`services.record_recognise`), and what a run reports: shared by its Python path (bulk.py) and its SQL one
(bulk_sql.py)."""


from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from learncity.catalog.models import RecordKind
from learncity.creditbank.models import (
    Accreditation,
    StandardVersion,
    VersionStatus,
)

KIND_LABELS = dict(RecordKind.choices)


class Catalogue:
    """The active standard versions and accreditations, loaded once for a bulk run."""

    def __init__(self):
        versions = list(StandardVersion.objects.filter(status=VersionStatus.ACTIVE).select_related("standard", "level"))
        self.by_code = {v.standard.code: v for v in versions}
        self.withdrawn_codes = set(StandardVersion.objects.exclude(standard__versions__status=VersionStatus.ACTIVE)
                                   .values_list("standard__code", flat=True))
        self.accredited = set(Accreditation.objects.filter(revoked_at__isnull=True)
                              .values_list("standard_id", "institution_id"))
        by_kind: dict[str, list[StandardVersion]] = defaultdict(list)
        for v in sorted(versions, key=lambda v: (not v.course_kinds, v.standard.code)):
            for kind in filter(None, v.record_kinds.split(",")):
                by_kind[kind].append(v)
        self.by_kind = by_kind

    def match(self, *, kind: str, course_kind: str, provider_id: int, standard_code: str, hours: Decimal,
              score: Decimal | None, date) -> tuple[StandardVersion, Decimal] | None:
        if standard_code:
            version = self.by_code.get(standard_code)
            if version is None:
                return None
        else:
            version = next((v for v in self.by_kind.get(kind, ())
                            if (v.standard_id, provider_id) in self.accredited
                            and (not v.course_kinds or f",{course_kind or '-'}," in v.course_kinds)), None)
            if version is None:
                return None
        if (version.standard_id, provider_id) not in self.accredited:
            return None
        if hours < version.min_hours or date < version.effective_from:
            return None
        if version.min_score is not None and (score is None or score < version.min_score):
            return None
        credits = version.credits_for(hours)
        return (version, credits) if credits > 0 else None


@dataclass
class BulkResult:
    examined: int = 0
    recognised: int = 0
    accounts_opened: int = 0
    entries: int = 0
    batches: int = 0
    unmatched: int = 0
    by_standard: dict = field(default_factory=lambda: defaultdict(int))
