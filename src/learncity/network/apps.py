from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "learncity.network"
    label = "network"
    verbose_name = _("学习网络")
    # The network's part of a place's page (the institutions located there, their kinds, the place's designations,
    # each child's count of institutions): places (below it) reads it from here when the page is asked for.
    place_page_part = "learncity.network.views.place_page_part"
