"""`learncity ledger verify [--account LA…] [--json]`: walk the ledger's hash chains and report every break.

A thin wrapper around `ledger.ledger_verify`: progress on stderr (rich), then the accounts and entries walked,
the speed, the digest over every account's head (publish it, e.g. in the quarterly report, to anchor the ledger)
and every break with the account, the entry's seq and id, and what is wrong. Exit code 1 when there is any break,
2 on a usage error. Read-only (one snapshot), so it can run at any time, as often as wanted.
"""

import json
import re
import time

from django.core.management import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import LearningAccount, LedgerEntry

ACCOUNT_NUMBER = re.compile(r"^(?:LA)?(\d{1,12})$", re.IGNORECASE)


def account_id_of(text: str) -> int:
    """"LA0000000123" (or "123") -> 123."""
    found = ACCOUNT_NUMBER.match(text.strip())
    if found is None or int(found.group(1)) == 0:
        raise CommandError(_("「%(text)s」不是学习账户号（例如 LA0000000123）") % {"text": text}, returncode=2)
    return int(found.group(1))


def number_of(account_id: int) -> str:
    return f"LA{account_id:010d}"


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked (argparse wants a plain string)
        return _("账本校验：逐个账户核对哈希链、链尾和余额缓存，报告每一处断裂；有断裂时退出码为 1，用法错误时为 2。")

    def add_arguments(self, parser):
        # One parser (not subparsers), so the common options (-v 0, --settings) may follow the action too.
        parser.add_argument("action", choices=["verify"], help=_("verify：校验账本的哈希链"))
        parser.add_argument("--account", action="extend", nargs="+", default=None, metavar="LA…",
                            help=_("只校验这些账户（账户号，可写多个）"))
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出结果"))

    def handle(self, *args, action, **options):
        if action == "verify":
            self.verify(accounts=options["account"], as_json=options["json"], verbosity=options["verbosity"])

    def verify(self, *, accounts: list[str] | None, as_json: bool, verbosity: int) -> None:
        account_ids = None
        if accounts is not None:
            account_ids = sorted({account_id_of(a) for a in accounts})
            known = set(LearningAccount.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
            known |= set(LedgerEntry.objects.filter(account_id__in=account_ids).values_list("account_id", flat=True))
            unknown = [number_of(pk) for pk in account_ids if pk not in known]
            if unknown:
                raise CommandError(_("未找到学习账户：%(numbers)s") % {"numbers": gettext("、").join(unknown)}, returncode=2)
        entries = LedgerEntry.objects.filter(Q(account_id__in=account_ids) if account_ids is not None else Q())
        total = entries.count()

        started = time.perf_counter()
        with Progress(TextColumn(_("校验账本")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True, disable=verbosity == 0) as bar:
            task = bar.add_task("verify", total=total)
            report = ledger_verify(account_ids=account_ids, progress=lambda n: bar.update(task, completed=n))
        seconds = time.perf_counter() - started
        speed = report.entries / seconds if seconds > 0 else 0.0

        breaks = [{"account": number_of(b.account_id), "account_id": b.account_id, "seq": b.seq,
                   "entry_id": b.entry_id, "problem": b.problem} for b in report.breaks]
        if as_json:
            self.stdout.write(json.dumps({
                "ok": report.ok, "accounts": report.accounts, "entries": report.entries,
                "seconds": round(seconds, 3), "entries_per_second": round(speed), "digest": report.digest,
                "breaks": breaks}, ensure_ascii=False, indent=1))
        else:
            self._print(report, seconds, speed, breaks)
        if not report.ok:
            raise CommandError(_("账本校验未通过：发现 %(count)d 处断裂") % {"count": len(report.breaks)}, returncode=1)

    def _print(self, report, seconds: float, speed: float, breaks: list[dict]) -> None:
        write = self.stdout.write
        if report.ok:
            write(self.style.SUCCESS(_("账本校验通过：所有哈希链完整，链尾与余额一致。")))
        else:
            write(self.style.ERROR(_("账本校验未通过：发现 %(count)d 处断裂。") % {"count": len(breaks)}))
        write(_("账户数：%(n)s") % {"n": f"{report.accounts:,}"})
        write(_("记录数：%(n)s") % {"n": f"{report.entries:,}"})
        write(_("用时：%(seconds)s 秒（每秒 %(speed)s 笔）") % {"seconds": f"{seconds:.2f}", "speed": f"{speed:,.0f}"})
        write(_("摘要（各账户链尾的 SHA-256，可公布以锚定账本）：%(digest)s") % {"digest": report.digest})
        for b in breaks:
            if b["entry_id"] is not None:
                where = _("账户 %(account)s 第 %(seq)d 笔（记录 id %(entry)s）") % {
                    "account": b["account"], "seq": b["seq"], "entry": b["entry_id"]}
            else:
                where = _("账户 %(account)s") % {"account": b["account"]}
            write(self.style.ERROR(f"  {where}：{b['problem']}"))
