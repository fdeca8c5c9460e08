from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolsConfig(AppConfig):
    name = "learncity.pools"
    label = "pools"
    verbose_name = _("师资、教材、专家与志愿者")
