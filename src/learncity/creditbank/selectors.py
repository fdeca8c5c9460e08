"""Reads of the credit bank, each scoped to the acting user."""

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from learncity.catalog.models import LearningRecord
from learncity.core.cache import fragment
from learncity.core.errors import NotFound, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.creditbank.ledger import OUTCOME_ALTERED, ledger_verify
from learncity.creditbank.models import (
    Conversion,
    ConversionRule,
    ConversionStatus,
    CreditClass,
    CreditPolicy,
    Declaration,
    DeclarationStatus,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    Outcome,
    Standard,
    StandardVersion,
    Transcript,
    TranscriptWithdrawal,
    VersionStatus,
    balance_field,
)
from learncity.creditbank.policy import city_of_place, policy_for
from learncity.creditbank.scope_rules import reviewed_q
from learncity.places.models import Place

# Reads of an account its caller was given: read in the reader's scope by account_of or account_get (or the
# account of a transcript found by its token), so its rows are read as the account's.
_GIVEN = "the rows of an account its caller read in scope (account_of, account_get)"
_VERIFIED = "the public verification of a transcript found by its token: its account's ledger"


def account_of(user) -> LearningAccount | None:
    """The signed-in learner's own account (None if not opened yet)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (LearningAccount.objects.restrict(user, Action.VIEW).filter(learner__user=user).select_related("learner")
            .first())


def account_get(*, actor, pk: int) -> LearningAccount:
    """An account the actor may see: their own, or a resident's within their people scope."""
    account = (LearningAccount.objects.restrict(actor, Action.VIEW).filter(pk=pk)
               .select_related("learner", "learner__residence").first())
    if account is None:
        raise NotFound(gettext("未找到该学习账户"))
    return account


def account_list(*, actor, q: str = "") -> QuerySet[LearningAccount]:
    if not scope_for(actor).may(Capability.STAFF_AREA):
        raise PermissionDenied(gettext("只有管理员和审计员可以查看学习账户列表"))
    qs = LearningAccount.objects.restrict(actor, Action.VIEW).select_related("learner", "learner__residence")
    if q:
        qs = qs.filter(learner__name__contains=q.strip())
    return qs.order_by("pk")


def balances(account: LearningAccount) -> dict[str, Decimal]:
    """The account's balance per credit class, as the database has it now."""
    # (an account its caller was given: read through account_of or account_get)
    found = LearningAccount.objects.unscoped(_GIVEN).filter(pk=account.pk).values(*(balance_field(c) for c in CreditClass.values)).first()
    return {c: Decimal(found[balance_field(c)] if found else 0).quantize(Decimal("0.01")) for c in CreditClass.values}


def balances_loaded(account: LearningAccount) -> dict[str, Decimal]:
    """The account's balance per credit class as the row was read (account_of, this request): no query."""
    return {c: Decimal(getattr(account, balance_field(c)) or 0).quantize(Decimal("0.01")) for c in CreditClass.values}


def entries(account: LearningAccount) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.unscoped(_GIVEN).filter(account=account).select_related("outcome", "conversion__rule").order_by("-seq")


def outcomes(account: LearningAccount) -> list[Outcome]:
    """The account's outcomes, each with `reversed` (a reversal entry exists)."""
    reversal = LedgerEntry.objects.unscoped(_GIVEN).filter(outcome=OuterRef("pk"), reason=EntryReason.REVERSAL)
    return list(Outcome.objects.unscoped(_GIVEN).filter(account=account).annotate(reversed=Exists(reversal))
                .select_related("standard_version__standard", "standard_version__level").order_by("-date", "-id"))


def transcript_content(account: LearningAccount) -> dict:
    """What a transcript states: the holder (name and masked ID number only), balances per class, and every
    standing outcome by class and year with its provider, date, hours, credits and recognition basis; converted
    credits with their target. Plain JSON values, in a fixed order, so its digest is reproducible."""
    learner = account.learner
    by_class: dict[str, dict[str, list]] = {}
    for o in outcomes(account):
        if o.reversed:
            continue
        by_class.setdefault(o.credit_class, {}).setdefault(str(o.date.year), []).append({
            "id": o.pk, "title": o.title, "provider": o.provider_name, "date": o.date.isoformat(),
            "hours": f"{o.hours:f}", "credits": f"{o.credits:f}", "score": None if o.score is None else f"{o.score:f}",
            "standard": f"{o.standard_version.standard.code} v{o.standard_version.version}",
            "standard_name": o.standard_version.name,
            "level": o.standard_version.level.level, "basis": o.basis})
    conversions = [
        {"id": c.pk, "rule": c.rule.code, "target": f"{c.rule.target_institution.name} · {c.rule.target_name}",
         "class": c.rule.target_class, "credits_in": f"{c.credits_in:f}", "credits_out": f"{c.credits_out:f}",
         "date": c.decided_at.date().isoformat() if c.decided_at else ""}
        for c in Conversion.objects.unscoped(_GIVEN).filter(account=account, status=ConversionStatus.APPROVED)
        .exclude(entries__reason=EntryReason.REVERSAL).select_related("rule__target_institution").order_by("pk")]
    return {
        "account": account.number, "name": learner.name, "id_number": learner.id_number_masked,
        "as_of": account.head_seq,
        "balances": {c: f"{v:f}" for c, v in balances(account).items()},
        "classes": [{"class": c, "label": _zh(CreditClass(c).label),
                     "years": [{"year": y, "outcomes": items} for y, items in sorted(by_class[c].items(), reverse=True)]}
                    for c in CreditClass.values if c in by_class],
        "conversions": conversions,
    }


def _zh(label) -> str:
    """A label as the document states it: in Chinese, whatever language the viewer reads the site in (the content
    and its digest must not depend on who issued it)."""
    with translation.override("zh-hans"):
        return str(label)


def transcript_get(*, actor, account: LearningAccount) -> dict:
    """The live transcript of an account the actor may see."""
    account_get(actor=actor, pk=account.pk)
    return transcript_content(account)


@dataclass
class Verification:
    transcript: Transcript
    valid: bool
    reasons: list[str]


def transcript_verify(token: str) -> Verification:
    """Public: what an issued transcript states, and whether it still holds — its content untouched, the account's
    chain intact up to the head it was issued at, its outcomes as their ledger entries recorded them, and none of
    them reversed since."""
    transcript = (Transcript.objects.restrict(None, Action.BROWSE).filter(token=(token or "").strip())
                  .select_related("account").first())
    if transcript is None:
        raise NotFound(gettext("未找到该学习成果证明：编号有误，或证明不存在"))
    reasons = []
    canonical = json.dumps(transcript.content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if hashlib.sha256(canonical.encode()).hexdigest() != transcript.digest:
        reasons.append(gettext("证明内容与出具时的摘要不一致"))
    withdrawal = TranscriptWithdrawal.objects.restrict(None, Action.BROWSE).filter(transcript=transcript).first()
    if withdrawal is not None:
        reasons.append(gettext("已于 %(day)s 由持有人或经办机构撤回") % {
            "day": f"{timezone.localtime(withdrawal.withdrawn_at):%Y-%m-%d}"})
    entry = LedgerEntry.objects.unscoped(_VERIFIED).filter(account=transcript.account, seq=transcript.head_seq).first()
    if transcript.head_seq and (entry is None or entry.hash != transcript.head_hash):
        reasons.append(gettext("账本中出具时的记录已不存在或被改动"))
    report = ledger_verify(account_ids=[transcript.account_id])
    if not report.ok:
        reasons.append(gettext("该账户的账本校验未通过"))
    if any(b.problem == gettext(OUTCOME_ALTERED) for b in report.breaks):
        reasons.append(gettext("该账户的部分学习成果与其账本记录不一致（成果在记账后被改动）"))
    stated = [o["id"] for c in transcript.content.get("classes", []) for y in c["years"] for o in y["outcomes"]]
    if LedgerEntry.objects.unscoped(_VERIFIED).filter(outcome_id__in=stated, reason=EntryReason.REVERSAL,
                                  seq__gt=transcript.head_seq, account=transcript.account).exists():
        reasons.append(gettext("证明所列的部分成果在出具后已被冲正"))
    return Verification(transcript=transcript, valid=not reasons, reasons=reasons)


def transcript_list(*, actor, account: LearningAccount) -> QuerySet[Transcript]:
    account_get(actor=actor, pk=account.pk)
    return Transcript.objects.restrict(actor, Action.VIEW).filter(account=account).select_related("withdrawal")


# --- incentives -----------------------------------------------------------------------------------------

@dataclass
class Incentives:
    points: Decimal
    hours_total: Decimal
    hours_year: Decimal
    credits: Decimal
    star_candidate: bool
    thresholds: dict  # what each threshold asks and how far the learner is


def incentives(account: LearningAccount, *, today: datetime.date | None = None,
               by_class: dict[str, Decimal] | None = None) -> Incentives:
    """Learning points (hours × points per hour + credits × points per credit, by the city's policy) and whether the
    learner meets every threshold of a Lifelong Learning Star candidate (终身学习之星候选人). `by_class`: the
    account's balances when the caller has read them already. One query for the hours (and one for the balances
    without by_class); the city's policy from a fragment."""
    today = today or timezone.localdate()
    learner = account.learner
    policy = credit_policy_of(learner)
    hours = LearningRecord.objects.unscoped(_GIVEN).filter(learner=learner).aggregate(
        total=Sum("hours"), year=Sum("hours", filter=Q(date__year=today.year)))
    hours_total = Decimal(str(hours["total"] or 0)).quantize(Decimal("0.1"))
    hours_year = Decimal(str(hours["year"] or 0)).quantize(Decimal("0.1"))
    credits = sum((by_class if by_class is not None else balances(account)).values(), Decimal("0"))
    points = (Decimal(hours_total) * policy.points_per_hour + credits * policy.points_per_credit).quantize(Decimal("1"))
    thresholds = {
        "points": (points, policy.star_min_points),
        "hours_year": (Decimal(hours_year), policy.star_min_hours_year),
        "credits": (credits, policy.star_min_credits),
    }
    star = all(have >= need for have, need in thresholds.values())
    return Incentives(points=points, hours_total=Decimal(hours_total), hours_year=Decimal(hours_year),
                      credits=credits, star_candidate=star, thresholds=thresholds)


def credit_policy_of(learner) -> CreditPolicy:
    """The credit policy of the city the learner lives in: the same for every resident of a place, so kept as a
    fragment per residence until a policy changes (the "credits" version, bumped by policy_update)."""
    residence_id = learner.residence_id
    return fragment(("credit-policy", residence_id), ("credits",),
                    lambda: policy_for(city_of_place(Place.objects.restrict(None, Action.BROWSE).get(pk=residence_id))))


# --- standards, review queue, rules, conversions ----------------------------------------------------------

def standard_list(*, actor=None, q: str = "", credit_class: str = "") -> QuerySet[StandardVersion]:
    """Current versions of all standards (public: learners choose one when declaring)."""
    qs = (StandardVersion.objects.restrict(actor, Action.BROWSE).exclude(status=VersionStatus.SUPERSEDED)
          .select_related("standard", "level").order_by("standard__code"))
    if q:
        qs = qs.filter(Q(name__contains=q.strip()) | Q(standard__code__icontains=q.strip()))
    if credit_class:
        qs = qs.filter(credit_class=credit_class)
    return qs


def standard_get(code: str) -> Standard:
    standard = Standard.objects.restrict(None, Action.BROWSE).filter(code=code).first()
    if standard is None:
        raise NotFound(gettext("未找到认证标准「%(code)s」") % {"code": code})
    return standard


def declaration_list_mine(*, actor) -> QuerySet[Declaration]:
    return (Declaration.objects.restrict(actor, Action.VIEW).filter(account__learner__user=actor)
            .select_related("standard").prefetch_related("evidence"))


def review_queue(*, actor, status: str = DeclarationStatus.SUBMITTED) -> QuerySet[Declaration]:
    """Declarations the actor may read as a reviewer: expert reviewers, city administrators and auditors, of
    residents of their city."""
    scope = scope_for(actor)
    if not scope.may(Capability.READ_REVIEWS):
        raise PermissionDenied(gettext("只有评审专家、市级管理员和审计员可以查看申报审核队列"))
    qs = (Declaration.objects.restrict(scope, Action.VIEW).filter(reviewed_q(scope, Capability.READ_REVIEWS))
          .select_related("account__learner", "standard").prefetch_related("evidence"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def declaration_get(*, actor, pk: int) -> Declaration:
    """A declaration its learner, or a reviewer of its city, may see."""
    d = (Declaration.objects.restrict(actor, Action.VIEW).filter(pk=pk)
         .select_related("account__learner__residence", "standard").first())
    if d is None:
        raise NotFound(gettext("未找到该申报"))
    return d


def rule_list(*, actor=None, status: str = "") -> QuerySet[ConversionRule]:
    """Rules are public once active; drafts and rules under review are seen by their institution and reviewers."""
    qs = (ConversionRule.objects.restrict(actor, Action.VIEW).select_related("target_institution")
          .prefetch_related("sources"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


def rule_get(*, actor=None, code: str) -> ConversionRule:
    rule = rule_list(actor=actor).filter(code=code).first()
    if rule is None:
        raise NotFound(gettext("未找到转换规则「%(code)s」") % {"code": code})
    return rule


def conversion_list_mine(*, actor) -> QuerySet[Conversion]:
    return (Conversion.objects.restrict(actor, Action.VIEW).filter(account__learner__user=actor)
            .select_related("rule__target_institution").prefetch_related("outcomes"))


def conversion_inbox(*, actor, status: str = ConversionStatus.APPLIED) -> QuerySet[Conversion]:
    """Applications the actor's institutions (or the institutions under an administrator) decide."""
    qs = (Conversion.objects.restrict(actor, Action.CHANGE)
          .select_related("rule__target_institution", "account__learner").prefetch_related("outcomes"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("applied_at", "pk")


def conversion_get(*, actor, pk: int) -> Conversion:
    c = (Conversion.objects.restrict(actor, Action.VIEW).filter(pk=pk)
         .select_related("rule__target_institution", "account__learner").first())
    if c is None:
        raise NotFound(gettext("未找到该转换申请"))
    return c


def convertible_outcomes(*, account: LearningAccount, rule: ConversionRule,
                         among: list[Outcome] | None = None) -> list[Outcome]:
    """The account's standing outcomes under the rule's source standards. `among`: the account's outcomes when the
    caller has read them (a page of several rules reads them once); the rule's sources come from its prefetch
    when it has one (rule_list)."""
    sources = {s.pk for s in rule.sources.all()}
    found = outcomes(account) if among is None else among
    return [o for o in found if not o.reversed and o.standard_version.standard_id in sources]


# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

def home_credits(*, actor) -> dict | None:
    """The signed-in learner's account in brief: its number, credits in all and by class (the classes that have
    any), and learning points. None when they have no account yet. Two queries (the account with its balances,
    the learner's hours)."""
    account = account_of(actor)
    if account is None:
        return None
    by_class = balances_loaded(account)
    found = incentives(account, by_class=by_class)
    return {"account": account, "credits": sum(by_class.values(), Decimal("0")),
            "classes": [(CreditClass(c).label, v) for c, v in by_class.items() if v],
            "points": found.points, "hours_year": found.hours_year, "star_candidate": found.star_candidate}


def home_declarations_to_review(*, actor) -> dict | None:
    """Declarations waiting for the actor's review: an expert reviewer's or city administrator's, of residents of
    their city (an auditor reads the queue but reviews nothing). Their count and the date of the oldest. None for
    those who review nothing."""
    scope = scope_for(actor)
    if not scope.may(Capability.REVIEW):
        return None
    qs = Declaration.objects.restrict(scope, Action.CHANGE).filter(status=DeclarationStatus.SUBMITTED)
    found = qs.aggregate(n=Count("pk"), oldest=Min("submitted_at"))
    return {"count": found["n"], "oldest": found["oldest"]}


def home_conversions_to_decide(*, actor) -> int:
    """Credit conversions applied for at the institutions the actor manages, waiting for their decision."""
    return conversion_inbox(actor=actor).count()
