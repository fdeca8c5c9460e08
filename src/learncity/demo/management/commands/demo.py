import time

from django.core.management import BaseCommand, CommandError, call_command
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from learncity.core.errors import Refusal
from learncity.demo.builder import demo_build


class Command(BaseCommand):
    help = "Build the demo city (default 福州市) into the database and serve it, or with --no-serve just build it."

    def add_arguments(self, parser):
        parser.add_argument("--city", default="福州市", help="city name or code, e.g. 福州市, 重庆, 511700")
        parser.add_argument("--residents", type=int, default=20_000, help="number of residents (default 20000)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-serve", action="store_true", help="build and exit")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, city, residents, seed, no_serve, host, port, **options):
        if residents < 0:
            raise CommandError(f"--residents must be 0 or more, not {residents}")
        console = Console()
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        with Progress(TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False, disable=options.get("verbosity", 1) == 0) as bar:
            tasks = {}

            def progress(stage, done, total):
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                result = demo_build(city=city, residents=residents, seed=seed, progress=progress)
            except (Refusal, ValueError) as exc:  # an unknown city is NotFound, a Refusal but no DomainError
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if result.created:
            console.print(f"[green]已建成演示城市 {result.city.name}（{result.city.code}）[/]：{result.residents:,} 位居民，"
                          f"{result.counts.get('communities', 0):,} 个社区/村（生成），{result.counts.get('institutions', 0):,} 个机构，"
                          f"{result.counts.get('courses', 0):,} 门课程，{result.counts.get('enrollments', 0):,} 人次报名，"
                          f"用时 {elapsed:.1f} 秒。")
        else:
            console.print(f"[yellow]演示城市 {result.city.name}（{result.city.code}）已存在[/]（{result.residents:,} 位居民），"
                          "未重复建设。The demo city already exists; nothing was added.")
        table = Table(title=f"演示账号 Demo sign-ins（密码 password: {result.password}）")
        for col in ("角色 role", "用户名 username", "范围 scope"):
            table.add_column(col)
        for row in result.signins:
            table.add_row(*row)
        console.print(table)
        if not no_serve:
            call_command("serve", host=host, port=port)
