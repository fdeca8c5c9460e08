"""`learncity monitoring refresh | recompute [--year Y] | verify [--year Y]`: the rollups behind the dashboards.

- refresh:   fold every record, outcome, reversal and volunteer service past the watermarks into the rollups
             (`learncity serve` enqueues the same in the background when data arrived; pages never refresh);
- recompute: throw a year's rollups (or all) away and rebuild them from the raw rows;
- verify:    rebuild in a transaction that is rolled back, and report whether the incremental rollups equal the
             rebuilt ones (exit code 1 when they differ).
Thin wrappers around `monitoring.rollups`.
"""

import time

from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from learncity.monitoring import rollups


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("监测汇总：refresh 增量更新；recompute 从原始记录全量重算；verify 核对增量与全量是否一致（不一致时退出码为 1）。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "recompute", "verify"])
        parser.add_argument("--year", type=int, default=None, help=_("只处理这一年（recompute、verify）"))

    def handle(self, *args, action, year=None, **options):
        if year is not None and not 1900 <= year <= 2999:
            raise CommandError(_("年份 %(year)s 超出范围") % {"year": year}, returncode=2)
        started = time.perf_counter()
        if action == "refresh":
            ran = rollups.rollups_refresh()
            self.stdout.write(_("已更新 %(n)s 个数据流区间，用时 %(s).2f 秒") % {"n": ran, "s": time.perf_counter() - started})
        elif action == "recompute":
            rollups.rollups_recompute(year)
            self.stdout.write(_("已全量重算 %(what)s，用时 %(s).2f 秒") % {
                "what": year or _("全部年份"), "s": time.perf_counter() - started})
        else:
            rollups.rollups_refresh()
            before = rollups.rollups_snapshot(year)
            diff = {}
            try:
                with transaction.atomic():
                    rollups.rollups_recompute(year)
                    after = rollups.rollups_snapshot(year)
                    diff = {k: (len(before[k] - after[k]), len(after[k] - before[k])) for k in before
                            if before[k] != after[k]}
                    raise _Rollback
            except _Rollback:
                pass
            if diff:
                for table, (only_incremental, only_full) in diff.items():
                    self.stdout.write(_("%(table)s：增量独有 %(a)s 行，全量独有 %(b)s 行") % {
                        "table": table, "a": only_incremental, "b": only_full})
                raise CommandError(_("增量汇总与全量重算不一致；请运行 learncity monitoring recompute"), returncode=1)
            rows = sum(len(v) for v in before.values())
            self.stdout.write(_("一致：%(rows)s 行汇总与全量重算相同，用时 %(s).2f 秒") % {
                "rows": rows, "s": time.perf_counter() - started})
