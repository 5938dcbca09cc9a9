from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "xiezuo.dataio"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        from .registry_specs import register_all

        register_all()
