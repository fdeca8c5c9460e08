"""Writes of the credit bank, one module per sub-domain. Each checks who may, validates everything before writing,
and writes its audit row in the same transaction. Every credit movement goes through `ledger.entries_append` under
the account's lock.

Who may do what:
- standards, accreditations and the city's policy: city administrators (standards.py);
- a learner's declarations: reviewed by expert reviewers or city administrators of the learner's city
  (declarations.py);
- conversion rules: drafted by the target institution's staff (or administrators over it), put to expert review,
  activated by an expert reviewer or city administrator, abolished by whoever may draft them (rules.py);
- conversions: applied for by the learner, decided by the target institution (staff of another institution are
  refused) (conversions.py);
- reversals: city administrators (recognition.py, conversions.py).
"""

from learncity.core.evidence import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES, EVIDENCE_TYPES, evidence_max_bytes
from learncity.creditbank.inputs import MAX_CREDITS
from learncity.creditbank.policy import policy_for
from learncity.creditbank.services.accounts import account_open, account_open_own, accounts_open_bulk
from learncity.creditbank.services.conversions import conversion_apply, conversion_decide, conversion_reverse
from learncity.creditbank.services.declarations import declaration_review, declaration_submit, evidence_errors
from learncity.creditbank.services.recognition import outcome_reverse, record_recognise, record_recognise_auto
from learncity.creditbank.services.rules import rule_abolish, rule_create, rule_review, rule_submit
from learncity.creditbank.services.standards import (
    accreditation_grant,
    accreditation_revoke,
    policy_update,
    standard_create,
    standard_revise,
    standard_withdraw,
)
from learncity.creditbank.services.transcripts import transcript_issue, transcript_withdraw

__all__ = [
    "EVIDENCE_MAX_BYTES", "EVIDENCE_MAX_FILES", "EVIDENCE_TYPES", "MAX_CREDITS", "account_open",
    "account_open_own", "accounts_open_bulk", "accreditation_grant", "accreditation_revoke", "conversion_apply",
    "conversion_decide", "conversion_reverse", "declaration_review", "declaration_submit", "evidence_errors",
    "evidence_max_bytes",
    "outcome_reverse", "policy_for", "policy_update", "record_recognise", "record_recognise_auto", "rule_abolish",
    "rule_create", "rule_review", "rule_submit", "standard_create", "standard_revise", "standard_withdraw",
    "transcript_issue", "transcript_withdraw",
]
