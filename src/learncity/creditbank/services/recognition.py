"""Recognition: a learning record from an accredited provider becomes an outcome and a ledger entry; a reversal
corrects one (city administrators)."""


from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import LearningRecord
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    Accreditation,
    EntryReason,
    LedgerEntry,
    OpenedVia,
    Outcome,
    OutcomeUse,
    RecognitionMethod,
    Standard,
    StandardVersion,
    VersionStatus,
)
from learncity.creditbank.policy import city_of_place
from learncity.creditbank.services.accounts import account_open
from learncity.creditbank.services.common import _reason_given, _require_credit_admin, _reversal_append, _user

_LOCKED = "the outcome's account locked after the caller's check"


def _match_version(record: LearningRecord) -> StandardVersion | None:
    """The standard version a learning record is recognised under: the one its course names, else the active
    standard whose record and course kinds match, that the provider is accredited for (the most specific — with
    course kinds — first, then by code). A course that names a withdrawn standard is an error."""
    course = record.course
    if course is not None and course.outcome_standard_code:
        standard = Standard.objects.restrict(None, Action.BROWSE).filter(code=course.outcome_standard_code).first()
        if standard is None:
            raise DomainError({"standard": gettext("课程所对应的认证标准「%(outcome_standard_code)s」不存在") % {"outcome_standard_code": course.outcome_standard_code}})
        version = standard.versions.filter(status=VersionStatus.ACTIVE).select_related("level").first()
        if version is None:
            raise DomainError({"standard": gettext("认证标准「%(code)s」已撤销，不能再据此认定") % {"code": standard.code}})
        return version
    candidates = (StandardVersion.objects.restrict(None, Action.BROWSE)
                  .filter(status=VersionStatus.ACTIVE, record_kinds__contains=f",{record.kind},",
                          standard__accreditations__institution=record.provider_id,
                          standard__accreditations__revoked_at__isnull=True)
                  .filter(Q(course_kinds="") | Q(course_kinds__contains=f",{record.course_kind or '-'},"))
                  .select_related("standard", "level").order_by("standard__code"))
    found = sorted(candidates, key=lambda v: (not v.course_kinds, v.standard.code))
    return found[0] if found else None


def record_recognise(*, actor, record: LearningRecord) -> Outcome:
    """Recognise a learning record: from a provider accredited for the matching standard, meeting its hours and
    score, it becomes an outcome and a ledger entry. Idempotent: a record is recognised once."""
    existing = Outcome.objects.unscoped("a record is recognised once, whoever recognised it").filter(learning_record=record).first()
    if existing is not None:
        return existing
    version = _match_version(record)
    if version is None:
        raise DomainError({"standard": gettext("没有与该学习记录（%(get_kind_display)s）对应的现行认证标准") % {"get_kind_display": record.get_kind_display()}})
    if not Accreditation.objects.restrict(None, Action.BROWSE).filter(
            standard=version.standard_id, institution=record.provider_id, revoked_at__isnull=True).exists():
        raise DomainError({"provider": gettext("%(name)s 不是「%(code)s」的认证机构") % {"name": record.provider.name, "code": version.standard.code}})
    if record.hours < version.min_hours:
        raise DomainError({"hours": gettext("学时 %(hours)s 少于标准要求的 %(min_hours)s") % {"hours": record.hours, "min_hours": version.min_hours}})
    if version.min_score is not None and (record.score is None or record.score < version.min_score):
        raise DomainError({"score": gettext("成绩 %(v)s 低于标准要求的 %(min_score)s") % {"v": record.score if record.score is not None else gettext("（无）"), "min_score": version.min_score}})
    if record.date < version.effective_from:
        raise DomainError({"date": gettext("学习日期 %(date)s 早于标准 v%(version)s 的生效日期 %(effective_from)s") % {"date": record.date, "version": version.version, "effective_from": version.effective_from}})
    credits = version.credits_for(record.hours)
    if credits <= 0:
        raise DomainError({"hours": gettext("学时 %(hours)s 不足以获得学分（每 %(hours_per_credit)s 学时 1 学分）") % {"hours": record.hours, "hours_per_credit": version.hours_per_credit}})
    with transaction.atomic():
        account, _ = account_open(actor=actor, learner=record.learner, via=OpenedVia.AUTO, institution=record.provider)
        account = ledger.lock_account(account.pk)
        recognised = Outcome.objects.unscoped("a record is recognised once, whoever recognised it").filter(learning_record=record).first()
        if recognised is not None:  # recognised while we waited for the lock
            return recognised
        outcome = Outcome.objects.create(
            account=account, standard_version=version, learning_record=record, method=RecognitionMethod.AUTO,
            title=record.title, provider=record.provider, provider_name=record.provider.name, date=record.date,
            hours=record.hours, score=record.score, credit_class=version.credit_class, credits=credits,
            basis=f"认证机构 {record.provider.name} 的{record.get_kind_display()}记录，符合标准 "
                  f"{version.standard.code} v{version.version}《{version.name}》",
            recognised_at=timezone.now(), recognised_by=_user(actor))
        ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
            credit_class=version.credit_class, amount=credits, reason=EntryReason.RECOGNITION, outcome_id=outcome.pk)])
        audit_record(actor=actor, action="outcome.recognise", obj=outcome, record=record.pk, credits=str(credits))
    return outcome


def record_recognise_auto(*, actor, record: LearningRecord) -> Outcome | None:
    """Called for every new learning record: opens the learner's account (at the first record) and recognises
    the record when a standard matches; a record that earns nothing is still kept as learning."""
    with transaction.atomic():
        account_open(actor=actor, learner=record.learner, via=OpenedVia.AUTO, institution=record.provider)
        try:
            with transaction.atomic():
                return record_recognise(actor=actor, record=record)
        except DomainError:
            return None


def outcome_reverse(*, actor, outcome: Outcome, reason: str) -> LedgerEntry:
    """Correct a recognition by a reversal entry (never an edit). An outcome that an approved conversion used
    cannot be reversed until that conversion is."""
    _require_credit_admin(actor, city_of_place(outcome.account.learner.residence))
    reason = _reason_given(reason)

    def unused():
        if OutcomeUse.objects.unscoped(_LOCKED).filter(outcome=outcome).exclude(
                conversion__entries__reason=EntryReason.REVERSAL).exists():
            raise DomainError({"outcome": gettext("该成果已用于学分转换，须先冲正相应的转换")})

    with transaction.atomic():
        account = ledger.lock_account(outcome.account_id)
        original = LedgerEntry.objects.unscoped(_LOCKED).filter(outcome=outcome, reason=EntryReason.RECOGNITION).first()
        entry = _reversal_append(actor=actor, account=account, original=original, reason=reason, field="outcome",
                                 missing=gettext("该成果没有认定记账"), again=gettext("该成果已冲正"), check=unused,
                                 outcome_id=outcome.pk)
        audit_record(actor=actor, action="outcome.reverse", obj=outcome, reason=reason)
    return entry
