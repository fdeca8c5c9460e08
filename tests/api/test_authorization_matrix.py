"""Every route of the API, asked by every role, about objects on each side of a district line.

`TABLE` declares what each role gets from each route. The routes are walked from the Ninja API itself:
a route that is not in the table, or a table entry whose route is gone, fails `test_every_route_is_declared`,
so no route ships without a declared scope. Refused writes must leave the database as it was; allowed writes
must change it and write one audit row (or as many as the call declares: a check-in audits the attendance and
the learning record it makes).
"""

import base64
import datetime
import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from learncity.api import api
from learncity.catalog.models import (
    Attendance,
    Course,
    CourseState,
    Enrollment,
    Event,
    EventRegistration,
    LearningRecord,
    Venue,
)
from learncity.catalog.services import QR_SALT, session_qr_token
from learncity.core import crypto
from learncity.core.models import AuditEvent
from learncity.creditbank import selectors as credit_selectors
from learncity.creditbank.models import (
    Accreditation,
    Conversion,
    ConversionRule,
    Declaration,
    LearningAccount,
    LedgerEntry,
    Outcome,
    Standard,
    StandardVersion,
    Transcript,
    TranscriptWithdrawal,
)
from learncity.governance.form_files import form_document
from learncity.governance.models import (
    AdvancedUnitProposal,
    AssessmentScheme,
    AssessmentWeight,
    Circular,
    DecisionTask,
    Evidence,
    InspectionEvidence,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Meeting,
    MeetingDecision,
    Milestone,
    ProgressUpdate,
    Rectification,
    ReportForm,
    ReportReturn,
    ReportRound,
    ReturnAttachment,
    ReturnEvent,
    Task,
    TaskTransition,
    WorkPlan,
)
from learncity.intake import keys as intake_keys
from learncity.intake import services as intake_services
from learncity.intake.models import ImportJob, ProviderKey
from learncity.monitoring.models import Indicator, IndicatorVersion
from learncity.monitoring.models import Target as MonitoringTarget
from learncity.monitoring.periods import period_parse
from learncity.network.models import Committee, Designation, Institution, MemberUnit
from learncity.people.models import ApiToken, LearnerProfile, User
from learncity.people.services import ID_CONTEXT, learner_profile_create
from learncity.places.models import Place, Population
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer, VolunteerService
from tests.api.governance_targets import PDF as GOV_PDF
from tests.api.governance_targets import QUARTERLY_ANSWERS, docx_base64, office_text
from tests.api.governance_targets import YEAR as GOV_YEAR
from tests.api.support import EXCLUDED_URL_NAMES, api_routes, fresh_id_number, path_template

ROLES = ("anonymous", "learner", "institution_staff", "district_admin", "city_admin", "member_unit_reporter",
         "expert_reviewer", "auditor")
USERNAMES = {"anonymous": None, "learner": "learner", "institution_staff": "staff", "district_admin": "district_admin",
             "city_admin": "city_admin", "member_unit_reporter": "reporter", "expert_reviewer": "expert",
             "auditor": "auditor"}

# --- outcomes -------------------------------------------------------------------------------------------

UNAUTHENTICATED = 401
OK = 200
CREATED = 201
REJECTED = 400  # refused as input: an import row by row ("您无权修改…"), or a learner-only call by a role with no
# learner profile ("no_profile"); the call's `rejected_code` says which. Nothing written.
DENIED = 403  # the object is visible, the change is not allowed
HIDDEN = 404  # outside the scope: answered exactly as if it did not exist
PUBLIC = {("GET", "/api/credits/verify/{token}")}  # answered without signing in (a transcript's public check)


@dataclass(frozen=True)
class Rows:
    """200, with exactly these rows: keys worked out straight from the tables, not through the scopes code."""

    expected: Callable[[Any, Any], set]


NONE = Rows(lambda t, me: set())


def places_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Place.objects.filter(path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def place_only(attr: str) -> Rows:
    return Rows(lambda t, me: {getattr(t, attr).code})


def institutions_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Institution.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def designations_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Designation.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("place__code", "kind", "year")))


def committees_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Committee.objects.filter(place__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


def units_of(attr: str) -> Rows:
    return Rows(lambda t, me: set(MemberUnit.objects.filter(committee=getattr(t, attr)).values_list("pk", flat=True)))


def residents_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(LearnerProfile.objects.filter(residence__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


OWN_PROFILE = Rows(lambda t, me: {t.learner_profile.pk})
OWN_UNIT = Rows(lambda t, me: {t.reporter_unit.pk})
OWN_COMMITTEE = Rows(lambda t, me: {t.reporter_unit.committee_id})
OWN_INSTITUTION = Rows(lambda t, me: {t.staff_inst.code})
OWN_TOKENS = Rows(lambda t, me: set(ApiToken.objects.filter(user=me).values_list("pk", flat=True)))
PUBLISHED = Rows(lambda t, me: set(Course.objects.filter(state=CourseState.PUBLISHED).values_list("code", flat=True)))
STAFF_COURSES = Rows(lambda t, me: set(Course.objects.filter(institution=t.staff_inst).values_list("code", flat=True)))


def courses_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Course.objects.filter(institution__place__path__startswith=getattr(t, attr).path)
                                  .values_list("code", flat=True)))


def teachers_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Teacher.objects.filter(institutions__place__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


def volunteers_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Volunteer.objects.filter(institution__place__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


STAFF_TEACHERS = Rows(lambda t, me: set(Teacher.objects.filter(institutions=t.staff_inst).values_list("pk", flat=True)))
STAFF_VOLUNTEERS = Rows(lambda t, me: set(Volunteer.objects.filter(institution=t.staff_inst)
                                          .values_list("pk", flat=True)))
ALL_TEXTBOOKS = Rows(lambda t, me: set(Textbook.objects.values_list("pk", flat=True)))
CITY_EXPERTS = Rows(lambda t, me: set(Expert.objects.filter(city=t.city).values_list("pk", flat=True)))


def roster_of(attr: str) -> Rows:
    return Rows(lambda t, me: set(Enrollment.objects.filter(course=getattr(t.catalog, attr)).exclude(
        status="cancelled").values_list("pk", flat=True)))

A = UNAUTHENTICATED  # keeps the first column narrow

# --- the declared expectations ---------------------------------------------------------------------------
# (method, path) -> {target: outcomes in ROLES order}. "-" marks a route that is not about one object.
#          anonymous  learner   staff     district  city      reporter  expert    auditor
TABLE: dict[tuple[str, str], dict[str, tuple]] = {
    ("GET", "/api/"): {  # Ninja's root view: it only anchors reverse() and answers 404 to everyone
        "-": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/me"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/places/"): {
        "-": (A, NONE, place_only("gulou_street"), places_in("gulou"), places_in("city"), places_in("city"),
              places_in("city"), places_in("city")),
    },
    ("GET", "/api/places/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, OK, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    ("GET", "/api/places/{code}/population"): {
        "gulou": (A, HIDDEN, OK, OK, OK, OK, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    },
    ("PUT", "/api/places/{code}/population"): {
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/places/population/import"): {
        "gulou": (A, REJECTED, REJECTED, OK, OK, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
    },
    ("POST", "/api/places/communities"): {
        # a district's own targets are the city's to set (its admin sets those of its streets and communities)
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/places/communities/import"): {
        "gulou": (A, REJECTED, REJECTED, OK, OK, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/network/institutions"): {
        "-": (A, NONE, OWN_INSTITUTION, institutions_in("gulou"), institutions_in("city"), NONE,
              institutions_in("city"), institutions_in("city")),
    },
    ("POST", "/api/network/institutions"): {
        # a district's own targets are the city's to set (its admin sets those of its streets and communities)
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/network/institutions/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    ("PATCH", "/api/network/institutions/{code}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/network/designations"): {
        "-": (A, NONE, NONE, designations_in("gulou"), designations_in("city"), designations_in("city"),
              designations_in("city"), designations_in("city")),
    },
    ("GET", "/api/network/committees"): {
        "-": (A, NONE, NONE, committees_in("gulou"), committees_in("city"), OWN_COMMITTEE, committees_in("city"),
              committees_in("city")),
    },
    ("GET", "/api/network/committees/{pk}/members"): {
        "city": (A, HIDDEN, HIDDEN, HIDDEN, units_of("city_committee"), OWN_UNIT, units_of("city_committee"),
                 units_of("city_committee")),
        "gulou": (A, HIDDEN, HIDDEN, units_of("gulou_committee"), units_of("gulou_committee"), HIDDEN,
                  units_of("gulou_committee"), units_of("gulou_committee")),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, units_of("taijiang_committee"), HIDDEN,
                     units_of("taijiang_committee"), units_of("taijiang_committee")),
    },
    ("PATCH", "/api/network/member-units/{pk}"): {
        "reporter_unit": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    ("GET", "/api/people/profiles"): {
        "-": (A, OWN_PROFILE, NONE, residents_in("gulou"), residents_in("city"), NONE, NONE, residents_in("city")),
    },
    ("POST", "/api/people/profiles"): {
        # a district's own targets are the city's to set (its admin sets those of its streets and communities)
        "gulou": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/people/profiles/me"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/people/profiles/me/reveal"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/people/profiles/{pk}"): {
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    ("PATCH", "/api/people/profiles/{pk}"): {
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/people/tokens"): {
        "-": (A, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS, OWN_TOKENS),
    },
    ("POST", "/api/people/tokens"): {
        "-": (A, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED),
    },
    ("DELETE", "/api/people/tokens/{pk}"): {
        "own": (A, OK, OK, OK, OK, OK, OK, OK),
        "others": (A, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    # passwords: one's own for everyone signed in; staff's reset by the administrators over every role they hold
    # (the auditor sees the accounts and changes none)
    ("POST", "/api/people/me/password"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("POST", "/api/people/users/{pk}/password"): {
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, DENIED),
    },
    # --- the learning platform: published courses and search are for every signed-in role; running a course
    # (its roster, sessions, state, attendance, completions, check-in codes) for those who may change its
    # institution; enrolling, checking in and learning online for learners, who have a learner profile.
    ("GET", "/api/catalog/search"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/catalog/courses"): {
        "-": (A, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED, PUBLISHED),
    },
    ("GET", "/api/catalog/courses/managed"): {
        "-": (A, NONE, STAFF_COURSES, courses_in("gulou"), courses_in("city"), NONE, NONE, NONE),
    },
    ("POST", "/api/catalog/courses"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/catalog/courses/{pk}"): {
        "published": (A, OK, OK, OK, OK, OK, OK, OK),
        "draft_gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, OK, OK),
        "draft_gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "draft_taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    ("PATCH", "/api/catalog/courses/{pk}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/state"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/sessions"): {
        "gulou": (A, HIDDEN, CREATED, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/courses/{pk}/roster"): {
        "gulou": (A, HIDDEN, roster_of("published"), roster_of("published"), roster_of("published"), HIDDEN, HIDDEN,
                  HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, roster_of("published_other"), roster_of("published_other"), HIDDEN, HIDDEN,
                        HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, roster_of("published_taijiang"), HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/enrollments"): {
        "published": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
        "draft": (A, HIDDEN, REJECTED, REJECTED, REJECTED, HIDDEN, REJECTED, REJECTED),
    },
    ("DELETE", "/api/catalog/enrollments/{pk}"): {
        "own": (A, OK, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/courses/{pk}/completions"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/sessions/{pk}/token"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/sessions/{pk}/attendance"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/checkin"): {
        "-": (A, OK, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/catalog/me/learning"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("POST", "/api/catalog/resources/{pk}/complete"): {
        "-": (A, OK, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    # --- the people pools: teachers and volunteers by their institutions (volunteers, who are residents, also for
    # auditors but not expert reviewers); textbooks a shared library of every staff role, changed by those who run
    # every course using the book; experts seen across their city, kept by its city admins.
    ("GET", "/api/catalog/teachers"): {
        "-": (A, NONE, STAFF_TEACHERS, teachers_in("gulou"), teachers_in("city"), NONE, teachers_in("city"),
              teachers_in("city")),
    },
    ("POST", "/api/catalog/teachers"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("PATCH", "/api/catalog/teachers/{pk}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/textbooks"): {
        "-": (A, NONE, ALL_TEXTBOOKS, ALL_TEXTBOOKS, ALL_TEXTBOOKS, ALL_TEXTBOOKS, ALL_TEXTBOOKS, ALL_TEXTBOOKS),
    },
    ("POST", "/api/catalog/textbooks"): {
        "-": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
    },
    ("PATCH", "/api/catalog/textbooks/{pk}"): {
        "unused": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/experts"): {
        "-": (A, NONE, CITY_EXPERTS, CITY_EXPERTS, CITY_EXPERTS, CITY_EXPERTS, CITY_EXPERTS, CITY_EXPERTS),
    },
    ("POST", "/api/catalog/experts"): {
        "-": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("PATCH", "/api/catalog/experts/{pk}"): {
        "city": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/catalog/volunteers"): {
        "-": (A, NONE, STAFF_VOLUNTEERS, volunteers_in("gulou"), volunteers_in("city"), NONE, NONE,
              volunteers_in("city")),
    },
    ("POST", "/api/catalog/volunteers"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/catalog/volunteers/{pk}/services"): {
        "gulou": (A, HIDDEN, CREATED, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN),
    },
}


# --- the credit bank: my account, for learners (who have a learner profile); issued transcripts checked by anyone;
# standards read by every role and written by the city; declarations reviewed by expert reviewers and the city
# (auditors read the queue); rules drafted by the institutions they convert to and reviewed by expert reviewers;
# conversions decided by the target institution; reversals by the city.

def _my(model, field: str = "pk") -> Rows:
    return Rows(lambda t, me: set(model.objects.filter(account__learner__user=me).values_list(field, flat=True)))


MY_OUTCOMES, MY_DECLARATIONS, MY_CONVERSIONS = _my(Outcome), _my(Declaration), _my(Conversion)
MY_ENTRIES = _my(LedgerEntry, "seq")
CURRENT_STANDARDS = Rows(lambda t, me: set(StandardVersion.objects.exclude(status="superseded")
                                           .values_list("standard__code", flat=True)))
REVIEW_QUEUE = Rows(lambda t, me: set(Declaration.objects.filter(
    status="submitted", account__learner__residence__path__startswith=t.city.path).values_list("pk", flat=True)))


def _public_rules() -> set:
    return set(ConversionRule.objects.filter(status__in=["active", "abolished"]).values_list("code", flat=True))


PUBLIC_RULES = Rows(lambda t, me: _public_rules())
STAFF_RULES = Rows(lambda t, me: _public_rules() | set(ConversionRule.objects.filter(
    target_institution=t.staff_inst).values_list("code", flat=True)))


def rules_in(attr: str) -> Rows:
    return Rows(lambda t, me: _public_rules() | set(ConversionRule.objects.filter(
        target_institution__place__path__startswith=getattr(t, attr).path).values_list("code", flat=True)))


STAFF_INBOX = Rows(lambda t, me: set(Conversion.objects.filter(status="applied", rule__target_institution=t.staff_inst)
                                     .values_list("pk", flat=True)))


def inbox_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(Conversion.objects.filter(
        status="applied", rule__target_institution__place__path__startswith=getattr(t, attr).path)
        .values_list("pk", flat=True)))


TABLE.update({
    ("GET", "/api/credits/account"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/credits/account"): {  # the learner's is open already: the same account comes back
        "-": (A, OK, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/credits/account/outcomes"): {
        "-": (A, MY_OUTCOMES, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/credits/account/entries"): {
        "-": (A, MY_ENTRIES, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/credits/account/transcript"): {
        "-": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/credits/account/transcripts"): {
        "-": (A, CREATED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/credits/transcripts/{token}/withdraw"): {  # its holder, and who may issue one for them
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/credits/verify/{token}"): {  # public: whoever holds a transcript checks it
        "issued": (OK, OK, OK, OK, OK, OK, OK, OK),
        "unknown": (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/credits/accounts/bulk"): {
        "gulou": (A, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/credits/accounts/{pk}/transcript"): {
        "learner": (A, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
    },
    ("GET", "/api/credits/standards"): {
        "-": (A, CURRENT_STANDARDS, CURRENT_STANDARDS, CURRENT_STANDARDS, CURRENT_STANDARDS, CURRENT_STANDARDS,
              CURRENT_STANDARDS, CURRENT_STANDARDS),
    },
    ("GET", "/api/credits/standards/{code}"): {
        "standard": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("POST", "/api/credits/standards"): {
        "city": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/credits/standards/{code}/versions"): {
        "standard": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/credits/standards/{code}/withdraw"): {
        "standard": (A, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/credits/standards/{code}/accreditations"): {
        "gulou_other": (A, HIDDEN, HIDDEN, DENIED, CREATED, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, DENIED, DENIED),
    },
    ("POST", "/api/credits/declarations"): {
        "-": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/credits/declarations"): {
        "-": (A, MY_DECLARATIONS, NONE, NONE, NONE, NONE, NONE, NONE),
    },
    ("GET", "/api/credits/reviews"): {
        "-": (A, DENIED, DENIED, DENIED, REVIEW_QUEUE, DENIED, REVIEW_QUEUE, REVIEW_QUEUE),
    },
    ("POST", "/api/credits/reviews/{pk}"): {
        "learner": (A, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, OK, DENIED),
    },
    ("GET", "/api/credits/rules"): {
        "-": (A, PUBLIC_RULES, STAFF_RULES, rules_in("gulou"), rules_in("city"), PUBLIC_RULES, rules_in("city"),
              rules_in("city")),
    },
    ("POST", "/api/credits/rules"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/credits/rules/{code}/submit"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    ("POST", "/api/credits/rules/{code}/review"): {
        "gulou": (A, HIDDEN, DENIED, DENIED, OK, HIDDEN, OK, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, DENIED),
    },
    ("POST", "/api/credits/rules/{code}/abolish"): {
        "gulou": (A, DENIED, OK, OK, OK, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/credits/conversions"): {
        "-": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("GET", "/api/credits/conversions"): {
        "-": (A, MY_CONVERSIONS, NONE, NONE, NONE, NONE, NONE, NONE),
    },
    ("GET", "/api/credits/conversions/inbox"): {
        "-": (A, NONE, STAFF_INBOX, inbox_in("gulou"), inbox_in("city"), NONE, NONE, NONE),
    },
    ("POST", "/api/credits/conversions/{pk}/decide"): {
        "gulou": (A, DENIED, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, DENIED, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/credits/outcomes/{pk}/reverse"): {
        "learner": (A, DENIED, HIDDEN, DENIED, CREATED, HIDDEN, HIDDEN, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, HIDDEN, DENIED),
    },
})


# --- how each route is called -----------------------------------------------------------------------------

NEW_YEAR, NEW_TOTAL = 2030, 1234


@dataclass(frozen=True)
class Call:
    on: dict[str, Callable]  # target -> (targets, me) -> the object the call is about
    url: Callable = lambda obj: {}  # path parameters
    query: dict = field(default_factory=dict)
    body: Callable | None = None  # (obj) -> JSON body
    upload: Callable | None = None  # (obj) -> CSV bytes, sent as the multipart field "file"
    form: Callable | None = None  # (obj) -> other multipart fields sent with an upload
    key: Callable | None = None  # a listed row -> its key, for Rows
    shows: Callable | None = None  # (json, obj, me) -> whether a 2xx answer is about obj
    state: Callable | None = None  # (obj, me) -> what the call may change
    json_errors: bool = True
    raw: bool = False  # the answer is a file, not JSON: `shows` gets the response itself
    audits: int = 1  # audit rows an allowed write makes
    rejected_code: str = "file_rejected"  # the error code of a REJECTED call
    changes: bool = True  # False: an allowed write that finds its work done (opening an account that is open)


NOTHING = {"-": lambda t, me: None}
ALL = {"limit": 100_000}


def _population(place, me):
    return list(Population.objects.filter(place=place).order_by("year").values_list("year", "total"))


def _children(place, me):
    return sorted(Place.objects.filter(parent=place).values_list("code", flat=True))


def _institution(inst, me):
    return list(Institution.objects.filter(pk=inst.pk).values_list(
        "name", "kind", "address", "phone", "description", "is_active", "place_id", "parent_id", "network_level_id"))


def _profile(profile, me):
    return list(LearnerProfile.objects.filter(pk=profile.pk).values_list("name", "phone", "residence_id"))


STREETS = {"gulou": lambda t, me: t.gulou_street, "taijiang": lambda t, me: t.taijiang_street}
# not about one course, but courses on each side of the line are there to be listed
CATALOG = {"-": lambda t, me: (t.catalog.published, t.catalog.published_other, t.catalog.published_taijiang,
                               t.catalog.draft_gulou_other)}
INSTITUTIONS = {"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
                "taijiang": lambda t, me: t.taijiang_inst}
DRAFTS = {"gulou": lambda t, me: t.catalog.draft_gulou, "gulou_other": lambda t, me: t.catalog.draft_gulou_other,
          "taijiang": lambda t, me: t.catalog.draft_taijiang}
PUBLISHED_COURSES = {"gulou": lambda t, me: t.catalog.published,
                     "gulou_other": lambda t, me: t.catalog.published_other,
                     "taijiang": lambda t, me: t.catalog.published_taijiang}
ENROLLMENTS = {"gulou": lambda t, me: t.catalog.gulou_enrollment,
               "gulou_other": lambda t, me: t.catalog.other_enrollment,
               "taijiang": lambda t, me: t.catalog.taijiang_enrollment}


def first_session(course):
    return course.sessions.order_by("date", "start", "pk")[0]


def _course(course, me):
    return list(Course.objects.filter(pk=course.pk).values_list("title", "capacity", "state", "updated_at"))


def _enrollments(course, me):
    return (list(Enrollment.objects.filter(course=course).order_by("pk").values_list("pk", "learner_id", "status")),
            Course.objects.get(pk=course.pk).enrolled_count)

def _teacher_at(inst) -> Teacher:
    teacher = Teacher.objects.create(name="矩阵教师", kind="part_time")
    teacher.institutions.add(inst)
    return teacher


def _textbook_of(course) -> Textbook:
    book = Textbook.objects.create(title="矩阵教材")
    if course is not None:
        course.textbooks.add(book)
    return book


def _resident(t, inst):
    """A new resident living where the institution is (with the ID number on their card)."""
    number = fresh_id_number(inst.place.code[:6])
    street = inst.place if inst.place.level >= 4 else Place.objects.filter(
        path__startswith=inst.place.path, level=4).order_by("code")[0]
    profile = learner_profile_create(actor=t.users["admin"], name="矩阵志愿者", id_number=number,
                                     residence_code=street.code)
    return profile, number


def _volunteer_at(t, inst) -> Volunteer:
    profile, _ = _resident(t, inst)
    return Volunteer.objects.create(learner=profile, institution=inst)


def _services(v, me):
    return (list(VolunteerService.objects.filter(volunteer=v).values_list("date", "hours", "activity")),
            LearningRecord.objects.filter(learner_id=v.learner_id).count())


MATRIX_PASSWORD = "matrix-passphrase-42"


def _with_password(me):
    """The caller, with a password the matrix knows (the demo's is hashed with a hasher the tests do not load)."""
    if me is not None:
        me.set_password(MATRIX_PASSWORD)
        me.save(update_fields=["password"])
    return me


def _password(user):
    return list(User.objects.filter(pk=user.pk).values_list("password", "must_change_password")) if user else None


def _staff_of(inst) -> User:
    """A new member of staff of the institution (made by the superuser)."""
    from learncity.people.services import account_create

    return account_create(actor=User.objects.get(username="admin"), username=f"matrix_staff_{inst.pk}",
                          password=MATRIX_PASSWORD, display_name="", role="institution_staff",
                          institution_code=inst.code).user


YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)
POOL_SIDES = {"gulou": lambda t: t.staff_inst, "gulou_other": lambda t: t.gulou_inst_other,
              "taijiang": lambda t: t.taijiang_inst}

CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/api/"): Call(on=NOTHING, json_errors=False),
    ("GET", "/api/me"): Call(on=NOTHING, shows=lambda j, obj, me: j["username"] == me.username),
    ("GET", "/api/places/"): Call(on=NOTHING, query=ALL, key=lambda r: r["code"]),
    ("GET", "/api/places/{code}"): Call(
        on=STREETS, url=lambda p: {"code": p.code}, shows=lambda j, p, me: j["code"] == p.code),
    ("GET", "/api/places/{code}/population"): Call(
        on=STREETS, url=lambda p: {"code": p.code},
        shows=lambda j, p, me: [(r["year"], r["total"]) for r in j] == _population(p, me)[::-1] != []),
    ("PUT", "/api/places/{code}/population"): Call(
        on=STREETS, url=lambda p: {"code": p.code}, body=lambda p: {"year": NEW_YEAR, "total": NEW_TOTAL},
        shows=lambda j, p, me: (j["year"], j["total"], j["bands"]) == (NEW_YEAR, NEW_TOTAL, []), state=_population),
    ("POST", "/api/places/population/import"): Call(
        on=STREETS, upload=lambda p: f"区划代码,年份,常住人口\n{p.code},{NEW_YEAR},{NEW_TOTAL}\n".encode(),
        shows=lambda j, p, me: (j["rows"], j["created"], j["updated"]) == (1, 1, 0), state=_population),
    ("POST", "/api/places/communities"): Call(
        on=STREETS, body=lambda p: {"parent_code": p.code, "code": f"{p.code}999", "name": "接口试点社区"},
        shows=lambda j, p, me: (j["code"], j["parent_code"], j["level"]) == (f"{p.code}999", p.code, 5),
        state=_children),
    ("POST", "/api/places/communities/import"): Call(
        on=STREETS, upload=lambda p: f"街道代码,社区代码,社区名称\n{p.code},{p.code}998,接口导入社区\n".encode(),
        shows=lambda j, p, me: (j["rows"], j["created"]) == (1, 1), state=_children),
    ("GET", "/api/network/institutions"): Call(on=NOTHING, query=ALL, key=lambda r: r["code"]),
    ("POST", "/api/network/institutions"): Call(
        on=STREETS,
        body=lambda p: {"code": f"API-{p.code}", "name": "接口测试图书馆", "kind": "library", "place_code": p.code},
        shows=lambda j, p, me: (j["code"], j["place_code"]) == (f"API-{p.code}", p.code),
        state=lambda p, me: sorted(Institution.objects.filter(place=p).values_list("code", flat=True))),
    ("GET", "/api/network/institutions/{code}"): Call(
        on={"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
            "taijiang": lambda t, me: t.taijiang_inst},
        url=lambda i: {"code": i.code}, shows=lambda j, i, me: j["code"] == i.code),
    ("PATCH", "/api/network/institutions/{code}"): Call(
        on={"gulou": lambda t, me: t.staff_inst, "gulou_other": lambda t, me: t.gulou_inst_other,
            "taijiang": lambda t, me: t.taijiang_inst},
        url=lambda i: {"code": i.code}, body=lambda i: {"address": "接口测试路 1 号"},
        shows=lambda j, i, me: (j["code"], j["address"]) == (i.code, "接口测试路 1 号"), state=_institution),
    ("GET", "/api/network/designations"): Call(on=NOTHING, key=lambda r: (r["place_code"], r["kind"], r["year"])),
    ("GET", "/api/network/committees"): Call(on=NOTHING, key=lambda r: r["id"]),
    ("GET", "/api/network/committees/{pk}/members"): Call(
        on={"city": lambda t, me: t.city_committee, "gulou": lambda t, me: t.gulou_committee,
            "taijiang": lambda t, me: t.taijiang_committee},
        url=lambda c: {"pk": c.pk}, key=lambda r: r["id"]),
    ("PATCH", "/api/network/member-units/{pk}"): Call(
        on={"reporter_unit": lambda t, me: t.reporter_unit, "gulou": lambda t, me: t.gulou_unit,
            "taijiang": lambda t, me: t.taijiang_unit},
        url=lambda u: {"pk": u.pk}, body=lambda u: {"responsibility": "接口测试职责"},
        shows=lambda j, u, me: (j["id"], j["responsibility"]) == (u.pk, "接口测试职责"),
        state=lambda u, me: list(MemberUnit.objects.filter(pk=u.pk).values_list("name", "responsibility", "is_lead"))),
    ("GET", "/api/people/profiles"): Call(on=NOTHING, query=ALL, key=lambda r: r["id"]),
    ("POST", "/api/people/profiles"): Call(
        on={"gulou": lambda t, me: t.gulou_community, "taijiang": lambda t, me: t.taijiang_community},
        body=lambda p: {"name": "接口测试", "id_number": fresh_id_number(p.code[:6]), "residence_code": p.code},
        shows=lambda j, p, me: (j["residence_code"], j["name"], j["id_number"][6:14]) == (p.code, "接口测试", "*" * 8),
        state=lambda p, me: sorted(LearnerProfile.objects.filter(residence=p).values_list("pk", flat=True))),
    ("GET", "/api/people/profiles/me"): Call(
        on=NOTHING, shows=lambda j, obj, me: j["id"] == LearnerProfile.objects.get(user=me).pk),
    ("POST", "/api/people/profiles/me/reveal"): Call(
        on=NOTHING,
        shows=lambda j, obj, me: j["id_number"] == crypto.decrypt(
            LearnerProfile.objects.get(user=me).id_number_encrypted, context=ID_CONTEXT),
        state=lambda obj, me: AuditEvent.objects.filter(action="pii.view").count()),
    ("GET", "/api/people/profiles/{pk}"): Call(
        on={"learner": lambda t, me: t.learner_profile, "gulou": lambda t, me: t.gulou_profile,
            "taijiang": lambda t, me: t.taijiang_profile},
        url=lambda p: {"pk": p.pk},
        shows=lambda j, p, me: (j["id"], j["id_number"]) == (p.pk, p.id_number_masked)),
    ("PATCH", "/api/people/profiles/{pk}"): Call(
        on={"learner": lambda t, me: t.learner_profile, "gulou": lambda t, me: t.gulou_profile,
            "taijiang": lambda t, me: t.taijiang_profile},
        url=lambda p: {"pk": p.pk}, body=lambda p: {"phone": "13900001111"},
        shows=lambda j, p, me: (j["id"], j["phone"]) == (p.pk, "139****1111"), state=_profile),
    ("GET", "/api/people/tokens"): Call(on=NOTHING, key=lambda r: r["id"]),
    ("POST", "/api/people/tokens"): Call(
        on=NOTHING, body=lambda obj: {"name": "矩阵"},
        shows=lambda j, obj, me: j["name"] == "矩阵" and j["token"].startswith(f"lc_{j['prefix']}_"),
        state=lambda obj, me: ApiToken.objects.filter(user=me).count() if me else ApiToken.objects.count()),
    ("DELETE", "/api/people/tokens/{pk}"): Call(
        on={"own": lambda t, me: me.api_tokens.get() if me else t.other_token,
            "others": lambda t, me: t.other_token},
        url=lambda tok: {"pk": tok.pk},
        shows=lambda j, tok, me: j["id"] == tok.pk and j["revoked_at"] is not None,
        state=lambda tok, me: list(ApiToken.objects.filter(pk=tok.pk).values_list("revoked_at", flat=True))),
    ("POST", "/api/people/me/password"): Call(
        on={"-": lambda t, me: _with_password(me)},
        body=lambda me: {"current_password": MATRIX_PASSWORD, "new_password": "matrix-new-passphrase-8"},
        shows=lambda j, obj, me: j == {"username": me.username, "must_change_password": False,
                                       "temporary_password": None},
        state=lambda obj, me: _password(me)),
    ("POST", "/api/people/users/{pk}/password"): Call(
        on={"gulou": lambda t, me: _staff_of(t.staff_inst), "taijiang": lambda t, me: _staff_of(t.taijiang_inst)},
        url=lambda u: {"pk": u.pk}, body=lambda u: {},
        shows=lambda j, u, me: (j["username"], j["must_change_password"], len(j["temporary_password"])) == (
            u.username, True, 12) and User.objects.get(pk=u.pk).check_password(j["temporary_password"]),
        state=lambda u, me: _password(u)),
    # --- the learning platform
    ("GET", "/api/catalog/search"): Call(
        on={"-": lambda t, me: (t.catalog.draft_gulou, t.catalog.published)[1]},  # a draft 蹴鞠 course is not found
        query={"q": "蹴鞠", "types": "course"},
        shows=lambda j, c, me: (j["total"], [(h["type"], h["id"], h["title"]) for h in j["items"]]) == (
            1, [("course", c.pk, "矩阵蹴鞠课")])),
    ("GET", "/api/catalog/courses"): Call(on=CATALOG, query=ALL, key=lambda r: r["code"]),
    ("GET", "/api/catalog/courses/managed"): Call(on=CATALOG, query=ALL, key=lambda r: r["code"]),
    ("POST", "/api/catalog/courses"): Call(
        on=INSTITUTIONS,
        body=lambda i: {"institution_code": i.code, "code": f"API-{i.code}", "title": "接口新课", "kind": "culture",
                        "hours": "8", "capacity": 20, "term": "2031春"},
        shows=lambda j, i, me: (j["code"], j["institution_code"], j["state"]) == (f"API-{i.code}", i.code, "draft"),
        state=lambda i, me: sorted(Course.objects.filter(institution=i).values_list("code", flat=True))),
    ("GET", "/api/catalog/courses/{pk}"): Call(
        on={"published": lambda t, me: t.catalog.published, "draft_gulou": lambda t, me: t.catalog.draft_gulou,
            "draft_gulou_other": lambda t, me: t.catalog.draft_gulou_other,
            "draft_taijiang": lambda t, me: t.catalog.draft_taijiang},
        url=lambda c: {"pk": c.pk},
        shows=lambda j, c, me: (j["id"], j["state"], len(j["sessions"])) == (c.pk, c.state, c.sessions.count())),
    ("PATCH", "/api/catalog/courses/{pk}"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk}, body=lambda c: {"title": "接口改名", "capacity": 99},
        shows=lambda j, c, me: (j["id"], j["title"], j["capacity"]) == (c.pk, "接口改名", 99), state=_course),
    ("POST", "/api/catalog/courses/{pk}/state"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk}, body=lambda c: {"state": "published"},
        shows=lambda j, c, me: (j["id"], j["state"]) == (c.pk, "published"), state=_course),
    ("POST", "/api/catalog/courses/{pk}/sessions"): Call(
        on=DRAFTS, url=lambda c: {"pk": c.pk},
        body=lambda c: {"date": "2031-06-01", "start": "14:00", "end": "16:00",
                        "venue_id": first_session(c).venue_id, "room": "接口教室"},
        shows=lambda j, c, me: (j["date"], j["start"], j["room"]) == ("2031-06-01", "14:00:00", "接口教室"),
        state=lambda c, me: list(c.sessions.order_by("pk").values_list("pk", "date", "start", "room"))),
    ("GET", "/api/catalog/courses/{pk}/roster"): Call(on=PUBLISHED_COURSES, url=lambda c: {"pk": c.pk},
                                                      key=lambda r: r["id"]),
    ("POST", "/api/catalog/courses/{pk}/enrollments"): Call(
        on={"published": lambda t, me: t.catalog.open_course, "draft": lambda t, me: t.catalog.draft_gulou},
        url=lambda c: {"pk": c.pk},
        shows=lambda j, c, me: (j["course_id"], j["status"], j["learner_name"]) == (
            c.pk, "enrolled", LearnerProfile.objects.get(user=me).name),
        state=_enrollments, rejected_code="no_profile"),
    ("DELETE", "/api/catalog/enrollments/{pk}"): Call(
        on={"own": lambda t, me: t.catalog.own_enrollment, "gulou": lambda t, me: t.catalog.gulou_enrollment,
            "gulou_other": lambda t, me: t.catalog.other_enrollment,
            "taijiang": lambda t, me: t.catalog.taijiang_enrollment},
        url=lambda e: {"pk": e.pk}, shows=lambda j, e, me: (j["id"], j["status"]) == (e.pk, "cancelled"),
        state=lambda e, me: _enrollments(e.course, me)),
    ("POST", "/api/catalog/courses/{pk}/completions"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": e.course_id},
        body=lambda e: {"entries": [{"enrollment_id": e.pk, "hours": "6", "score": "90"}]},
        shows=lambda j, e, me: [(x["id"], x["status"], Decimal(x["completed_hours"]), Decimal(x["score"]))
                                for x in j] == [(e.pk, "completed", Decimal(6), Decimal(90))],
        state=lambda e, me: (_enrollments(e.course, me), LearningRecord.objects.filter(course=e.course).count()),
        audits=3),  # the completion, the learning record it makes, and that record's recognition (credit bank)
    ("GET", "/api/catalog/sessions/{pk}/token"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": first_session(e.course).pk},
        shows=lambda j, e, me: (signing.loads(j["token"], salt=QR_SALT), j["expires_in_seconds"],
                                j["checkin_url"]) == ({"s": first_session(e.course).pk}, 600,
                                                      f"http://testserver/learn/checkin/?t={j['token']}")),
    ("POST", "/api/catalog/sessions/{pk}/attendance"): Call(
        on=ENROLLMENTS, url=lambda e: {"pk": first_session(e.course).pk}, body=lambda e: {"enrollment_ids": [e.pk]},
        shows=lambda j, e, me: [x["id"] for x in j] == [e.pk],
        state=lambda e, me: (list(Attendance.objects.filter(session=first_session(e.course)).values_list(
            "enrollment_id", "method")), LearningRecord.objects.filter(course=e.course).count()),
        audits=2),  # the attendance, and the learning record it makes
    ("POST", "/api/catalog/checkin"): Call(
        on={"-": lambda t, me: (first_session(t.catalog.own_enrollment.course),
                                session_qr_token(actor=t.users["staff"], session=first_session(t.catalog.published)))},
        body=lambda st: {"token": st[1]}, shows=lambda j, st, me: j["id"] == st[0].pk,
        state=lambda st, me: (list(Attendance.objects.filter(session=st[0]).values_list("enrollment_id", "method")),
                              LearningRecord.objects.filter(session=st[0]).count()),
        audits=2, rejected_code="no_profile"),
    ("GET", "/api/catalog/me/learning"): Call(
        on={"-": lambda t, me: t.catalog.own_enrollment}, shows=lambda j, obj, me: (j["record_count"], len(j["enrollments"])) == (
            LearningRecord.objects.filter(learner__user=me).count(),
            Enrollment.objects.filter(learner__user=me).exclude(status="cancelled").count())),
    ("POST", "/api/catalog/resources/{pk}/complete"): Call(
        on={"-": lambda t, me: t.catalog.resource}, url=lambda r: {"pk": r.pk},
        body=lambda r: {"watched_seconds": 1800},
        shows=lambda j, r, me: (j["kind"], j["title"], Decimal(j["hours"])) == ("resource", "矩阵微课", Decimal("0.5")),
        state=lambda r, me: list(LearningRecord.objects.filter(resource=r).values_list("learner_id", "hours")),
        rejected_code="no_profile", audits=2),  # the learning record, and its recognition (ONLINE standard)
    # --- the people pools
    ("GET", "/api/catalog/teachers"): Call(
        on={"-": lambda t, me: [_teacher_at(side(t)) for side in POOL_SIDES.values()]}, query=ALL,
        key=lambda r: r["id"]),
    ("POST", "/api/catalog/teachers"): Call(
        on=INSTITUTIONS, body=lambda i: {"name": "接口教师", "kind": "part_time", "institution_codes": [i.code]},
        shows=lambda j, i, me: (j["name"], j["kind"], j["institution_codes"]) == ("接口教师", "part_time", [i.code]),
        state=lambda i, me: sorted(Teacher.objects.filter(institutions=i).values_list("pk", flat=True))),
    ("PATCH", "/api/catalog/teachers/{pk}"): Call(
        on={k: lambda t, me, side=side: _teacher_at(side(t)) for k, side in POOL_SIDES.items()},
        url=lambda x: {"pk": x.pk}, body=lambda x: {"name": "接口改名", "kind": "full_time"},
        shows=lambda j, x, me: (j["id"], j["name"], j["kind"]) == (x.pk, "接口改名", "full_time"),
        state=lambda x, me: list(Teacher.objects.filter(pk=x.pk).values_list("name", "kind"))),
    ("GET", "/api/catalog/textbooks"): Call(on={"-": lambda t, me: _textbook_of(None)}, query=ALL,
                                            key=lambda r: r["id"]),
    ("POST", "/api/catalog/textbooks"): Call(
        on=NOTHING, body=lambda x: {"title": "接口教材", "isbn": "978-7-04-050000-4"},
        shows=lambda j, x, me: (j["title"], j["isbn"]) == ("接口教材", "978-7-04-050000-4"),
        state=lambda x, me: Textbook.objects.filter(title="接口教材").count()),
    ("PATCH", "/api/catalog/textbooks/{pk}"): Call(
        on={"unused": lambda t, me: _textbook_of(None), "gulou": lambda t, me: _textbook_of(t.catalog.draft_gulou),
            "gulou_other": lambda t, me: _textbook_of(t.catalog.draft_gulou_other),
            "taijiang": lambda t, me: _textbook_of(t.catalog.draft_taijiang)},
        url=lambda b: {"pk": b.pk}, body=lambda b: {"authors": "接口作者", "isbn": "7-302-00000-X"},
        shows=lambda j, b, me: (j["id"], j["authors"], j["isbn"]) == (b.pk, "接口作者", "7-302-00000-X"),
        state=lambda b, me: list(Textbook.objects.filter(pk=b.pk).values_list("authors", "isbn"))),
    ("GET", "/api/catalog/experts"): Call(on=NOTHING, query=ALL, key=lambda r: r["id"]),
    ("POST", "/api/catalog/experts"): Call(
        on={"-": lambda t, me: t.city}, body=lambda c: {"name": "接口专家", "kind": "reviewer"},
        shows=lambda j, c, me: (j["name"], j["kind"], j["city_code"]) == ("接口专家", "reviewer", c.code),
        state=lambda c, me: Expert.objects.filter(name="接口专家").count()),
    ("PATCH", "/api/catalog/experts/{pk}"): Call(
        on={"city": lambda t, me: Expert.objects.create(name="矩阵专家", kind="guidance", city=t.city)},
        url=lambda e: {"pk": e.pk}, body=lambda e: {"organisation": "接口大学"},
        shows=lambda j, e, me: (j["id"], j["organisation"]) == (e.pk, "接口大学"),
        state=lambda e, me: list(Expert.objects.filter(pk=e.pk).values_list("name", "kind", "organisation"))),
    ("GET", "/api/catalog/volunteers"): Call(
        on={"-": lambda t, me: [_volunteer_at(t, side(t)) for side in POOL_SIDES.values()]}, query=ALL,
        key=lambda r: r["id"]),
    ("POST", "/api/catalog/volunteers"): Call(
        on={k: lambda t, me, side=side: (side(t), _resident(t, side(t))) for k, side in POOL_SIDES.items()},
        body=lambda x: {"institution_code": x[0].code, "id_number": x[1][1], "skills": "接口技能"},
        shows=lambda j, x, me: (j["learner_id"], j["institution_code"], j["skills"], Decimal(j["total_hours"])) == (
            x[1][0].pk, x[0].code, "接口技能", Decimal(0)),
        state=lambda x, me: sorted(Volunteer.objects.filter(institution=x[0]).values_list("pk", flat=True))),
    ("POST", "/api/catalog/volunteers/{pk}/services"): Call(
        on={k: lambda t, me, side=side: _volunteer_at(t, side(t)) for k, side in POOL_SIDES.items()},
        url=lambda v: {"pk": v.pk}, body=lambda v: {"date": YESTERDAY.isoformat(), "hours": "2", "activity": "接口服务"},
        shows=lambda j, v, me: (j["volunteer_id"], j["date"], Decimal(j["hours"]), j["institution_code"]) == (
            v.pk, YESTERDAY.isoformat(), Decimal(2), v.institution.code) and LearningRecord.objects.filter(
            pk=j["learning_record_id"], learner_id=v.learner_id, kind="volunteering").exists(),
        state=_services, audits=4),  # the entry, its learning record, the account it opens, its recognition
}


# --- the credit bank

def _today() -> datetime.date:
    return timezone.localdate()


def _my_account(me) -> LearningAccount:
    return LearningAccount.objects.get(learner__user=me)


def _unopened() -> LearnerProfile:
    """A resident with no learning account yet."""
    return LearnerProfile.objects.filter(account__isnull=True).order_by("pk")[0]


def _versions(standard, me):
    return list(StandardVersion.objects.filter(standard=standard).order_by("version").values_list(
        "version", "status", "credits"))


def _rule_state(rule, me):
    return list(ConversionRule.objects.filter(pk=rule.pk).values_list("status", "abolished_on", "review_note"))


def _rules_at(stage: str) -> dict:
    return {side: lambda t, me, side=side: t.credits.rule(side, stage) for side in ("gulou", "taijiang")}


CALLS.update({
    ("GET", "/api/credits/account"): Call(
        on={"-": lambda t, me: t.credits.outcome}, shows=lambda j, o, me: j["number"] == _my_account(me).number),
    ("POST", "/api/credits/account"): Call(
        on=NOTHING, shows=lambda j, obj, me: (j["number"], j["opened_via"]) == (
            _my_account(me).number, _my_account(me).opened_via),
        state=lambda obj, me: list(LearningAccount.objects.filter(learner__user=me).values_list("pk", "opened_via")),
        audits=0, changes=False, rejected_code="no_profile"),
    ("GET", "/api/credits/account/outcomes"): Call(on={"-": lambda t, me: t.credits.outcome}, key=lambda r: r["id"]),
    ("GET", "/api/credits/account/entries"): Call(on={"-": lambda t, me: t.credits.outcome}, query=ALL,
                                                  key=lambda r: r["seq"]),
    ("GET", "/api/credits/account/transcript"): Call(
        on={"-": lambda t, me: t.credits.outcome},
        shows=lambda j, o, me: j == credit_selectors.transcript_content(_my_account(me))),
    ("POST", "/api/credits/account/transcripts"): Call(
        on={"-": lambda t, me: t.credits.outcome},
        shows=lambda j, o, me: Transcript.objects.filter(token=j["token"], account__learner__user=me).exists()
        and j["verify_url"] == f"http://testserver/credits/verify/{j['token']}/",
        state=lambda o, me: Transcript.objects.count()),
    ("POST", "/api/credits/transcripts/{token}/withdraw"): Call(
        on={"learner": lambda t, me: t.credits.transcript, "gulou": lambda t, me: t.credits.transcript_of("gulou"),
            "taijiang": lambda t, me: t.credits.transcript_of("taijiang")},
        url=lambda x: {"token": x.token},
        shows=lambda j, x, me: (j["token"], j["valid"]) == (x.token, False)
        and TranscriptWithdrawal.objects.get(transcript=x).withdrawn_by == me,
        state=lambda x, me: TranscriptWithdrawal.objects.filter(transcript=x).count()),
    ("GET", "/api/credits/verify/{token}"): Call(
        on={"issued": lambda t, me: t.credits.transcript,
            "unknown": lambda t, me: types.SimpleNamespace(token="matrix-no-such-token")},
        url=lambda x: {"token": x.token},
        shows=lambda j, x, me: (j["token"], j["valid"], j["reasons"], j["digest"]) == (x.token, True, [], x.digest)),
    ("POST", "/api/credits/accounts/bulk"): Call(
        on={k: lambda t, me, side=side: (side(t, me), _unopened()) for k, side in INSTITUTIONS.items()},
        body=lambda x: {"institution_code": x[0].code, "people": [
            {"id_number": crypto.decrypt(x[1].id_number_encrypted, context=ID_CONTEXT), "name": x[1].name}]},
        shows=lambda j, x, me: j == {"opened": 1, "existed": 0},
        state=lambda x, me: list(LearningAccount.objects.filter(learner=x[1]).values_list("pk", "opened_for")),
        audits=2),  # the account opened, and the bulk opening
    ("GET", "/api/credits/accounts/{pk}/transcript"): Call(
        on={"learner": lambda t, me: t.credits.learner_account, "gulou": lambda t, me: t.credits.gulou_account,
            "taijiang": lambda t, me: t.credits.taijiang_account},
        url=lambda a: {"pk": a.pk}, shows=lambda j, a, me: (j["account"], j["name"]) == (a.number, a.learner.name)),
    ("GET", "/api/credits/standards"): Call(on={"-": lambda t, me: t.credits.standard}, key=lambda r: r["code"]),
    ("GET", "/api/credits/standards/{code}"): Call(
        on={"standard": lambda t, me: t.credits.standard.standard}, url=lambda s: {"code": s.code},
        shows=lambda j, s, me: (j["code"], j["current"]["version"]) == (s.code, 1)),
    ("POST", "/api/credits/standards"): Call(
        on={"city": lambda t, me: t.city},
        body=lambda c: {"city_code": c.code, "code": "MX-NEW", "name": "矩阵新标准", "credit_class": "culture",
                        "level": 1, "credits": "1"},
        shows=lambda j, c, me: (j["code"], j["version"], j["status"]) == ("MX-NEW", 1, "active"),
        state=lambda c, me: sorted(Standard.objects.values_list("code", flat=True))),
    ("POST", "/api/credits/standards/{code}/versions"): Call(
        on={"standard": lambda t, me: t.credits.standard.standard}, url=lambda s: {"code": s.code},
        body=lambda s: {"credits": "3"},
        shows=lambda j, s, me: (j["code"], j["version"], j["credits"]) == (s.code, 2, "3.00"), state=_versions),
    ("POST", "/api/credits/standards/{code}/withdraw"): Call(
        on={"standard": lambda t, me: t.credits.standard.standard}, url=lambda s: {"code": s.code},
        body=lambda s: {"reason": "矩阵撤销"},
        shows=lambda j, s, me: (j["code"], j["version"], j["status"]) == (s.code, 1, "withdrawn"), state=_versions),
    ("POST", "/api/credits/standards/{code}/accreditations"): Call(
        on={"gulou_other": lambda t, me: (t.credits.standard.standard, t.gulou_inst_other),
            "taijiang": lambda t, me: (t.credits.standard.standard, t.taijiang_inst)},
        url=lambda x: {"code": x[0].code}, body=lambda x: {"institution_code": x[1].code},
        shows=lambda j, x, me: (j["standard"], j["institution_code"]) == (x[0].code, x[1].code),
        state=lambda x, me: list(Accreditation.objects.filter(standard=x[0], institution=x[1]).values_list("pk"))),
    ("POST", "/api/credits/declarations"): Call(
        on={"-": lambda t, me: t.credits.standard},
        body=lambda v: {"standard_code": v.standard.code, "kind": "certificate", "title": "矩阵申报",
                        "issuer": "矩阵考试院", "date": str(_today() - datetime.timedelta(days=10)),
                        "evidence": [{"name": "证书.pdf", "content_base64": base64.b64encode(b"%PDF-1.4\n").decode()}]},
        shows=lambda j, v, me: (j["standard_code"], j["status"], len(j["evidence"])) == (
            v.standard.code, "submitted", 1),
        state=lambda v, me: Declaration.objects.count(), rejected_code="no_profile"),
    ("GET", "/api/credits/declarations"): Call(on={"-": lambda t, me: t.credits.declaration}, key=lambda r: r["id"]),
    ("GET", "/api/credits/reviews"): Call(on={"-": lambda t, me: t.credits.declaration}, query=ALL,
                                          key=lambda r: r["id"]),
    ("POST", "/api/credits/reviews/{pk}"): Call(
        on={"learner": lambda t, me: t.credits.declaration}, url=lambda d: {"pk": d.pk},
        body=lambda d: {"approve": True, "reason": "矩阵审核通过"},
        shows=lambda j, d, me: (j["id"], j["status"], j["reason"]) == (d.pk, "approved", "矩阵审核通过"),
        state=lambda d, me: (list(Declaration.objects.filter(pk=d.pk).values_list("status", "reason")),
                             Outcome.objects.filter(declaration=d).count())),
    ("GET", "/api/credits/rules"): Call(
        on={"-": lambda t, me: [t.credits.rule(side, stage) for side in ("gulou", "taijiang")
                                for stage in ("draft", "review", "active")]},
        key=lambda r: r["code"]),
    ("POST", "/api/credits/rules"): Call(
        on={k: lambda t, me, side=side: (side(t, me), t.credits.standard) for k, side in INSTITUTIONS.items()},
        body=lambda x: {"code": f"MX-NEW-{x[0].pk}", "name": "矩阵新规则", "source_codes": [x[1].standard.code],
                        "target_institution_code": x[0].code, "target_kind": "course", "target_name": "矩阵新目标",
                        "target_class": "training", "ratio": "0.5", "cap_per_learner": "2",
                        "effective_from": str(_today())},
        shows=lambda j, x, me: (j["code"], j["status"], j["target_institution_code"]) == (
            f"MX-NEW-{x[0].pk}", "draft", x[0].code),
        state=lambda x, me: sorted(ConversionRule.objects.filter(target_institution=x[0]).values_list("code",
                                                                                                        flat=True))),
    ("POST", "/api/credits/rules/{code}/submit"): Call(
        on=_rules_at("draft"), url=lambda r: {"code": r.code},
        shows=lambda j, r, me: (j["code"], j["status"]) == (r.code, "review"), state=_rule_state),
    ("POST", "/api/credits/rules/{code}/review"): Call(
        on=_rules_at("review"), url=lambda r: {"code": r.code}, body=lambda r: {"approve": True, "note": "矩阵通过"},
        shows=lambda j, r, me: (j["code"], j["status"], j["review_note"]) == (r.code, "active", "矩阵通过"),
        state=_rule_state),
    ("POST", "/api/credits/rules/{code}/abolish"): Call(
        on=_rules_at("active"), url=lambda r: {"code": r.code}, body=lambda r: {},
        shows=lambda j, r, me: (j["code"], j["status"], j["abolished_on"]) == (r.code, "abolished", str(_today())),
        state=_rule_state),
    ("POST", "/api/credits/conversions"): Call(
        on={"-": lambda t, me: (t.credits.rule("gulou", "active"), t.credits.outcome)},
        body=lambda x: {"rule_code": x[0].code, "outcome_ids": [x[1].pk]},
        shows=lambda j, x, me: (j["rule_code"], j["status"], j["outcome_ids"]) == (x[0].code, "applied", [x[1].pk]),
        state=lambda x, me: Conversion.objects.count(), rejected_code="invalid"),
    ("GET", "/api/credits/conversions"): Call(on={"-": lambda t, me: t.credits.application("gulou")},
                                              key=lambda r: r["id"]),
    ("GET", "/api/credits/conversions/inbox"): Call(
        on={"-": lambda t, me: (t.credits.application("gulou"), t.credits.application("taijiang"))}, query=ALL,
        key=lambda r: r["id"]),
    ("POST", "/api/credits/conversions/{pk}/decide"): Call(
        on={side: lambda t, me, side=side: t.credits.application(side) for side in ("gulou", "taijiang")},
        url=lambda c: {"pk": c.pk}, body=lambda c: {"approve": True, "reason": "矩阵批准"},
        shows=lambda j, c, me: (j["id"], j["status"], j["reason"]) == (c.pk, "approved", "矩阵批准"),
        state=lambda c, me: (list(Conversion.objects.filter(pk=c.pk).values_list("status", "reason")),
                             LedgerEntry.objects.filter(conversion=c).count())),
    ("POST", "/api/credits/outcomes/{pk}/reverse"): Call(
        on={"learner": lambda t, me: t.credits.outcome, "taijiang": lambda t, me: t.credits.taijiang_outcome},
        url=lambda o: {"pk": o.pk}, body=lambda o: {"reason": "矩阵冲正"},
        shows=lambda j, o, me: (j["outcome_id"], j["reason"], Decimal(j["amount"])) == (o.pk, "reversal", -o.credits),
        state=lambda o, me: LedgerEntry.objects.filter(outcome=o, reason="reversal").count()),
})


# --- intake: uploads of learning records by an institution's staff and the administrators over it (jobs are seen by
# the same people); provider keys managed by them too; the templates for anyone signed in. A provider key of the
# staff's school is the extra case below (test_intake_route_answers_a_provider_key_as_declared).

def _jobs_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(ImportJob.objects.filter(
        institution__place__path__startswith=getattr(t, attr).path).values_list("pk", flat=True)))


def _keys_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(ProviderKey.objects.filter(
        institution__place__path__startswith=getattr(t, attr).path).values_list("pk", flat=True)))


STAFF_JOBS = Rows(lambda t, me: set(ImportJob.objects.filter(institution=t.staff_inst).values_list("pk", flat=True)))
STAFF_KEYS = Rows(lambda t, me: set(ProviderKey.objects.filter(institution=t.staff_inst).values_list("pk", flat=True)))
INTAKE_CSV = ("记录编号,身份证号码,姓名,学习类型,课程代码,课程类别,学习内容,学时,成绩,学习日期\r\n"
              "MX-1,350102199001011234,林矩阵,课程结业,,社区教育,矩阵课,16,,2024-05-01\r\n").encode()
XLSX_MAGIC = b"PK\x03\x04"


@pytest.fixture(autouse=True)
def _intake_dir(settings, tmp_path_factory):
    """Uploads made by the matrix are kept out of the data folder."""
    settings.LEARNCITY_INTAKE_DIR = tmp_path_factory.getbasetemp() / "matrix-intake"


def _job_at(inst, *, run: bool = False) -> ImportJob:
    """An upload of a one-row file for the institution; run, it is done (the row refused) with its report."""
    admin = User.objects.get(username="admin")
    job = intake_services.job_submit(actor=admin, institution_code=inst.code, filename="rows.csv", data=INTAKE_CSV,
                                     mode="valid", source="api")
    return intake_services.job_run(job.pk) if run else job


def _key_at(inst) -> ProviderKey:
    return intake_keys.provider_key_create(actor=User.objects.get(username="admin"), institution_code=inst.code,
                                           name="矩阵密钥")[0]


def _intake_sides(make) -> dict:
    return {k: lambda t, me, side=side: make(side(t, me)) for k, side in INSTITUTIONS.items()}


def _file_of(kind: bytes) -> Callable:
    return lambda response, obj, me: response.content.startswith(kind) and response["Content-Type"].startswith(
        {XLSX_MAGIC: "application/vnd.openxmlformats", b"\xef\xbb\xbf": "text/csv"}[kind])


TABLE.update({
    ("POST", "/api/intake/jobs"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/intake/jobs"): {
        "-": (A, NONE, STAFF_JOBS, _jobs_in("gulou"), _jobs_in("city"), NONE, NONE, NONE),
    },
    ("GET", "/api/intake/jobs/{pk}"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/intake/jobs/{pk}/report.xlsx"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
    ("GET", "/api/intake/template.xlsx"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/intake/template.csv"): {
        "-": (A, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/intake/keys"): {
        "-": (A, NONE, STAFF_KEYS, _keys_in("gulou"), _keys_in("city"), NONE, NONE, NONE),
    },
    ("POST", "/api/intake/keys"): {
        "gulou": (A, DENIED, CREATED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "gulou_other": (A, DENIED, DENIED, CREATED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/intake/keys/{pk}/revoke"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
})

CALLS.update({
    ("POST", "/api/intake/jobs"): Call(
        on=INSTITUTIONS, upload=lambda inst: INTAKE_CSV, form=lambda inst: {"institution_code": inst.code},
        shows=lambda j, inst, me: (j["institution_code"], j["status"], j["filename"], j["source"]) == (
            inst.code, "queued", "rows.csv", "api"),
        state=lambda inst, me: list(ImportJob.objects.filter(institution=inst).values_list("pk", flat=True))),
    ("GET", "/api/intake/jobs"): Call(
        on={"-": lambda t, me: [_job_at(side(t, me)) for side in INSTITUTIONS.values()]}, query=ALL,
        key=lambda r: r["id"]),
    ("GET", "/api/intake/jobs/{pk}"): Call(
        on=_intake_sides(_job_at), url=lambda job: {"pk": job.pk},
        shows=lambda j, job, me: (j["id"], j["institution_code"], j["status"]) == (
            job.pk, job.institution.code, "queued")),
    ("GET", "/api/intake/jobs/{pk}/report.xlsx"): Call(
        on=_intake_sides(lambda inst: _job_at(inst, run=True)), url=lambda job: {"pk": job.pk}, raw=True,
        shows=_file_of(XLSX_MAGIC)),
    ("GET", "/api/intake/template.xlsx"): Call(on=NOTHING, raw=True, shows=_file_of(XLSX_MAGIC)),
    ("GET", "/api/intake/template.csv"): Call(on=NOTHING, raw=True, shows=_file_of(b"\xef\xbb\xbf")),
    ("GET", "/api/intake/keys"): Call(
        on={"-": lambda t, me: [_key_at(side(t, me)) for side in INSTITUTIONS.values()]}, key=lambda r: r["id"]),
    ("POST", "/api/intake/keys"): Call(
        on=INSTITUTIONS, body=lambda inst: {"institution_code": inst.code, "name": "矩阵新密钥", "days": 30},
        shows=lambda j, inst, me: (j["institution_code"], j["name"], j["status"]) == (inst.code, "矩阵新密钥", "active")
        and intake_keys.provider_key_authenticate(j["key"]).pk == j["id"],
        state=lambda inst, me: list(ProviderKey.objects.filter(institution=inst).values_list("pk", flat=True))),
    ("POST", "/api/intake/keys/{pk}/revoke"): Call(
        on=_intake_sides(_key_at), url=lambda key: {"pk": key.pk},
        shows=lambda j, key, me: (j["id"], j["status"]) == (key.pk, "revoked"),
        state=lambda key, me: list(ProviderKey.objects.filter(pk=key.pk).values_list("revoked_at", flat=True))),
})


# --- monitoring: the city's indicators for those who monitor (city and district administrators, and who read the
# city's figures: member-unit reporters, expert reviewers, auditors); each sees from their own top place. Targets are
# set and removed by city administrators, and by district administrators within their district. The public
# dashboard's two routes answer everyone.

PUBLIC |= {("GET", "/api/monitoring/public/overview"), ("GET", "/api/monitoring/public/indicators/{code}")}
MONITORS = (A, DENIED, DENIED, OK, OK, OK, OK, OK)
DISTRICTS = {"gulou": lambda t, me: t.gulou, "taijiang": lambda t, me: t.taijiang}
TARGET_PERIOD = "2031"


def _home_code(me) -> str:
    """The place a monitoring role sees from: the district administrator's district, else the city."""
    return GULOU_CODE if me is not None and me.username == "district_admin" else "350100"


GULOU_CODE = "350102"


def _targets_in(place: str) -> Rows:
    return Rows(lambda t, me: set(MonitoringTarget.objects.filter(place__path__startswith=getattr(t, place).path)
                                  .values_list("pk", flat=True)))


def _target_at(place) -> MonitoringTarget:
    period = period_parse(TARGET_PERIOD)
    return MonitoringTarget.objects.create(indicator=Indicator.objects.get(code="ONLINE-PT"), place=place,
                                           period_kind=period.kind, period_start=period.start,
                                           period_end=period.end, value=Decimal("1234"), source="manual")


def _monitoring_targets(place, me):
    return sorted(MonitoringTarget.objects.filter(place=place, period_start=period_parse(TARGET_PERIOD).start)
                  .values_list("indicator__code", "value"))


SPEC_V2 = {"numerator": {"source": "records", "count": "persons",
                         "filters": {"course_kind": ["community"], "recognised": True, "age_min": 18}},
           "denominator": {"source": "population", "age_min": 18}}

TABLE.update({
    ("GET", "/api/monitoring/indicators"): {"-": MONITORS},
    ("GET", "/api/monitoring/indicators/{code}"): {"-": MONITORS},
    ("POST", "/api/monitoring/indicators/{code}/versions"): {
        "-": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/monitoring/indicators/{code}/publish"): {
        "-": (A, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/monitoring/overview"): {"-": MONITORS},
    ("GET", "/api/monitoring/indicators/{code}/drilldown"): {"-": MONITORS},
    ("GET", "/api/monitoring/indicators/{code}/breakdown"): {"-": MONITORS},
    ("GET", "/api/monitoring/indicators/{code}/series"): {"-": MONITORS},
    ("GET", "/api/monitoring/targets"): {
        "-": (A, DENIED, DENIED, _targets_in("gulou"), _targets_in("city"), _targets_in("city"), _targets_in("city"),
              _targets_in("city")),
    },
    ("POST", "/api/monitoring/targets"): {
        # a district's own targets are the city's to set (its admin sets those of its streets and communities)
        "gulou": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
        "taijiang": (A, DENIED, DENIED, DENIED, CREATED, DENIED, DENIED, DENIED),
    },
    ("POST", "/api/monitoring/targets/import"): {
        "gulou": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, REJECTED, REJECTED, REJECTED, OK, REJECTED, REJECTED, REJECTED),
    },
    ("DELETE", "/api/monitoring/targets/{target_id}"): {
        "gulou": (A, HIDDEN, HIDDEN, DENIED, OK, DENIED, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
    },
    ("GET", "/api/monitoring/public/overview"): {"-": (OK, OK, OK, OK, OK, OK, OK, OK)},
    ("GET", "/api/monitoring/public/indicators/{code}"): {"-": (OK, OK, OK, OK, OK, OK, OK, OK)},
})

CALLS.update({
    ("GET", "/api/monitoring/indicators"): Call(
        on=NOTHING, shows=lambda j, obj, me: {i["code"] for i in j} == set(Indicator.objects.values_list("code",
                                                                                                         flat=True))),
    ("GET", "/api/monitoring/indicators/{code}"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"},
        shows=lambda j, obj, me: j["code"] == "CE-PART" and j["spec"]["denominator"]["source"] == "population"),
    ("POST", "/api/monitoring/indicators/{code}/versions"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"}, body=lambda obj: {"spec": SPEC_V2},
        shows=lambda j, obj, me: (j["code"], j["version"], j["spec"]) == ("CE-PART", 2, SPEC_V2),
        state=lambda obj, me: list(IndicatorVersion.objects.filter(indicator__code="CE-PART")
                                   .values_list("version", "status"))),
    ("POST", "/api/monitoring/indicators/{code}/publish"): Call(
        on=NOTHING, url=lambda obj: {"code": "EMP-CE"}, body=lambda obj: {"published": True},
        shows=lambda j, obj, me: (j["code"], j["published"]) == ("EMP-CE", True),
        state=lambda obj, me: Indicator.objects.get(code="EMP-CE").published),
    ("GET", "/api/monitoring/overview"): Call(
        on=NOTHING, shows=lambda j, obj, me: j["place"]["code"] == _home_code(me) and len(j["rows"]) == 14),
    ("GET", "/api/monitoring/indicators/{code}/drilldown"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"},
        shows=lambda j, obj, me: j["place"]["code"] == _home_code(me) and {c["place"]["code"] for c in j["children"]}
        == set(Place.objects.filter(parent__code=_home_code(me)).values_list("code", flat=True))),
    ("GET", "/api/monitoring/indicators/{code}/breakdown"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"}, query={"by": "sex"},
        shows=lambda j, obj, me: j["place"]["code"] == _home_code(me) and [r["key"] for r in j["rows"]] == ["M", "F"]),
    ("GET", "/api/monitoring/indicators/{code}/series"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"}, query={"grain": "quarter", "year": 2026},
        shows=lambda j, obj, me: j["place"]["code"] == _home_code(me) and len(j["points"]) == 4),
    ("GET", "/api/monitoring/targets"): Call(
        on={"-": lambda t, me: [_target_at(t.gulou), _target_at(t.taijiang)]}, key=lambda r: r["id"]),
    ("POST", "/api/monitoring/targets"): Call(
        on=DISTRICTS, body=lambda p: {"indicator": "ONLINE-PT", "place": p.pk, "period": TARGET_PERIOD, "value": "4321"},
        shows=lambda j, p, me: (j["place"]["code"], j["value"], j["period"]["key"]) == (p.code, "4321.00",
                                                                                      TARGET_PERIOD),
        state=_monitoring_targets),
    ("POST", "/api/monitoring/targets/import"): Call(
        on=DISTRICTS, upload=lambda p: f"指标代码,区划代码,期间,目标值\nONLINE-PT,{p.code},{TARGET_PERIOD},4321\n".encode(),
        shows=lambda j, p, me: j == {"imported": 1}, state=_monitoring_targets),
    ("DELETE", "/api/monitoring/targets/{target_id}"): Call(
        on={"gulou": lambda t, me: _target_at(t.gulou), "taijiang": lambda t, me: _target_at(t.taijiang)},
        url=lambda target: {"target_id": target.pk},
        shows=lambda j, target, me: (j["id"], j["place"]["code"]) == (target.pk, target.place.code),
        state=lambda target, me: MonitoringTarget.objects.filter(pk=target.pk).exists()),
    ("GET", "/api/monitoring/public/overview"): Call(
        on=NOTHING, shows=lambda j, obj, me: j["place"]["code"] == "350100"
        and {r["indicator"] for r in j["rows"]} == set(Indicator.objects.filter(published=True)
                                                         .values_list("code", flat=True))),
    ("GET", "/api/monitoring/public/indicators/{code}"): Call(
        on=NOTHING, url=lambda obj: {"code": "CE-PART"},
        shows=lambda j, obj, me: j["place"]["code"] == "350100" and len(j["children"]) > 0),
})


# --- events and venues (issue 15, item 4): the city's events and venues are public information, shown on the
# public pages without signing in (no personal data in them), so their lists and details answer everyone. An
# event's sign-ups are its organiser's to see and check in (and its district's and the city's administrators');
# a resident signs up (a role without a learner profile is refused) and cancels their own sign-up only.

PUBLIC |= {("GET", "/api/catalog/events"), ("GET", "/api/catalog/events/{pk}"), ("GET", "/api/catalog/venues"),
           ("GET", "/api/catalog/venues/{pk}")}
ALL_EVENTS = Rows(lambda t, me: set(Event.objects.values_list("pk", flat=True)))
OPEN_VENUES = Rows(lambda t, me: set(Venue.objects.exclude(closed_on__lt=timezone.localdate())
                                     .values_list("pk", flat=True)))


def sign_ups_of(attr: str) -> Rows:
    return Rows(lambda t, me: set(EventRegistration.objects.filter(event=getattr(t.catalog, attr)).exclude(
        status="cancelled").values_list("pk", flat=True)))


TABLE.update({
    ("GET", "/api/catalog/events"): {
        "-": (ALL_EVENTS,) * 8,
    },
    ("GET", "/api/catalog/events/{pk}"): {
        "gulou": (OK, OK, OK, OK, OK, OK, OK, OK),
        "gulou_other": (OK, OK, OK, OK, OK, OK, OK, OK),
        "taijiang": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/catalog/venues"): {
        "-": (OPEN_VENUES,) * 8,
    },
    ("GET", "/api/catalog/venues/{pk}"): {
        "gulou": (OK, OK, OK, OK, OK, OK, OK, OK),
        "taijiang": (OK, OK, OK, OK, OK, OK, OK, OK),
    },
    ("GET", "/api/catalog/events/{pk}/registrations"): {
        "gulou": (A, HIDDEN, sign_ups_of("event"), sign_ups_of("event"), sign_ups_of("event"), HIDDEN, HIDDEN,
                  HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, sign_ups_of("event_other"), sign_ups_of("event_other"), HIDDEN, HIDDEN,
                        HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, sign_ups_of("event_taijiang"), HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/events/{pk}/registrations"): {
        # any resident may sign up for any event of the city, across the district line too
        "gulou": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
        "taijiang": (A, CREATED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED),
    },
    ("DELETE", "/api/catalog/event-registrations/{pk}"): {
        # the route finds only the caller's own sign-ups: the organiser's staff cancel none through the API
        "own": (A, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "gulou": (A, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    },
    ("POST", "/api/catalog/events/{pk}/check-in"): {
        "gulou": (A, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "gulou_other": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    },
})

EVENTS = {"gulou": lambda t, me: t.catalog.event, "gulou_other": lambda t, me: t.catalog.event_other,
          "taijiang": lambda t, me: t.catalog.event_taijiang}
SIGN_UPS = {"gulou": lambda t, me: t.catalog.event_registration,
            "gulou_other": lambda t, me: t.catalog.event_registration_other,
            "taijiang": lambda t, me: t.catalog.event_registration_taijiang}
# not about one event or venue, but those on each side of the line are there to be listed
EVENTS_AND_VENUES = {"-": lambda t, me: (t.catalog.event, t.catalog.event_other, t.catalog.event_taijiang)}


def _sign_ups(event_id, me):
    return (list(EventRegistration.objects.filter(event_id=event_id).order_by("pk").values_list(
        "pk", "learner_id", "status", "attended_at")), Event.objects.get(pk=event_id).registered_count,
        LearningRecord.objects.filter(event_id=event_id).count())


def _public_event(j, e, me) -> bool:
    """The event, with nothing about who signed up for it but the count."""
    return ((j["id"], j["organiser_code"], j["venue"]["id"], j["registered_count"])
            == (e.pk, e.organiser.code, e.venue_id, e.registered_count)
            and not {"registrations", "learner_name", "learners"} & j.keys())


CALLS.update({
    ("GET", "/api/catalog/events"): Call(on=EVENTS_AND_VENUES, query=ALL, key=lambda r: r["id"]),
    ("GET", "/api/catalog/events/{pk}"): Call(on=EVENTS, url=lambda e: {"pk": e.pk}, shows=_public_event),
    ("GET", "/api/catalog/venues"): Call(on=EVENTS_AND_VENUES, query=ALL, key=lambda r: r["id"]),
    ("GET", "/api/catalog/venues/{pk}"): Call(
        on={"gulou": lambda t, me: t.catalog.event, "taijiang": lambda t, me: t.catalog.event_taijiang},
        url=lambda e: {"pk": e.venue_id},
        shows=lambda j, e, me: j["id"] == e.venue_id and e.pk in [x["id"] for x in j["upcoming_events"]]),
    ("GET", "/api/catalog/events/{pk}/registrations"): Call(
        on={"gulou": lambda t, me: t.catalog.event_registration.event,
            "gulou_other": lambda t, me: t.catalog.event_registration_other.event,
            "taijiang": lambda t, me: t.catalog.event_registration_taijiang.event},
        url=lambda e: {"pk": e.pk}, key=lambda r: r["id"]),
    ("POST", "/api/catalog/events/{pk}/registrations"): Call(
        on={"gulou": EVENTS["gulou"], "taijiang": EVENTS["taijiang"]}, url=lambda e: {"pk": e.pk},
        shows=lambda j, e, me: (j["event_id"], j["status"], j["learner_name"]) == (
            e.pk, "registered", LearnerProfile.objects.get(user=me).name),
        state=lambda e, me: _sign_ups(e.pk, me), rejected_code="no_profile"),
    ("DELETE", "/api/catalog/event-registrations/{pk}"): Call(
        on={"own": lambda t, me: t.catalog.own_event_registration, "gulou": SIGN_UPS["gulou"],
            "taijiang": SIGN_UPS["taijiang"]},
        url=lambda r: {"pk": r.pk}, shows=lambda j, r, me: (j["id"], j["status"]) == (r.pk, "cancelled"),
        state=lambda r, me: _sign_ups(r.event_id, me)),
    ("POST", "/api/catalog/events/{pk}/check-in"): Call(
        on=SIGN_UPS, url=lambda r: {"pk": r.event_id}, body=lambda r: {"registration_ids": [r.pk]},
        shows=lambda j, r, me: [(x["id"], x["status"]) for x in j] == [(r.pk, "attended")],
        state=lambda r, me: _sign_ups(r.event_id, me),
        audits=3),  # the check-in, the learning record it makes, and that record's recognition (credit bank)
})


# --- governance: the committee's year (work plans, their import, tasks, progress updates) ------------------------
# The city committee's plan has tasks led by the reporter's unit ("lead"), by 鼓楼区's committee ("gulou") and by
# 台江区's ("taijiang"); 鼓楼区's and 台江区's committees have plans of their own; the three tasks are started, each
# with an update by the unit that answers for it (tests/api/governance_targets.py). The office of a committee is
# its place's administrators; expert reviewers and auditors read the committee area; a member unit reads the plans
# of its committee and its own part; staff and learners see nothing of it.


def plans_in(attr: str) -> Rows:
    return Rows(lambda t, me: set(WorkPlan.objects.filter(committee__place__path__startswith=getattr(t, attr).path)
                                  .values_list("pk", flat=True)))


def tasks_in(attr: str) -> Rows:
    """The tasks of the area's committees' plans, and those given to a committee of the area."""
    return Rows(lambda t, me: set(Task.objects.filter(
        Q(plan__committee__place__path__startswith=getattr(t, attr).path)
        | Q(units__committee__place__path__startswith=getattr(t, attr).path)).values_list("pk", flat=True)))


def update_of(target: str) -> Rows:
    return Rows(lambda t, me: {getattr(t.governance, f"update_{target}").pk})


OWN_UNIT_PLANS = Rows(lambda t, me: set(WorkPlan.objects.filter(committee=t.reporter_unit.committee)
                                        .values_list("pk", flat=True)))
OWN_UNIT_TASKS = Rows(lambda t, me: set(Task.objects.filter(units__member_unit=t.reporter_unit)
                                        .values_list("pk", flat=True)))
LEAD_UPDATE, GULOU_UPDATE, TAIJIANG_UPDATE = update_of("lead"), update_of("gulou"), update_of("taijiang")

_IMPORTS = {
    "city": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, DENIED, DENIED, DENIED),
    "gulou": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, DENIED, DENIED),
    "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, DENIED, DENIED),
}
TABLE.update({
    ("GET", "/api/governance/plans"): {
        "-": (A, NONE, NONE, plans_in("gulou"), plans_in("city"), OWN_UNIT_PLANS, plans_in("city"), plans_in("city")),
    },
    ("GET", "/api/governance/plans/{pk}"): {
        "city": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    # a preview writes nothing: answered 200 to the office
    ("POST", "/api/governance/committees/{pk}/import/preview"): {
        target: tuple(OK if o == CREATED else o for o in outcomes) for target, outcomes in _IMPORTS.items()
    },
    ("POST", "/api/governance/committees/{pk}/import"): dict(_IMPORTS),
    ("POST", "/api/governance/committees/{pk}/import/docx"): dict(_IMPORTS),
    ("GET", "/api/governance/tasks"): {
        "-": (A, NONE, NONE, tasks_in("gulou"), tasks_in("city"), OWN_UNIT_TASKS, tasks_in("city"), tasks_in("city")),
    },
    ("GET", "/api/governance/tasks/{pk}"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    # the item is named in the body: one the caller cannot read is answered as if it did not exist, one they read
    # but whose office they do not run is refused
    ("POST", "/api/governance/tasks"): {
        "city": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, DENIED, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, DENIED, DENIED),
    },
    # start: the lead unit (a reporter of its unit, a district's officials for their committee) or the office
    ("POST", "/api/governance/tasks/{pk}/move"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    ("GET", "/api/governance/tasks/{pk}/updates"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, LEAD_UPDATE, LEAD_UPDATE, LEAD_UPDATE, LEAD_UPDATE),
        "gulou": (A, HIDDEN, HIDDEN, GULOU_UPDATE, GULOU_UPDATE, HIDDEN, GULOU_UPDATE, GULOU_UPDATE),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, TAIJIANG_UPDATE, HIDDEN, TAIJIANG_UPDATE, TAIJIANG_UPDATE),
    },
    # progress is posted by the units that answer for the task: the city's officials answer for the districts'
    # committees, not for a member unit
    ("POST", "/api/governance/tasks/{pk}/updates"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, DENIED, CREATED, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, CREATED, CREATED, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, DENIED, DENIED),
    },
    # the plan's office decides; the unit that posted it reads it
    ("POST", "/api/governance/updates/{pk}/decide"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, OK, DENIED, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, DENIED, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
    ("GET", "/api/governance/updates/{pk}/evidence/{eid}"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
})

GOV_PLANS = {"city": lambda t, me: t.governance.plan, "gulou": lambda t, me: t.governance.gulou_plan,
             "taijiang": lambda t, me: t.governance.taijiang_plan}
GOV_COMMITTEES = {"city": lambda t, me: t.city_committee, "gulou": lambda t, me: t.gulou_committee,
                  "taijiang": lambda t, me: t.taijiang_committee}
GOV_ITEMS = {target: (lambda t, me, plan=plan: t.governance.item_of(plan(t, me))) for target, plan in GOV_PLANS.items()}
GOV_TASKS = {"lead": lambda t, me: t.governance.lead_task, "gulou": lambda t, me: t.governance.gulou_task,
             "taijiang": lambda t, me: t.governance.taijiang_task}
GOV_STARTED = {"lead": lambda t, me: t.governance.lead_started, "gulou": lambda t, me: t.governance.gulou_started,
               "taijiang": lambda t, me: t.governance.taijiang_started}
GOV_UPDATES = {"lead": lambda t, me: t.governance.update_lead, "gulou": lambda t, me: t.governance.update_gulou,
               "taijiang": lambda t, me: t.governance.update_taijiang}
GOV_EVERYTHING = {"-": lambda t, me: t.governance.plans}


def _plans_of(committee, me):
    return sorted(WorkPlan.objects.filter(committee=committee).values_list("pk", "year", "title"))


def _import_body(committee) -> dict:
    return {"text": office_text(committee.place.name), "year": GOV_YEAR}


def _imported(j, committee, me) -> bool:
    return ((j["committee_id"], j["year"], [len(i["tasks"]) for i in j["items"]]) == (committee.pk, GOV_YEAR, [1])
            and WorkPlan.objects.filter(pk=j["id"], committee=committee).exists())


def _task_state(task, me):
    return (list(Task.objects.filter(pk=task.pk).values_list("state", "due_on")),
            TaskTransition.objects.filter(task=task).count())


def _updates_of(task, me):
    return (sorted(ProgressUpdate.objects.filter(task=task).values_list("pk", "state")),
            Evidence.objects.filter(update__task=task).count())


CALLS.update({
    ("GET", "/api/governance/plans"): Call(on=GOV_EVERYTHING, key=lambda r: r["id"]),
    ("GET", "/api/governance/plans/{pk}"): Call(
        on=GOV_PLANS, url=lambda p: {"pk": p.pk},
        shows=lambda j, p, me: (j["id"], j["committee_id"], len(j["items"])) == (p.pk, p.committee_id,
                                                                                  p.items.count())),
    ("POST", "/api/governance/committees/{pk}/import/preview"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk}, body=_import_body,
        shows=lambda j, c, me: (j["year"], len(j["items"]), j["unknown"]) == (GOV_YEAR, 1, []),
        state=_plans_of, audits=0, changes=False),
    ("POST", "/api/governance/committees/{pk}/import"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk}, body=_import_body, shows=_imported, state=_plans_of),
    ("POST", "/api/governance/committees/{pk}/import/docx"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk},
        body=lambda c: {"name": "矩阵要点.docx", "content_base64": docx_base64(office_text(c.place.name)),
                        "year": GOV_YEAR},
        shows=_imported, state=_plans_of),
    ("GET", "/api/governance/tasks"): Call(on=GOV_EVERYTHING, query=ALL, key=lambda r: r["id"]),
    ("GET", "/api/governance/tasks/{pk}"): Call(
        on=GOV_TASKS, url=lambda task: {"pk": task.pk},
        shows=lambda j, task, me: (j["id"], j["state"]) == (task.pk, "not_started") and j["units"] != []),
    ("POST", "/api/governance/tasks"): Call(
        on=GOV_ITEMS,
        body=lambda item: {"item_id": item.pk, "title": "矩阵新增任务", "due_on": f"{GOV_YEAR}-06-30",
                           "lead": [{"committee_id": item.plan.committee_id}]},
        shows=lambda j, item, me: (j["item_id"], j["title"], j["state"]) == (item.pk, "矩阵新增任务", "not_started"),
        state=lambda item, me: sorted(Task.objects.filter(item=item).values_list("pk", flat=True))),
    ("POST", "/api/governance/tasks/{pk}/move"): Call(
        on=GOV_TASKS, url=lambda task: {"pk": task.pk}, body=lambda task: {"event": "start"},
        shows=lambda j, task, me: (j["id"], j["state"], [h["to_state"] for h in j["history"]]) == (
            task.pk, "in_progress", ["in_progress"]),
        state=_task_state),
    ("GET", "/api/governance/tasks/{pk}/updates"): Call(
        on=GOV_UPDATES, url=lambda u: {"pk": u.task_id}, key=lambda r: r["id"]),
    ("POST", "/api/governance/tasks/{pk}/updates"): Call(
        on=GOV_STARTED, url=lambda task: {"pk": task.pk},
        body=lambda task: {"text": "矩阵进展", "figures": [{"label": "参训人数", "value": "12", "unit": "人"}],
                           "files": [{"name": "矩阵.pdf", "content_base64": base64.b64encode(GOV_PDF).decode()}]},
        shows=lambda j, task, me: (j["task_id"], j["text"], [e["size"] for e in j["evidence"]]) == (
            task.pk, "矩阵进展", [len(GOV_PDF)]),
        state=_updates_of),
    ("POST", "/api/governance/updates/{pk}/decide"): Call(
        on=GOV_UPDATES, url=lambda u: {"pk": u.pk}, body=lambda u: {"accept": True},
        shows=lambda j, u, me: (j["id"], j["state"]) == (u.pk, "accepted"),
        state=lambda u, me: list(ProgressUpdate.objects.filter(pk=u.pk).values_list("state", "decided_by_id"))),
    ("GET", "/api/governance/updates/{pk}/evidence/{eid}"): Call(
        on=GOV_UPDATES, url=lambda u: {"pk": u.pk, "eid": u.evidence.get().pk}, raw=True,
        shows=lambda r, u, me: (r["Content-Type"], r.content) == ("application/pdf", GOV_PDF)),
})


# --- governance: milestones on the tasks above (the office sets them; a lead unit or the office marks one reached) --

GOV_MILESTONES = {target: (lambda t, me, target=target: t.governance.milestones[target])
                  for target in ("lead", "gulou", "taijiang")}


def milestone_of(target: str) -> Rows:
    return Rows(lambda t, me: {t.governance.milestones[target].pk})


def _milestones_of(task, me):
    return sorted(Milestone.objects.filter(task=task).values_list("pk", "title", "due_on", "done_on"))


TABLE.update({
    # read with the task
    ("GET", "/api/governance/tasks/{pk}/milestones"): {
        target: tuple(milestone_of(target) if o == OK else o for o in TABLE[("GET", "/api/governance/tasks/{pk}")][target])
        for target in ("lead", "gulou", "taijiang")
    },
    # the office of the task's plan (the city's): a district's officials read 鼓楼区's task but do not run the office
    ("POST", "/api/governance/tasks/{pk}/milestones"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, DENIED, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, DENIED, CREATED, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, CREATED, HIDDEN, DENIED, DENIED),
    },
    # a lead unit (the reporter's unit; 鼓楼区's committee through its officials) or the office
    ("POST", "/api/governance/milestones/{pk}/done"): {
        "lead": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, DENIED, DENIED),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
    },
})
CALLS.update({
    ("GET", "/api/governance/tasks/{pk}/milestones"): Call(
        on=GOV_MILESTONES, url=lambda m: {"pk": m.task_id}, key=lambda r: r["id"]),
    ("POST", "/api/governance/tasks/{pk}/milestones"): Call(
        on=GOV_TASKS, url=lambda task: {"pk": task.pk},
        body=lambda task: {"title": "矩阵新增节点", "due_on": f"{GOV_YEAR}-04-30"},
        shows=lambda j, task, me: (j["task_id"], j["title"], j["due_on"], j["done_on"]) == (
            task.pk, "矩阵新增节点", f"{GOV_YEAR}-04-30", None),
        state=_milestones_of),
    ("POST", "/api/governance/milestones/{pk}/done"): Call(
        on=GOV_MILESTONES, url=lambda m: {"pk": m.pk}, body=lambda m: {},
        shows=lambda j, m, me: (j["id"], j["done_on"]) == (m.pk, timezone.localdate().isoformat()),
        state=lambda m, me: list(Milestone.objects.filter(pk=m.pk).values_list("done_on", flat=True))),
})


# --- governance: member units' reports (forms, rounds, returns) and a round's consolidated report ----------------
# The city committee's round asks the reporter's unit, another unit and 鼓楼区's and 台江区's committees; 鼓楼区's and
# 台江区's committees have rounds of their own (tests/api/governance_targets.py). A round is read by its committee's
# office (and the reviewers and auditors of its area) and by the units it asks; the consolidated report is the
# office's alone: 403 to the others who read the round.

GOV_ROUNDS = {target: (lambda t, me, target=target: t.governance.rounds[target]) for target in ("city", "gulou",
                                                                                               "taijiang")}
_CONSOLIDATION = {
    "city": (A, HIDDEN, HIDDEN, DENIED, OK, DENIED, DENIED, DENIED),
    "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, DENIED, DENIED),
    "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, DENIED, DENIED),
}
TABLE.update({
    ("GET", "/api/governance/rounds/{pk}/consolidation"): dict(_CONSOLIDATION),
    ("GET", "/api/governance/rounds/{pk}/consolidation/docx"): dict(_CONSOLIDATION),
    ("GET", "/api/governance/rounds/{pk}/consolidation/pdf"): dict(_CONSOLIDATION),
})
# GETs that answer 403 to some who read the object: what they ask for is the office's (a consolidated report)
READ_REFUSED = {("GET", "/api/governance/rounds/{pk}/consolidation"),
                ("GET", "/api/governance/rounds/{pk}/consolidation/docx"),
                ("GET", "/api/governance/rounds/{pk}/consolidation/pdf")}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CALLS.update({
    ("GET", "/api/governance/rounds/{pk}/consolidation"): Call(
        on=GOV_ROUNDS, url=lambda r: {"pk": r.pk},
        shows=lambda j, r, me: (j["round_id"], len(j["units"]), j["counts"].get("draft")) == (
            r.pk, r.returns.count(), r.returns.count())),
    ("GET", "/api/governance/rounds/{pk}/consolidation/docx"): Call(
        on=GOV_ROUNDS, url=lambda r: {"pk": r.pk}, raw=True,
        shows=lambda resp, r, me: (resp["Content-Type"], resp.content[:2]) == (DOCX_TYPE, b"PK")),
    ("GET", "/api/governance/rounds/{pk}/consolidation/pdf"): Call(
        on=GOV_ROUNDS, url=lambda r: {"pk": r.pk}, raw=True,
        shows=lambda resp, r, me: (resp["Content-Type"], resp.content[:5]) == ("application/pdf", b"%PDF-")),
})

# --- governance: joint meetings (联席会议) ----------------------------------------------------------------------------
# Each committee has a draft meeting and a published one with a decision (tests/api/governance_targets.py). A meeting
# is read as its committee's plans are (its area's officials, reviewers and auditors; the member units sitting on
# it); the office (the administrators of the committee's place) writes. Attending does not make a lower committee's
# officials readers of the city's meeting.

GOV_SIDES = ("city", "gulou", "taijiang")
GOV_MEETINGS = {target: (lambda t, me, target=target: t.governance.meetings[target]) for target in GOV_SIDES}
GOV_PUBLISHED = {target: (lambda t, me, target=target: t.governance.published_meetings[target])
                 for target in GOV_SIDES}
GOV_DECISIONS = {target: (lambda t, me, target=target: t.governance.published_meetings[target].decisions.get())
                 for target in GOV_SIDES}
GOV_BOTH_MEETINGS = {target: (lambda t, me, target=target: (t.governance.meetings[target],
                                                            t.governance.published_meetings[target])[1])
                     for target in GOV_SIDES}
_COMMITTEE_READ = {
    "city": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
    "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
}


def _office_writes(done) -> dict:
    """The committee's office writes (`done`: 200 or 201); who reads without running it is refused."""
    return {target: tuple(done if o == CREATED else o for o in outcomes) for target, outcomes in _IMPORTS.items()}


def meetings_of(target: str) -> Rows:
    return Rows(lambda t, me: set(Meeting.objects.filter(committee=t.governance.meetings[target].committee)
                                  .values_list("pk", flat=True)))


def _meeting_state(meeting, me):
    return (list(Meeting.objects.filter(pk=meeting.pk).values_list(
        "title", "held_on", "convener", "agenda", "minutes", "state", "published_at")),
            sorted(meeting.member_units.values_list("pk", flat=True)),
            sorted(meeting.committees.values_list("pk", flat=True)),
            sorted(MeetingDecision.objects.filter(meeting=meeting).values_list("pk", "text")))


def _meeting_body(meeting) -> dict:
    return {"title": "矩阵联席会议改", "held_on": f"{GOV_YEAR}-03-12", "convener": "矩阵召集人", "agenda": "矩阵议程改",
            "minutes": "矩阵纪要改", "member_unit_ids": list(meeting.member_units.values_list("pk", flat=True))}


def _decision_tasks(decision, me):
    return (sorted(DecisionTask.objects.filter(decision=decision).values_list("task_id", flat=True)),
            Task.objects.filter(plan__committee=decision.meeting.committee).count())


TABLE.update({
    ("GET", "/api/governance/committees/{pk}/meetings"): {
        target: tuple(meetings_of(target) if o == OK else o for o in outcomes)
        for target, outcomes in _COMMITTEE_READ.items()
    },
    ("POST", "/api/governance/committees/{pk}/meetings"): _office_writes(CREATED),
    ("GET", "/api/governance/meetings/{pk}"): dict(_COMMITTEE_READ),
    # a draft, rewritten or published by the office
    ("PUT", "/api/governance/meetings/{pk}"): _office_writes(OK),
    ("POST", "/api/governance/meetings/{pk}/publish"): _office_writes(OK),
    ("POST", "/api/governance/meetings/{pk}/decisions"): _office_writes(CREATED),
    # a published meeting's decision made a task of the committee's plan of its year, led by the committee itself
    ("POST", "/api/governance/decisions/{pk}/tasks"): _office_writes(CREATED),
    ("GET", "/api/governance/meetings/{pk}/minutes.docx"): dict(_COMMITTEE_READ),
    ("GET", "/api/governance/meetings/{pk}/minutes.pdf"): dict(_COMMITTEE_READ),
})
CALLS.update({
    ("GET", "/api/governance/committees/{pk}/meetings"): Call(
        on=GOV_BOTH_MEETINGS, url=lambda m: {"pk": m.committee_id}, key=lambda r: r["id"]),
    ("POST", "/api/governance/committees/{pk}/meetings"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk},
        body=lambda c: {"title": "矩阵新会议", "held_on": f"{GOV_YEAR}-04-01", "convener": "矩阵召集人",
                        "agenda": "矩阵议程"},
        shows=lambda j, c, me: (j["committee_id"], j["title"], j["state"], j["year"]) == (
            c.pk, "矩阵新会议", "draft", GOV_YEAR),
        state=lambda c, me: sorted(Meeting.objects.filter(committee=c).values_list("pk", flat=True))),
    ("GET", "/api/governance/meetings/{pk}"): Call(
        on=GOV_PUBLISHED, url=lambda m: {"pk": m.pk},
        shows=lambda j, m, me: (j["id"], j["state"], [d["text"] for d in j["decisions"]]) == (
            m.pk, "published", ["矩阵议定事项"])),
    ("PUT", "/api/governance/meetings/{pk}"): Call(
        on=GOV_MEETINGS, url=lambda m: {"pk": m.pk}, body=_meeting_body,
        shows=lambda j, m, me: (j["id"], j["title"], j["minutes"], j["held_on"], j["committees"]) == (
            m.pk, "矩阵联席会议改", "矩阵纪要改", f"{GOV_YEAR}-03-12", []),
        state=_meeting_state),
    ("POST", "/api/governance/meetings/{pk}/publish"): Call(
        on=GOV_MEETINGS, url=lambda m: {"pk": m.pk},
        shows=lambda j, m, me: (j["id"], j["state"]) == (m.pk, "published") and j["published_at"] is not None,
        state=_meeting_state),
    ("POST", "/api/governance/meetings/{pk}/decisions"): Call(
        on=GOV_MEETINGS, url=lambda m: {"pk": m.pk}, body=lambda m: {"text": "矩阵新议定事项"},
        shows=lambda j, m, me: (j["position"], j["text"], j["tasks"]) == (1, "矩阵新议定事项", []),
        state=_meeting_state),
    ("POST", "/api/governance/decisions/{pk}/tasks"): Call(
        on=GOV_DECISIONS, url=lambda d: {"pk": d.pk},
        body=lambda d: {"tasks": [{"title": "矩阵会议任务", "due_on": f"{GOV_YEAR}-06-30",
                                   "lead": [{"committee_id": d.meeting.committee_id}]}]},
        shows=lambda j, d, me: (j["id"], [(k["title"], k["kind"]) for k in j["tasks"]]) == (
            d.pk, [("矩阵会议任务", "decision")]),
        state=_decision_tasks),
    ("GET", "/api/governance/meetings/{pk}/minutes.docx"): Call(
        on=GOV_PUBLISHED, url=lambda m: {"pk": m.pk}, raw=True,
        shows=lambda resp, m, me: (resp["Content-Type"], resp.content[:2]) == (DOCX_TYPE, b"PK")),
    ("GET", "/api/governance/meetings/{pk}/minutes.pdf"): Call(
        on=GOV_PUBLISHED, url=lambda m: {"pk": m.pk}, raw=True,
        shows=lambda resp, m, me: (resp["Content-Type"], resp.content[:5]) == ("application/pdf", b"%PDF-")),
})

# --- governance: inspection (专项督导) --------------------------------------------------------------------------------
# Each committee has the shipped standard, a round of GOV_YEAR and one visit: the matrix's inspector persona is sent to
# 鼓楼区 on the city's round, another inspector on 鼓楼区's and 台江区's (tests/api/governance_targets.py). Standards and
# circulars are read as the committee's plans are; rounds, visits and scores by the office (its area's officials,
# reviewers and auditors, not the member units) and by the visit's inspector; the office writes everything but the
# scores, which are the visit's inspector's alone (403 to the office).


def _gov(attr: str) -> dict:
    return {target: (lambda t, me, target=target: getattr(t.governance, attr)[target]) for target in GOV_SIDES}


def _gov_call(method: str) -> dict:
    return {target: (lambda t, me, target=target: getattr(t.governance, method)(target)) for target in GOV_SIDES}


_ROUND_READ = {
    "city": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
    "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
}


def _round_writes(done) -> dict:
    """The round's office (the administrators who read it) writes; the others who read it (reviewers, auditors)
    are refused."""
    return {target: tuple((done if role in ("district_admin", "city_admin") else DENIED) if o == OK else o
                          for role, o in zip(ROLES, outcomes, strict=True))
            for target, outcomes in _ROUND_READ.items()}


def _by_inspector_only() -> dict:
    return {target: tuple(DENIED if o == OK else o for o in outcomes) for target, outcomes in _ROUND_READ.items()}


def _area_q(me, committee_field: str) -> Q:
    """The committees of `me`'s area (an administrator, reviewer or auditor) as `committee_field`."""
    places = [r.place.path for r in me.role_assignments.filter(place__isnull=False)]
    q = Q(pk__in=[])
    for path in places:
        q |= Q(**{f"{committee_field}__place__path__startswith": path})
    return q


STANDARDS_READ = Rows(lambda t, me: set(InspectionStandard.objects.filter(
    _area_q(me, "committee") | Q(committee__members__in=MemberUnit.objects.filter(reporters_q(me))))
    .values_list("pk", flat=True)))
ROUNDS_READ = Rows(lambda t, me: set(InspectionRound.objects.filter(_area_q(me, "committee"))
                                     .values_list("pk", flat=True)))


def reporters_q(me) -> Q:
    return Q(pk__in=me.role_assignments.filter(member_unit__isnull=False).values("member_unit"))


def _standards_of(c, me):
    return sorted(InspectionStandard.objects.filter(committee=c).values_list("pk", "code"))


def _rounds_of(c, me):
    return sorted(InspectionRound.objects.filter(committee=c).values_list("pk", "title"))


def _round_state(r, me):
    return (list(InspectionRound.objects.filter(pk=r.pk).values_list("closed_at", "closed_by")),
            sorted(InspectionVisit.objects.filter(round=r).values_list("pk", "state")),
            list(Circular.objects.filter(round=r).values_list("pk", flat=True)))


def _visit_state(v, me):
    return (list(InspectionVisit.objects.filter(pk=v.pk).values_list("state", "submitted_at")),
            sorted(InspectionScore.objects.filter(visit=v).values_list("pk", "criterion_id", "score")),
            InspectionEvidence.objects.filter(score__visit=v).count())


def _first_score_body(v) -> dict:
    c = v.round.standard.criteria.order_by("position")[0]
    return {"criterion_id": c.pk, "score": str(c.points), "finding": "矩阵问题",
            "files": [{"name": "矩阵.pdf", "content_base64": base64.b64encode(GOV_PDF).decode()}]}


TABLE.update({
    ("GET", "/api/governance/inspection-standards"): {
        "-": (A, NONE, NONE, STANDARDS_READ, STANDARDS_READ, STANDARDS_READ, STANDARDS_READ, STANDARDS_READ),
    },
    ("GET", "/api/governance/inspection-standards/{pk}"): dict(_COMMITTEE_READ),
    ("POST", "/api/governance/committees/{pk}/inspection-standards"): _office_writes(CREATED),
    ("GET", "/api/governance/inspections"): {
        "-": (A, NONE, NONE, ROUNDS_READ, ROUNDS_READ, NONE, ROUNDS_READ, ROUNDS_READ),
    },
    ("GET", "/api/governance/inspections/{pk}"): dict(_ROUND_READ),
    ("POST", "/api/governance/committees/{pk}/inspections"): _office_writes(CREATED),
    ("POST", "/api/governance/inspections/{pk}/visits"): _round_writes(CREATED),
    ("POST", "/api/governance/inspections/{pk}/close"): _round_writes(OK),
    ("POST", "/api/governance/inspections/{pk}/circular"): _round_writes(CREATED),
    # the visits one is sent on: none for the roles here (the inspector's own table below)
    ("GET", "/api/governance/inspection-visits"): {
        "-": (A, NONE, NONE, NONE, NONE, NONE, NONE, NONE),
    },
    ("GET", "/api/governance/inspection-visits/{pk}"): dict(_ROUND_READ),
    ("POST", "/api/governance/inspection-visits/{pk}/scores"): _by_inspector_only(),
    ("POST", "/api/governance/inspection-visits/{pk}/submit"): _by_inspector_only(),
    ("GET", "/api/governance/inspection-scores/{pk}/evidence/{eid}"): dict(_ROUND_READ),
    ("POST", "/api/governance/inspection-scores/{pk}/rectification"): _round_writes(CREATED),
    ("GET", "/api/governance/circulars/{pk}"): dict(_COMMITTEE_READ),
    ("GET", "/api/governance/circulars/{pk}/pdf"): dict(_COMMITTEE_READ),
})
CALLS.update({
    # the visits sent first: an inspector reads the standard of a round they are sent on
    ("GET", "/api/governance/inspection-standards"): Call(
        on={"-": lambda t, me: (t.governance.visits, t.governance.standards)[1]}, key=lambda r: r["id"]),
    ("GET", "/api/governance/inspection-standards/{pk}"): Call(
        on={target: (lambda t, me, target=target: (t.governance.visits, t.governance.standards[target])[1])
            for target in GOV_SIDES}, url=lambda s: {"pk": s.pk},
        shows=lambda j, s, me: (j["id"], j["code"], len(j["criteria"])) == (s.pk, s.code, s.criteria.count())),
    ("POST", "/api/governance/committees/{pk}/inspection-standards"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk},
        body=lambda c: {"code": "matrix-new", "title": "矩阵新标准",
                        "criteria": [{"position": 1, "section": "矩阵", "text": "矩阵指标", "points": "10"}]},
        shows=lambda j, c, me: (j["committee_id"], j["code"], [k["text"] for k in j["criteria"]]) == (
            c.pk, "matrix-new", ["矩阵指标"]),
        state=_standards_of),
    ("GET", "/api/governance/inspections"): Call(
        on={"-": lambda t, me: t.governance.inspection_rounds}, key=lambda r: r["id"]),
    ("GET", "/api/governance/inspections/{pk}"): Call(
        on={target: (lambda t, me, target=target: t.governance.visits[target].round) for target in GOV_SIDES},
        url=lambda r: {"pk": r.pk},
        shows=lambda j, r, me: (j["id"], [v["id"] for v in j["visits"]]) == (
            r.pk, list(r.visits.values_list("pk", flat=True)))),
    ("POST", "/api/governance/committees/{pk}/inspections"): Call(
        on={target: (lambda t, me, target=target: t.governance.standards[target].committee) for target in GOV_SIDES},
        url=lambda c: {"pk": c.pk},
        body=lambda c: {"standard_id": c.inspection_standards.get(code="matrix-community-school").pk,
                        "title": "矩阵新督导", "year": GOV_YEAR, "starts_on": f"{GOV_YEAR}-11-01",
                        "ends_on": f"{GOV_YEAR}-11-30"},
        shows=lambda j, c, me: (j["committee_id"], j["title"], j["visits"], j["closed_at"]) == (
            c.pk, "矩阵新督导", [], None),
        state=_rounds_of),
    ("POST", "/api/governance/inspections/{pk}/visits"): Call(
        on={target: (lambda t, me, target=target: t.governance.visits[target].round) for target in GOV_SIDES},
        url=lambda r: {"pk": r.pk},
        body=lambda r: {"inspector_id": r.visits.get().inspector_id,
                        "member_unit_id": MemberUnit.objects.filter(committee=r.committee).order_by("pk")[0].pk},
        shows=lambda j, r, me: (j["round_id"], j["member_unit_id"], j["state"]) == (
            r.pk, MemberUnit.objects.filter(committee=r.committee).order_by("pk")[0].pk, "assigned"),
        state=_round_state),
    ("POST", "/api/governance/inspections/{pk}/close"): Call(
        on={target: (lambda t, me, target=target: t.governance.submitted[target].round) for target in GOV_SIDES},
        url=lambda r: {"pk": r.pk},
        shows=lambda j, r, me: j["id"] == r.pk and j["closed_at"] is not None,
        state=_round_state),
    ("POST", "/api/governance/inspections/{pk}/circular"): Call(
        on=_gov("closed"), url=lambda r: {"pk": r.pk}, body=lambda r: {"title": "矩阵新通报", "text": "矩阵正文"},
        shows=lambda j, r, me: (j["round_id"], j["title"]) == (r.pk, "矩阵新通报"),
        state=_round_state),
    ("GET", "/api/governance/inspection-visits"): Call(
        on={"-": lambda t, me: t.governance.visits}, key=lambda r: r["id"]),
    ("GET", "/api/governance/inspection-visits/{pk}"): Call(
        on=_gov("visits"), url=lambda v: {"pk": v.pk},
        shows=lambda j, v, me: (j["id"], j["round_id"], len(j["criteria"])) == (
            v.pk, v.round_id, v.round.standard.criteria.count())),
    ("POST", "/api/governance/inspection-visits/{pk}/scores"): Call(
        on=_gov("visits"), url=lambda v: {"pk": v.pk}, body=_first_score_body,
        shows=lambda j, v, me: (j["id"], [(c["position"], c["score"]["finding"], len(c["score"]["evidence"]))
                                          for c in j["criteria"] if c["score"]]) == (v.pk, [(1, "矩阵问题", 1)]),
        state=_visit_state),
    ("POST", "/api/governance/inspection-visits/{pk}/submit"): Call(
        on=_gov("scored"), url=lambda v: {"pk": v.pk},
        shows=lambda j, v, me: (j["id"], j["state"]) == (v.pk, "submitted") and j["submitted_at"] is not None,
        state=_visit_state),
    ("GET", "/api/governance/inspection-scores/{pk}/evidence/{eid}"): Call(
        on=_gov_call("evidence_score"), url=lambda sc: {"pk": sc.pk, "eid": sc.evidence.order_by("pk")[0].pk},
        raw=True, shows=lambda r, sc, me: (r["Content-Type"], r.content[:4]) == ("image/png", b"\x89PNG")),
    ("POST", "/api/governance/inspection-scores/{pk}/rectification"): Call(
        on=_gov_call("finding"), url=lambda sc: {"pk": sc.pk}, body=lambda sc: {"due_on": f"{GOV_YEAR}-12-15"},
        shows=lambda j, sc, me: (j["score_id"], j["due_on"]) == (sc.pk, f"{GOV_YEAR}-12-15") and Task.objects.filter(
            pk=j["task_id"], kind="rectification").exists(),
        state=lambda sc, me: sorted(Rectification.objects.filter(score=sc).values_list("pk", "task_id"))),
    ("GET", "/api/governance/circulars/{pk}"): Call(
        on=_gov("circulars"), url=lambda c: {"pk": c.pk},
        shows=lambda j, c, me: (j["id"], j["round_id"], j["title"]) == (c.pk, c.round_id, "矩阵督导通报")),
    ("GET", "/api/governance/circulars/{pk}/pdf"): Call(
        on=_gov("circulars"), url=lambda c: {"pk": c.pk}, raw=True,
        shows=lambda r, c, me: (r["Content-Type"], r.content[:5]) == ("application/pdf", b"%PDF-")),
})

# --- governance: the annual assessment (年度考核) ---------------------------------------------------------------------
# Each committee has a scheme of GOV_YEAR over its member units (tests/api/governance_targets.py). A scheme is the
# office's work: read by its committee's area's officials, reviewers and auditors (not its member units), listed
# only to those who run an office, written by the office.

SCHEMES_GOVERNED = Rows(lambda t, me: set(AssessmentScheme.objects.filter(_area_q(me, "committee"))
                                          .values_list("pk", flat=True)))
_SCHEME_READ = {target: outcomes for target, outcomes in _ROUND_READ.items()}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def proposal_of(target: str) -> Rows:
    return Rows(lambda t, me: set(AdvancedUnitProposal.objects.filter(scheme=t.governance.schemes[target])
                                  .values_list("pk", flat=True)))


def _weights_of(scheme, me):
    return sorted(AssessmentWeight.objects.filter(scheme=scheme).values_list("component", "weight"))


TABLE.update({
    ("GET", "/api/governance/assessment/schemes"): {
        "-": (A, NONE, NONE, SCHEMES_GOVERNED, SCHEMES_GOVERNED, NONE, NONE, NONE),
    },
    ("POST", "/api/governance/committees/{pk}/assessment/schemes"): _office_writes(CREATED),
    ("GET", "/api/governance/assessment/schemes/{pk}"): dict(_SCHEME_READ),
    ("PUT", "/api/governance/assessment/schemes/{pk}/weights"): _round_writes(OK),
    ("GET", "/api/governance/assessment/schemes/{pk}/proposal"): {
        target: tuple(proposal_of(target) if o == OK else o for o in outcomes)
        for target, outcomes in _SCHEME_READ.items()
    },
    ("POST", "/api/governance/assessment/schemes/{pk}/proposals"): _round_writes(CREATED),
    ("GET", "/api/governance/assessment/schemes/{pk}/export.xlsx"): dict(_SCHEME_READ),
})
CALLS.update({
    ("GET", "/api/governance/assessment/schemes"): Call(
        on={"-": lambda t, me: t.governance.schemes}, key=lambda r: r["id"]),
    ("POST", "/api/governance/committees/{pk}/assessment/schemes"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk},
        body=lambda c: {"year": GOV_YEAR, "subjects": "member_units",
                        "weights": {"indicators": "40", "tasks": "30", "reports": "20", "inspections": "10"}},
        shows=lambda j, c, me: (j["committee_id"], j["year"], j["subjects"], j["weights"]) == (
            c.pk, GOV_YEAR, "member_units",
            {"indicators": "40.00", "tasks": "30.00", "reports": "20.00", "inspections": "10.00"}),
        state=lambda c, me: sorted(AssessmentScheme.objects.filter(committee=c).values_list("pk", "year")),
    ),
    ("GET", "/api/governance/assessment/schemes/{pk}"): Call(
        on=_gov("schemes"), url=lambda s: {"pk": s.pk},
        shows=lambda j, s, me: (j["scheme"]["id"], sorted(r["member_unit_id"] for r in j["rows"])) == (
            s.pk, sorted(MemberUnit.objects.filter(committee=s.committee).values_list("pk", flat=True)))),
    ("PUT", "/api/governance/assessment/schemes/{pk}/weights"): Call(
        on=_gov("schemes"), url=lambda s: {"pk": s.pk},
        body=lambda s: {"weights": {"indicators": "10", "tasks": "20", "reports": "30", "inspections": "40"}},
        shows=lambda j, s, me: (j["id"], j["weights"]) == (
            s.pk, {"indicators": "10.00", "tasks": "20.00", "reports": "30.00", "inspections": "40.00"}),
        state=_weights_of),
    ("GET", "/api/governance/assessment/schemes/{pk}/proposal"): Call(
        on=_gov("proposed"), url=lambda s: {"pk": s.pk}, key=lambda r: r["id"]),
    ("POST", "/api/governance/assessment/schemes/{pk}/proposals"): Call(
        on=_gov("schemes"), url=lambda s: {"pk": s.pk}, body=lambda s: {"count": 1},
        shows=lambda j, s, me: [p["number"] for p in j] == [1] * len(j) and [p["rank"] for p in j] == [1] * len(j)
        and len(j) >= 1,
        state=lambda s, me: sorted(AdvancedUnitProposal.objects.filter(scheme=s).values_list("pk", "number"))),
    ("GET", "/api/governance/assessment/schemes/{pk}/export.xlsx"): Call(
        on=_gov("schemes"), url=lambda s: {"pk": s.pk}, raw=True,
        shows=lambda r, s, me: (r["Content-Type"], r.content[:2]) == (XLSX_TYPE, b"PK")),
})

# --- governance: member units' returns ---------------------------------------------------------------------------
# The city round's returns: the reporter's unit's ("unit"), 鼓楼区's committee's and 台江区's. A return is read by the
# round's office (its area's officials, reviewers, auditors) and by who answers for its unit: the unit's reporter; for
# a lower committee's return, the officials of its area (the city's answer for the districts' committees, as with
# tasks). The unit fills it in (save, submit, attachments); the office decides and grants extensions.

RETURN_SIDES = ("unit", "gulou", "taijiang")
_RETURN_READ = {
    "unit": (A, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK),
    "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
    "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
}


def _return_writes(done, *, by_unit: bool) -> dict:
    """`by_unit`: who answers for the return's unit writes (the reporter for its unit; the city's and 鼓楼区's
    officials for 鼓楼区's committee); else the city round's office (the city's administrators)."""
    out = {}
    for target, outcomes in _RETURN_READ.items():
        row = []
        for role, o in zip(ROLES, outcomes, strict=True):
            if o != OK:
                row.append(o)
            elif by_unit:
                answers = {"unit": ("member_unit_reporter",), "gulou": ("district_admin", "city_admin"),
                           "taijiang": ("city_admin",)}[target]
                row.append(done if role in answers else DENIED)
            else:
                row.append(done if role == "city_admin" else DENIED)
        out[target] = tuple(row)
    return out


def _returns_of(attr: str) -> dict:
    return {target: (lambda t, me, target=target: getattr(t.governance, attr)()[target] if attr == "returns"
                     else getattr(t.governance, attr)[target]) for target in RETURN_SIDES}


def _return_state(r, me):
    return (list(ReportReturn.objects.filter(pk=r.pk).values_list("state", "data", "extended_until", "comment")),
            sorted(ReturnAttachment.objects.filter(report_return=r).values_list("pk", "field")),
            ReturnEvent.objects.filter(report_return=r).count())


def forms_of(target: str) -> Rows:
    return Rows(lambda t, me: set(ReportForm.objects.filter(committee=GOV_COMMITTEES[target](t, me))
                                  .values_list("pk", flat=True)))


def _readable_rounds(t, me) -> set:
    """The rounds of the committees of `me`'s area, and those with a return of `me`'s unit or of a committee of
    their area (administrators, reviewers and auditors over a place; a reporter over a unit)."""
    area = _area_q(me, "committee")
    units = MemberUnit.objects.filter(reporters_q(me))
    admin = me.role_assignments.filter(role__in=("city_admin", "district_admin")).exists()
    answered = Q(returns__member_unit__in=units) | (_area_q(me, "returns__committee") if admin else Q(pk__in=[]))
    return set(ReportRound.objects.filter(area | answered).values_list("pk", flat=True))


def _mine(t, me) -> set:
    """The returns `me` fills in: their unit's; for an administrator, the committees' of their area."""
    admin = me.role_assignments.filter(role__in=("city_admin", "district_admin")).exists()
    return set(ReportReturn.objects.filter(Q(member_unit__in=MemberUnit.objects.filter(reporters_q(me)))
                                           | (_area_q(me, "committee") if admin else Q(pk__in=[])))
               .values_list("pk", flat=True))


ROUNDS_READABLE, RETURNS_MINE = Rows(_readable_rounds), Rows(_mine)
TABLE.update({
    ("GET", "/api/governance/committees/{pk}/report-forms"): {
        target: tuple(forms_of(target) if o == OK else o for o in outcomes)
        for target, outcomes in _COMMITTEE_READ.items()
    },
    ("POST", "/api/governance/committees/{pk}/report-forms"): _office_writes(CREATED),
    ("GET", "/api/governance/report-forms/{pk}"): dict(_COMMITTEE_READ),
    ("GET", "/api/governance/rounds"): {
        "-": (A, NONE, NONE, ROUNDS_READABLE, ROUNDS_READABLE, ROUNDS_READABLE, ROUNDS_READABLE, ROUNDS_READABLE),
    },
    # the form is named in the body: read by its committee's members, opened by its office
    ("POST", "/api/governance/rounds"): _office_writes(CREATED),
    # the city's round asks 鼓楼区's committee: its officials read the round (their return only)
    ("GET", "/api/governance/rounds/{pk}"): {
        "city": (A, HIDDEN, HIDDEN, OK, OK, OK, OK, OK),
        "gulou": (A, HIDDEN, HIDDEN, OK, OK, HIDDEN, OK, OK),
        "taijiang": (A, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK),
    },
    ("GET", "/api/governance/returns"): {
        "-": (A, NONE, NONE, RETURNS_MINE, RETURNS_MINE, RETURNS_MINE, NONE, NONE),
    },
    ("GET", "/api/governance/returns/{pk}"): dict(_RETURN_READ),
    ("PUT", "/api/governance/returns/{pk}"): _return_writes(OK, by_unit=True),
    ("POST", "/api/governance/returns/{pk}/submit"): _return_writes(OK, by_unit=True),
    ("POST", "/api/governance/returns/{pk}/decide"): _return_writes(OK, by_unit=False),
    ("POST", "/api/governance/returns/{pk}/extension"): _return_writes(OK, by_unit=False),
    ("POST", "/api/governance/returns/{pk}/attachments"): _return_writes(CREATED, by_unit=True),
    ("DELETE", "/api/governance/returns/{pk}/attachments/{aid}"): _return_writes(OK, by_unit=True),
    ("GET", "/api/governance/returns/{pk}/attachments/{aid}"): dict(_RETURN_READ),
})
_QUARTERLY = form_document("quarterly")
CALLS.update({
    ("GET", "/api/governance/committees/{pk}/report-forms"): Call(
        on={target: (lambda t, me, target=target: t.governance.forms[target].committee) for target in GOV_SIDES},
        url=lambda c: {"pk": c.pk}, key=lambda r: r["id"]),
    ("POST", "/api/governance/committees/{pk}/report-forms"): Call(
        on=GOV_COMMITTEES, url=lambda c: {"pk": c.pk},
        body=lambda c: {"code": "matrix-new", "title": "矩阵新报表", "schema": _QUARTERLY["schema"]},
        shows=lambda j, c, me: (j["committee_id"], j["code"], j["form_schema"]) == (
            c.pk, "matrix-new", _QUARTERLY["schema"]),
        state=lambda c, me: sorted(ReportForm.objects.filter(committee=c).values_list("pk", "code"))),
    ("GET", "/api/governance/report-forms/{pk}"): Call(
        on=_gov("forms"), url=lambda f: {"pk": f.pk},
        shows=lambda j, f, me: (j["id"], j["code"], j["committee_id"]) == (f.pk, "matrix-quarterly", f.committee_id)),
    ("GET", "/api/governance/rounds"): Call(on={"-": lambda t, me: t.governance.rounds}, key=lambda r: r["id"]),
    ("POST", "/api/governance/rounds"): Call(
        on=_gov("forms"),
        body=lambda f: {"form_id": f.pk, "title": "矩阵新报送", "period_start": f"{GOV_YEAR}-10-01",
                        "period_end": f"{GOV_YEAR}-12-31", "deadline": f"{GOV_YEAR + 1}-01-15T18:00:00+08:00",
                        "member_unit_ids": [MemberUnit.objects.filter(committee=f.committee).order_by("pk")[0].pk]},
        shows=lambda j, f, me: (j["form_id"], j["title"], j["committee_id"]) == (f.pk, "矩阵新报送", f.committee_id),
        state=lambda f, me: sorted(ReportRound.objects.filter(form=f).values_list("pk", "title"))),
    ("GET", "/api/governance/rounds/{pk}"): Call(
        on=GOV_ROUNDS, url=lambda r: {"pk": r.pk},
        shows=lambda j, r, me: (j["id"], j["form_id"]) == (r.pk, r.form_id)),
    ("GET", "/api/governance/returns"): Call(on={"-": lambda t, me: t.governance.rounds}, key=lambda r: r["id"]),
    ("GET", "/api/governance/returns/{pk}"): Call(
        on=_returns_of("returns"), url=lambda r: {"pk": r.pk},
        shows=lambda j, r, me: (j["id"], j["state"]) == (r.pk, "draft")),
    ("PUT", "/api/governance/returns/{pk}"): Call(
        on=_returns_of("returns"), url=lambda r: {"pk": r.pk}, body=lambda r: {"data": {"courses": "3"}},
        shows=lambda j, r, me: (j["id"], j["state"], j["data"]) == (r.pk, "draft", {"courses": "3"}),
        state=_return_state),
    ("POST", "/api/governance/returns/{pk}/submit"): Call(
        on=_returns_of("returns"), url=lambda r: {"pk": r.pk}, body=lambda r: {"data": QUARTERLY_ANSWERS},
        shows=lambda j, r, me: (j["id"], j["state"], j["data"]["summary"]) == (r.pk, "submitted", "矩阵季度总结"),
        state=_return_state),
    ("POST", "/api/governance/returns/{pk}/decide"): Call(
        on=_returns_of("submitted_returns"), url=lambda r: {"pk": r.pk}, body=lambda r: {"accept": True},
        shows=lambda j, r, me: (j["id"], j["state"]) == (r.pk, "accepted"),
        state=_return_state),
    ("POST", "/api/governance/returns/{pk}/extension"): Call(
        on=_returns_of("returns"), url=lambda r: {"pk": r.pk},
        body=lambda r: {"until": f"{GOV_YEAR}-10-30T18:00:00+08:00", "reason": "矩阵延期"},
        shows=lambda j, r, me: (j["id"], j["extended_until"] is not None) == (r.pk, True),
        state=_return_state),
    ("POST", "/api/governance/returns/{pk}/attachments"): Call(
        on=_returns_of("returns"), url=lambda r: {"pk": r.pk},
        body=lambda r: {"field": "photos",
                        "files": [{"name": "矩阵.pdf", "content_base64": base64.b64encode(GOV_PDF).decode()}]},
        shows=lambda j, r, me: (j["id"], [a["field"] for a in j["attachments"]]) == (r.pk, ["photos"]),
        state=_return_state),
    ("DELETE", "/api/governance/returns/{pk}/attachments/{aid}"): Call(
        on=_returns_of("attachments"), url=lambda a: {"pk": a.report_return_id, "aid": a.pk},
        shows=lambda j, a, me: (j["id"], j["attachments"]) == (a.report_return_id, []),
        state=lambda a, me: _return_state(a.report_return, me)),
    ("GET", "/api/governance/returns/{pk}/attachments/{aid}"): Call(
        on=_returns_of("attachments"), url=lambda a: {"pk": a.report_return_id, "aid": a.pk}, raw=True,
        shows=lambda r, a, me: (r["Content-Type"], r.content) == ("application/pdf", GOV_PDF)),
})

# --- the tests --------------------------------------------------------------------------------------------


def test_every_route_is_declared():
    served = api_routes()
    undeclared = sorted(served - TABLE.keys())
    stale = sorted(TABLE.keys() - served)
    assert undeclared == [], f"routes without a declared scope in TABLE: {undeclared}"
    assert stale == [], f"TABLE lists routes the API no longer serves: {stale}"


def test_the_excluded_urls_are_the_docs_and_the_schema():
    names = {p.name for p in api.urls[0]}
    assert names >= EXCLUDED_URL_NAMES
    assert {path_template(str(p.pattern)) for p in api.urls[0] if p.name in EXCLUDED_URL_NAMES} == {
        "/api/openapi.json", "/api/docs"}


def test_the_table_is_complete():
    assert CALLS.keys() == TABLE.keys()
    for route, rows in TABLE.items():
        assert rows.keys() == CALLS[route].on.keys(), route
        for target, outcomes in rows.items():
            assert len(outcomes) == len(ROLES), (route, target)
            if route == ("GET", "/api/"):
                assert outcomes[0] == HIDDEN
            elif route in PUBLIC:
                assert outcomes[0] in (OK, HIDDEN) or isinstance(outcomes[0], Rows), (route, target)
            else:
                assert outcomes[0] == UNAUTHENTICATED, (route, target)
            if route[0] == "GET":
                # a listing may refuse a role outright (the review queue is for reviewers); an object is hidden
                assert all(o in (OK, HIDDEN, UNAUTHENTICATED) or isinstance(o, Rows)
                           or (o == DENIED and (target == "-" or route in READ_REFUSED)) for o in outcomes), route
            else:
                assert not any(isinstance(o, Rows) for o in outcomes), route
                assert CALLS[route].state is not None, f"a write route needs a state to compare: {route}"
            if any(o in (OK, CREATED) for o in outcomes):
                assert CALLS[route].shows is not None, f"an allowed call needs a check of its answer: {route}"
            if any(isinstance(o, Rows) for o in outcomes):
                assert CALLS[route].key is not None, f"a listing needs a row key: {route}"


CASES = [
    pytest.param(method, path, target, role, outcome, id=f"{method} {path} [{target}] as {role}")
    for (method, path), rows in TABLE.items()
    for target, outcomes in rows.items()
    for role, outcome in zip(ROLES, outcomes, strict=True)
]


def _send(client, method: str, url: str, call: Call, obj):
    if call.upload is not None:
        return client.post(url, {"file": SimpleUploadedFile("rows.csv", call.upload(obj), "text/csv"),
                                 **(call.form(obj) if call.form else {})})
    if call.body is not None:
        return client.generic(method, url, data=json.dumps(call.body(obj)),
                              content_type="application/json")
    return client.generic(method, f"{url}?{urlencode(call.query)}" if call.query else url)


@pytest.mark.parametrize(("method", "path", "target", "role", "expected"), CASES)
def test_route_answers_each_role_as_declared(method, path, target, role, expected, users, targets, api_as):
    me = users[USERNAMES[role]] if USERNAMES[role] else None
    _answers_as_declared(method, path, target, me, expected, targets, api_as)


def _answers_as_declared(method, path, target, me, expected, targets, api_as):
    # Given a user, and the object the call is about
    client = api_as(me)
    call = CALLS[(method, path)]
    obj = call.on[target](targets, me)
    url = path.format(**call.url(obj))
    audit_before = AuditEvent.objects.count()
    state_before = call.state(obj, me) if call.state else None

    # When the role calls the route
    response = _send(client, method, url, call, obj)

    # Then the answer is the declared one
    status = OK if isinstance(expected, Rows) else expected
    assert response.status_code == status, response.content.decode()[:500]
    written = AuditEvent.objects.count() - audit_before
    state_after = call.state(obj, me) if call.state else None
    if isinstance(expected, Rows):
        body = response.json()
        rows = body["items"] if isinstance(body, dict) else body
        want = expected.expected(targets, me)
        assert {call.key(r) for r in rows} == want
        assert len(rows) == len(want)
        if isinstance(body, dict):
            assert body["count"] == len(want)
    elif status < 300:
        assert call.shows is None or call.shows(response if call.raw else response.json(), obj, me), (
            response.content[:500])
    elif call.json_errors:
        assert response["Content-Type"].split(";")[0] == "application/json"
        error = response.json()
        assert error["detail"]
        if status in (DENIED, HIDDEN):
            assert error["code"] == {DENIED: "permission_denied", HIDDEN: "not_found"}[status]
        if status == REJECTED:
            assert error["code"] == call.rejected_code
            if call.rejected_code == "file_rejected":
                assert [m for m in error["errors"]["file"][1:] if "无权修改" not in m] == []
    if method == "GET":
        assert written == 0
    elif status < 300:
        assert written == call.audits
        assert (state_after != state_before) == call.changes
    else:
        assert written == 0
        assert state_after == state_before


# --- the extra persona: an inspector (Role.INSPECTOR over the city), sent on the city committee's round only -------
# Inspectors read and score only the visits of the rounds they are sent on (and those rounds and their standard);
# they read nothing else of the committee's year: no committee, plan, task, meeting, report or assessment. Every
# governance route is declared for them; "-" listings they read nothing of answer NONE, anything else about one
# object 404, but what the table below names.

GOV_PREFIX = "/api/governance/"
INSPECTOR_STANDARDS = Rows(lambda t, me: set(InspectionStandard.objects.filter(
    committee__inspection_rounds__visits__inspector=me).values_list("pk", flat=True)))
INSPECTOR_ROUNDS = Rows(lambda t, me: set(InspectionRound.objects.filter(visits__inspector=me)
                                          .values_list("pk", flat=True)))
INSPECTOR_VISITS = Rows(lambda t, me: set(InspectionVisit.objects.filter(inspector=me).values_list("pk", flat=True)))
_SENT_ON = {  # the city round's: what the inspector is sent on
    ("GET", "/api/governance/inspection-standards"): {"-": INSPECTOR_STANDARDS},
    ("GET", "/api/governance/inspection-standards/{pk}"): {"city": OK},
    ("GET", "/api/governance/inspections"): {"-": INSPECTOR_ROUNDS},
    ("GET", "/api/governance/inspections/{pk}"): {"city": OK},
    ("POST", "/api/governance/inspections/{pk}/visits"): {"city": DENIED},
    ("POST", "/api/governance/inspections/{pk}/close"): {"city": DENIED},
    ("POST", "/api/governance/inspections/{pk}/circular"): {"city": DENIED},
    ("GET", "/api/governance/inspection-visits"): {"-": INSPECTOR_VISITS},
    ("GET", "/api/governance/inspection-visits/{pk}"): {"city": OK},
    ("POST", "/api/governance/inspection-visits/{pk}/scores"): {"city": OK},
    ("POST", "/api/governance/inspection-visits/{pk}/submit"): {"city": OK},
    ("GET", "/api/governance/inspection-scores/{pk}/evidence/{eid}"): {"city": OK},
    ("POST", "/api/governance/inspection-scores/{pk}/rectification"): {"city": DENIED},
}
INSPECTOR_TABLE: dict[tuple[str, str], dict[str, Any]] = {
    route: {target: _SENT_ON.get(route, {}).get(target, NONE if route[0] == "GET" and target == "-" else HIDDEN)
            for target in rows}
    for route, rows in TABLE.items() if route[1].startswith(GOV_PREFIX)
}


def test_every_governance_route_is_declared_for_an_inspector():
    assert {route for route in TABLE if route[1].startswith(GOV_PREFIX)} == INSPECTOR_TABLE.keys() >= _SENT_ON.keys()
    for route, rows in _SENT_ON.items():
        assert rows.keys() <= TABLE[route].keys(), route


@pytest.mark.parametrize(("method", "path", "target", "expected"), [
    pytest.param(method, path, target, outcome, id=f"{method} {path} [{target}] as inspector")
    for (method, path), rows in INSPECTOR_TABLE.items() for target, outcome in rows.items()])
def test_governance_route_answers_an_inspector_as_declared(method, path, target, expected, targets, api_as):
    _answers_as_declared(method, path, target, targets.governance.inspector, expected, targets, api_as)


# --- the extra case: a provider key (Bearer lcp_…) of the staff's school, on the intake routes ----------------------
# It uploads for its own institution only and sees only that institution's jobs; it manages no keys (people do).

KEY_TABLE: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/intake/jobs"): {"gulou": CREATED, "gulou_other": DENIED, "taijiang": DENIED},
    ("GET", "/api/intake/jobs"): {"-": STAFF_JOBS},
    ("GET", "/api/intake/jobs/{pk}"): {"gulou": OK, "gulou_other": HIDDEN, "taijiang": HIDDEN},
    ("GET", "/api/intake/jobs/{pk}/report.xlsx"): {"gulou": OK, "gulou_other": HIDDEN, "taijiang": HIDDEN},
    ("GET", "/api/intake/template.xlsx"): {"-": OK},
    ("GET", "/api/intake/template.csv"): {"-": OK},
    ("GET", "/api/intake/keys"): {"-": DENIED},
    ("POST", "/api/intake/keys"): {"gulou": DENIED, "gulou_other": DENIED, "taijiang": DENIED},
    ("POST", "/api/intake/keys/{pk}/revoke"): {"gulou": DENIED, "gulou_other": DENIED, "taijiang": DENIED},
}


def test_every_intake_route_is_declared_for_a_provider_key():
    assert KEY_TABLE.keys() == {route for route in TABLE if route[1].startswith("/api/intake/")}
    for route, rows in KEY_TABLE.items():
        assert rows.keys() == CALLS[route].on.keys(), route


def _key_client(users, targets, *, spoil: str = ""):
    """A client carrying a provider key of the staff's school: working, or revoked, or expired."""
    from django.test import Client

    key, raw = intake_keys.provider_key_create(actor=users["staff"], institution_code=targets.staff_inst.code,
                                               name="矩阵系统")
    if spoil == "revoked":
        intake_keys.provider_key_revoke(actor=users["staff"], key=key)
    elif spoil == "expired":
        ProviderKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(("method", "path", "target", "expected"), [
    pytest.param(method, path, target, outcome, id=f"{method} {path} [{target}] with a provider key")
    for (method, path), rows in KEY_TABLE.items() for target, outcome in rows.items()
])
def test_intake_route_answers_a_provider_key_as_declared(method, path, target, expected, users, targets):
    # Given a provider key of the staff's school, and the object the call is about
    client = _key_client(users, targets)
    call = CALLS[(method, path)]
    obj = call.on[target](targets, None)
    audit_before = AuditEvent.objects.count()
    state_before = call.state(obj, None) if call.state else None

    # When the key's system calls the route
    response = _send(client, method, path.format(**call.url(obj)), call, obj)

    # Then the answer is the declared one, and only an allowed write changes anything
    status = OK if isinstance(expected, Rows) else expected
    assert response.status_code == status, response.content.decode(errors="replace")[:500]
    state_after = call.state(obj, None) if call.state else None
    written = AuditEvent.objects.count() - audit_before
    if isinstance(expected, Rows):
        rows = response.json()["items"] if isinstance(response.json(), dict) else response.json()
        assert sorted(call.key(r) for r in rows) == sorted(expected.expected(targets, None))
    elif status < 300:
        assert call.shows(response if call.raw else response.json(), obj, None), response.content[:500]
    else:
        error = response.json()
        assert error["code"] == {DENIED: "permission_denied", HIDDEN: "not_found"}[status] and error["detail"]
    if method == "POST" and status < 300:
        assert (written, state_after != state_before) == (call.audits, True)
    else:
        assert (written, state_after) == (0, state_before)


@pytest.mark.parametrize("spoil", ["revoked", "expired"])
@pytest.mark.parametrize(("method", "path"), sorted(KEY_TABLE))
def test_a_revoked_or_expired_provider_key_is_answered_401_everywhere(method, path, spoil, users, targets):
    client = _key_client(users, targets, spoil=spoil)
    call = CALLS[(method, path)]
    target = "gulou" if "gulou" in call.on else "-"
    obj = call.on[target](targets, None)
    audit_before = AuditEvent.objects.count()
    state_before = call.state(obj, None) if call.state else None

    response = _send(client, method, path.format(**call.url(obj)), call, obj)

    assert response.status_code == UNAUTHENTICATED, response.content[:300]
    assert AuditEvent.objects.count() == audit_before
    assert (call.state(obj, None) if call.state else None) == state_before
