from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "xiezuo.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from . import summary

        summary.connect()
