from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the house: what gathers every app — the home page, `learncity serve` (the server and its
    background worker for every app's tasks). Only urls/api/cli sit above it (docs/architecture.md)."""

    name = "learncity.portal"
    label = "portal"
    verbose_name = "门户"
