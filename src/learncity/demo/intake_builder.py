"""The demo city's provider uploads: a year of learning records from four providers (the demo staff member's
community school, an elderly university, a vocational education centre and the open university), written as CSV
files the way the providers' own systems export them and loaded through the intake path — `job_submit` then
`job_run`: staging, the row checks, the checks against the residents and courses, dedup, the write and the
recognition into outcomes and ledger entries — exactly as a provider's upload is. About a third of the residents
appear in a file (0.45 rows a resident, fewer once ages are matched to providers), so `learncity demo --residents
1000000` loads some 350,000 records this way.

The community school's file carries three rows a clerk got wrong (a name that is not the registered one, a date in
the future, a course code nobody has): it is uploaded "accepting the valid rows", so the job history shows a job
with an error report to download beside the clean ones. Deterministic for a given city, seed and size."""

import datetime
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from learncity.core import crypto, documents
from learncity.intake import pipeline, services
from learncity.intake.models import JobMode, JobSource
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerProfile, User
from learncity.people.services import ID_CONTEXT
from learncity.places.models import Place
from learncity.records.models import CourseKind, RecordKind


@dataclass(frozen=True)
class _Provider:
    kind: str  # the institution kind looked for in the city
    course_kinds: tuple[str, ...]
    titles: tuple[str, ...]
    hours: tuple[str, ...]
    scores: bool  # the provider sends scores (some below the standards' minimum: not recognised)
    ages: tuple[int, int]  # who attends
    share: float  # of the rows


PROVIDERS = (
    _Provider(InstitutionKind.COMMUNITY_SCHOOL, (CourseKind.COMMUNITY, CourseKind.FAMILY, CourseKind.HEALTH,
                                                 CourseKind.LAW, CourseKind.DIGITAL),
              ("智能手机应用入门", "家庭教育与亲子沟通", "中医养生与慢病预防", "防范电信网络诈骗", "垃圾分类与社区环境",
               "社区书法班", "民法典进社区", "家庭理财入门"), ("4", "6", "8", "12", "16", "24", "32"), False, (18, 90), 0.4),
    _Provider(InstitutionKind.ELDERLY_UNIVERSITY, (CourseKind.ELDERLY, CourseKind.CULTURE),
              ("太极拳（二十四式）", "老年合唱", "国画山水入门", "闽剧欣赏", "智能手机与老年生活", "茶艺与闽茶文化"),
              ("16", "24", "32", "48"), False, (55, 95), 0.25),
    _Provider(InstitutionKind.VOCATIONAL_CENTRE, (CourseKind.VOCATIONAL,),
              ("育婴员（五级）培训", "中式烹调师培训", "电工上岗培训", "电子商务运营", "养老护理员培训", "茶叶加工技术"),
              ("16", "24", "32", "40", "64"), True, (18, 60), 0.2),
    _Provider(InstitutionKind.OPEN_UNIVERSITY, (CourseKind.ACADEMIC,),
              ("计算机应用基础", "大学语文", "管理学基础", "学前儿童发展心理学", "机电一体化概论", "经济数学基础"),
              ("36", "54", "72"), True, (18, 60), 0.15),
)


def build_uploads(city: Place, rng: random.Random, users: dict[str, User], today: datetime.date,
                  progress=lambda stage, done, total: None) -> dict[str, int]:
    """Write each provider's file and run it through the intake path, as the city administrator (who may upload
    for every institution of the city). Returns the rows, records and recognitions of the jobs."""
    institutions = list(Institution.objects.filter(place__path__startswith=city.path).order_by("pk"))
    staff_institution = users["staff"].role_assignments.get().institution
    chosen: list[tuple[_Provider, Institution]] = [(PROVIDERS[0], staff_institution)]  # (a community school)
    for provider in PROVIDERS[1:]:
        found = next((i for i in institutions if i.kind == provider.kind), None)
        if found is not None:
            chosen.append((provider, found))
    counts = {"upload_jobs": 0, "upload_rows": 0, "upload_records": 0, "upload_recognised": 0, "upload_invalid": 0}
    if not chosen:
        return counts
    stage = "机构报送"
    progress(stage, 0, len(chosen) + 1)
    with tempfile.TemporaryDirectory(prefix="learncity-demo-uploads-") as folder:
        paths = _write_files(Path(folder), city, chosen, rng, today, staff_institution)
        progress(stage, 1, len(chosen) + 1)
        for n, ((_provider, institution), path) in enumerate(zip(chosen, paths, strict=True), start=2):
            with open(path, "rb") as f:
                job = services.job_submit(actor=users["city_admin"], institution_code=institution.code,
                                          filename=path.name, data=f, mode=JobMode.ACCEPT_VALID, source=JobSource.CLI)
            job = services.job_run(job.pk)
            counts["upload_jobs"] += 1
            counts["upload_rows"] += job.rows_total
            counts["upload_records"] += job.rows_new
            counts["upload_recognised"] += job.recognised
            counts["upload_invalid"] += job.rows_invalid
            progress(stage, n, len(chosen) + 1)
    return counts


def _write_files(folder: Path, city: Place, chosen: list, rng: random.Random, today: datetime.date,
                 staff_institution: Institution) -> list[Path]:
    """One CSV per provider (UTF-8 with a byte-order mark, as Excel saves it), streamed: the residents are read in
    id order a chunk at a time, and each gets 0–2 rows, at providers whose courses fit their age."""
    kind_label = pipeline.KIND_LABELS[RecordKind.COMPLETION]
    course_labels = pipeline.COURSE_KIND_LABELS
    first_day = today - datetime.timedelta(days=365)
    paths, files, writers, numbers = [], [], [], []
    try:
        for _provider, institution in chosen:
            path = folder / f"{institution.code}-{today.year}年度学习记录.csv"
            f = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed below, all together)
            paths.append(path)
            files.append(f)
            writer = documents.CsvWriter(f)
            writer.writerow([c.header for c in pipeline.COLUMNS])
            writers.append(writer)
            numbers.append(0)
        shares = [p.share for p, _i in chosen]
        people = (LearnerProfile.objects.filter(residence__path__startswith=city.path).order_by("pk")
                  .values_list("id_number_encrypted", "name", "birth_date"))
        for encrypted, name, birth in people.iterator(chunk_size=5000):
            # A third of the residents or so appear in a provider's yearly file (then only at providers whose
            # courses fit their age).
            rows = rng.choices((0, 1, 2), weights=(65, 25, 10))[0]
            if not rows:
                continue
            number = crypto.decrypt(encrypted, context=ID_CONTEXT)
            age = today.year - birth.year
            for _ in range(rows):
                i = rng.choices(range(len(chosen)), weights=shares, k=1)[0]
                provider, institution = chosen[i]
                if not provider.ages[0] <= age <= provider.ages[1]:
                    continue
                start = max(first_day, birth + datetime.timedelta(days=1))
                day = start + datetime.timedelta(days=rng.randrange(max(1, (today - start).days)))
                numbers[i] += 1
                score = str(rng.randint(52, 98)) if provider.scores else ""
                writers[i].writerow([f"{institution.code}-{today.year}-{numbers[i]:07d}", number, name, kind_label, "",
                                     course_labels[rng.choice(provider.course_kinds)], rng.choice(provider.titles),
                                     rng.choice(provider.hours), score, day.isoformat()])
        # The community school's clerk got three rows wrong.
        i = next((i for i, (_p, inst) in enumerate(chosen) if inst.pk == staff_institution.pk), None)
        someone = LearnerProfile.objects.filter(residence__path__startswith=city.path).order_by("pk").first()
        if i is not None and someone is not None:
            number = crypto.decrypt(someone.id_number_encrypted, context=ID_CONTEXT)
            label = course_labels[CourseKind.COMMUNITY]
            for n, (name, code, day) in enumerate([
                    (someone.name + "华", "", today - datetime.timedelta(days=30)),  # not the registered name
                    (someone.name, "", datetime.date(2062, 5, 1)),  # in the future (2026 typed 2062)
                    (someone.name, "SQ-9999", today - datetime.timedelta(days=60))],  # a course nobody has
                    start=1):
                writers[i].writerow([f"{chosen[i][1].code}-{today.year}-X{n:02d}", number, name, kind_label, code,
                                     label, "社区书法班", "8", "", day.isoformat()])
    finally:
        for f in files:
            f.close()
    return paths
