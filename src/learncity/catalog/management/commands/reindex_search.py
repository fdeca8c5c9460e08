"""`learncity reindex_search`: rebuild the whole search index (after an upgrade that changes how documents are
indexed, such as issue 15's full pinyin, English titles and synonyms, or after editing catalog/synonyms.py)."""

from django.core.management.base import BaseCommand

from learncity.catalog.search import reindex_all
from learncity.core.cache import bump


class Command(BaseCommand):
    help = "Rebuild the search index of courses, resources, events and venues (one transaction)."

    def handle(self, *args, **options):
        counts = reindex_all()
        bump("catalog")  # cached searches answer from the new index
        self.stdout.write("search index rebuilt: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
