from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "learncity.network"
    label = "network"
    verbose_name = _("学习网络")

    def ready(self):
        # Here, once every app is loaded (views read models): the network adds its part to a place's page, which
        # places (below it) does not know of.
        from learncity.network.views import place_page_part
        from learncity.places.views import PLACE_PAGE_PARTS

        if place_page_part not in PLACE_PAGE_PARTS:
            PLACE_PAGE_PARTS.append(place_page_part)
