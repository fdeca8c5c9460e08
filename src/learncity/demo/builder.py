"""The demo city: a deterministic synthetic city on the real divisions. It grows with every feature.

Real: the city, its districts and streets (civil-affairs data of 2025-12-31).
Generated, and marked so (source="generated", code prefix "DEMO"): communities/villages, population figures,
institutions, committees' member units, residents and users.
"""

import datetime
import os
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from learncity.catalog.models import Course, CourseState, Event, EventRegistration
from learncity.catalog.search import reindex_all
from learncity.catalog.services import enrollment_create, event_register
from learncity.core import crypto
from learncity.core.audit import audit_record
from learncity.core.bulk import analyze, analyze_while_loading, insert_rows, next_ids
from learncity.core.cache import NAMES as CACHED_CONTENT
from learncity.core.cache import bump
from learncity.core.scopes import ROLE_LABELS, Role
from learncity.network.models import (
    Committee,
    Designation,
    DesignationKind,
    DesignationTier,
    Institution,
    InstitutionKind,
    MemberUnit,
    NetworkLevel,
    Tier,
)
from learncity.people import idcard
from learncity.people.models import LearnerGroup, LearnerProfile, RoleAssignment, User
from learncity.people.services import ID_CONTEXT, id_number_hash
from learncity.places.models import AGE_BANDS, Place, PlaceLevel, PlaceSource, Population, PopulationBand
from learncity.places.selectors import city_resolve, district_path_of, is_city
from learncity.places.services import divisions_load

from . import names
from .catalog import build_catalog
from .clock import TODAY
from .credit_builder import build_credit_bank
from .governance_builder import build_governance
from .intake_builder import build_uploads
from .monitoring_builder import build_monitoring

POPULATION_YEAR = 2025
DEFAULT_RESIDENTS = 20_000

# Network presets from the seeds; any other city gets Chongqing's four levels.
FOUR_LEVELS = [("社区大学", Tier.CITY), ("社区学院", Tier.DISTRICT), ("社区学校", Tier.STREET), ("社区学习室", Tier.COMMUNITY)]
NETWORK_PRESETS = {
    "511700": [("继续教育大学", Tier.CITY), ("继续教育学院", Tier.DISTRICT), ("继续教育中心", Tier.COMMUNITY)],  # 达州
}
# Resident population of real cities (about 2025), to scale the synthetic figures; others get 3 million.
CITY_POPULATION = {"350100": 8_470_000, "500000": 31_900_000, "511700": 5_350_000, "310000": 24_800_000}

# The committee's member units and what each answers for (from the seeds: Fuzhou 2015, the seven ministries 2014).
MEMBER_UNITS = [
    ("教育局", "终身教育工作的统筹协调；社区教育、老年教育、继续教育的业务指导", True),
    ("委组织部", "学习型机关、学习型党组织创建；干部教育培训", False),
    ("委宣传部", "终身学习宣传；“终身学习之星”等评选表彰", False),
    ("民政局", "社区建设与社区教育融合；社区工作者岗位培训", False),
    ("人力资源和社会保障局", "职业技能培训；进城务工人员、失业人员培训；专业技术人员继续教育", False),
    ("总工会", "企业职工教育培训；学习型企业创建", False),
    ("妇女联合会", "妇女与家庭教育；家长学校", False),
    ("团委", "青少年校外教育；青年志愿服务", False),
    ("委老干部局", "老年大学与老年教育", False),
    ("科学技术局", "科普教育；“科技三下乡”", False),
    ("财政局", "终身教育经费保障", False),
    ("农业农村局", "新型职业农民培训；农村实用技术培训", False),
    ("文化和旅游局", "公共图书馆、文化馆、博物馆免费开放；全民阅读", False),
    ("残疾人联合会", "残疾人教育与职业培训", False),
]

AGE_WEIGHTS = [(b[0], w) for b, w in zip(AGE_BANDS, [14, 3, 9, 15, 15, 20, 12, 8, 4], strict=True)]


@dataclass
class DemoResult:
    city: Place
    created: bool
    residents: int
    password: str
    signins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, scope)
    counts: dict[str, int] = field(default_factory=dict)


def demo_password() -> str:
    """The demo users' password: from LEARNCITY_DEMO_PASSWORD, or generated once into the data folder."""
    value = os.environ.get("LEARNCITY_DEMO_PASSWORD")
    if value:
        return value
    path = settings.DATA_DIR / "demo_password"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("demo-" + secrets.token_urlsafe(9))
    return path.read_text().strip()


def _short(name: str) -> str:
    for suffix in ("街道", "镇", "乡", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


# The apps whose tables the demo fills (accounts, places, the network, the catalog and its search index, the credit
# bank, intake's jobs and records, monitoring's rollups, the audit trail).
DEMO_APPS = ("core", "places", "network", "people", "catalog", "creditbank", "intake", "monitoring")


def demo_models() -> list[type[models.Model]]:
    """The models (with their many-to-many tables) whose tables a demo build writes: analysed at its end, since a
    table filled in bulk is otherwise planned as empty until autovacuum comes round (or never, when it is off)."""
    return [m for label in DEMO_APPS for m in apps.get_app_config(label).get_models(include_auto_created=True)]


def _demo_city_exists(city: Place) -> bool:
    return Committee.objects.filter(place=city).exists()


Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    pass


def demo_build(*, city: str = "福州市", residents: int = DEFAULT_RESIDENTS, seed: int = 2026,
               progress: Progress = _noop) -> DemoResult:
    """Build the demo city, or report the one already built. Deterministic for a given city, seed and size."""
    if not isinstance(residents, int) or residents < 0 or residents > 50_000_000:
        raise ValueError(f"--residents must be between 0 and 50,000,000, not {residents}")
    if not Place.objects.exists():
        progress("区划", 0, 1)
        divisions_load()
        progress("区划", 1, 1)
    city_place = city_resolve(city)
    password = demo_password()
    if _demo_city_exists(city_place):
        result = DemoResult(city=city_place, created=False,
                            residents=LearnerProfile.objects.filter(residence__path__startswith=city_place.path).count(),
                            password=password)
        result.signins = _signins(city_place)
        return result
    rng = random.Random(f"{seed}:{city_place.code}")
    with transaction.atomic():
        streets = _communities(city_place, rng, progress)
        _population(city_place, rng, progress)
        levels = _network_levels(city_place)
        _institutions(city_place, levels, rng, progress)
        _committees(city_place, rng)
        _designations(city_place, rng)
        users = _users(city_place, password, rng)
        audit_record(actor=None, action="demo.build", obj=city_place, seed=seed, residents=residents)
    _residents(city_place, residents, rng, progress, learner_user=users["learner"])
    catalog = build_catalog(city_place, random.Random(f"{seed}:{city_place.code}:catalog"), progress)
    _learner_enrolls(users["learner"])
    _learner_signs_up(users["learner"])
    credits = build_credit_bank(city_place, random.Random(f"{seed}:{city_place.code}:credits"), users, progress)
    uploads = build_uploads(city_place, random.Random(f"{seed}:{city_place.code}:uploads"), users, TODAY, progress)
    monitoring = build_monitoring(city_place, random.Random(f"{seed}:{city_place.code}:monitoring"), TODAY, progress)
    governance = build_governance(city_place, random.Random(f"{seed}:{city_place.code}:governance"), users, TODAY,
                                  progress)
    progress("搜索索引", 0, 1)
    reindex_all()
    progress("搜索索引", 1, 1)
    progress("统计信息", 0, 1)
    analyze(*demo_models())
    progress("统计信息", 1, 1)
    bump(*CACHED_CONTENT)  # written in bulk, past the services: every cached page and fragment is rebuilt
    result = DemoResult(city=city_place, created=True, residents=residents, password=password)
    result.signins = _signins(city_place)
    result.counts = {
        "streets": streets,
        "communities": Place.objects.filter(path__startswith=city_place.path, level=PlaceLevel.COMMUNITY).count(),
        "institutions": Institution.objects.filter(place__path__startswith=city_place.path).count(),
        **catalog,
        **credits,
        **uploads,
        **monitoring,
        **governance,
    }
    return result


def _communities(city: Place, rng: random.Random, progress: Progress) -> int:
    streets = list(Place.objects.filter(path__startswith=city.path, level=PlaceLevel.STREET))
    new = []
    for i, street in enumerate(streets):
        rural = street.name.endswith(("镇", "乡"))
        count = rng.randint(4, 9) if rural else rng.randint(5, 11)
        words = rng.sample(names.COMMUNITY_WORDS, count)
        for j, word in enumerate(words, start=1):
            code = f"{street.code}{(200 + j) if rural else j:03d}"
            new.append(Place(code=code, name=f"{word}{'村' if rural else '社区'}", level=PlaceLevel.COMMUNITY,
                             parent=street, path=f"{street.path}{code}/", source=PlaceSource.GENERATED))
        progress("社区/村", i + 1, len(streets))
    Place.objects.bulk_create(new, batch_size=2000)
    return len(streets)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    s = sum(weights)
    out = [int(total * w / s) for w in weights]
    out[0] += total - sum(out)
    return out


def _bands(total: int, rng: random.Random, *, elderly_bias: float = 1.0) -> dict[tuple[str, str], int]:
    weights = [(code, w * (elderly_bias if code in ("60-69", "70-79", "80+") else 1.0)) for code, w in AGE_WEIGHTS]
    cells = [((sex, code), w * (0.51 if sex == "M" else 0.49) * rng.uniform(0.9, 1.1))
             for code, w in weights for sex in ("M", "F")]
    s = sum(w for _, w in cells)
    out = {key: int(total * w / s) for key, w in cells}
    out[("F", "35-44")] += total - sum(out.values())
    return out


def _population(city: Place, rng: random.Random, progress: Progress) -> None:
    """Figures at every level that add up: communities → streets → districts → the city."""
    total = CITY_POPULATION.get(city.code, 3_000_000)
    districts = list(Place.objects.filter(parent=city).order_by("code"))
    populations, bands = [], []

    def add(place: Place, n: int, bias: float):
        populations.append(Population(place=place, year=POPULATION_YEAR, total=n))
        bands.append(_bands(n, rng, elderly_bias=bias))

    add(city, total, 1.0)
    children = {}
    for p in Place.objects.filter(path__startswith=city.path, level__gte=PlaceLevel.STREET).order_by("code"):
        children.setdefault(p.parent_id, []).append(p)
    for d, n_d in zip(districts, _split(total, len(districts), rng), strict=True):
        add(d, n_d, 1.0)
        streets = children.get(d.id, [])
        for s, n_s in zip(streets, _split(n_d, len(streets), rng), strict=True) if streets else []:
            bias = 1.3 if s.name.endswith(("镇", "乡")) else 1.0
            add(s, n_s, bias)
            comms = children.get(s.id, [])
            for c, n_c in zip(comms, _split(n_s, len(comms), rng), strict=True) if comms else []:
                add(c, n_c, bias)
    Population.objects.bulk_create(populations, batch_size=2000)
    rows = ((pop.pk, s, b, n) for pop, cells in zip(populations, bands, strict=True) for (s, b), n in cells.items())
    count = insert_rows(PopulationBand, ("population_id", "sex", "age_band", "count"), rows)
    progress("人口", count, count)


def _network_levels(city: Place) -> dict[int, NetworkLevel]:
    preset = NETWORK_PRESETS.get(city.code, FOUR_LEVELS)
    levels = {}
    for rank, (name, tier) in enumerate(preset, start=1):
        levels[tier] = NetworkLevel.objects.create(city=city, rank=rank, name=name, tier=tier)
    return levels


def _institutions(city: Place, levels: dict[int, NetworkLevel], rng: random.Random, progress: Progress) -> None:
    short = _short(city.name)
    seq = iter(range(1, 10**7))

    def code() -> str:
        return f"DEMO{city.code[:4]}{next(seq):05d}"

    def make(name, kind, place, level=None, parent=None, address=""):
        inst = Institution(code=code(), name=name, kind=kind, place=place, network_level=level, parent=parent,
                           address=address or f"{place.name}", phone=f"0591-{rng.randint(2000_0000, 8999_9999)}",
                           description="演示数据（生成）")
        return inst

    top_tier = levels.get(Tier.CITY)
    top_kind = InstitutionKind.CONTINUING_EDUCATION_CENTRE if top_tier and top_tier.name.startswith("继续") else (
        InstitutionKind.COMMUNITY_UNIVERSITY)
    top = make(f"{city.name}{top_tier.name}" if top_tier else f"{city.name}社区教育指导中心", top_kind, city, top_tier)
    top.save()
    city_extra = [
        (f"{short}开放大学", InstitutionKind.OPEN_UNIVERSITY),
        (f"{city.name}老年大学", InstitutionKind.ELDERLY_UNIVERSITY),
        (f"{city.name}图书馆", InstitutionKind.LIBRARY),
        (f"{city.name}博物馆", InstitutionKind.MUSEUM),
        (f"{city.name}文化馆", InstitutionKind.CULTURAL_CENTRE),
        (f"{city.name}科技馆", InstitutionKind.SCIENCE_MUSEUM),
        (f"{city.name}青少年宫", InstitutionKind.YOUTH_PALACE),
        (f"{city.name}工人文化宫", InstitutionKind.WORKERS_PALACE),
        (f"{city.name}职业技术学院", InstitutionKind.VOCATIONAL_SCHOOL),
        (f"{short}学院", InstitutionKind.UNIVERSITY),
    ]
    batch = [make(n, k, city) for n, k in city_extra]
    open_univ = batch[0]
    Institution.objects.bulk_create(batch)
    districts = list(Place.objects.filter(parent=city).order_by("code"))
    by_parent: dict[int, list[Place]] = {}
    for p in Place.objects.filter(path__startswith=city.path, level__gte=PlaceLevel.STREET).order_by("code"):
        by_parent.setdefault(p.parent_id, []).append(p)
    for i, d in enumerate(districts):
        dshort = _short(d.name)
        d_level = levels.get(Tier.DISTRICT)
        college = make(f"{d.name}{d_level.name}" if d_level else f"{d.name}社区教育中心",
                       InstitutionKind.CONTINUING_EDUCATION_CENTRE if d_level and d_level.name.startswith("继续")
                       else InstitutionKind.COMMUNITY_COLLEGE, d, d_level, top if d_level else None)
        college.save()
        rows = [
            make(f"{short}开放大学{dshort}学习中心", InstitutionKind.OPEN_UNIVERSITY_BRANCH, d, parent=open_univ),
            make(f"{d.name}图书馆", InstitutionKind.LIBRARY, d),
            make(f"{d.name}文化馆", InstitutionKind.CULTURAL_CENTRE, d),
            make(f"{d.name}老年大学", InstitutionKind.ELDERLY_UNIVERSITY, d),
        ]
        if d.name.endswith(("县", "市")):
            rows.append(make(f"{d.name}职业教育中心", InstitutionKind.VOCATIONAL_CENTRE, d))
        for _ in range(rng.randint(1, 3)):
            rows.append(make(f"{rng.choice(names.ENTERPRISE_WORDS)}{rng.choice(names.ENTERPRISE_TRADES)}有限公司培训中心",
                             InstitutionKind.ENTERPRISE_TRAINING, d))
        rows.append(make(f"{dshort}{rng.choice(names.FOLK_TOPICS)}爱好者协会", InstitutionKind.SOCIAL_ORGANISATION, d))
        s_level, c_level = levels.get(Tier.STREET), levels.get(Tier.COMMUNITY)
        for s in by_parent.get(d.id, []):
            school = None
            if s_level:
                school = make(f"{s.name}{s_level.name}", InstitutionKind.COMMUNITY_SCHOOL, s, s_level, college)
                school.save()
            rows.append(make(f"{s.name}综合文化站", InstitutionKind.CULTURAL_STATION, s))
            if rng.random() < 0.25:
                rows.append(make(f"{_short(s.name)}{rng.choice(names.FOLK_TOPICS)}学习共同体",
                                 InstitutionKind.FOLK_LEARNING_COMMUNITY, s))
            for c in by_parent.get(s.id, []):
                if c_level:
                    kind = (InstitutionKind.CONTINUING_EDUCATION_CENTRE if c_level.name.startswith("继续")
                            else InstitutionKind.LEARNING_ROOM)
                    suffix = c_level.name.removeprefix("社区")  # 洪山社区学习室, 东街村学习室
                    rows.append(make(f"{c.name}{suffix}", kind, c, c_level, school or college))
        Institution.objects.bulk_create(rows, batch_size=1000)
        progress("机构", i + 1, len(districts))


def _committees(city: Place, rng: random.Random) -> None:
    short = _short(city.name)
    c = Committee.objects.create(place=city, name=f"{city.name}终身教育促进委员会", office=f"{short}市教育局")
    MemberUnit.objects.bulk_create([
        MemberUnit(committee=c, name=f"{short}市{n}", responsibility=r, is_lead=lead)
        for n, r, lead in MEMBER_UNITS
    ])
    for d in Place.objects.filter(parent=city).order_by("code"):
        dc = Committee.objects.create(place=d, name=f"{d.name}终身教育促进委员会", office=f"{d.name}教育局")
        MemberUnit.objects.bulk_create([
            MemberUnit(committee=dc, name=f"{d.name}{n}", responsibility=r, is_lead=lead)
            for n, r, lead in MEMBER_UNITS[:6]
        ])


def _designations(city: Place, rng: random.Random) -> None:
    districts = list(Place.objects.filter(parent=city).order_by("code"))
    picks = rng.sample(districts, min(len(districts), 6))
    rows = []
    for i, d in enumerate(picks):
        kind = DesignationKind.DEMONSTRATION if i % 2 == 0 else DesignationKind.EXPERIMENTAL
        tier = DesignationTier.NATIONAL if i < 2 else DesignationTier.MUNICIPAL
        rows.append(Designation(place=d, kind=kind, tier=tier, year=2014 + i))
    Designation.objects.bulk_create(rows)


def _user(username: str, display: str, encoded_password: str) -> User:
    return User.objects.create(username=username, display_name=display, password=encoded_password)


def _users(city: Place, password: str, rng: random.Random) -> dict[str, User]:
    districts = list(Place.objects.filter(parent=city).order_by("code"))
    first, second = districts[0], districts[1 % len(districts)]
    prefix = "" if city.code == "350100" else f"{city.code}_"
    staff_inst = (Institution.objects.filter(place__parent=first, kind=InstitutionKind.COMMUNITY_SCHOOL).first()
                  or Institution.objects.filter(place__path__startswith=first.path).exclude(place=first).first()
                  or Institution.objects.filter(place=first).first())
    reporter_unit = MemberUnit.objects.filter(committee__place=city, name__contains="人力资源").first()
    password = make_password(password)  # hashed once: PBKDF2 is slow on purpose
    u = {}
    u["city_admin"] = _user(f"{prefix}city_admin", f"{city.name}终身教育促进委员会办公室", password)
    RoleAssignment.objects.create(user=u["city_admin"], role=Role.CITY_ADMIN, place=city)
    u["district_admin"] = _user(f"{prefix}district_admin", f"{first.name}管理员", password)
    RoleAssignment.objects.create(user=u["district_admin"], role=Role.DISTRICT_ADMIN, place=first)
    u["district_admin_2"] = _user(f"{prefix}district_admin_2", f"{second.name}管理员", password)
    RoleAssignment.objects.create(user=u["district_admin_2"], role=Role.DISTRICT_ADMIN, place=second)
    u["staff"] = _user(f"{prefix}staff", f"{staff_inst.name}工作人员", password)
    RoleAssignment.objects.create(user=u["staff"], role=Role.INSTITUTION_STAFF, institution=staff_inst)
    u["reporter"] = _user(f"{prefix}reporter", f"{reporter_unit.name}填报员", password)
    RoleAssignment.objects.create(user=u["reporter"], role=Role.MEMBER_UNIT_REPORTER, member_unit=reporter_unit)
    u["expert"] = _user(f"{prefix}expert", "评审专家", password)
    RoleAssignment.objects.create(user=u["expert"], role=Role.EXPERT_REVIEWER, place=city)
    u["auditor"] = _user(f"{prefix}auditor", "审计员", password)
    RoleAssignment.objects.create(user=u["auditor"], role=Role.AUDITOR, place=city)
    u["learner"] = _user(f"{prefix}learner", "", password)
    RoleAssignment.objects.create(user=u["learner"], role=Role.LEARNER)
    if not User.objects.filter(username="admin").exists():
        User.objects.create(username="admin", display_name="超级管理员", password=password, is_superuser=True,
                            is_staff=True)
    return u


def _signins(city: Place) -> list[tuple[str, str, str]]:
    out = []
    order = [Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.INSTITUTION_STAFF, Role.MEMBER_UNIT_REPORTER,
             Role.EXPERT_REVIEWER, Role.AUDITOR, Role.INSPECTOR, Role.LEARNER]
    ras = RoleAssignment.objects.select_related("user", "place", "institution__place", "member_unit__committee__place")
    for role in order:
        for ra in ras.filter(role=role).order_by("user__username"):
            where = ra.place or ra.institution or ra.member_unit
            where_path = (ra.place.path if ra.place else ra.institution.place.path if ra.institution else
                          ra.member_unit.committee.place.path if ra.member_unit else None)
            if role == Role.LEARNER:
                prof = getattr(ra.user, "learner_profile", None)
                if prof is None or not prof.residence.path.startswith(city.path):
                    continue
                where = f"{prof.name}（{prof.residence.name}）"
            elif where_path is None or not where_path.startswith(city.path):
                continue
            out.append((str(ROLE_LABELS[role]), ra.user.username, str(where)))
    if User.objects.filter(username="admin", is_superuser=True).exists():
        out.append(("超级管理员（仅 Django admin）", "admin", "/django-admin/"))
    return out


# --- residents ---------------------------------------------------------------------------------------

def _random_name(rng: random.Random) -> str:
    given = rng.choice(names.GIVEN_CHARS) + (rng.choice(names.GIVEN_CHARS) if rng.random() < 0.8 else "")
    return rng.choice(names.SURNAMES) + given


def _age(rng: random.Random) -> int:
    # Learners: mostly adults, many elderly (elderly universities are full), some teenagers.
    r = rng.random()
    if r < 0.04:
        return rng.randint(15, 17)
    if r < 0.70:
        return rng.randint(18, 59)
    return rng.randint(60, 92)


def _residents(city: Place, n: int, rng: random.Random, progress: Progress, *, learner_user: User) -> None:
    """Residents in set-based batches (COPY on PostgreSQL): encrypted ID numbers, keyed hashes, groups."""
    if n <= 0:
        return
    communities = list(Place.objects.filter(path__startswith=city.path, level=PlaceLevel.COMMUNITY)
                       .values_list("id", "code", "name"))
    if not communities:
        communities = list(Place.objects.filter(path__startswith=city.path, level=PlaceLevel.STREET)
                           .values_list("id", "code", "name"))
    groups = dict(LearnerGroup.objects.values_list("code", "id"))
    through = LearnerProfile.groups.through
    seen: set[str] = set()
    encrypt, digest = crypto.encrypt, id_number_hash
    now = timezone.now()
    batch_size = 20_000
    done = 0
    first_id = None
    profile_cols = ("id", "user_id", "name", "id_number_encrypted", "id_number_hash", "id_number_masked",
                    "birth_date", "sex", "phone", "residence_id", "created_at", "updated_at")
    while done < n:
        size = min(batch_size, n - done)
        profiles, links = [], []
        with transaction.atomic():
            ids = next_ids(LearnerProfile, size)
            link_ids = iter(next_ids(through, 3 * size))
            for pid in ids:
                cid, ccode, cname = communities[rng.randrange(len(communities))]
                age = _age(rng)
                birth = TODAY - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
                while True:
                    number = idcard.make(ccode[:6], birth, rng.randint(0, 999))
                    if number not in seen:
                        seen.add(number)
                        break
                sex = "M" if int(number[16]) % 2 else "F"
                for g in _groups_of(age, sex, cname.endswith("村"), rng):
                    links.append((next(link_ids), pid, groups[g]))
                profiles.append((pid, None, _random_name(rng), encrypt(number, context=ID_CONTEXT), digest(number),
                                 idcard.mask(number), birth, sex,
                                 f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}", cid, now, now))
            insert_rows(LearnerProfile, profile_cols, profiles)
            insert_rows(through, ("id", "learnerprofile_id", "learnergroup_id"), links)
        if first_id is None:
            first_id = ids[0]
        done += size
        progress("居民", done, n)
    # The demo learner signs in as the first resident.
    LearnerProfile.objects.filter(pk=first_id).update(user=learner_user)
    if learner_user.display_name == "":
        learner_user.display_name = LearnerProfile.objects.get(pk=first_id).name
        learner_user.save(update_fields=["display_name"])
    # They belong to a group the catalogue addresses (their age's, when the draw gave them none), so their home
    # page has its courses for their groups.
    learner = LearnerProfile.objects.get(pk=first_id)
    if not learner.groups.exists():
        age = TODAY.year - learner.birth_date.year
        learner.groups.add(*LearnerGroup.objects.filter(code="elderly" if age >= 60 else "employee"))
    analyze_while_loading(LearnerProfile, through)


def _learner_enrolls(user: User) -> None:
    """The demo learner is enrolled, through the enrollment service, in courses near home that take new
    learners (not ended, most of their sessions still to come)."""
    profile = LearnerProfile.objects.filter(user=user).select_related("residence").first()
    if profile is None:
        return
    area = district_path_of(profile.residence) or profile.residence.path
    open_courses = (Course.objects.with_phase().filter(state=CourseState.PUBLISHED, enrolment_open=True,
                                                       institution__place__path__startswith=area,
                                                       enrolled_count__lt=models.F("capacity"))
                    .exclude(enrollments__learner=profile).order_by("id")[:3])
    for course in open_courses:
        enrollment_create(actor=user, course=course)


def _learner_signs_up(user: User) -> None:
    """The demo learner signs up, through the event service, for the next two events near home that have not
    ended and have places left (none when the demo is older than its events)."""
    profile = LearnerProfile.objects.filter(user=user).select_related("residence").first()
    if profile is None or EventRegistration.objects.filter(learner=profile).exclude(status="cancelled").exists():
        return
    area = district_path_of(profile.residence) or profile.residence.path
    coming = (Event.objects.filter(venue__place__path__startswith=area, ends_at__gt=timezone.now())
              .filter(Q(capacity=0) | Q(registered_count__lt=models.F("capacity"))).order_by("starts_at", "id")[:2])
    for event in coming:
        event_register(actor=user, event=event)


def _groups_of(age: int, sex: str, rural: bool, rng: random.Random) -> list[str]:
    gs = []
    if age >= 60:
        gs.append("elderly")
    elif age < 25:
        gs.append("youth")
    if sex == "F" and rng.random() < 0.3:
        gs.append("women")
    if 18 <= age < 60:
        r = rng.random()
        if rural and r < 0.5:
            gs.append("farmer")
        elif r < 0.45:
            gs.append("employee")
        elif r < 0.55:
            gs.append("migrant_worker")
        elif r < 0.65:
            gs.append("professional")
        elif r < 0.70:
            gs.append("civil_servant")
        elif r < 0.75:
            gs.append("unemployed")
    if rng.random() < 0.02:
        gs.append("disabled")
    return gs


def is_demo_city(place: Place) -> bool:
    return is_city(place) and _demo_city_exists(place)
