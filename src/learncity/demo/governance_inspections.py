"""The demo city's inspection (专项督导), built through the governance services as the people who would do each step:
the office imports the community-school standard the project ships and grants an inspector over the city; a round
of the demo's year (September and October) sends the inspector to a community school in each of four districts;
the inspector scores every criterion (points off and findings drawn from the given rng, photos where the standard
asks for evidence) and submits; the office sends two findings, of two districts, to rectification (tasks of its
plan led by the districts' committees), closes the round and publishes its circular. Deterministic for a seed.
"""

import datetime
import random
import zlib
from decimal import Decimal

from learncity.core.scopes import Role
from learncity.governance import services
from learncity.governance.inputs import (
    CircularIn,
    InspectionRoundIn,
    RectificationIn,
    ScoreIn,
    StandardIn,
    VisitIn,
)
from learncity.governance.models import InspectionCriterion, InspectionScore
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import User
from learncity.people.services import account_create
from learncity.places.models import Place

FINDINGS = {  # by the criterion's section: what an inspector would write
    "组织管理": "年度工作计划未细化到季度，部分制度未有效执行",
    "队伍建设": "专职管理人员兼任其他工作，教师培训学时不足",
    "教学设施": "多功能教室使用率低，无障碍设施不全",
    "课程与活动": "课程门类偏少，青少年和新市民课程空缺",
    "特色与成效": "特色项目尚未形成品牌，满意度调查样本不足",
}


def _png() -> bytes:
    """A 1×1 PNG: the photo an inspector takes, small enough for a demo."""

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(b"\x00\x3c\x8c\x5a")) + chunk(b"IEND", b""))


def _inspector(office: User, city: Place) -> User:
    """The inspector, granted over the city by its office; signs in with the demo's password like the others."""
    prefix = office.username.removesuffix("city_admin")
    ra = account_create(actor=office, username=f"{prefix}inspector", password="", display_name="专项督导员",
                        role=Role.INSPECTOR, place_code=city.code)
    User.objects.filter(pk=ra.user_id).update(password=office.password)  # the demo password's hash, as _users sets
    return User.objects.get(pk=ra.user_id)


def build_inspections(office: User, committee, city: Place, today: datetime.date, rng: random.Random) -> dict:
    standard = services.standard_import(actor=office, committee=committee,
                                        data=StandardIn(**services.standard_shipped()))
    inspector = _inspector(office, city)
    year = today.year
    schools = []
    for district in Place.objects.filter(parent=city).order_by("code"):
        school = (Institution.objects.restrict(office).filter(place__path__startswith=district.path,
                                                              kind=InstitutionKind.COMMUNITY_SCHOOL)
                  .order_by("code").first())
        if school is not None:
            schools.append(school)
        if len(schools) == 4:
            break
    if not schools:  # a city whose places below have no community school (a three-level city's): no round to run
        return {"inspection_visits": 0, "rectifications": 0}
    found = services.round_create(actor=office, committee=committee, data=InspectionRoundIn(
        standard_id=standard.pk, title=f"{year}年社区学校示范校专项督导", year=year,
        starts_on=datetime.date(year, 9, 1), ends_on=datetime.date(year, 10, 31)))
    criteria = list(InspectionCriterion.objects.restrict(office).filter(standard=standard).order_by("position"))
    photo = _png()
    visits = []
    for n, school in enumerate(schools):
        visit = services.visit_assign(actor=office, round=found,
                                      data=VisitIn(inspector_id=inspector.pk, institution_id=school.pk))
        flagged = set(rng.sample(range(len(criteria)), 3))
        for i, c in enumerate(criteria):
            off = Decimal(rng.choice([0, 0, 0, 0.5, 1, 1.5, 2])) if i not in flagged else Decimal(2)
            finding = FINDINGS[c.section] if i in flagged else ""
            services.score_record(actor=inspector, visit=visit, data=ScoreIn(
                criterion_id=c.pk, score=max(c.points - off, Decimal(0)), finding=finding,
                rectify=i in flagged and n < 2), files=[("现场照片.png", photo)] if c.evidence_required else [])
        visits.append(services.visit_submit(actor=inspector, visit=visit))
    sent = 0
    for visit in visits[:2]:  # two districts' schools: their committees lead the rectification
        score = InspectionScore.objects.restrict(office).filter(visit=visit, rectify=True).order_by(
            "criterion__position").first()
        services.rectification_create(actor=office, score=score, today=today, data=RectificationIn(
            due_on=datetime.date(year, 12, 31)))
        sent += 1
    found = services.round_close(actor=office, round=found)
    services.circular_publish(actor=office, round=found, data=CircularIn(
        title=f"关于{year}年社区学校示范校专项督导情况的通报",
        text=f"根据年度工作安排，市终身教育促进委员会办公室于{year}年9月至10月对各区县社区学校开展了示范校专项督导。"
             "现将督导情况通报如下。"))
    return {"inspection_visits": len(visits), "rectifications": sent}
