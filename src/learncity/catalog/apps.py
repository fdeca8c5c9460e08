from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "learncity.catalog"
    label = "catalog"
    verbose_name = _("学习平台")
    # A volunteer's service entry (pools, below catalog) is learning too: its record is made here, in the entry's
    # transaction (core/followups.py).
    followups = {"volunteering_recorded": "learncity.catalog.services.learning_record_create"}
