from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "learncity.network"
    label = "network"
    verbose_name = "学习网络"
