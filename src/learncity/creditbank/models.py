"""The credit bank: learning accounts, outcome standards (versioned), recognised outcomes, the append-only
hash-chained ledger, conversion rules and conversions, issued transcripts.

Ledger tables (`LedgerEntry`, and the `Outcome` rows it records) are append-only: database triggers refuse UPDATE
and DELETE (migrations 0002 and 0007), and nothing that points at them may cascade or set null. A correction is a reversal entry. The account row holds
the chain's head (seq, hash) and caches the sum of entries per class (`balance_<class>`); both are changed only by
`ledger.entry_append` under the account's row lock, and `learncity ledger verify` checks both against the entries.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.catalog.models import LearningRecord
from learncity.core.scopes import Capability, RestrictedManager, scoped
from learncity.core.scopes.rules import by_institution, by_place, by_profile, own, public
from learncity.creditbank.scope_rules import managed, reviewed
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile, User
from learncity.places.models import Place

GENESIS = "0" * 64  # the prev_hash of every account's first entry
ZERO = Decimal("0")


class CreditClass(models.TextChoices):
    """Shanghai's three classes with vocational split from non-academic training."""

    ACADEMIC = "academic", _("学历教育")
    VOCATIONAL = "vocational", _("职业资格与技能")
    TRAINING = "training", _("非学历培训")
    CULTURE = "culture", _("文化休闲")


@scoped(browse=public(), view=public())
class FrameworkLevel(models.Model):
    """A level of the qualifications framework (资历框架); ten by default (migration 0003), editable."""

    level = models.PositiveSmallIntegerField(_("等级"), unique=True)
    name = models.CharField(_("名称"), max_length=64)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


@scoped(browse=public(), view=public(), change=by_place("city"))
class CreditPolicy(models.Model):
    """The city's credit-bank policy: conversion constraints and learning incentives (学习积分, 终身学习之星)."""

    city = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="credit_policy")
    culture_never_academic = models.BooleanField(_("文化休闲类学分不得转换为学历教育学分"), default=True)
    source_once_per_target = models.BooleanField(_("同一成果对同一目标专业只能使用一次"), default=True)
    points_per_hour = models.DecimalField(_("每学时积分"), max_digits=6, decimal_places=2, default=Decimal("1"))
    points_per_credit = models.DecimalField(_("每学分积分"), max_digits=6, decimal_places=2, default=Decimal("10"))
    star_min_points = models.DecimalField(_("学习之星：积分不少于"), max_digits=10, decimal_places=2,
                                          default=Decimal("300"))
    star_min_hours_year = models.DecimalField(_("学习之星：当年学时不少于"), max_digits=8, decimal_places=1,
                                              default=Decimal("48"))
    star_min_credits = models.DecimalField(_("学习之星：累计学分不少于"), max_digits=8, decimal_places=2,
                                           default=Decimal("4"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.city} credit policy"


@scoped(browse=public(), view=public(), change=by_place("city"))
class Standard(models.Model):
    """An outcome standard (认证标准) by its stable code; what it says lives in its versions."""

    code = models.CharField(_("标准代码"), max_length=40, unique=True)
    city = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class VersionStatus(models.TextChoices):
    ACTIVE = "active", _("现行")
    SUPERSEDED = "superseded", _("已被新版本取代")
    WITHDRAWN = "withdrawn", _("已撤销")


@scoped(browse=public(), view=public(), change=by_place("standard__city"))
class StandardVersion(models.Model):
    """One version of a standard. A change makes a new version (the old one is superseded); outcomes keep the
    version they were recognised under. A withdrawn version recognises nothing more."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    name = models.CharField(_("名称"), max_length=128)
    credit_class = models.CharField(_("学分类别"), max_length=12, choices=CreditClass.choices)
    level = models.ForeignKey(FrameworkLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("资历等级"))
    credits = models.DecimalField(_("学分"), max_digits=8, decimal_places=2)  # fixed, or the most hours can earn
    hours_per_credit = models.DecimalField(_("每学分学时"), max_digits=6, decimal_places=2, null=True, blank=True)
    min_hours = models.DecimalField(_("最少学时"), max_digits=6, decimal_places=1, default=Decimal("0"))
    min_score = models.DecimalField(_("最低成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    evidence = models.CharField(_("所需证明材料"), max_length=300, blank=True)
    # Which learning records it recognises automatically: ",completion,event," and optionally ",elderly,"
    record_kinds = models.CharField(max_length=100, blank=True)
    course_kinds = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.ACTIVE)
    effective_from = models.DateField(_("生效日期"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["standard__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "version"], name="standard_version_once"),
            models.UniqueConstraint(fields=["standard"], condition=Q(status="active"), name="standard_one_active"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="standard_credits_positive"),
            models.CheckConstraint(condition=Q(hours_per_credit__isnull=True) | Q(hours_per_credit__gt=0),
                                   name="standard_hours_per_credit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.version} {self.name}"

    def credits_for(self, hours: Decimal) -> Decimal:
        """Credits a record of `hours` earns: fixed, or hours / hours_per_credit (rounded down to 0.01), capped."""
        if self.hours_per_credit is None:
            return self.credits
        earned = (Decimal(hours) / self.hours_per_credit).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        return min(earned, self.credits)


@scoped(browse=public(), view=public(), change=by_place("standard__city"))
class Accreditation(models.Model):
    """A provider accredited to certify a standard (认证点); revoked accreditations recognise nothing more."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="accreditations")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="accreditations")
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["standard", "institution"], condition=Q(revoked_at__isnull=True),
                                               name="accreditation_once_active")]

    def __str__(self) -> str:
        return f"{self.institution} ⇒ {self.standard}"


class OpenedVia(models.TextChoices):
    AUTO = "auto", _("首条学习记录自动开户")
    SELF = "self", _("本人申请")
    BULK = "bulk", _("单位批量开户")


def balance_field(credit_class: str) -> str:
    """The account column that caches a credit class's balance."""
    return f"balance_{credit_class}"


@scoped(view=by_profile("learner"), change=by_profile("learner"))
class LearningAccount(models.Model):
    """One lifelong learning account (终身学习账户) per resident. `head_seq`/`head_hash` are the ledger chain's
    end, changed only under this row's lock."""

    learner = models.OneToOneField(LearnerProfile, on_delete=models.PROTECT, related_name="account")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_via = models.CharField(max_length=8, choices=OpenedVia.choices)
    opened_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_for = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("开户单位"))
    head_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default=GENESIS)
    # The cached balance of each credit class (the entries are the truth; `ledger verify` compares them). On the
    # account's own row, so an entry moves the head and the balance in one update of one row, under the lock the
    # append already holds.
    balance_academic = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, db_default=ZERO)
    balance_vocational = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, db_default=ZERO)
    balance_training = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, db_default=ZERO)
    balance_culture = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO, db_default=ZERO)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(**{f"balance_{c}__gte": 0}), name=f"account_{c}_not_negative")
                       for c in ("academic", "vocational", "training", "culture")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"LA{self.pk:010d}"


class DeclarationKind(models.TextChoices):
    CERTIFICATE = "certificate", _("证书")
    COURSE = "course", _("外单位课程")
    VOLUNTEERING = "volunteering", _("志愿服务")
    OTHER = "other", _("其他学习成果")


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已认定")
    REJECTED = "rejected", _("未通过")


@scoped(view=own("account__learner__user") | reviewed(Capability.READ_REVIEWS),
        change=reviewed(Capability.REVIEW))
class Declaration(models.Model):
    """A learning outcome the learner declares (a certificate, a course taken elsewhere, volunteering), with
    evidence, waiting in the review queue."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="declarations")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="declarations",
                                 verbose_name=_("申请认定的标准"))
    kind = models.CharField(_("成果类型"), max_length=12, choices=DeclarationKind.choices)
    title = models.CharField(_("成果名称"), max_length=200)
    issuer = models.CharField(_("发证或培训单位"), max_length=128)
    date = models.DateField(_("取得日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=Decimal("0"))
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account} {self.title} ({self.status})"


@scoped(view=own("declaration__account__learner__user")
        | reviewed(Capability.READ_REVIEWS, "declaration__account__learner"))
class Evidence(models.Model):
    """A file supporting a declaration, kept in the database so a declaration and its files are written in one
    transaction (nothing half-written on disk)."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    objects = RestrictedManager()

    def __str__(self) -> str:
        return self.name


class RecognitionMethod(models.TextChoices):
    AUTO = "auto", _("认证机构记录自动认定")
    REVIEW = "review", _("申报审核认定")


@scoped(view=by_profile("account__learner"), change=by_profile("account__learner"))
class Outcome(models.Model):
    """A recognised learning outcome: what was learned, under which standard version, worth how many credits.
    Written once; a reversal is a ledger entry, never an edit. Append-only (database triggers refuse UPDATE and
    DELETE, migration 0007), and covered by the hash of the ledger entries that record it (`outcome_hash`)."""

    # No foreign-key constraints in the database on the hot append-only tables (outcomes, ledger entries,
    # balances): every writer takes its ids from rows it has just read or locked in the same transaction, and
    # nothing they point at is ever deleted (PROTECT in the ORM; accounts, versions and records are never
    # removed). A constraint would look up and key-share-lock the referenced row for every inserted row: about
    # 40% of bulk recognition's time at city scale (docs/design.md § The credit bank).
    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="outcomes",
                                db_index=False, db_constraint=False)  # the outcome_account index serves it
    standard_version = models.ForeignKey(StandardVersion, on_delete=models.PROTECT, related_name="outcomes",
                                         db_constraint=False)
    learning_record = models.OneToOneField(LearningRecord, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="outcome", db_constraint=False)
    declaration = models.OneToOneField(Declaration, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="outcome")
    method = models.CharField(max_length=8, choices=RecognitionMethod.choices)
    title = models.CharField(max_length=200)
    provider = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False, db_constraint=False)  # read through the outcome, never searched by
    provider_name = models.CharField(max_length=128)
    date = models.DateField()  # the (account, date) index serves transcripts; nothing searches all outcomes by date
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    credit_class = models.CharField(max_length=12, choices=CreditClass.choices)
    credits = models.DecimalField(max_digits=8, decimal_places=2)
    basis = models.CharField(_("认定依据"), max_length=300)
    recognised_at = models.DateTimeField()
    recognised_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      db_index=False, db_constraint=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-date", "-id"]
        # An account's outcomes (a transcript sorts its few dozen rows itself): on the account alone the index
        # deduplicates to a sixth of (account, date), so the bulk path's inserts touch far fewer of its pages.
        indexes = [models.Index(fields=["account"], name="outcome_account")]

    def __str__(self) -> str:
        return f"{self.title} {self.credits}"


class RuleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("专家评审中")
    ACTIVE = "active", _("生效")
    ABOLISHED = "abolished", _("已废止")


class TargetKind(models.TextChoices):
    PROGRAMME = "programme", _("学历专业学分")
    COURSE = "course", _("课程学分")
    CERTIFICATE = "certificate", _("证书")


@scoped(browse=public(status__in=["active", "abolished"]),
        view=public(status__in=["active", "abolished"]) | by_institution("target_institution"),
        change=by_institution("target_institution"))
class ConversionRule(models.Model):
    """Source standard(s) → credits in a target institution's programme or course, or a certificate."""

    code = models.CharField(_("规则代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    sources = models.ManyToManyField(Standard, related_name="conversion_rules", verbose_name=_("来源标准"))
    target_institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="conversion_rules",
                                           verbose_name=_("目标机构"))
    target_kind = models.CharField(_("目标类型"), max_length=12, choices=TargetKind.choices)
    target_name = models.CharField(_("目标专业、课程或证书"), max_length=128)
    target_class = models.CharField(_("转换后的学分类别"), max_length=12, choices=CreditClass.choices)
    ratio = models.DecimalField(_("转换比例"), max_digits=6, decimal_places=3)
    cap_per_learner = models.DecimalField(_("每人上限（学分）"), max_digits=8, decimal_places=2)
    min_score = models.DecimalField(_("最低成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    effective_from = models.DateField(_("生效日期"))
    abolished_on = models.DateField(_("废止日期"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=RuleStatus.choices, default=RuleStatus.DRAFT)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(ratio__gt=0), name="rule_ratio_positive"),
            models.CheckConstraint(condition=Q(cap_per_learner__gt=0), name="rule_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def target_key(self) -> str:
        """What "the same target programme" means for the once-per-target policy."""
        return f"{self.target_institution_id}|{self.target_kind}|{self.target_name}"


class ConversionStatus(models.TextChoices):
    APPLIED = "applied", _("待审批")
    APPROVED = "approved", _("已转换")
    REJECTED = "rejected", _("未批准")


@scoped(view=own("account__learner__user") | managed("rule__target_institution"),
        change=managed("rule__target_institution"))
class Conversion(models.Model):
    """A learner's application to convert outcomes by a rule; the target institution decides."""

    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="conversions")
    rule = models.ForeignKey(ConversionRule, on_delete=models.PROTECT, related_name="conversions")
    outcomes = models.ManyToManyField(Outcome, related_name="conversions")
    credits_in = models.DecimalField(max_digits=8, decimal_places=2)
    credits_out = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=10, choices=ConversionStatus.choices, default=ConversionStatus.APPLIED)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account} {self.rule.code} {self.credits_out}"


@scoped(view=by_profile("outcome__account__learner"))
class OutcomeUse(models.Model):
    """An outcome used by an approved conversion towards a target (the once-per-target policy reads these)."""

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="uses")
    conversion = models.ForeignKey(Conversion, on_delete=models.PROTECT, related_name="uses")
    target_key = models.CharField(max_length=200)

    objects = RestrictedManager()

    class Meta:
        indexes = [models.Index(fields=["outcome", "target_key"])]

    def __str__(self) -> str:
        return f"{self.outcome_id} → {self.target_key}"


class EntryReason(models.TextChoices):
    RECOGNITION = "recognition", _("认定")
    CONVERSION = "conversion", _("转换")
    REVERSAL = "reversal", _("冲正")
    EXPIRY = "expiry", _("过期")
    # Written only by migration 0008: one a chain, amount 0, no outcome; its outcome_hash covers the outcomes its
    # account's chain version 1 entries recorded (`ledger.checkpoint_hash`).
    CHAIN_UPGRADE = "upgrade", _("账本升级：此前记录的学习成果纳入校验")


# The chain version new entries are written under (`LedgerEntry.chain`). 1: the entry's own fields; 2 (migration
# 0007): also "2" and `outcome_hash`, the SHA-256 of everything a transcript shows of the outcome it records.
CHAIN = 2


@scoped(view=by_profile("account__learner"))
class LedgerEntry(models.Model):
    """One credit movement. Append-only (database triggers refuse UPDATE and DELETE) and chained per account:
    hash = SHA-256(prev_hash, the entry's fields), prev_hash = the account's previous entry's hash. From chain
    version 2 on, the hash also covers the version and `outcome_hash` (ledger.outcome_hash of the outcome the
    entry records: its every column and its standard's code, version, name and level); versions never go down
    along an account's chain."""

    # No foreign-key constraints on account, outcome and actor: see Outcome.
    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="entries",
                                db_index=False, db_constraint=False)  # the unique (account, seq) index serves it
    seq = models.PositiveIntegerField()
    credit_class = models.CharField(max_length=12, choices=CreditClass.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=12, choices=EntryReason.choices)
    outcome = models.ForeignKey(Outcome, null=True, blank=True, on_delete=models.PROTECT, related_name="entries",
                                db_constraint=False)
    # Most entries have neither: partial indexes, so recognitions do not add to them.
    conversion = models.ForeignKey(Conversion, null=True, blank=True, on_delete=models.PROTECT, related_name="entries",
                                   db_index=False)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)  # reversed at most once: ledger_entry_reversed_once
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    chain = models.PositiveSmallIntegerField(default=CHAIN)  # entries written before migration 0007: 1
    outcome_hash = models.CharField(max_length=64, blank=True, default="")  # "" without an outcome, and in chain 1

    objects = RestrictedManager()

    class Meta:
        ordering = ["account", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="ledger_entry_seq_once"),
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="ledger_entry_reversed_once"),
            # a chain upgrade checkpoint moves no credits
            models.CheckConstraint(condition=~Q(amount=0) | Q(reason=EntryReason.CHAIN_UPGRADE),
                                   name="ledger_entry_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["conversion"], condition=Q(conversion__isnull=False),
                                name="ledger_entry_conversion")]

    def __str__(self) -> str:
        return f"{self.account_id}#{self.seq} {self.reason} {self.credit_class} {self.amount}"


@scoped(browse=public(), view=by_profile("account__learner"), change=by_profile("account__learner"))
class Transcript(models.Model):
    """An issued transcript (学习成果证明): what it states is frozen in `content`, its digest and the ledger head
    it was issued at; the public verification page finds it by `token` and says whether it still holds."""

    token = models.CharField(max_length=32, unique=True)
    account = models.ForeignKey(LearningAccount, on_delete=models.PROTECT, related_name="transcripts")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    head_seq = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    content = models.JSONField()
    digest = models.CharField(max_length=64)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.account} transcript {self.token}"


@scoped(browse=public(), view=by_profile("transcript__account__learner"))
class TranscriptWithdrawal(models.Model):
    """An issued transcript withdrawn by its holder (or by staff who may issue one for them): from then on its
    verification says it no longer holds. Issued transcripts are append-only, so the withdrawal is a row of its
    own, append-only too, at most one a transcript."""

    transcript = models.OneToOneField(Transcript, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, blank=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.transcript.token} withdrawn {self.withdrawn_at:%Y-%m-%d}"
