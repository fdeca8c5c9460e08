"""The credit bank's JSON API under /api/credits: parse → service or selector → schema out.

Numbers (credits, ratios, caps, hours, scores) come in as JSON numbers or strings and go to the services as they
came (`Decimal | str`: never through a float), so a non-numeric or negative value is the services' clear 400
naming the field. Evidence files come as base64 in the JSON body. The public transcript check
(`GET /verify/{token}`) is the one route without sign-in.
"""

import base64
import binascii
import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.pagination import paginate

from learncity.core import uploads
from learncity.core.errors import DomainError, NotFound
from learncity.creditbank import selectors, services
from learncity.creditbank.models import (
    Accreditation,
    Conversion,
    ConversionRule,
    Declaration,
    LedgerEntry,
    Outcome,
    Standard,
    StandardVersion,
)
from learncity.network import selectors as network_selectors
from learncity.places.models import Place, PlaceLevel

router = Router(tags=["creditbank"])

Number = Decimal | str  # passed through to the services, which validate it and name the field
DateIn = datetime.date | str  # a bad date is the services' 400 naming the field, like a bad number


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
    standard: str
    standard_version: int
    level: int
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
    def resolve_standard(obj):
        return obj.standard_version.standard.code

    @staticmethod
    def resolve_standard_version(obj):
        return obj.standard_version.version

    @staticmethod
    def resolve_level(obj):
        return obj.standard_version.level.level

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


class PersonIn(Schema):
    id_number: str
    name: str = ""


class BulkIn(Schema):
    institution_code: str
    people: list[PersonIn]


class BulkOut(Schema):
    opened: int
    existed: int


class VersionOut(Schema):
    code: str
    version: int
    name: str
    credit_class: str
    level: int
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
    def resolve_code(obj):
        return obj.standard.code

    @staticmethod
    def resolve_level(obj):
        return obj.level.level

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
    city_code: str
    current: VersionOut | None
    versions: list[VersionOut]
    providers: list[ProviderOut]

    @staticmethod
    def resolve_city_code(obj):
        return obj.city.code

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


class StandardIn(Schema):
    city_code: str
    code: str
    name: str
    credit_class: str
    level: int | str
    credits: Number
    hours_per_credit: Number | None = None
    min_hours: Number | None = None
    min_score: Number | None = None
    evidence: str = ""
    record_kinds: list[str] = []
    course_kinds: list[str] = []
    effective_from: DateIn | None = None
    providers: list[str] = []


class StandardRevision(Schema):
    """A field left out stays as in the current version; null is refused (422), but for `hours_per_credit` and `min_score` (null: no such rule)."""

    name: str = None
    credit_class: str = None
    level: int | str = None
    credits: Number = None
    hours_per_credit: Number | None = None
    min_hours: Number = None
    min_score: Number | None = None
    evidence: str = None
    record_kinds: list[str] = None
    course_kinds: list[str] = None
    effective_from: DateIn = None


class ReasonIn(Schema):
    reason: str


class AccreditationIn(Schema):
    institution_code: str


class AccreditationOut(Schema):
    standard: str
    institution_code: str
    institution_name: str
    granted_at: datetime.datetime

    @staticmethod
    def resolve_standard(obj):
        return obj.standard.code

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code

    @staticmethod
    def resolve_institution_name(obj):
        return obj.institution.name


class EvidenceIn(Schema):
    name: str
    content_base64: str


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class DeclarationIn(Schema):
    standard_code: str
    kind: str
    title: str
    issuer: str
    date: DateIn
    hours: Number = "0"
    score: Number | None = None
    note: str = ""
    evidence: list[EvidenceIn] = []


class DeclarationOut(Schema):
    id: int
    account: str
    standard_code: str
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
    def resolve_account(obj):
        return obj.account.number

    @staticmethod
    def resolve_standard_code(obj):
        return obj.standard.code

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class ReviewOut(DeclarationOut):
    learner_name: str

    @staticmethod
    def resolve_learner_name(obj):
        return obj.account.learner.name


class DecisionIn(Schema):
    approve: bool
    reason: str


class RuleIn(Schema):
    code: str
    name: str
    source_codes: list[str]
    target_institution_code: str
    target_kind: str
    target_name: str
    target_class: str
    ratio: Number
    cap_per_learner: Number
    min_score: Number | None = None
    effective_from: DateIn
    abolished_on: DateIn | None = None


class RuleOut(Schema):
    code: str
    name: str
    sources: list[str]
    target_institution_code: str
    target_institution_name: str
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

    @staticmethod
    def resolve_target_institution_code(obj):
        return obj.target_institution.code

    @staticmethod
    def resolve_target_institution_name(obj):
        return obj.target_institution.name


class RuleReviewIn(Schema):
    approve: bool
    note: str


class AbolishIn(Schema):
    on: DateIn | None = None


class ConversionIn(Schema):
    rule_code: str
    outcome_ids: list[int]


class ConversionOut(Schema):
    id: int
    account: str
    learner_name: str
    rule_code: str
    target_institution_code: str
    target_name: str
    target_class: str
    outcome_ids: list[int]
    credits_in: Decimal
    credits_out: Decimal
    status: str
    applied_at: datetime.datetime
    decided_at: datetime.datetime | None
    reason: str

    @staticmethod
    def resolve_account(obj):
        return obj.account.number

    @staticmethod
    def resolve_learner_name(obj):
        return obj.account.learner.name

    @staticmethod
    def resolve_rule_code(obj):
        return obj.rule.code

    @staticmethod
    def resolve_target_institution_code(obj):
        return obj.rule.target_institution.code

    @staticmethod
    def resolve_target_name(obj):
        return obj.rule.target_name

    @staticmethod
    def resolve_target_class(obj):
        return obj.rule.target_class

    @staticmethod
    def resolve_outcome_ids(obj):
        return sorted(o.pk for o in obj.outcomes.all())


# --- lookups (the object a call is about, as its reader may see it) ---------------------------------------

def _my_account(request):
    account = selectors.account_of(request.auth)
    if account is None:
        raise NotFound(gettext("您还没有学习账户"))
    return account


def _account_out(account) -> AccountOut:
    i = selectors.incentives(account)
    return AccountOut(id=account.pk, number=account.number, name=account.learner.name, opened_at=account.opened_at,
                      opened_via=account.opened_via, balances=selectors.balances(account),
                      incentives=IncentivesOut(points=i.points, hours_total=i.hours_total, hours_year=i.hours_year,
                                               credits=i.credits, star_candidate=i.star_candidate))


def _standard(code: str):
    return selectors.standard_get(code)


def _standard_out(code: str) -> Standard:
    standard = selectors.standard_get(code)
    return (Standard.objects.filter(pk=standard.pk).select_related("city")
            .prefetch_related("versions__level", "versions__standard", "accreditations__institution").get())


def _version(version: StandardVersion) -> StandardVersion:
    return StandardVersion.objects.select_related("standard", "level").get(pk=version.pk)


def _declaration(pk: int) -> Declaration:
    return (Declaration.objects.select_related("account__learner", "standard").prefetch_related("evidence")
            .get(pk=pk))


def _rule(rule: ConversionRule) -> ConversionRule:
    return (ConversionRule.objects.select_related("target_institution").prefetch_related("sources")
            .get(pk=rule.pk))


def _conversion(pk: int) -> Conversion:
    return (Conversion.objects.select_related("account__learner", "rule__target_institution")
            .prefetch_related("outcomes").get(pk=pk))


def _decode(files: list[EvidenceIn]) -> list[tuple[str, bytes]]:
    decoded = []
    for f in files:
        # Refused by the size it would decode to, before it is decoded (Base64: 4 characters for 3 bytes).
        text = f.content_base64.strip()
        uploads.size_check(len(text) // 4 * 3 - text[-2:].count("="), limit=services.evidence_max_bytes(),
                           name=f.name)
        try:
            decoded.append((f.name, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise DomainError({"evidence": gettext("文件「%(name)s」的 content_base64 不是有效的 Base64 编码") % {"name": f.name}}) from None
    return decoded


def _city(code: str) -> Place:
    city = Place.objects.filter(code=(code or "").strip(), level__lte=PlaceLevel.CITY).first()
    if city is None:
        raise DomainError({"city_code": gettext("「%(code)s」不是市级行政区划代码") % {"code": code}})
    return city


# --- my account -------------------------------------------------------------------------------------------

@router.get("/account", response=AccountOut)
def account_mine(request):
    return _account_out(_my_account(request))


@router.post("/account", response=AccountOut)
def account_open(request):
    """Open my account (if it is open already, the same account)."""
    return _account_out(services.account_open_own(actor=request.auth))


@router.get("/account/outcomes", response=list[OutcomeOut])
def account_outcomes(request):
    return selectors.outcomes(_my_account(request))


@router.get("/account/entries", response=list[EntryOut])
@paginate
def account_entries(request):
    return selectors.entries(_my_account(request))


@router.get("/account/transcript", response=dict)
def account_transcript(request):
    return selectors.transcript_content(_my_account(request))


@router.post("/account/transcripts", response={201: TranscriptOut})
def transcript_issue(request):
    account = _my_account(request)
    with translation.override("zh-hans"):  # what an issued transcript states is frozen, in Chinese
        t = services.transcript_issue(actor=request.auth, account=account)
    return TranscriptOut(
        token=t.token, issued_at=t.issued_at, head_seq=t.head_seq, digest=t.digest,
        verify_url=request.build_absolute_uri(reverse("creditbank:verify", kwargs={"token": t.token})))


@router.post("/transcripts/{token}/withdraw", response=VerificationOut)
def transcript_withdraw(request, token: str):
    """Withdraw one of my issued transcripts (or, for staff, one of a learner in their scope); its verification
    then says it no longer holds."""
    services.transcript_withdraw(actor=request.auth, token=token)
    return transcript_verify(request, token)


@router.get("/verify/{token}", response=VerificationOut, auth=None)
def transcript_verify(request, token: str):
    v = selectors.transcript_verify(token)
    t = v.transcript
    return VerificationOut(token=t.token, valid=v.valid, reasons=v.reasons, issued_at=t.issued_at,
                           head_seq=t.head_seq, digest=t.digest, content=t.content)


# --- accounts of others -----------------------------------------------------------------------------------

@router.post("/accounts/bulk", response=BulkOut)
def accounts_bulk(request, payload: BulkIn):
    return services.accounts_open_bulk(actor=request.auth, institution_code=payload.institution_code,
                                       people=[(p.id_number, p.name) for p in payload.people])


@router.get("/accounts/{pk}/transcript", response=dict)
def account_transcript_of(request, pk: int):
    account = selectors.account_get(actor=request.auth, pk=pk)
    return selectors.transcript_get(actor=request.auth, account=account)


# --- standards --------------------------------------------------------------------------------------------

@router.get("/standards", response=list[VersionOut])
def standard_list(request, q: str = "", credit_class: str = ""):
    return selectors.standard_list(actor=request.auth, q=q, credit_class=credit_class)


@router.get("/standards/{code}", response=StandardOut)
def standard_get(request, code: str):
    return _standard_out(code)


@router.post("/standards", response={201: VersionOut})
def standard_create(request, payload: StandardIn):
    data = payload.dict()
    city = _city(data.pop("city_code"))
    return _version(services.standard_create(actor=request.auth, city=city, **data))


@router.post("/standards/{code}/versions", response={201: VersionOut})
def standard_revise(request, code: str, payload: StandardRevision):
    version = services.standard_revise(actor=request.auth, standard=_standard(code),
                                       **payload.dict(exclude_unset=True))
    return _version(version)


@router.post("/standards/{code}/withdraw", response=VersionOut)
def standard_withdraw(request, code: str, payload: ReasonIn):
    return _version(services.standard_withdraw(actor=request.auth, standard=_standard(code), reason=payload.reason))


@router.post("/standards/{code}/accreditations", response={201: AccreditationOut})
def accreditation_grant(request, code: str, payload: AccreditationIn):
    standard = _standard(code)
    institution = network_selectors.institution_get(actor=request.auth, code=payload.institution_code)
    acc = services.accreditation_grant(actor=request.auth, standard=standard, institution=institution)
    return Accreditation.objects.select_related("standard", "institution").get(pk=acc.pk)


# --- declarations and their review ------------------------------------------------------------------------

@router.post("/declarations", response={201: DeclarationOut})
def declaration_submit(request, payload: DeclarationIn):
    data = payload.dict(exclude={"evidence"})
    declaration = services.declaration_submit(actor=request.auth, files=_decode(payload.evidence), **data)
    return _declaration(declaration.pk)


@router.get("/declarations", response=list[DeclarationOut])
def declaration_list(request):
    return selectors.declaration_list_mine(actor=request.auth).select_related("account")


@router.get("/reviews", response=list[ReviewOut])
@paginate
def review_queue(request, status: str = "submitted"):
    return selectors.review_queue(actor=request.auth, status=status)


@router.post("/reviews/{pk}", response=ReviewOut)
def declaration_review(request, pk: int, payload: DecisionIn):
    declaration = selectors.declaration_get(actor=request.auth, pk=pk)
    services.declaration_review(actor=request.auth, declaration=declaration, approve=payload.approve,
                                reason=payload.reason)
    return _declaration(pk)


# --- conversion rules -------------------------------------------------------------------------------------

@router.get("/rules", response=list[RuleOut])
def rule_list(request, status: str = ""):
    return selectors.rule_list(actor=request.auth, status=status)


@router.post("/rules", response={201: RuleOut})
def rule_create(request, payload: RuleIn):
    return _rule(services.rule_create(actor=request.auth, **payload.dict()))


@router.post("/rules/{code}/submit", response=RuleOut)
def rule_submit(request, code: str):
    rule = selectors.rule_get(actor=request.auth, code=code)
    return _rule(services.rule_submit(actor=request.auth, rule=rule))


@router.post("/rules/{code}/review", response=RuleOut)
def rule_review(request, code: str, payload: RuleReviewIn):
    rule = selectors.rule_get(actor=request.auth, code=code)
    return _rule(services.rule_review(actor=request.auth, rule=rule, approve=payload.approve, note=payload.note))


@router.post("/rules/{code}/abolish", response=RuleOut)
def rule_abolish(request, code: str, payload: AbolishIn):
    rule = selectors.rule_get(actor=request.auth, code=code)
    return _rule(services.rule_abolish(actor=request.auth, rule=rule, on=payload.on))


# --- conversions ------------------------------------------------------------------------------------------

@router.post("/conversions", response={201: ConversionOut})
def conversion_apply(request, payload: ConversionIn):
    rule = selectors.rule_get(actor=request.auth, code=payload.rule_code)
    conversion = services.conversion_apply(actor=request.auth, rule=rule, outcome_ids=payload.outcome_ids)
    return _conversion(conversion.pk)


@router.get("/conversions", response=list[ConversionOut])
def conversion_list(request):
    return selectors.conversion_list_mine(actor=request.auth).select_related("account__learner")


@router.get("/conversions/inbox", response=list[ConversionOut])
@paginate
def conversion_inbox(request, status: str = "applied"):
    return selectors.conversion_inbox(actor=request.auth, status=status)


@router.post("/conversions/{pk}/decide", response=ConversionOut)
def conversion_decide(request, pk: int, payload: DecisionIn):
    conversion = selectors.conversion_get(actor=request.auth, pk=pk)
    services.conversion_decide(actor=request.auth, conversion=conversion, approve=payload.approve,
                               reason=payload.reason)
    return _conversion(pk)


# --- corrections ------------------------------------------------------------------------------------------

@router.post("/outcomes/{pk}/reverse", response={201: EntryOut})
def outcome_reverse(request, pk: int, payload: ReasonIn):
    outcome = Outcome.objects.filter(pk=pk).select_related("account__learner__residence").first()
    if outcome is None:
        raise NotFound(gettext("未找到该学习成果"))
    selectors.account_get(actor=request.auth, pk=outcome.account_id)  # hidden outside the reader's scope
    entry = services.outcome_reverse(actor=request.auth, outcome=outcome, reason=payload.reason)
    return LedgerEntry.objects.get(pk=entry.pk)
