from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaborConfig(AppConfig):
    name = "xiezuo.labor"
    verbose_name = _("Labour cooperation")

    def ready(self) -> None:
        if find_spec("xiezuo.dataio.specs") is not None:
            from .specs import register

            register()
