"""Template context shared by every page: the navigation menu."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label); entries whose url does not exist yet are left out.
MENU = [
    ("web:home", _("Overview")),
    ("registry:household_list", _("Households")),
    ("web:figures", _("Book figures")),
    ("measure:run_list", _("Measurement")),
    ("monitoring:case_list", _("Monitoring cases")),
    ("cooperation:pairing_list", _("Cooperation")),
    ("projects:project_list", _("Projects")),
    ("labor:placement_list", _("Labour")),
    ("consumption:sale_list", _("Consumption")),
    ("talent:exchange_list", _("Talent")),
    ("assessment:dashboard", _("Dashboard")),
    ("dataio:job_list", _("Import / export")),
    ("accounts:audit_list", _("Audit log")),
]


def navigation(request):
    items = []
    for name, label in MENU:
        try:
            items.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue
    return {"nav_items": items}
