"""The committee's year in the tests' own 达州市 (tests/portal/world.py): its committee with the member units the
seeds' Dazhou document names, the committees of 通川区 and 达川区 below it, and a reporter of its 教育局 (the lead
unit of most items) beside the world's reporter of its 人力资源和社会保障局.

The seeds' two work-points documents are the copies the project ships (learncity/demo/seeds), the same bytes as
../shared/seeds' 001_ (Fuzhou 2015) and 004_ (Dazhou 2014)."""

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from django.utils import timezone

from learncity.core.scopes import Role
from learncity.governance import services
from learncity.governance.inputs import ImportIn, MoveIn
from learncity.governance.models import Task, WorkPlan
from learncity.network.models import Committee, MemberUnit
from tests.network.factories import committee_make, member_unit_make
from tests.people.factories import account_make
from tests.portal.world import World, world_build, world_fresh
from tests.worlds import rolled_back

SEEDS = Path(__file__).resolve().parents[2] / "src" / "learncity" / "demo" / "seeds"
FUZHOU_2015 = SEEDS / "fuzhou_2015_work_points.txt"
DAZHOU_2014 = SEEDS / "dazhou_2014_work_points.txt"

# 达州市's member units as its own documents name them (the world already has 人力资源和社会保障局).
DAZHOU_UNITS = ["教育局", "民政局", "经信委", "委编办", "财政局", "委宣传部"]
# The names in the Dazhou document no member unit carries: the office decides each.
DAZHOU_UNKNOWN = ["达州电大", "达州经开区管委会", "市政府督查室", "市广播电视台", "达州日报社"]


@dataclass
class Governance:
    world: World
    committee: Committee
    units: dict[str, MemberUnit]  # by short name: 教育局, 民政局, …, 人力资源和社会保障局
    lower: dict[str, Committee]  # 通川区, 达川区
    education_reporter: object  # a reporter of 达州市教育局

    def __getattr__(self, name):
        return getattr(self.__dict__["world"], name)


def governance_build() -> Governance:
    world = world_build()
    admin, committee = world.admin, world.committee
    units = {"人力资源和社会保障局": world.member_unit}
    for name in DAZHOU_UNITS:
        units[name] = member_unit_make(admin, committee, name=f"达州市{name}", is_lead=name == "教育局")
    lower = {p.name: committee_make(admin, p) for p in (world.district, world.district_2)}
    reporter = account_make(Role.MEMBER_UNIT_REPORTER, actor=admin, member_unit=units["教育局"])
    return Governance(world=world, committee=committee, units=units, lower=lower, education_reporter=reporter)


def governance_fixtures():
    """(the module's governance world, built once; the test's view of it): put both in the module's namespace."""

    @pytest.fixture(scope="module")
    def governance_built(django_db_setup, django_db_blocker):
        with rolled_back(django_db_blocker):
            yield governance_build()

    @pytest.fixture
    def gov(governance_built, db) -> Governance:
        built = governance_built
        fresh = world_fresh(built.world)
        reporter = type(built.education_reporter).objects.get(pk=built.education_reporter.pk)
        return Governance(world=fresh, committee=Committee.objects.get(pk=built.committee.pk),
                          units={k: MemberUnit.objects.get(pk=v.pk) for k, v in built.units.items()},
                          lower={k: Committee.objects.get(pk=v.pk) for k, v in built.lower.items()},
                          education_reporter=reporter)

    return governance_built, gov


def dazhou_plan(gov: Governance, *, year: int | None = None) -> WorkPlan:
    """The Dazhou document imported into the world's committee, its unknown names left out (ignore)."""
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(
        text=DAZHOU_2014.read_text(encoding="utf-8"), year=year or timezone.localdate().year,
        decisions={name: services.IGNORE for name in DAZHOU_UNKNOWN}))


def task_of(plan: WorkPlan, title: str) -> Task:
    return Task.objects.unscoped("a test's look-up by title").get(plan=plan, title=title)


def moved(actor, task: Task, event: str, **kw) -> Task:
    return services.task_move(actor=actor, task=task, data=MoveIn(event=event, **kw))


def two_items(year: int) -> str:
    """A short work-points document of the world's committee: the first item led by 教育局 with 人力资源和社会保障局
    cooperating, the second by the two districts' committees (one by its name, one as its government)."""
    return (f"{year}年达州市终身教育工作要点\n一、工作重点\n"
            "(一)完善终身教育运行机制。加强统筹。(牵头单位：市教育局，市人力资源和社会保障局配合)\n"
            "(二)办好社区学校。(责任单位:通川区终身教育促进委员会、达川区人民政府)")


def _png() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_of(paragraphs: list[str]) -> bytes:
    """A real .docx (python-docx) of these paragraphs."""
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
