"""`learncity import FILE --institution CODE [--mode all|valid] [--user NAME] [--report PATH]`: upload a provider's
file of learning records (xlsx, CSV or JSON Lines) and run it here and now, with a progress bar.

A thin wrapper around the intake services: `job_submit` (the same checks, the same job and history as an upload
on the page or through the API; source "cli"), then `job_run` in this process instead of the background worker
(the queued task finds the job finished and does nothing). Prints the counts (new, duplicate, changed, invalid,
recognised), the encoding the file was read in and, when rows had errors or had changed, where the report (every
row with its errors beside it) was written.
Exit code 1 when the file is refused (nothing accepted), 2 on a usage error (no such file, institution or user).
Safe to run again on the same file: records already received are counted as duplicates, never entered twice.
"""

from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from learncity.core.errors import FileRejected, Refusal
from learncity.core.followups import follow_up
from learncity.intake import services
from learncity.intake.models import JobSource, JobStatus
from learncity.intake.pipeline import ENCODING_LABELS
from learncity.people.models import User

MODES = ("all", "valid")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked (argparse wants a plain string)
        return _("导入学习记录文件（xlsx、CSV 或 JSON Lines），当场处理并显示进度；文件被拒收时退出码为 1，用法错误时为 2。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("学习记录文件"))
        parser.add_argument("--institution", required=True, metavar="CODE", help=_("报送机构的机构代码"))
        parser.add_argument("--mode", choices=MODES, default="all",
                            help=_("all：全部正确才接收（默认）；valid：接收正确的行，错误的行写入错误报告"))
        parser.add_argument("--user", default=None, metavar="NAME",
                            help=_("以哪个账号的名义报送（默认：第一个超级管理员）"))
        parser.add_argument("--report", default=None, metavar="PATH",
                            help=_("错误报告（xlsx）写到哪里（默认：当前目录下 <文件名>-错误报告-<任务号>.xlsx）"))

    def handle(self, *args, file, institution, mode, user, report, verbosity, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file}, returncode=2)
        actor = self._actor(user)
        try:
            with open(path, "rb") as data:
                job = services.job_submit(actor=actor, institution_code=institution, filename=path.name, data=data,
                                          mode=mode, source=JobSource.CLI)
        except FileRejected as exc:
            self._errors(exc.errors.get("file", []), encoding=exc.encoding)
            raise CommandError(_("文件未被接收：没有导入任何记录"), returncode=1) from None
        except Refusal as exc:  # an unknown institution, one the user may not upload for, a wrong mode
            raise CommandError(gettext("；").join(m for ms in exc.errors.values() for m in ms), returncode=2) from None

        job = self._run(job.pk, verbosity)
        self._print(job)
        if job.has_report and (job.rows_invalid or job.rows_changed):  # rows to look at: write the report out
            target = Path(report) if report else Path.cwd() / f"{path.stem}-{_('错误报告')}-{job.pk}.xlsx"
            target.write_bytes(services.report_xlsx(job))
            self.stdout.write(_("错误报告：%(path)s") % {"path": target})
        if job.status == JobStatus.REJECTED:
            raise CommandError(_("文件未被接收：有 %(n)s 行错误，没有导入任何记录") % {"n": job.rows_invalid}, returncode=1)
        if job.status == JobStatus.FAILED:
            raise CommandError(_("处理失败：%(message)s") % {"message": job.message}, returncode=1)

    def _actor(self, username: str | None):
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(_("没有这个账号：%(name)s") % {"name": username}, returncode=2)
            return actor
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError(_("没有可用的超级管理员账号：请用 --user 指定报送账号"), returncode=2)
        return actor

    def _run(self, job_id: int, verbosity: int):
        # (rich only when the command runs: it is heavy for every other management command's start)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True, disable=verbosity == 0) as bar:
            task = bar.add_task(_("排队"), total=None)

            def progress(job) -> None:  # called by job_run after each chunk of rows and at each stage
                bar.update(task, description=str(services.STAGES.get(job.stage, job.stage or _("完成"))),
                           completed=job.rows_done, total=job.rows_total or None)

            job = services.job_run(job_id, progress=progress)
        if job.rows_new:  # the dashboards' figures: the background worker refreshes them (as after a page's upload)
            follow_up("records_imported")  # monitoring answers (core/followups.py)
        return job

    def _print(self, job) -> None:
        write = self.stdout.write
        if job.status == JobStatus.DONE:
            write(self.style.SUCCESS(_("导入完成（任务 %(id)s）。") % {"id": job.pk}))
        else:
            write(self.style.ERROR(_("%(status)s（任务 %(id)s）。") % {"status": job.get_status_display(), "id": job.pk}))
        if job.message:
            write(job.message)
        if job.encoding:
            write(_("文件编码：%(encoding)s") % {"encoding": ENCODING_LABELS.get(job.encoding, job.encoding)})
        for label, n in ((_("文件行数"), job.rows_total), (_("新增"), job.rows_new), (_("重复"), job.rows_duplicate),
                         (_("已变更"), job.rows_changed), (_("有错误"), job.rows_invalid),
                         (_("已认定成果"), job.recognised)):
            write(f"{label}：{n:,}")

    def _errors(self, lines: list[str], *, encoding: str | None) -> None:
        if encoding:
            self.stdout.write(_("文件编码：%(encoding)s") % {"encoding": encoding})
        for line in lines:
            self.stdout.write(self.style.ERROR(line))
