from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "xiezuo.cooperation"
    verbose_name = _("Cooperation")

    def ready(self) -> None:
        from xiezuo.accounts.access import register_partner_periods

        from .selectors import partner_periods_for_east_user

        # The scope layer below learns an eastern office's pairings from here (it imports no domain app).
        register_partner_periods(partner_periods_for_east_user)
        if find_spec("xiezuo.dataio.specs") is not None:
            from .specs import register

            register()
