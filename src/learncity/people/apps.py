from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "learncity.people"
    label = "people"
    verbose_name = "人员"
