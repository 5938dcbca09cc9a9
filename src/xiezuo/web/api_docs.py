"""The API schema's title and descriptions, translatable (settings.SPECTACULAR_SETTINGS reads them lazily)."""

from django.utils.translation import gettext_lazy as _

TITLE = _("Xiezuo API")
DESCRIPTION = _("East–West cooperation and poverty monitoring: the registry, cooperation records and figures, for "
                "other systems. Sign in, or send a token: Authorization: Bearer <token>.")
TAGS = [
    {"name": "geo", "description": _("Administrative divisions")},
    {"name": "registry", "description": _("Registered households and members")},
    {"name": "measure", "description": _("Measurement runs")},
    {"name": "monitoring", "description": _("Return-to-poverty monitoring cases")},
    {"name": "cooperation", "description": _("Pairings, agreements, visits, meetings, enterprises")},
    {"name": "projects", "description": _("Projects and their fund ledger")},
    {"name": "labor", "description": _("Labour cooperation")},
    {"name": "consumption", "description": _("Consumption assistance")},
    {"name": "talent", "description": _("Talent exchange")},
    {"name": "assessment", "description": _("Assessment indicators")},
    {"name": "dataio", "description": _("Imports, exports and background jobs")},
]
