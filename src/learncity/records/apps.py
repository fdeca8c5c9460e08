from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "learncity.records"
    label = "records"
    verbose_name = "学习记录"
