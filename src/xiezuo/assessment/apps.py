from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "xiezuo.assessment"
    verbose_name = _("Assessment")
