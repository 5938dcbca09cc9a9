from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsumptionConfig(AppConfig):
    name = "xiezuo.consumption"
    verbose_name = _("Consumption assistance")

    def ready(self) -> None:
        if find_spec("xiezuo.dataio.specs") is not None:
            from .specs import register

            register()
