from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditbankConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.creditbank"
    verbose_name = _("学分银行")
    # A learning record made in catalog (check-in, completion, a resource watched) is recognised at once, in its
    # transaction (core/followups.py).
    followups = {"learning_recorded": "learncity.creditbank.services.record_recognise_auto"}
