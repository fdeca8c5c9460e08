import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Each server worker loads, as it starts, what its first visitors would otherwise wait for (seconds under
    load): the search's dictionaries and index (search_warm), the URL map and the public pages' templates. Only
    the server imports this module: management commands and tests do not pay for it."""
    from django.template.loader import get_template
    from django.urls import resolve, reverse

    from learncity.catalog.search import search_warm

    search_warm()
    resolve(reverse("catalog:discover"))  # builds the URL resolver's maps both ways
    for name in ("base.html", "catalog/discover.html", "catalog/course_detail.html", "catalog/events.html",
                 "catalog/event_detail.html", "catalog/venues.html", "catalog/venue_detail.html"):
        get_template(name)
    # What start-up made lives as long as the worker: out of the collector's sight, so the first requests do not
    # pay for a full collection over it.
    gc.collect()
    gc.freeze()


_warm()
