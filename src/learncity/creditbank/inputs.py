"""What each credit bank command takes: one input schema per command (core.inputs), the API's body and the page
form's data alike. The API declares them as bodies (a body that does not match is Ninja's 422 naming the field);
the pages pass their form's data through `core.inputs.parse`, which shows the same messages under the form's
fields. The services receive the parsed instance: `Decimal`, `date` and known choices, never text to parse.

What a schema checks is what concerns the input alone (numbers and their bounds, dates, lengths, choices, a window
that ends after it begins); what needs the database (a code already taken, the framework's levels, the institution
the actor runs, the learner's birth date) stays in the services.
"""

from decimal import Decimal

from django.utils.translation import gettext
from pydantic import ConfigDict, Field, field_validator, model_validator

from learncity.core.errors import DomainError
from learncity.core.inputs import Day, Input, amount
from learncity.creditbank.models import CreditClass, DeclarationKind, TargetKind
from learncity.records.models import CourseKind, RecordKind

MAX_CREDITS = Decimal("1000")

Credits = amount(gt=0, le=int(MAX_CREDITS))  # int bounds: the message shows 1000, not Decimal('1000')
HoursPerCredit = amount(gt=0, le=1000)
Hours = amount(places=1, ge=0, le=2000)  # a minimum, or what a declaration states
Score = amount(places=1, ge=0, le=100)
Ratio = amount(places=3, gt=0, le=10)
PolicyNumber = amount(ge=0, le=100000)


class CreditInput(Input):
    """Choices come to the services as their plain values (`"training"`), as the models store them."""

    model_config = ConfigDict(use_enum_values=True)


def _zero_if_none(value):
    """A minimum (or declared hours) left blank is 0."""
    return Decimal(0) if value is None else value


def _empty_if_none(value):
    """A text left out of a call (None) is empty."""
    return "" if value is None else value


def _kinds(value):
    """A form's or a call's list of kinds, blanks left out."""
    if isinstance(value, (list, tuple)):
        return [k.strip() if isinstance(k, str) else k for k in value if not (isinstance(k, str) and not k.strip())]
    return value


class PersonIn(Input):
    id_number: str
    name: str = ""


class BulkIn(Input):
    institution_code: str
    people: list[PersonIn]


def _standard_code(value: str) -> str:
    if (not value or len(value) > 40 or any(c.isspace() or c in "/?#%\\" for c in value)
            or value.lower() == "new"):
        raise ValueError(gettext("标准代码不能为空、不含空格和 / ? # % \\，不能是 new，且不超过 40 个字符"))
    return value


class StandardFields(CreditInput):
    """What a version of a standard says."""

    name: str = Field(min_length=1, max_length=128)
    credit_class: CreditClass
    level: int = Field(ge=1, le=99)
    credits: Credits
    hours_per_credit: HoursPerCredit | None = None
    min_hours: Hours | None = Decimal(0)
    min_score: Score | None = None
    evidence: str = Field("", max_length=300)
    record_kinds: list[RecordKind] = []
    course_kinds: list[CourseKind] = []

    _min_hours = field_validator("min_hours")(_zero_if_none)
    _record_kinds = field_validator("record_kinds", "course_kinds", mode="before")(_kinds)

    _evidence = field_validator("evidence", mode="before")(_empty_if_none)


class StandardIn(StandardFields):
    """A new standard (its version 1) and the providers accredited to certify it."""

    code: str
    effective_from: Day | None = None  # today
    providers: list[str] = []

    _code = field_validator("code")(_standard_code)


class StandardCreateIn(StandardIn):
    """The API's body: a standard of the city named by its code."""

    city_code: str


class StandardRevision(CreditInput):
    """A field left out stays as in the current version; null is refused (422), but for `hours_per_credit` and
    `min_score` (null: no such rule) and `min_hours` (null: 0)."""

    name: str = Field(None, min_length=1, max_length=128)
    credit_class: CreditClass = None
    level: int = Field(None, ge=1, le=99)
    credits: Credits = None
    hours_per_credit: HoursPerCredit | None = None
    min_hours: Hours | None = None
    min_score: Score | None = None
    evidence: str = Field(None, max_length=300)
    record_kinds: list[RecordKind] = None
    course_kinds: list[CourseKind] = None
    effective_from: Day = None

    _min_hours = field_validator("min_hours")(_zero_if_none)
    _record_kinds = field_validator("record_kinds", "course_kinds", mode="before")(_kinds)

    def changes(self) -> dict:
        """The fields the revision sets, with their parsed values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class StandardRevisionBody(StandardRevision):
    """The API's body of a revision: a field the revision cannot set (a code, a city, a typing slip) is refused,
    naming it, rather than quietly left as it was (the page's form posts only fields the revision sets)."""

    model_config = ConfigDict(extra="forbid")


class PolicyIn(Input):
    """The city's credit-bank policy: a field left out stays as it is."""

    culture_never_academic: bool = None
    source_once_per_target: bool = None
    points_per_hour: PolicyNumber = None
    points_per_credit: PolicyNumber = None
    star_min_points: PolicyNumber = None
    star_min_hours_year: PolicyNumber = None
    star_min_credits: PolicyNumber = None

    def changes(self) -> dict:
        return {name: getattr(self, name) for name in self.model_fields_set}


class ReasonIn(Input):
    reason: str


class AccreditationIn(Input):
    institution_code: str


class EvidenceIn(Input):
    name: str
    content_base64: str


class DeclarationIn(CreditInput):
    standard_code: str
    kind: DeclarationKind
    title: str = Field(min_length=1, max_length=200)
    issuer: str = Field(min_length=1, max_length=128)
    date: Day
    hours: Hours | None = Decimal(0)
    score: Score | None = None
    note: str = Field("", max_length=500)
    evidence: list[EvidenceIn] = []

    _hours = field_validator("hours")(_zero_if_none)

    _note = field_validator("note", mode="before")(_empty_if_none)


class DecisionIn(Input):
    approve: bool
    reason: str


def _rule_code(value: str) -> str:
    if not value or len(value) > 40 or any(c.isspace() for c in value):
        raise ValueError(gettext("规则代码不能为空、不含空格，且不超过 40 个字符"))
    return value


class RuleIn(CreditInput):
    code: str
    name: str = Field(min_length=1, max_length=200)
    source_codes: list[str] = []
    target_institution_code: str
    target_kind: TargetKind
    target_name: str = Field(min_length=1, max_length=128)
    target_class: CreditClass
    ratio: Ratio
    cap_per_learner: Credits
    min_score: Score | None = None
    effective_from: Day
    abolished_on: Day | None = None

    _code = field_validator("code")(_rule_code)

    @field_validator("source_codes", mode="before")
    @classmethod
    def _sources(cls, value):
        return _kinds(value)

    @model_validator(mode="after")
    def _window(self) -> "RuleIn":
        if self.abolished_on is not None and self.abolished_on <= self.effective_from:
            raise DomainError({"abolished_on": gettext("废止日期 %(end)s 必须晚于生效日期 %(start)s") % {
                "end": self.abolished_on, "start": self.effective_from}})
        return self


class RuleReviewIn(Input):
    approve: bool
    note: str


class AbolishIn(Input):
    on: Day | None = None


class ConversionIn(Input):
    rule_code: str
    outcome_ids: list[int]
