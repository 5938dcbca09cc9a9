from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "xiezuo.projects"
    verbose_name = _("Projects and funds")

    def ready(self) -> None:
        if find_spec("xiezuo.dataio.specs") is not None:
            from .specs import register

            register()
