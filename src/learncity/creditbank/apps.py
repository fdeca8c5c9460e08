from django.apps import AppConfig


class CreditbankConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.creditbank"
    verbose_name = "学分银行"
