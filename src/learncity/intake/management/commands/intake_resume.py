import datetime

from django.core.management import BaseCommand

from learncity.intake.tasks import STALE_AFTER, jobs_resume


class Command(BaseCommand):
    help = ("Enqueue again the import jobs a dead worker left behind (no heartbeat for --stale-minutes). "
            "`learncity serve` does this by itself every minute; run it from cron beside a stand-alone db_worker.")

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=float, default=STALE_AFTER.total_seconds() / 60)

    def handle(self, *args, stale_minutes, **options):
        resumed = jobs_resume(stale_after=datetime.timedelta(minutes=stale_minutes))
        if resumed:
            self.stdout.write(f"enqueued again: {', '.join(map(str, resumed))}")
        elif options["verbosity"] > 1:
            self.stdout.write("nothing to resume")
