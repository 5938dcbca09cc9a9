from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaborConfig(AppConfig):
    name = "xiezuo.labor"
    verbose_name = _("Labour cooperation")
