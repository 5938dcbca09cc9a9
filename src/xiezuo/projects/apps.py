from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "xiezuo.projects"
    verbose_name = _("Projects and funds")
