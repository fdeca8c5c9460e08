"""`learncity governance sweep [--today YYYY-MM-DD]`: the committees' daily sweep.

- sweep: every task not started or under way whose time limit is before today (or `--today`) becomes overdue,
         with its history row, the system as the actor; prints how many did. Run it once a day (cron), e.g.
         `5 0 * * * learncity governance sweep`: running it twice the same day moves nothing more.
         It also records the lock of every reporting round whose deadline has passed, and reminds (by e-mail,
         once a day) the units whose returns are still to submit when a round's deadline is near.
A thin wrapper around `governance.services.tasks_lapse`, `rounds_lock` and `reminders_send` (as of the start of
`--today`, or now).
"""

import datetime

from django.core.management import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.governance import services
from learncity.governance.services import reports


def day_of(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(_("「%(text)s」不是日期（例如 2026-11-01）") % {"text": text}, returncode=2) from None


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked (argparse wants a plain string)
        return _("促进委员会的日常任务：sweep 把超过完成时限仍未完成的任务标记为逾期（每天运行一次）。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep"], help=_("sweep：标记逾期任务"))
        parser.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                            help=_("以这一天为今天（默认为当天）"))

    def handle(self, *args, action, today=None, **options):
        day = day_of(today) if today else timezone.localdate()
        moved = services.tasks_lapse(today=day)
        self.stdout.write(_("%(day)s：%(n)s 项任务已标记为逾期") % {"day": day.isoformat(), "n": moved})
        now = timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if today else timezone.now()
        locked = reports.rounds_lock(now=now)
        reminded = reports.reminders_send(now=now)
        self.stdout.write(_("%(day)s：%(locked)s 个报送轮次已截止，%(reminded)s 份报表已发送提醒") % {
            "day": day.isoformat(), "locked": locked, "reminded": reminded})
