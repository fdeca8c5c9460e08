"""The credit bank's JSON API under /api/credits: parse → service or selector → schema out.

Bodies are the input schemas of creditbank.inputs: numbers (credits, ratios, caps, hours, scores) come in as JSON
numbers or strings and are read by the project's one number rule (never through a float); a body that does not
match its schema (a non-numeric or negative value, an unknown class) is a 422 naming the field. Evidence files come as base64 in the JSON body. The public transcript check
(`GET /verify/{token}`) is the one route without sign-in.
"""

import base64
import binascii

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Router
from ninja.pagination import paginate

from learncity.core import uploads
from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action
from learncity.creditbank import selectors, services
from learncity.creditbank.api.schemas import (
    AccountOut,
    AccreditationOut,
    BulkOut,
    ConversionOut,
    DeclarationOut,
    EntryOut,
    IncentivesOut,
    OutcomeOut,
    ReviewOut,
    RuleOut,
    StandardOut,
    TranscriptOut,
    VerificationOut,
    VersionOut,
)
from learncity.creditbank.inputs import (
    AbolishIn,
    AccreditationIn,
    BulkIn,
    ConversionIn,
    DecisionIn,
    DeclarationIn,
    EvidenceIn,
    ReasonIn,
    RuleIn,
    RuleReviewIn,
    StandardCreateIn,
    StandardRevisionBody,
)
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
    return (Standard.objects.restrict(None, Action.BROWSE).filter(pk=standard.pk).select_related("city")
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
    city = Place.objects.restrict(None, Action.BROWSE).filter(code=(code or "").strip(), level__lte=PlaceLevel.CITY).first()
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
def standard_create(request, payload: StandardCreateIn):
    return _version(services.standard_create(actor=request.auth, city=_city(payload.city_code), data=payload))


@router.post("/standards/{code}/versions", response={201: VersionOut})
def standard_revise(request, code: str, payload: StandardRevisionBody):
    return _version(services.standard_revise(actor=request.auth, standard=_standard(code), data=payload))


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
    declaration = services.declaration_submit(actor=request.auth, data=payload, files=_decode(payload.evidence))
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
    return _rule(services.rule_create(actor=request.auth, data=payload))


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
    outcome = (Outcome.objects.restrict(request.auth, Action.VIEW).filter(pk=pk)  # hidden outside the reader's scope
               .select_related("account__learner__residence").first())
    if outcome is None:
        raise NotFound(gettext("未找到该学习成果"))
    entry = services.outcome_reverse(actor=request.auth, outcome=outcome, reason=payload.reason)
    return LedgerEntry.objects.get(pk=entry.pk)
