import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.settings")
application = get_wsgi_application()

# Each server worker loads the search's dictionaries now, not on its first visitor's search (seconds under load).
from learncity.catalog.search import search_warm  # noqa: E402 (needs the settings configured above)

search_warm()
