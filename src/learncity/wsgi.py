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
    _warm_pages()
    # What start-up made lives as long as the worker: out of the collector's sight, so the first requests do not
    # pay for a full collection over it.
    gc.collect()
    gc.freeze()


def _warm_pages() -> None:
    """One anonymous request to each page a crowd opens first, through the whole stack in this process: the view
    modules, the monitoring and home templates, the ORM's first compilations and the database's pages are warm
    before the first visitor (a fresh worker's first public dashboard took 786 ms against 37 ms warm). With a shared
    cache (Redis) the pages are stored for the other workers too. A failure (a database not migrated yet) is logged
    and the worker still starts."""
    import io
    import logging
    from wsgiref.util import setup_testing_defaults

    from django.conf import settings
    from django.db import connections

    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "127.0.0.1")
    try:
        for path in ("/", "/learn/", "/learn/events/", "/monitor/public/"):
            environ = {"PATH_INFO": path, "HTTP_HOST": host, "SERVER_NAME": host, "wsgi.input": io.BytesIO(),
                       "wsgi.errors": io.StringIO()}
            setup_testing_defaults(environ)
            for _ in application(environ, lambda status, headers, exc_info=None: None):
                pass
    except Exception:
        logging.getLogger("learncity").warning("page warm-up failed; the first visitors pay for it", exc_info=True)
    finally:
        connections.close_all()

_warm()
