from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditbankConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.creditbank"
    verbose_name = _("学分银行")
