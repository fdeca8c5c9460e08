from django.conf import settings
from django.core.management import BaseCommand, CommandError

from learncity.core.errors import DomainError
from learncity.intake.services import jobs_purge


class Command(BaseCommand):
    help = ("Delete the staged rows of import jobs finished more than --days ago (their row-by-row reports; the jobs "
            "and their counts stay), and the rows no report shows of large jobs. `learncity serve` does this hourly.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.LEARNCITY_INTAKE_REPORT_DAYS)

    def handle(self, *args, days, **options):
        try:
            result = jobs_purge(days=days)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"reports removed: {result.jobs} jobs; staged rows deleted: {result.rows:,}")
