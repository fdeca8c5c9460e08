from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.monitoring"
    verbose_name = _("监测评估")

    def ready(self):
        from learncity.core.followups import answer
        from learncity.monitoring.tasks import rollups_refresh_enqueue

        # An import that added records refreshes the dashboards in the background (core/followups.py).
        answer("records_imported", self.label, rollups_refresh_enqueue)
