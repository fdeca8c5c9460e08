"""The intake pipeline through its services (job_submit, then job_run as the worker would): xlsx, CSV in UTF-8,
UTF-8 with BOM and GBK, JSON Lines; exactly once (re-uploads and overlapping files); each bad row reported beside
its row; whole files refused (columns, merged cells, formulas, empty, over the limit); who may upload."""

import datetime
import importlib
import io
import itertools
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from learncity.catalog.models import Course
from learncity.core.errors import DomainError, FileRejected, NotFound, PermissionDenied
from learncity.creditbank.models import Outcome
from learncity.intake import selectors, services
from learncity.intake.models import ImportJob, JobStatus, StagedRow
from learncity.network.models import Institution
from learncity.people import idcard
from learncity.people.models import LearnerProfile, RoleAssignment, User
from learncity.people.services import id_number_hash
from learncity.records.models import CourseKind, LearningRecord
from tests.intake.factories import submitted
from tests.intake.files import HEADERS, adults, csv_file, jsonl_file, record, xlsx_file

# (the module: the package's own `stage` is its function)
staging = importlib.import_module("learncity.intake.pipeline.stage")

TODAY = datetime.date.today()


def upload(user, school, data: bytes, filename: str, *, mode: str = "all", progress=None) -> ImportJob:
    job = submitted(user, school, data, filename=filename, mode=mode)
    assert job.status == JobStatus.QUEUED and services.job_file(job).exists()
    return services.job_run(job.pk, progress=progress)


def report_rows(job: ImportJob) -> dict[int, dict]:
    """The report read back: row number → {header: value}."""
    ws = load_workbook(io.BytesIO(services.report_xlsx(job)), read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["行号", *HEADERS, "结果", "错误"]
    return {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def records_of(school, prefix: str) -> list[LearningRecord]:
    return list(LearningRecord.objects.filter(provider=school, external_id__startswith=prefix).order_by("external_id"))


# --- formats -----------------------------------------------------------------------------------------------------

def test_a_good_xlsx_becomes_recognised_learning_records(staff, school, django_capture_on_commit_callbacks):
    people = adults(3)
    rows = [record(p, f"X-{i}") for i, p in enumerate(people)]
    rows[2].update(kind="completion", course_kind="community", hours="4.5", score="88")  # codes are accepted too
    job = services.job_submit(actor=staff, institution_code=school.code, filename="学习记录.xlsx",
                              data=xlsx_file(rows), mode="all", source="page")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_run(job.pk)

    assert (job.status, job.rows_total, job.rows_new, job.rows_duplicate, job.rows_invalid) == (
        JobStatus.DONE, 3, 3, 0, 0)
    made = records_of(school, "X-")
    assert [(r.learner_id, r.kind, r.course_kind, r.title, r.hours, r.source, r.created_by_id) for r in made] == [
        (p.pk, "completion", "community", "社区书法入门", Decimal(h), "import", staff.pk)
        for p, h in zip(people, ["16", "16", "4.5"], strict=True)]
    assert made[2].score == Decimal("88") and made[0].score is None
    # Community-course completions of 4 hours or more at the community school are recognised (CE-COURSE).
    outcomes = Outcome.objects.filter(learning_record__in=made).select_related("standard_version__standard")
    assert sorted(o.learning_record_id for o in outcomes) == [r.pk for r in made]
    assert {o.standard_version.standard.code for o in outcomes} == {"CE-COURSE"}
    assert job.recognised == 3
    assert not services.job_file(job).exists()  # a finished job's file is removed; its rows stay for the report
    assert {r["结果"] for r in report_rows(job).values()} == {"新增"}


@pytest.mark.parametrize(("encoding", "found", "said"), [
    ("utf-8", "utf-8", "UTF-8"), ("utf-8-sig", "utf-8-sig", "UTF-8（带 BOM）"), ("gbk", "gb18030", "GBK/GB18030")])
def test_csv_encodings_are_detected_and_said(staff, school, encoding, found, said):
    people = adults(2)
    rows = [record(p, f"C-{encoding}-{i}", title="智能手机应用（鼓楼）") for i, p in enumerate(people)]
    job = upload(staff, school, csv_file(rows, encoding=encoding), "records.csv")

    assert job.status == JobStatus.DONE, job.message
    assert job.encoding == found
    assert f"文件编码：{said}" in job.message
    assert [(r.learner_id, r.title) for r in records_of(school, f"C-{encoding}-")] == [
        (p.pk, "智能手机应用（鼓楼）") for p in people]  # read right, not as mojibake


def test_a_file_in_no_known_encoding_is_refused_not_misread(staff, school):
    data = csv_file([record(adults(1)[0], "E-1")]) + b"\xff\xfe\xfa\n"
    job = upload(staff, school, data, "records.csv")
    assert job.status == JobStatus.REJECTED
    assert "无法识别文件编码" in job.message
    assert not records_of(school, "E-")


def test_json_lines(staff, school):
    people = adults(2)
    rows = [record(people[0], "J-1", hours="2.5", course_kind="", kind="在线学习"), record(people[1], "J-2", score="75")]
    job = upload(staff, school, jsonl_file(rows), "records.jsonl")

    assert (job.status, job.rows_new) == (JobStatus.DONE, 2), job.message
    made = records_of(school, "J-")
    assert [(r.kind, r.hours, r.score, r.course_kind) for r in made] == [
        ("resource", Decimal("2.5"), None, ""), ("completion", Decimal("16"), Decimal("75"), "community")]


def test_json_lines_with_unknown_keys_is_refused_and_a_bad_line_is_reported(staff, school):
    person = adults(1)[0]
    job = upload(staff, school, b'{"external_id": "J-9", "colour": "red"}\n', "records.jsonl")
    assert job.status == JobStatus.REJECTED
    assert "多出的列：「colour」" in job.message and "缺少列" in job.message

    data = jsonl_file([record(person, "J-10")]) + b"not json\n"
    job = upload(staff, school, data, "records.jsonl", mode="valid")
    assert (job.status, job.rows_new, job.rows_invalid) == (JobStatus.DONE, 1, 1)
    assert "不是有效的 JSON" in report_rows(job)[2]["错误"]


# --- exactly once ------------------------------------------------------------------------------------------------

def test_the_same_file_uploaded_again_creates_nothing(staff, school):
    rows = [record(p, f"R-{i}") for i, p in enumerate(adults(4))]
    data = csv_file(rows)
    first = upload(staff, school, data, "a.csv")
    count, outcomes = LearningRecord.objects.count(), Outcome.objects.count()

    again = upload(staff, school, data, "a.csv")
    assert (again.status, again.rows_new, again.rows_duplicate, again.rows_changed, again.recognised) == (
        JobStatus.DONE, 0, 4, 0, 0)
    assert (first.rows_new, LearningRecord.objects.count(), Outcome.objects.count()) == (4, count, outcomes)
    assert {r["结果"] for r in report_rows(again).values()} == {"重复（此前已接收，未重复入账）"}


def test_an_overlapping_file_creates_only_the_new_rows_and_reports_the_changed_ones(staff, school):
    a, b, c = adults(3)
    upload(staff, school, csv_file([record(a, "O-1"), record(b, "O-2")]), "first.csv")
    before = {r.external_id: (r.pk, r.hours) for r in records_of(school, "O-")}

    job = upload(staff, school, csv_file([record(a, "O-1"), record(b, "O-2", hours="20"), record(c, "O-3")]),
                 "second.csv")
    assert (job.rows_new, job.rows_duplicate, job.rows_changed, job.rows_invalid) == (1, 1, 1, 0)
    after = {r.external_id: (r.pk, r.hours) for r in records_of(school, "O-")}
    assert after["O-1"] == before["O-1"] and after["O-2"] == before["O-2"]  # a changed record is not overwritten
    assert after["O-3"][0] not in {pk for pk, _ in before.values()}
    report = report_rows(job)
    assert report[3]["结果"] == "内容有变化（未覆盖）"
    assert "撤销（冲正）" in report[3]["错误"]
    assert (report[2]["结果"], report[4]["结果"]) == ("重复（此前已接收，未重复入账）", "新增")
    assert "内容有变化 1 条" in job.message


# --- row errors --------------------------------------------------------------------------------------------------

def test_each_bad_row_is_reported_beside_its_row_and_the_good_rows_are_written(staff, school):
    people = adults(3)
    young = LearnerProfile.objects.filter(birth_date__gt=datetime.date(2005, 1, 1)).order_by("pk").first()
    other_course = Course.objects.exclude(institution=school).order_by("pk").first()
    own_course = Course.objects.create(institution=school, code="GD-SF-01", title="书法入门", kind=CourseKind.CULTURE,
                                       hours=Decimal(16), capacity=30, term="2026春")
    stranger = idcard.make("350102", datetime.date(1970, 1, 1), 777)
    assert not LearnerProfile.objects.filter(id_number_hash=id_number_hash(stranger)).exists()
    good_id = record(people[0], "x")["id_number"]
    bad_digit = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    rows = [
        record(people[0], "B-01"),  # row 2: good
        record(people[0], "B-02", id_number=bad_digit),  # 3
        record(people[0], "B-03", date=future),  # 4
        record(young, "B-04", date=(young.birth_date - datetime.timedelta(days=1)).isoformat()),  # 5
        record(people[1], "B-05", course_code="NO-SUCH-COURSE"),  # 6
        record(people[1], "B-06", hours="-2"),  # 7
        record(people[1], "B-07", score="101"),  # 8
        record(people[1], "B-08", kind="听讲座"),  # 9
        record(people[2], "B-01"),  # 10: the record id of row 2 again
        record(people[2], "B-10", name="王五"),  # 11: not the name of that ID number
        record(people[2], "B-11", id_number=stranger, name="陈七"),  # 12: nobody the city knows
        record(people[2], "B-12", course_code=other_course.code),  # 13
        record(people[2], "B-13", course_code=own_course.code, course_kind=""),  # 14: good, kind from the course
        record(people[2], "B-14", date="2026-02-30"),  # 15
    ]
    job = upload(staff, school, xlsx_file(rows), "bad.xlsx", mode="valid")

    assert (job.status, job.rows_total, job.rows_new, job.rows_invalid) == (JobStatus.DONE, 14, 2, 12)
    assert [r.external_id for r in records_of(school, "B-")] == ["B-01", "B-13"]
    b13 = records_of(school, "B-13")[0]
    assert (b13.course_id, b13.course_kind) == (own_course.pk, CourseKind.CULTURE)
    report = report_rows(job)
    expected = {
        3: ("身份证号码", "校验位错误"), 4: ("学习日期", "在未来"), 5: ("学习日期", "早于学习者的出生日期"),
        6: ("课程代码", "未知的课程代码「NO-SUCH-COURSE」"), 7: ("学时", "超出范围"), 8: ("成绩", "超出范围"),
        9: ("学习类型", "学习类型「听讲座」"), 10: ("记录编号", "记录编号与第 2 行重复"),
        11: ("姓名", "姓名与该身份证号码登记的姓名不一致"), 12: ("身份证号码", "本市没有这位居民的档案"),
        13: ("课程代码", "是其他机构的课程"), 15: ("学习日期", "不是有效日期"),
    }
    for row_no, (column, text) in expected.items():
        got = report[row_no]
        assert got["结果"] == "有错误，未接收", row_no
        assert f"{column}：" in got["错误"] and text in got["错误"], (row_no, got["错误"])
    assert report[6]["记录编号"] == "B-05" and report[7]["学时"] == "'-2"  # as given (quoted: text), beside the error
    assert (report[2]["结果"], report[14]["结果"], report[2]["错误"]) == ("新增", "新增", None)
    assert len(report) == 14


def test_typed_spreadsheet_cells_are_read_and_an_id_number_saved_as_a_number_is_explained(staff, school):
    people = adults(2)
    good, bad = record(people[0], "T2-1"), record(people[1], "T2-2")
    good.update(hours=16, score=88.5, date=TODAY - datetime.timedelta(days=2))  # numbers and a date, as Excel keeps them
    bad.update(id_number=float(bad["id_number"][:17] + "0"))  # typed into a number cell: 3.5e+17, digits lost
    job = upload(staff, school, xlsx_file([good, bad]), "typed.xlsx", mode="valid")
    assert (job.status, job.rows_new, job.rows_invalid) == (JobStatus.DONE, 1, 1)
    made = records_of(school, "T2-")[0]
    assert (made.hours, made.score, made.date) == (Decimal(16), Decimal("88.5"), TODAY - datetime.timedelta(days=2))
    assert "存成了数字" in report_rows(job)[3]["错误"]


def test_a_large_files_report_lists_the_rows_that_need_attention(staff, school, monkeypatch):
    monkeypatch.setattr(services, "REPORT_EVERY_ROW_UP_TO", 2)
    people = adults(3)
    job = upload(staff, school, csv_file([record(people[0], "Q-1"), record(people[1], "Q-2", score="-1"),
                                          record(people[2], "Q-3")]), "q.csv", mode="valid")
    assert job.rows_new == 2
    assert list(report_rows(job)) == [3]


def test_the_wrong_cell_is_marked_in_the_report(staff, school):
    person = adults(1)[0]
    job = upload(staff, school, csv_file([record(person, "M-1", hours="0")]), "m.csv")
    ws = load_workbook(io.BytesIO(services.report_xlsx(job))).worksheets[0]
    hours_col = 1 + HEADERS.index("学时") + 1
    assert ws.cell(row=2, column=hours_col).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(row=2, column=hours_col - 1).fill.fgColor.rgb in (None, "00000000")


def test_all_or_nothing_with_one_bad_row_writes_nothing(staff, school):
    people = adults(3)
    rows = [record(people[0], "A-1"), record(people[1], "A-2", hours="2001"), record(people[2], "A-3")]
    count = LearningRecord.objects.count()
    job = upload(staff, school, csv_file(rows), "all.csv", mode="all")

    assert (job.status, job.rows_invalid, job.rows_new, job.has_report) == (JobStatus.REJECTED, 1, 0, True)
    assert "整个文件未接收" in job.message
    assert LearningRecord.objects.count() == count
    report = report_rows(job)
    assert "学时：" in report[3]["错误"]
    assert report[2]["结果"] == report[4]["结果"] == "正确，但整个文件未接收"

    fixed = upload(staff, school, csv_file([rows[0], {**rows[1], "hours": "20"}, rows[2]]), "all.csv", mode="all")
    assert (fixed.status, fixed.rows_new) == (JobStatus.DONE, 3)


# --- whole files refused -----------------------------------------------------------------------------------------

def test_missing_and_extra_columns_refuse_the_file_naming_them(staff, school):
    person = adults(1)[0]
    headers = [h for h in HEADERS if h not in ("学时", "学习日期")] + ["备注"]
    job = upload(staff, school, csv_file([record(person, "H-1")], headers=headers), "h.csv")
    assert job.status == JobStatus.REJECTED and not job.has_report
    assert "缺少列：「学时」、「学习日期」" in job.message
    assert "多出的列：「备注」" in job.message
    assert not records_of(school, "H-") and not StagedRow.objects.filter(job=job).exists()


def test_merged_cells_refuse_the_file_naming_the_range(staff, school):
    people = adults(2)
    job = upload(staff, school, xlsx_file([record(people[0], "G-1"), record(people[1], "G-2")], merge="G2:G3"),
                 "merged.xlsx")
    assert job.status == JobStatus.REJECTED
    assert "合并单元格" in job.message and "G2:G3" in job.message
    assert not records_of(school, "G-") and not StagedRow.objects.filter(job=job).exists()


def test_formulas_refuse_the_file_naming_the_cell(staff, school):
    people = adults(2)
    job = upload(staff, school, xlsx_file([record(people[0], "F-1"), record(people[1], "F-2")],
                                          formula=("H3", "=H2*2")), "formula.xlsx")
    assert job.status == JobStatus.REJECTED
    assert "第 3 行「H3」" in job.message and "公式" in job.message
    assert not records_of(school, "F-")

    many = [record(p, f"F2-{i}", hours=f"=2*{i + 1}") for i, p in enumerate(adults(40))]  # a long list of cells
    job = upload(staff, school, xlsx_file(many), "formulas.xlsx")
    assert job.status == JobStatus.REJECTED and len(job.message) <= 500 and "第 2 行「H2」" in job.message


def test_an_empty_file_is_refused(staff, school):
    with pytest.raises(FileRejected, match="是空的"):
        services.job_submit(actor=staff, institution_code=school.code, filename="empty.csv", data=b"", mode="all",
                            source="page")
    job = upload(staff, school, csv_file([]), "header-only.csv")
    assert job.status == JobStatus.REJECTED and "只有表头" in job.message
    job = upload(staff, school, xlsx_file([], headers=[]), "blank.xlsx")
    assert job.status == JobStatus.REJECTED and "文件是空的" in job.message
    assert not ImportJob.objects.filter(filename="empty.csv").exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(staff, school, settings, intake_dir):
    settings.LEARNCITY_INTAKE_MAX_BYTES = 1000
    data = csv_file([record(p, f"L-{i}") for i, p in enumerate(adults(20))])
    assert len(data) > 1000
    jobs = ImportJob.objects.count()
    with pytest.raises(FileRejected, match="超过上限"):
        services.job_submit(actor=staff, institution_code=school.code, filename="big.csv", data=data, mode="all",
                            source="page")

    class TwoGigabytes:  # an upload that says its size: refused without a byte read
        size = 2 * 1024**3

        def chunks(self, n):
            raise AssertionError("read")

    with pytest.raises(FileRejected, match=r"2\.0 GB 超过上限"):
        services.job_submit(actor=staff, institution_code=school.code, filename="huge.csv", data=TwoGigabytes(),
                            mode="all", source="page")

    class Stream(io.BytesIO):  # a stream of unknown size: refused as soon as it passes the limit
        pass

    with pytest.raises(FileRejected, match="超过上限"):
        services.job_submit(actor=staff, institution_code=school.code, filename="stream.csv", data=Stream(data),
                            mode="all", source="page")
    assert ImportJob.objects.count() == jobs
    assert list((intake_dir / "incoming").iterdir()) == []  # nothing left on disk


def test_unsupported_formats_are_refused(staff, school):
    with pytest.raises(FileRejected, match="xls"):
        services.job_submit(actor=staff, institution_code=school.code, filename="old.xls", data=b"\xd0\xcf\x11\xe0",
                            mode="all", source="page")
    with pytest.raises(FileRejected, match="不是有效的 xlsx"):
        services.job_submit(actor=staff, institution_code=school.code, filename="fake.xlsx", data=b"a,b\n",
                            mode="all", source="page")
    with pytest.raises(DomainError):
        services.job_submit(actor=staff, institution_code=school.code, filename="a.csv", data=b"a\n", mode="some",
                            source="page")


# --- who may -----------------------------------------------------------------------------------------------------

def test_another_institutions_staff_may_not_upload_for_it(staff, school):
    other = Institution.objects.exclude(pk=school.pk).order_by("pk").first()
    outsider = User.objects.create_user(username="outsider", password="x")
    RoleAssignment.objects.create(user=outsider, role="institution_staff", institution=other)
    jobs = ImportJob.objects.count()
    data = csv_file([record(adults(1)[0], "P-1")])
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=outsider, institution_code=school.code, filename="p.csv", data=data, mode="all",
                            source="page")
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=None, institution_code=school.code, filename="p.csv", data=data, mode="all",
                            source="api")
    assert ImportJob.objects.count() == jobs

    before = list(selectors.job_list(actor=staff))  # (the demo city's yearly upload of the school)
    job = upload(staff, school, data, "p.csv")
    assert [j.pk for j in selectors.job_list(actor=staff)] == [job.pk, *[j.pk for j in before]]
    assert {j.institution_id for j in selectors.job_list(actor=staff)} == {school.pk}
    assert {j.institution_id for j in selectors.job_list(actor=outsider)} <= {other.pk}
    with pytest.raises(NotFound):
        selectors.job_get(actor=outsider, pk=job.pk)
    assert selectors.job_get(actor=staff, pk=job.pk) == job


def test_a_provider_key_uploads_only_for_its_institution(staff, school):
    from learncity.intake import keys

    key, _raw = keys.provider_key_create(actor=staff, institution_code=school.code, name="教务系统")
    other = Institution.objects.exclude(pk=school.pk).order_by("pk").first()
    data = csv_file([record(adults(1)[0], "K-1")])
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=None, institution_code=other.code, filename="k.csv", data=data, mode="all",
                            source="api", provider_key=key)
    job = services.job_submit(actor=None, institution_code=school.code, filename="k.csv", data=data, mode="all",
                              source="api", provider_key=key)
    job = services.job_run(job.pk)
    assert (job.status, job.rows_new) == (JobStatus.DONE, 1)
    assert records_of(school, "K-")[0].created_by_id is None
    keys.provider_key_revoke(actor=staff, key=key)
    key.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=None, institution_code=school.code, filename="k.csv", data=data, mode="all",
                            source="api", provider_key=key)


# --- jobs: progress, restarts ------------------------------------------------------------------------------------

def test_progress_is_reported_chunk_by_chunk(staff, school, monkeypatch):
    monkeypatch.setattr(staging, "CHUNK_ROWS", 2)
    seen = []
    rows = [record(p, f"S-{i}") for i, p in enumerate(adults(5))]
    job = upload(staff, school, csv_file(rows), "s.csv",
                 progress=lambda job: seen.append((job.stage, job.rows_done)))
    assert job.rows_new == 5
    assert [n for stage, n in seen if stage == "parse"] == [0, 2, 4, 5]
    stages = [stage for stage, _ in itertools.groupby(stage for stage, _ in seen)]
    assert stages == ["parse", "validate", "dedup", "write", "recognise", ""]


def test_a_job_left_running_by_a_killed_worker_runs_again_from_the_start(staff, school):
    rows = [record(p, f"K2-{i}") for i, p in enumerate(adults(3))]
    job = services.job_submit(actor=staff, institution_code=school.code, filename="k.csv", data=csv_file(rows),
                              mode="all", source="page")
    # What a worker killed during staging leaves: the job RUNNING, some rows staged, no records.
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1, rows_done=2, stage="parse")
    StagedRow.objects.bulk_create([StagedRow(job=job, row_no=n, external_id=f"K2-{n}") for n in (2, 3)])

    job = services.job_run(job.pk)
    assert (job.status, job.attempts, job.rows_total, job.rows_new) == (JobStatus.DONE, 2, 3, 3)
    assert sorted(StagedRow.objects.filter(job=job).values_list("row_no", flat=True)) == [2, 3, 4]
    assert services.job_run(job.pk).rows_new == 3  # a finished job is returned as it is
    assert len(records_of(school, "K2-")) == 3


# --- templates ---------------------------------------------------------------------------------------------------

def test_templates_have_the_chinese_headers_and_an_example_row_that_is_skipped(staff, school):
    ws = load_workbook(io.BytesIO(services.template_xlsx())).worksheets[0]
    header, example = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=2)]
    assert header == HEADERS
    assert example[0].startswith("示例") and idcard.parse(example[1])
    text = services.template_csv().decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(HEADERS))

    job = upload(staff, school, services.template_xlsx(), "模板.xlsx")
    assert job.status == JobStatus.REJECTED and "示例行" in job.message
    person = adults(1)[0]
    filled = services.template_csv() + csv_file([record(person, "T-1")]).split(b"\r\n", 1)[1]
    job = upload(staff, school, filled, "模板.csv")
    assert (job.status, job.rows_new) == (JobStatus.DONE, 1)
    assert "已跳过模板的示例行 1 行" in job.message
