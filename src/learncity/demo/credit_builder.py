"""The demo city's credit bank: a standards catalogue, accreditations, conversion rules, the recognised history
of every learning record the catalog wrote (through the same bulk recognition path as provider uploads),
reviewed declarations (certificates), a review queue, conversions, and the demo learner's transcript.

Standards follow what the seeds and the real credit banks recognise: national computer rank exams (NCRE),
vocational skill-level certificates, community-education courses by hours, elderly-university courses, lectures
and activity days, volunteering, online learning and adult academic courses."""

import datetime
import hashlib
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from learncity.catalog.services import learning_record_create
from learncity.core.audit import audit_record
from learncity.creditbank import bulk
from learncity.creditbank.inputs import DeclarationIn
from learncity.creditbank.models import (
    Accreditation,
    ConversionRule,
    CreditClass,
    Declaration,
    DeclarationKind,
    Evidence,
    FrameworkLevel,
    LearningAccount,
    OpenedVia,
    RuleStatus,
    Standard,
    StandardVersion,
    TargetKind,
)
from learncity.creditbank.selectors import convertible_outcomes
from learncity.creditbank.services import (
    account_open,
    conversion_apply,
    declaration_review,
    declaration_submit,
    transcript_issue,
    transcript_withdraw,
)
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerProfile, User
from learncity.places.models import Place
from learncity.records.models import RecordKind, RecordSource

K = InstitutionKind
COMMUNITY = (K.COMMUNITY_UNIVERSITY, K.GUIDANCE_CENTRE, K.COMMUNITY_COLLEGE, K.COMMUNITY_SCHOOL, K.LEARNING_ROOM,
             K.OPEN_UNIVERSITY_BRANCH)
VENUES = (K.LIBRARY, K.MUSEUM, K.CULTURAL_CENTRE, K.CULTURAL_STATION, K.SCIENCE_MUSEUM, K.YOUTH_PALACE,
          K.WORKERS_PALACE)

# code, name, class, level, credits (fixed or most), hours per credit, min hours, min score, evidence,
# record kinds, course kinds, accredited institution kinds
STANDARDS = [
    ("NCRE-1", "全国计算机等级考试一级", CreditClass.VOCATIONAL, 3, "4", None, "0", None, "证书原件扫描件",
     "", "", (K.OPEN_UNIVERSITY,)),
    ("NCRE-2", "全国计算机等级考试二级", CreditClass.VOCATIONAL, 4, "6", None, "0", None, "证书原件扫描件及成绩单",
     "", "", (K.OPEN_UNIVERSITY,)),
    ("VSL-5", "职业技能等级证书（五级/初级工）", CreditClass.VOCATIONAL, 2, "4", None, "0", None,
     "职业技能等级证书及人社部门查询截图", "", "", (K.VOCATIONAL_CENTRE, K.VOCATIONAL_SCHOOL)),
    ("VSL-4", "职业技能等级证书（四级/中级工）", CreditClass.VOCATIONAL, 3, "8", None, "0", None,
     "职业技能等级证书及人社部门查询截图", "", "", (K.VOCATIONAL_CENTRE, K.VOCATIONAL_SCHOOL)),
    ("VSL-3", "职业技能等级证书（三级/高级工）", CreditClass.VOCATIONAL, 4, "12", None, "0", None,
     "职业技能等级证书及人社部门查询截图", "", "", (K.VOCATIONAL_CENTRE, K.VOCATIONAL_SCHOOL)),
    ("CE-COURSE", "社区教育课程（按学时认定）", CreditClass.TRAINING, 1, "4", "16", "4", None, "结业记录",
     "completion", "community,family,health,law,digital,rural", COMMUNITY),
    ("VT-COURSE", "职业技能培训与专业技术人员继续教育课程", CreditClass.VOCATIONAL, 2, "6", "16", "8", "60",
     "结业记录及考核成绩", "completion", "vocational,professional,cadre", (*COMMUNITY, K.VOCATIONAL_CENTRE, K.VOCATIONAL_SCHOOL, K.ENTERPRISE_TRAINING, K.CONTINUING_EDUCATION_CENTRE)),
    ("ELDER-COURSE", "老年大学与老年教育课程", CreditClass.CULTURE, 1, "4", "16", "4", None, "结业记录",
     "completion", "elderly,culture", (*COMMUNITY, K.ELDERLY_UNIVERSITY)),
    ("AC-COURSE", "成人学历教育课程", CreditClass.ACADEMIC, 5, "5", "18", "18", "60", "课程成绩单",
     "completion", "academic", (K.OPEN_UNIVERSITY, K.OPEN_UNIVERSITY_BRANCH, K.UNIVERSITY)),
    ("LECTURE", "市民讲堂、全民终身学习活动周与 9·28 活动日", CreditClass.CULTURE, 1, "1", "8", "1", None,
     "活动签到记录", "event", "", COMMUNITY + VENUES + (K.ELDERLY_UNIVERSITY,)),
    ("VOLUNTEER", "学习型城市志愿服务", CreditClass.TRAINING, 1, "2", "20", "1", None, "志愿服务时长记录",
     "volunteering", "", COMMUNITY + VENUES),
    ("ONLINE", "数字化学习资源在线学习", CreditClass.CULTURE, 1, "1", "10", "0.5", None, "平台学习记录",
     "resource", "", COMMUNITY + VENUES + (K.OPEN_UNIVERSITY, K.ELDERLY_UNIVERSITY)),
]

# code, name, sources, target institution kind, target kind, target name, target class, ratio, cap, min score,
# status
RULES = [
    ("R-NCRE1-OU", "计算机等级考试一级 转 开放大学《计算机应用基础》", ("NCRE-1",), K.OPEN_UNIVERSITY, TargetKind.COURSE,
     "计算机应用基础（4学分）", CreditClass.ACADEMIC, "1", "4", None, RuleStatus.ACTIVE),
    ("R-VSL-OU", "职业技能等级证书 转 开放大学专科专业学分", ("VSL-5", "VSL-4", "VSL-3"), K.OPEN_UNIVERSITY,
     TargetKind.PROGRAMME, "学前教育（专科）", CreditClass.ACADEMIC, "0.5", "10", None, RuleStatus.ACTIVE),
    ("R-VT-OU", "职业技能培训课程 转 开放大学专科专业学分", ("VT-COURSE",), K.OPEN_UNIVERSITY, TargetKind.PROGRAMME,
     "机电一体化技术（专科）", CreditClass.ACADEMIC, "0.5", "6", "70", RuleStatus.ACTIVE),
    ("R-CE-CERT", "社区教育学分 换取 社区教育结业证书", ("CE-COURSE", "LECTURE", "VOLUNTEER"), None,
     TargetKind.CERTIFICATE, "社区教育结业证书", CreditClass.TRAINING, "1", "10", None, RuleStatus.ACTIVE),
    ("R-AC-NCRE2", "计算机等级考试二级 转 开放大学《程序设计基础》", ("NCRE-2",), K.OPEN_UNIVERSITY, TargetKind.COURSE,
     "程序设计基础（4学分）", CreditClass.ACADEMIC, "0.67", "4", None, RuleStatus.REVIEW),
]

CERTIFICATES = [("NCRE-1", DeclarationKind.CERTIFICATE, "全国计算机等级考试一级证书", "教育部教育考试院"),
                ("NCRE-2", DeclarationKind.CERTIFICATE, "全国计算机等级考试二级（MS Office）证书", "教育部教育考试院"),
                ("VSL-5", DeclarationKind.CERTIFICATE, "育婴员职业技能等级证书（五级）", "福州市职业技能鉴定指导中心"),
                ("VSL-4", DeclarationKind.CERTIFICATE, "中式烹调师职业技能等级证书（四级）", "福州市职业技能鉴定指导中心"),
                ("VSL-4", DeclarationKind.CERTIFICATE, "电工职业技能等级证书（四级）", "福建省职业技能鉴定指导中心")]

EVIDENCE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
                b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n"
                b"%%EOF\n")


def build_credit_bank(city: Place, rng: random.Random, users: dict[str, User] | None = None,
                      progress=lambda stage, done, total: None) -> dict[str, int]:
    users = users or {}
    progress("学分银行", 0, 3)
    with transaction.atomic():
        levels = {f.level: f for f in FrameworkLevel.objects.all()}
        institutions = list(Institution.objects.filter(place__path__startswith=city.path).order_by("pk"))
        effective = datetime.date(timezone.localdate().year - 3, 1, 1)
        for (code, name, credit_class, level, credits, hpc, min_hours, min_score, evidence, kinds, course_kinds,
             accredited) in STANDARDS:
            if Standard.objects.filter(code=code).exists():  # a second demo city shares the catalogue
                continue
            standard = Standard.objects.create(code=code, city=city)
            StandardVersion.objects.create(
                standard=standard, version=1, name=name, credit_class=credit_class, level=levels[level],
                credits=Decimal(credits), hours_per_credit=Decimal(hpc) if hpc else None, min_hours=Decimal(min_hours),
                min_score=Decimal(min_score) if min_score else None, evidence=evidence,
                record_kinds=f",{kinds}," if kinds else "", course_kinds=f",{course_kinds}," if course_kinds else "",
                effective_from=effective)
            Accreditation.objects.bulk_create([Accreditation(standard=standard, institution=i)
                                               for i in institutions if i.kind in accredited])
        # A standard revised once (v1 superseded, v2 active), as standards are in life.
        ce = Standard.objects.get(code="CE-COURSE")
        if ce.versions.count() == 1:
            v1 = ce.versions.get()
            v1.status = "superseded"
            v1.save(update_fields=["status"])
            StandardVersion.objects.create(
                standard=ce, version=2, name=v1.name, credit_class=v1.credit_class, level=v1.level, credits=v1.credits,
                hours_per_credit=Decimal("16"), min_hours=Decimal("4"), evidence="结业记录（含出勤率不低于 75%）",
                record_kinds=v1.record_kinds, course_kinds=v1.course_kinds, effective_from=effective)
        staff_institution = (users["staff"].role_assignments.first().institution
                             if users.get("staff") else institutions[0])
        open_university = next((i for i in institutions if i.kind == K.OPEN_UNIVERSITY), institutions[0])
        for code, name, sources, target_kind_of, target_kind, target_name, target_class, ratio, cap, min_score, status \
                in RULES:
            if ConversionRule.objects.filter(code=code).exists():
                continue
            rule = ConversionRule.objects.create(
                code=code, name=name, target_institution=open_university if target_kind_of else staff_institution,
                target_kind=target_kind, target_name=target_name, target_class=target_class, ratio=Decimal(ratio),
                cap_per_learner=Decimal(cap), min_score=Decimal(min_score) if min_score else None,
                effective_from=effective, status=status, reviewed_by=users.get("expert") if status == "active" else None,
                review_note="经专家评审，来源标准与目标课程的学习成果相当" if status == "active" else "")
            rule.sources.set(Standard.objects.filter(code__in=sources))
        audit_record(actor=None, action="demo.credit_bank", obj=city)
    progress("学分银行", 1, 3)

    # Every learning record the catalog wrote is recognised through the bulk path (the provider-upload path).
    learners = LearnerProfile.objects.filter(residence__path__startswith=city.path)
    result = bulk.recognise_records(learner_ids=None)
    progress("学分银行", 2, 3)

    counts = {"outcomes": result.recognised, "accounts": LearningAccount.objects.filter(
        learner__residence__path__startswith=city.path).count()}
    counts.update(_declarations(city, rng, users, learners))
    counts.update(_learner_story(users))
    progress("学分银行", 3, 3)
    return counts


def _declarations(city: Place, rng: random.Random, users: dict, learners) -> dict[str, int]:
    """Certificates declared by residents: most already reviewed (approved through the review service, so they
    reach the ledger the real way), a few waiting in the expert's queue, one rejected with its reason."""
    expert = users.get("expert")
    ids = list(learners.filter(birth_date__lte=timezone.localdate() - datetime.timedelta(days=20 * 365))
               .order_by("pk").values_list("pk", flat=True))
    if not ids or expert is None:
        return {"declarations": 0}
    picked = rng.sample(ids, min(len(ids), max(12, len(ids) // 200)))
    today = timezone.localdate()
    made = 0
    for n, pk in enumerate(picked):
        profile = LearnerProfile.objects.get(pk=pk)
        code, kind, title, issuer = CERTIFICATES[n % len(CERTIFICATES)]
        account, _ = account_open(actor=None, learner=profile, via=OpenedVia.SELF)
        with transaction.atomic():
            d = Declaration.objects.create(account=account, standard=Standard.objects.get(code=code), kind=kind,
                                           title=title, issuer=issuer,
                                           date=today - datetime.timedelta(days=rng.randint(30, 900)),
                                           note="证书编号见附件")
            Evidence.objects.create(declaration=d, name=f"{title}.pdf", content_type="application/pdf",
                                    size=len(EVIDENCE_PDF), sha256=_sha(EVIDENCE_PDF), content=EVIDENCE_PDF)
        made += 1
        if n % 4 == 3:
            continue  # waiting in the review queue
        if n % 9 == 5:
            declaration_review(actor=expert, declaration=d, approve=False,
                               reason="附件中的证书编号在发证机构查询不到，请上传清晰的证书扫描件后重新申报")
        else:
            declaration_review(actor=expert, declaration=d, approve=True,
                               reason="证书真实有效，符合认证标准要求")
    return {"declarations": made}


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _learner_story(users: dict) -> dict[str, int]:
    """The demo learner's own credit-bank story: an NCRE certificate reviewed and recognised, a course
    completion recognised, a conversion applied for at the staff member's institution, and a transcript (and an
    earlier one, withdrawn)."""
    learner, staff, expert = users.get("learner"), users.get("staff"), users.get("expert")
    profile = LearnerProfile.objects.filter(user=learner).first() if learner else None
    if profile is None or staff is None or expert is None:
        return {}
    institution = staff.role_assignments.first().institution
    today = timezone.localdate()
    for n, (title, hours, kind) in enumerate([("智能手机应用（结业）", "24", "digital"),
                                              ("家庭理财（结业）", "18", "family")]):
        learning_record_create(actor=staff, learner=profile, provider=institution, kind=RecordKind.COMPLETION,
                               title=title, hours=Decimal(hours), score=Decimal("92"),
                               date=today - datetime.timedelta(days=40 + 30 * n), source=RecordSource.DEMO,
                               external_id=f"demo-learner-completion-{n}", course_kind=kind)
    learning_record_create(actor=staff, learner=profile, provider=institution, kind=RecordKind.EVENT,
                           title="9·28 终身教育活动日 · 市民讲堂", hours=Decimal("8"),
                           date=datetime.date(today.year if today >= datetime.date(today.year, 9, 28)
                                              else today.year - 1, 9, 28),
                           source=RecordSource.DEMO, external_id="demo-learner-928")
    d = declaration_submit(actor=learner, data=DeclarationIn(
        standard_code="NCRE-1", kind=DeclarationKind.CERTIFICATE, title="全国计算机等级考试一级证书",
        issuer="教育部教育考试院", date=today - datetime.timedelta(days=200)), files=[("NCRE一级证书.pdf", EVIDENCE_PDF)])
    declaration_review(actor=expert, declaration=d, approve=True, reason="证书真实有效，符合认证标准要求")
    account = LearningAccount.objects.get(learner=profile)
    rule = ConversionRule.objects.filter(code="R-CE-CERT").first()
    if rule is not None and rule.target_institution_id == institution.pk:
        usable = convertible_outcomes(account=account, rule=rule)
        if usable:
            conversion_apply(actor=learner, rule=rule, outcome_ids=[o.pk for o in usable])
    # A copy issued for a former employer, since withdrawn (its verification page says so), and the current one.
    earlier = transcript_issue(actor=learner, account=account)
    transcript_withdraw(actor=learner, token=earlier.token, reason="交给原单位的副本，不再使用")
    transcript_issue(actor=learner, account=account)
    return {"learner_outcomes": account.outcomes.count()}

