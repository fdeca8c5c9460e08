"""Test data for the credit bank, made through the services (the demo city's standards and rules are there:
CE-COURSE v2 — completion records of community courses, 16 hours a credit, at most 4, accredited to the demo
staff member's community school; NCRE-1 — a 4-credit certificate, declared; R-CE-CERT — CE-COURSE/LECTURE/
VOLUNTEER credits → a certificate of the staff member's school, ratio 1, cap 10; R-NCRE1-OU — NCRE-1 → the open
university's course, ratio 1, cap 4)."""

import datetime
import io
from decimal import Decimal
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.core.inputs import parse
from learncity.creditbank import services
from learncity.creditbank.inputs import DeclarationIn, StandardIn
from learncity.people.models import LearnerProfile

PDF = b"%PDF-1.4\n% test evidence\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_ids = count(1)


def institution_of(user):
    return user.role_assignments.get().institution


_DIGITS = "零一二三四五六七八九"


def resident(n: int = 0) -> LearnerProfile:
    """The n-th test resident: adult, registered in a street of 鼓楼区 with a real (encrypted) ID number, without a
    sign-in or a learning account until a test gives one; made at first use. (Not a demo resident: how many of
    those the demo leaves without an account depends on its build.)"""
    from learncity.core import crypto
    from learncity.people import idcard
    from learncity.people.services import ID_CONTEXT, id_number_hash
    from learncity.places.models import Place, PlaceLevel

    birth = datetime.date(1960 + n % 25, 1 + n % 12, 1 + n % 28)
    number = idcard.make("350102", birth, 700 + n)
    existing = LearnerProfile.objects.filter(id_number_hash=id_number_hash(number)).first()
    if existing is not None:
        return existing
    street = Place.objects.filter(code__startswith="350102", level=PlaceLevel.STREET).order_by("code").first()
    return LearnerProfile.objects.create(
        name="测试" + _DIGITS[n // 10 % 10] + _DIGITS[n % 10], id_number_encrypted=crypto.encrypt(number, context=ID_CONTEXT),
        id_number_hash=id_number_hash(number), id_number_masked=idcard.mask(number), birth_date=birth,
        sex="M" if n % 2 else "F", residence=street)  # (the sequence 700 + n: odd for men)


def completion(staff, learner: LearnerProfile, *, hours="32", score=None, course_kind="community", days_ago=10,
               kind=RecordKind.COMPLETION):
    """A learning record made by the staff member's institution (auto-recognised under CE-COURSE when it fits)."""
    return learning_record_create(
        actor=staff, learner=learner, provider=institution_of(staff), kind=kind, title=f"测试课程结业 {next(_ids)}",
        hours=Decimal(hours), score=None if score is None else Decimal(score),
        date=timezone.localdate() - datetime.timedelta(days=days_ago), source=RecordSource.PAGE,
        external_id=f"test-{next(_ids)}", course_kind=course_kind)


def declared(learner_user, *, code="NCRE-1", files=None, **kw):
    """A declaration through its input schema (a bad value is the schema's DomainError, as on the page)."""
    data = parse(DeclarationIn, {
        "standard_code": code, "kind": kw.pop("kind", "certificate"), "title": kw.pop("title", "全国计算机等级考试一级证书"),
        "issuer": kw.pop("issuer", "教育部教育考试院"),
        "date": kw.pop("date", timezone.localdate() - datetime.timedelta(days=100)), **kw})
    return services.declaration_submit(actor=learner_user, data=data,
                                       files=[("证书.pdf", PDF)] if files is None else files)


def drop_append_only_triggers() -> None:
    """Only inside a test's rolled-back transaction: what someone with write access to the database would do
    first, before tampering with the ledger or the outcomes it records."""
    with connection.cursor() as cur:
        for table in ("creditbank_ledgerentry", "creditbank_outcome"):
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            else:
                cur.execute(f"DROP TRIGGER {table}_no_update")
                cur.execute(f"DROP TRIGGER {table}_no_delete")


def ledger_verify_command(*args: str) -> tuple[int, str]:
    """Run `learncity ledger verify` with these arguments; (exit code, what it printed)."""
    out = io.StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, verbosity=0)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def credit_world() -> dict:
    """A credit bank of its own in 达州市 (empty in the demo city): its city administrator, expert reviewer and
    auditor, a district administrator of 通川区, the staff of a school there, a learner who signed up themself
    living in one of its streets, and a standard of the city (no accredited provider) to declare against."""
    from learncity.core.scopes import Role
    from learncity.network.models import InstitutionKind
    from tests.network.factories import institution_make
    from tests.people.factories import account_make, learner_make, root
    from tests.places.factories import DAZHOU, TONGCHUAN, place, street_of

    admin, city, district = root(), place(DAZHOU), place(TONGCHUAN)
    street = street_of(district)
    school = institution_make(admin, street, kind=InstitutionKind.COMMUNITY_SCHOOL)
    world = {"city": city, "district": district, "school": school,
             "city_admin": account_make(Role.CITY_ADMIN, actor=admin, place=city),
             "expert": account_make(Role.EXPERT_REVIEWER, actor=admin, place=city),
             "auditor": account_make(Role.AUDITOR, actor=admin, place=city),
             "district_admin": account_make(Role.DISTRICT_ADMIN, actor=admin, place=district),
             "staff": account_make(Role.INSTITUTION_STAFF, actor=admin, institution=school)}
    world["learner"] = learner_make(street, name="达州学员").user
    world["standard"] = services.standard_create(actor=world["city_admin"], city=city, data=StandardIn(
        code=f"DZ-{next(_ids)}", name="达州市职业技能证书", credit_class="vocational", level=3, credits="3"))
    return world



def course_world_fixtures(then=None):
    """(the module's world, built once; the test's view of it) for a module of the credit bank's tests: the tests'
    own 达州市 (tests/portal/world.py) with a course standard of its own that recognises the completions its school
    records (tests/security/credit_world.py, like the demo's CE-COURSE); `then(world)`, when given, adds the
    module's own rows to it. Put both in the module's namespace."""
    import pytest

    from tests.portal.world import world_build, world_fresh
    from tests.security.credit_world import course_standard_make
    from tests.worlds import rolled_back

    @pytest.fixture(scope="module")
    def world_built(django_db_setup, django_db_blocker):
        with rolled_back(django_db_blocker):
            built = world_build()
            course_standard_make(built)
            if then is not None:
                then(built)
            yield built

    @pytest.fixture
    def world(world_built, db):
        return world_fresh(world_built)

    return world_built, world


def world_resident(world, n: int = 0) -> LearnerProfile:
    """The world's n-th test resident, of its first street, without a sign-in or a learning account until a test
    gives one; made at first use (as `resident(n)` is in the demo city)."""
    from tests.people.factories import learner_make

    name = "测试" + _DIGITS[n // 10 % 10] + _DIGITS[n % 10]
    existing = LearnerProfile.objects.filter(name=name, residence=world.street).first()
    if existing is not None:
        return existing
    birth = datetime.date(1960 + n % 25, 1 + n % 12, 1 + n % 28)
    return learner_make(world.street, account=False, actor=world.admin, name=name, birth=birth)


DECLARED_STANDARD = "DZ-CERT-1"
CONVERSION_RULE = "R-DZ-CE-CERT"


def conversion_make(world) -> None:
    """What the demo's NCRE-1 and R-CE-CERT are to its city, in the world's: a 4-credit certificate standard of the
    city, declared (no accredited provider), and an active rule turning the course standard's credits into a
    certificate of the world's school (ratio 1, at most 10), drafted by its staff and passed by the city's expert."""
    from learncity.creditbank.inputs import RuleIn
    from tests.security.credit_world import COURSE_STANDARD

    services.standard_create(actor=world.city_admin, city=world.city, data=StandardIn(
        code=DECLARED_STANDARD, name="达州市计算机应用能力证书", credit_class="vocational", level=1, credits="4",
        effective_from=datetime.date(2020, 1, 1)))
    rule = services.rule_create(actor=world.staff, data=RuleIn(
        code=CONVERSION_RULE, name="社区课程学分转换结业证书", source_codes=[COURSE_STANDARD],
        target_institution_code=world.institution.code, target_kind="certificate", target_name="社区教育结业证书",
        target_class="training", ratio="1", cap_per_learner="10",
        effective_from=timezone.localdate() - datetime.timedelta(days=30)))
    rule = services.rule_submit(actor=world.staff, rule=rule)
    services.rule_review(actor=world.expert, rule=rule, approve=True, note="评审通过")


# --- the credit bank's page and API tests' own rows (tests/creditbank/test_api.py, test_views_staff.py) -----------

def today() -> datetime.date:
    return timezone.localdate()


def own_account_and_rule(world) -> None:
    """What the demo city's learner and city have, in the world: the declared certificate standard and the
    conversion rule of its city (`conversion_make`), and the learner's account, opened by themself."""
    conversion_make(world)
    services.account_open_own(actor=world.learner)


def state() -> dict:
    """Everything the credit bank writes, to check that a refused call or request wrote nothing."""
    from learncity.core.models import AuditEvent
    from learncity.creditbank.models import (
        Accreditation,
        Conversion,
        ConversionRule,
        Declaration,
        Evidence,
        LearningAccount,
        LedgerEntry,
        Outcome,
        StandardVersion,
        Transcript,
    )

    return {
        # signing test clients in (tokens) and making other users is not the credit bank's writing
        "audit": AuditEvent.objects.exclude(action__in=["token.create", "user.create", "role.grant"]).count(),
        "accounts": LearningAccount.objects.count(),
        "standards": list(StandardVersion.objects.order_by("pk").values_list("pk", "status")),
        "accreditations": list(Accreditation.objects.order_by("pk").values_list("pk", "revoked_at")),
        "declarations": list(Declaration.objects.order_by("pk").values_list("pk", "status", "reason")),
        "evidence": Evidence.objects.count(),
        "outcomes": Outcome.objects.count(),
        "rules": list(ConversionRule.objects.order_by("pk").values_list("pk", "status", "abolished_on")),
        "conversions": list(Conversion.objects.order_by("pk").values_list("pk", "status", "reason")),
        "entries": LedgerEntry.objects.count(),
        "transcripts": Transcript.objects.count(),
    }


def unchanged_fixture():
    """A module's `unchanged` fixture: unchanged() -> a check that nothing the credit bank writes has changed since
    it was made. (`unchanged = unchanged_fixture()` in the module's namespace.)"""

    @pytest.fixture
    def unchanged():
        def make():
            before = state()
            return lambda: state() == before

        return make

    return unchanged


def standard(world, *, credit_class="training", course_kind="law", credits="2", hours_per_credit=None,
             providers=None):
    """A standard of the world's city that recognises `event` records of `course_kind` from the staff member's
    school (the world's course standard recognises completions only, so records of that kind are recognised under
    this one)."""
    code = f"T-CB-{next(_ids)}"
    return services.standard_create(actor=world.city_admin, city=world.city, data=StandardIn(
        code=code, name=f"测试标准 {code}", credit_class=credit_class, level=1, credits=credits,
        hours_per_credit=hours_per_credit, record_kinds=["event"], course_kinds=[course_kind],
        effective_from=today() - datetime.timedelta(days=400),
        providers=[institution_of(world.staff).code] if providers is None else providers))


def recognised(world, version, *, hours="8", profile=None):
    """An event record of the staff member's school for `profile` (the world's learner by default), recognised
    under `version`."""
    from learncity.creditbank.models import Outcome

    record = completion(world.staff, profile or world.learner_profile, hours=hours, kind="event",
                        course_kind=version.course_kinds.strip(","))
    outcome = Outcome.objects.get(learning_record=record)
    assert outcome.standard_version == version
    return outcome


def active_rule(world, sources, *, cap="3", ratio="1", target_class="training", target_name=None):
    """A rule of the staff member's school, drafted, submitted and approved through the services."""
    from learncity.creditbank.inputs import RuleIn

    rule = services.rule_create(actor=world.staff, data=RuleIn(
        code=f"R-CB-{next(_ids)}", name="测试转换规则", source_codes=[v.standard.code for v in sources],
        target_institution_code=institution_of(world.staff).code, target_kind="certificate",
        target_name=target_name or f"测试证书 {next(_ids)}", target_class=target_class, ratio=ratio,
        cap_per_learner=cap, effective_from=today() - datetime.timedelta(days=30)))
    services.rule_submit(actor=world.staff, rule=rule)
    return services.rule_review(actor=world.expert, rule=rule, approve=True, note="来源与目标的学习成果相当")


def other_staff(world):
    """Staff of another institution of the staff member's district (not the target of the staff member's rules)."""
    from tests.people.factories import account_make

    return account_make("institution_staff", actor=world.admin, institution=world.institution_other)


def id_number(profile: LearnerProfile) -> str:
    from learncity.core import crypto
    from learncity.people.services import ID_CONTEXT

    return crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)
