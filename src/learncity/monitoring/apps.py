from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.monitoring"
    verbose_name = _("监测评估")
    # An import that added records refreshes the dashboards in the background (core/followups.py).
    followups = {"records_imported": "learncity.monitoring.tasks.rollups_refresh_enqueue"}
