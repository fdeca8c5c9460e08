"""The demo city's annual assessment (年度考核), built last in the committee's year (governance_builder.py calls
it once the plan, tasks, meetings, reports and inspections are there): the office's two schemes for the demo's year,
districts (the committees of the city's districts) and member units, each weighing indicator attainment 30,
task completion and timeliness 30, report timeliness 20 and inspection scores 20; and the office's proposal of
advanced units from each ranked table (the first three, ties with the third included). Only through the
governance services, as the city's office would do it."""

import datetime

from learncity.governance.inputs.assessment import ProposeIn, SchemeIn
from learncity.governance.models import AssessmentSubjects
from learncity.governance.selectors.assessment import subjects_count
from learncity.governance.services.assessment import advanced_propose, scheme_create

WEIGHTS = {"indicators": "30", "tasks": "30", "reports": "20", "inspections": "20"}
ADVANCED = 3  # how many advanced units the office proposes from each table


def build_assessment(office, committee, today: datetime.date) -> dict[str, int]:
    """The year's two schemes and their proposals. Returns how many schemes and proposed units were written."""
    schemes = proposed = 0
    for subjects in (AssessmentSubjects.DISTRICTS, AssessmentSubjects.MEMBER_UNITS):
        scheme = scheme_create(actor=office, committee=committee, data=SchemeIn(
            year=today.year, subjects=subjects, weights=WEIGHTS))
        schemes += 1
        n = subjects_count(actor=office, scheme=scheme)
        if n:
            rows = advanced_propose(actor=office, scheme=scheme, data=ProposeIn(count=min(ADVANCED, n)))
            proposed += len(rows)
    return {"assessment_schemes": schemes, "advanced_units": proposed}
