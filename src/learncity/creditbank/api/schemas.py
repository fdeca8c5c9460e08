"""The credit bank API's schemas: what each call answers (what each takes is creditbank/inputs.py's, shared with the
pages; the routes are in api/__init__.py)."""

import datetime
from decimal import Decimal

from ninja import Field, Schema

# --- schemas ----------------------------------------------------------------------------------------------

class IncentivesOut(Schema):
    points: Decimal
    hours_total: Decimal
    hours_year: Decimal
    credits: Decimal
    star_candidate: bool


class AccountOut(Schema):
    id: int
    number: str
    name: str
    opened_at: datetime.datetime
    opened_via: str
    balances: dict[str, Decimal]
    incentives: IncentivesOut


class OutcomeOut(Schema):
    id: int
    title: str
    standard: str = Field(alias="standard_version.standard.code")
    standard_version: int = Field(alias="standard_version.version")
    level: int = Field(alias="standard_version.level.level")
    method: str
    provider: str
    date: datetime.date
    hours: Decimal
    score: Decimal | None
    credit_class: str
    credits: Decimal
    basis: str
    reversed: bool

    @staticmethod
    def resolve_provider(obj):
        return obj.provider_name

    @staticmethod
    def resolve_reversed(obj):
        return bool(getattr(obj, "reversed", False))


class EntryOut(Schema):
    seq: int
    credit_class: str
    amount: Decimal
    reason: str
    outcome_id: int | None
    conversion_id: int | None
    reverses_id: int | None
    memo: str
    created_at: datetime.datetime
    prev_hash: str
    hash: str


class TranscriptOut(Schema):
    token: str
    verify_url: str
    issued_at: datetime.datetime
    head_seq: int
    digest: str


class VerificationOut(Schema):
    token: str
    valid: bool
    reasons: list[str]
    issued_at: datetime.datetime
    head_seq: int
    digest: str
    content: dict


class BulkOut(Schema):
    opened: int
    existed: int


class VersionOut(Schema):
    code: str = Field(alias="standard.code")
    version: int
    name: str
    credit_class: str
    level: int = Field(alias="level.level")
    credits: Decimal
    hours_per_credit: Decimal | None
    min_hours: Decimal
    min_score: Decimal | None
    evidence: str
    record_kinds: list[str]
    course_kinds: list[str]
    status: str
    effective_from: datetime.date

    @staticmethod
    def resolve_record_kinds(obj):
        return [k for k in obj.record_kinds.split(",") if k]

    @staticmethod
    def resolve_course_kinds(obj):
        return [k for k in obj.course_kinds.split(",") if k]


class ProviderOut(Schema):
    code: str
    name: str


class StandardOut(Schema):
    code: str
    city_code: str = Field(alias="city.code")
    current: VersionOut | None
    versions: list[VersionOut]
    providers: list[ProviderOut]

    @staticmethod
    def resolve_current(obj):
        return next((v for v in obj.versions.all() if v.status != "superseded"), None)

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())

    @staticmethod
    def resolve_providers(obj):
        return [ProviderOut(code=a.institution.code, name=a.institution.name)
                for a in obj.accreditations.all() if a.revoked_at is None]


class AccreditationOut(Schema):
    standard: str = Field(alias="standard.code")
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    granted_at: datetime.datetime





class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class DeclarationOut(Schema):
    id: int
    account: str = Field(alias="account.number")
    standard_code: str = Field(alias="standard.code")
    kind: str
    title: str
    issuer: str
    date: datetime.date
    hours: Decimal
    score: Decimal | None
    note: str
    status: str
    submitted_at: datetime.datetime
    reason: str
    reviewed_at: datetime.datetime | None
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class ReviewOut(DeclarationOut):
    learner_name: str = Field(alias="account.learner.name")



class RuleOut(Schema):
    code: str
    name: str
    sources: list[str]
    target_institution_code: str = Field(alias="target_institution.code")
    target_institution_name: str = Field(alias="target_institution.name")
    target_kind: str
    target_name: str
    target_class: str
    ratio: Decimal
    cap_per_learner: Decimal
    min_score: Decimal | None
    effective_from: datetime.date
    abolished_on: datetime.date | None
    status: str
    review_note: str

    @staticmethod
    def resolve_sources(obj):
        return sorted(s.code for s in obj.sources.all())




class ConversionOut(Schema):
    id: int
    account: str = Field(alias="account.number")
    learner_name: str = Field(alias="account.learner.name")
    rule_code: str = Field(alias="rule.code")
    target_institution_code: str = Field(alias="rule.target_institution.code")
    target_name: str = Field(alias="rule.target_name")
    target_class: str = Field(alias="rule.target_class")
    outcome_ids: list[int]
    credits_in: Decimal
    credits_out: Decimal
    status: str
    applied_at: datetime.datetime
    decided_at: datetime.datetime | None
    reason: str

    @staticmethod
    def resolve_outcome_ids(obj):
        return sorted(o.pk for o in obj.outcomes.all())


