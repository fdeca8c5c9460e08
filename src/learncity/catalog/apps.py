from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "learncity.catalog"
    label = "catalog"
    verbose_name = "学习平台"
