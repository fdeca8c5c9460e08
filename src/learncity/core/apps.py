from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "learncity.core"
    label = "core"
    verbose_name = "核心"
