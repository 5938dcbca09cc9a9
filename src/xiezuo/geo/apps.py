from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "xiezuo.geo"
    verbose_name = _("Divisions")

    def ready(self) -> None:
        if find_spec("xiezuo.dataio.specs") is not None:
            from .specs import register

            register()
