"""The credit bank's objects on each side of the 鼓楼区 / 台江区 line for the authorization matrix, each made on
first use through the services: a standard (MX-STD) accredited to the staff member's school that recognises
`event` records of law courses, outcomes under it, accounts, an issued transcript, a declaration, conversion rules
in each state for the staff's school (鼓楼区) and for an institution in 台江区, and applications to both."""

import datetime
from functools import cached_property

from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.creditbank import services
from learncity.creditbank.inputs import DeclarationIn, RuleIn, StandardIn
from learncity.creditbank.models import LearningAccount, OpenedVia, Outcome

PDF = b"%PDF-1.4\n% matrix evidence\n%%EOF\n"


class CreditTargets:
    def __init__(self, t):
        self.t = t
        self.users = t.users
        self._records = 0

    def _today(self) -> datetime.date:
        return timezone.localdate()

    @cached_property
    def standard(self):
        return services.standard_create(actor=self.users["city_admin"], city=self.t.city, data=StandardIn(
            code="MX-STD", name="矩阵标准", credit_class="training", level=1, credits="2", record_kinds=["event"],
            course_kinds=["law"], providers=[self.t.staff_inst.code],
            effective_from=self._today() - datetime.timedelta(days=400)))

    def _outcome(self, profile) -> Outcome:
        self.standard  # noqa: B018 — the standard must exist before the record is made
        self._records += 1
        record = learning_record_create(
            actor=self.users["staff"], learner=profile, provider=self.t.staff_inst, kind=RecordKind.EVENT,
            title=f"矩阵讲座 {self._records}", hours="8", date=self._today() - datetime.timedelta(days=5),
            source=RecordSource.PAGE, external_id=f"matrix-{profile.pk}-{self._records}", course_kind="law")
        return Outcome.objects.get(learning_record=record)

    @cached_property
    def outcome(self) -> Outcome:
        """The learner's (鼓楼区)."""
        return self._outcome(self.t.learner_profile)

    @cached_property
    def taijiang_outcome(self) -> Outcome:
        return self._outcome(self.t.taijiang_profile)

    def _account(self, profile) -> LearningAccount:
        return services.account_open(actor=self.users["city_admin"], learner=profile, via=OpenedVia.BULK,
                                     institution=self.t.staff_inst)[0]

    @cached_property
    def learner_account(self) -> LearningAccount:
        return LearningAccount.objects.get(learner=self.t.learner_profile)

    @cached_property
    def gulou_account(self) -> LearningAccount:
        return self._account(self.t.gulou_profile)

    @cached_property
    def taijiang_account(self) -> LearningAccount:
        return self._account(self.t.taijiang_profile)

    @cached_property
    def transcript(self):
        self.outcome  # noqa: B018 — a transcript that states something
        return services.transcript_issue(actor=self.users["learner"], account=self.learner_account)

    def transcript_of(self, side: str):
        """A transcript issued (by the city) for a resident of 鼓楼区 or of 台江区."""
        account = self.gulou_account if side == "gulou" else self.taijiang_account
        return services.transcript_issue(actor=self.users["city_admin"], account=account)

    @cached_property
    def declaration(self):
        return services.declaration_submit(actor=self.users["learner"], data=DeclarationIn(
            standard_code=self.standard.standard.code, kind="certificate", title="矩阵证书", issuer="矩阵考试院",
            date=self._today() - datetime.timedelta(days=20)), files=[("证书.pdf", PDF)])

    # --- rules: draft, under review and active, for the staff's school (gulou) and one in 台江区 ----------------

    def _rule(self, code: str, inst, actor, stage: str):
        rule = services.rule_create(actor=actor, data=RuleIn(
            code=code, name=f"矩阵规则 {code}", source_codes=[self.standard.standard.code],
            target_institution_code=inst.code, target_kind="certificate", target_name=code,
            target_class="training", ratio="1", cap_per_learner="10",
            effective_from=self._today() - datetime.timedelta(days=30)))
        if stage in ("review", "active"):
            rule = services.rule_submit(actor=actor, rule=rule)
        if stage == "active":
            rule = services.rule_review(actor=self.users["expert"], rule=rule, approve=True, note="矩阵评审通过")
        return rule

    def rule(self, side: str, stage: str):
        key = (side, stage)
        cache = self.__dict__.setdefault("_rules", {})
        if key not in cache:
            inst, actor = ((self.t.staff_inst, self.users["staff"]) if side == "gulou"
                           else (self.t.taijiang_inst, self.users["city_admin"]))
            cache[key] = self._rule(f"MX-{side[0].upper()}-{stage}", inst, actor, stage)
        return cache[key]

    def application(self, side: str):
        """The learner's application to convert their outcome by the active rule of that side."""
        cache = self.__dict__.setdefault("_applications", {})
        if side not in cache:
            cache[side] = services.conversion_apply(actor=self.users["learner"], rule=self.rule(side, "active"),
                                                    outcome_ids=[self.outcome.pk])
        return cache[side]
