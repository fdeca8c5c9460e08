from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "learncity.places"
    label = "places"
    verbose_name = _("行政区划")
