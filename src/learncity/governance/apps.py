from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "learncity.governance"
    label = "governance"
    verbose_name = _("促进委员会工作")
