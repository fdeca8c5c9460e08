"""`learncity import FILE --institution CODE [--mode all|valid]`: the file is submitted and run in the process with a
progress bar; a good file exits 0 with its counts and encoding; a file refused (bad rows under all-or-nothing,
missing columns, empty) exits 1 with its errors and, for bad rows, the error report written out; usage errors
exit 2. Records go in exactly once."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from learncity.intake import services
from learncity.intake.models import ImportJob, JobStatus
from learncity.people.models import User
from learncity.records.models import LearningRecord
from tests.intake.files import adults, csv_file, record, xlsx_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def intake_dir(settings, tmp_path, monkeypatch):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    monkeypatch.chdir(tmp_path)  # where a report goes unless told otherwise
    return settings.LEARNCITY_INTAKE_DIR


def run(*args, verbosity: int = 0) -> tuple[int, str]:
    """Run the command; (exit code, what it printed)."""
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out, verbosity=verbosity)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_a_small_csv_is_imported_with_its_counts(tmp_path, school):
    # Given a CSV of three residents' records, with a byte-order mark
    people = adults(3)
    path = tmp_path / "季度记录.csv"
    path.write_bytes(csv_file([record(p, f"CLI-{i}") for i, p in enumerate(people)], encoding="utf-8-sig"))

    # When it is imported from the command line (with the progress bar on)
    code, out = run(str(path), "--institution", school.code, verbosity=1)

    # Then it exits 0 and says what became of the rows, and in which encoding the file was read
    assert code == 0, out
    job = ImportJob.objects.get(institution=school, filename="季度记录.csv")
    # (sent, without --user, as the first active superuser)
    first_superuser = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    assert (job.status, job.source, job.mode, job.created_by) == (JobStatus.DONE, "cli", "all", first_superuser)
    printed = lines(out)
    assert printed[0] == f"导入完成（任务 {job.pk}）。"
    assert {"文件编码：UTF-8（带 BOM）", "文件行数：3", "新增：3", "重复：0", "已变更：0", "有错误：0",
            f"已认定成果：{job.recognised}"} <= set(printed)
    assert not any(line.startswith("错误报告") for line in printed)
    assert sorted(LearningRecord.objects.filter(provider=school, external_id__startswith="CLI-")
                  .values_list("learner_id", flat=True)) == sorted(p.pk for p in people)

    # and run again on the same file, it creates nothing twice
    code, again = run(str(path), "--institution", school.code)
    assert code == 0 and {"新增：0", "重复：3"} <= set(lines(again))
    assert LearningRecord.objects.filter(provider=school, external_id__startswith="CLI-").count() == 3


def test_a_file_with_bad_rows_exits_1_with_its_errors_and_report(tmp_path, school):
    # Given an xlsx where one row's hours are negative, imported all-or-nothing
    people = adults(3)
    rows = [record(p, f"CLI-BAD-{i}") for i, p in enumerate(people)]
    rows[1]["hours"] = "-2"
    path = tmp_path / "坏记录.xlsx"
    path.write_bytes(xlsx_file(rows))

    code, out = run(str(path), "--institution", school.code)

    # Then it exits 1, nothing is imported, and the error report is written out beside the bad row
    assert code == 1, out
    job = ImportJob.objects.get(institution=school, filename="坏记录.xlsx")
    report = tmp_path / f"坏记录-错误报告-{job.pk}.xlsx"
    printed = lines(out)
    assert printed[0] == f"未接收（有错误）（任务 {job.pk}）。"
    assert {"有错误：1", "新增：0", f"错误报告：{report}"} <= set(printed)
    assert printed[-1] == "文件未被接收：有 1 行错误，没有导入任何记录"
    assert not LearningRecord.objects.filter(external_id__startswith="CLI-BAD-").exists()
    sheet = list(load_workbook(report, read_only=True).worksheets[0].iter_rows(values_only=True))
    bad = dict(zip(sheet[0], sheet[2], strict=True))
    assert (bad["记录编号"], bad["结果"]) == ("CLI-BAD-1", "有错误，未接收") and "学时" in bad["错误"]


def test_accepting_the_valid_rows_imports_them_and_reports_the_rest(tmp_path, school):
    rows = [record(p, f"CLI-V-{i}") for i, p in enumerate(adults(3))]
    rows[0]["date"] = "2999-12-31"
    path = tmp_path / "部分.csv"
    path.write_bytes(csv_file(rows, encoding="gbk"))
    report = tmp_path / "out" / "报告.xlsx"
    report.parent.mkdir()

    code, out = run(str(path), "--institution", school.code, "--mode", "valid", "--report", str(report))

    assert code == 0, out
    assert {"新增：2", "有错误：1", "文件编码：GBK/GB18030", f"错误报告：{report}"} <= set(lines(out))
    assert report.exists()


def test_a_file_with_missing_columns_exits_1_naming_them(tmp_path, school):
    path = tmp_path / "少列.csv"
    path.write_bytes("记录编号,姓名\r\nX-1,林某\r\n".encode())

    code, out = run(str(path), "--institution", school.code)

    assert code == 1, out
    job = ImportJob.objects.get(institution=school, filename="少列.csv")
    assert job.status == JobStatus.REJECTED and job.message in out
    assert "身份证号码" in job.message and "文件未被接收" in out


def test_an_empty_file_exits_1_and_makes_no_job(tmp_path, school):
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    before = ImportJob.objects.count()

    code, out = run(str(path), "--institution", school.code)

    assert (code, lines(out)) == (1, ["文件「空.csv」是空的", "文件未被接收：没有导入任何记录"])
    assert ImportJob.objects.count() == before


@pytest.mark.parametrize(("args", "message"), [
    (["--institution", "NO-SUCH"], "未知的机构代码「NO-SUCH」"),
    (["--institution", "{school}", "--user", "nobody-here"], "没有这个账号：nobody-here"),
    (["--institution", "{school}", "--user", "{learner}"], "只有该机构的工作人员或其上级管理员可以报送它的学习记录"),
])
def test_usage_errors_exit_2(args, message, tmp_path, school, world):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_file([record(adults(1)[0], "CLI-U-1")]))
    before = ImportJob.objects.count()
    code, out = run(str(path), *[a.format(school=school.code, learner=world["learner"].username) for a in args])
    assert (code, out) == (2, message)
    assert ImportJob.objects.count() == before


def test_a_missing_file_exits_2(tmp_path, school):
    assert run(str(tmp_path / "nowhere.csv"), "--institution", school.code) == (
        2, f"找不到文件：{tmp_path / 'nowhere.csv'}")


def test_the_progress_bar_is_fed_each_stage(tmp_path, school, monkeypatch):
    """The bar's callback gets the job after each chunk and stage: the rows done of the rows total."""
    seen = []
    real_run = services.job_run

    def spy(job_id, *, progress=None):
        def recording(job):
            seen.append((job.stage, job.rows_done, job.rows_total))
            progress(job)

        return real_run(job_id, progress=recording)

    monkeypatch.setattr(services, "job_run", spy)
    path = tmp_path / "a.csv"
    path.write_bytes(csv_file([record(p, f"CLI-P-{i}") for i, p in enumerate(adults(2))]))

    assert run(str(path), "--institution", school.code, verbosity=1)[0] == 0
    assert ("validate", 2, 2) in seen and [s for s, _, _ in seen][-1] == ""
    assert {"parse", "dedup", "write", "recognise"} <= {s for s, _, _ in seen}
