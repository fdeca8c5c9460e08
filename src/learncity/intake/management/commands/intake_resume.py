import datetime

from django.core.management import BaseCommand, CommandError

from learncity.core.errors import DomainError
from learncity.intake.tasks import STALE_AFTER, job_requeue, jobs_resume


class Command(BaseCommand):
    help = ("Enqueue again the import jobs a dead worker left behind (no heartbeat for --stale-minutes). "
            "`learncity serve` does this by itself every minute; run it from cron beside a stand-alone db_worker. "
            "With --job N: enqueue that failed job again, however often it was tried.")

    def add_arguments(self, parser):
        parser.add_argument("--stale-minutes", type=float, default=STALE_AFTER.total_seconds() / 60)
        parser.add_argument("--job", type=int, help="the id of a failed import job to run again")

    def handle(self, *args, stale_minutes, job=None, **options):
        if job is not None:
            try:
                job_requeue(job)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"enqueued again: {job}")
            return
        resumed = jobs_resume(stale_after=datetime.timedelta(minutes=stale_minutes))
        if resumed:
            self.stdout.write(f"enqueued again: {', '.join(map(str, resumed))}")
        elif options["verbosity"] > 1:
            self.stdout.write("nothing to resume")
