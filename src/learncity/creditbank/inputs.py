"""What each credit bank command takes: one input schema per command (core.inputs), the API's body and the page
form's data alike. The API declares them as bodies; the pages pass their form's data through `parse`.

Numbers and dates stay as they came (`Decimal | str`, `date | str`: never through a float): the services read them
by the project's one number rule (core.inputs) and name the field of a bad one with the credit bank's own message.
"""

import datetime
from decimal import Decimal

from learncity.core.inputs import Input

Number = Decimal | str  # passed through to the services, which validate it and name the field
DateIn = datetime.date | str  # a bad date is the services' 400 naming the field, like a bad number


class PersonIn(Input):
    id_number: str
    name: str = ""


class BulkIn(Input):
    institution_code: str
    people: list[PersonIn]


class StandardIn(Input):
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


class StandardRevision(Input):
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


class ReasonIn(Input):
    reason: str


class AccreditationIn(Input):
    institution_code: str


class EvidenceIn(Input):
    name: str
    content_base64: str


class DeclarationIn(Input):
    standard_code: str
    kind: str
    title: str
    issuer: str
    date: DateIn
    hours: Number = "0"
    score: Number | None = None
    note: str = ""
    evidence: list[EvidenceIn] = []


class DecisionIn(Input):
    approve: bool
    reason: str


class RuleIn(Input):
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


class RuleReviewIn(Input):
    approve: bool
    note: str


class AbolishIn(Input):
    on: DateIn | None = None


class ConversionIn(Input):
    rule_code: str
    outcome_ids: list[int]
