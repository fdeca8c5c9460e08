from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "learncity.places"
    label = "places"
    verbose_name = "行政区划"
