"""The API schema's title and descriptions, translatable (settings.SPECTACULAR_SETTINGS reads them lazily)."""

from django.utils.translation import gettext, gettext_noop
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

# -- the schema in the request's language ------------------------------------------------------------
# Operation descriptions come from the views' docstrings and parameter descriptions from `Param(...,
# description=...)` or django-filter (the field's name): English in the code, so the schema carries them as
# msgids and `translate_schema` (a drf-spectacular postprocessing hook, settings.SPECTACULAR_SETTINGS) looks
# each paragraph up in the catalogue of the request's language (`?lang=` or LocaleMiddleware's choice).
# tests/web/test_api_docs.py fails on any English description left in the zh-hans schema, so a changed
# docstring cannot silently fall back to English.
DESCRIPTIONS = (
    gettext_noop("List and detail restricted to the requesting user's scope (404 outside it)."),
    gettext_noop("Assistance measures of the households in the caller's scope."),
    gettext_noop("Monitoring cases in the caller's scope."),
    gettext_noop("Registered households (建档立卡户) in your scope."),
    gettext_noop("Administrative divisions (行政区划); `code` is the 12-digit statistical code."),
    gettext_noop("The clear phone or bank account of this household, once, with a reason (audited)."),
    gettext_noop("Record a lifecycle change (identified → assisted → exited → monitored → ...), with a reason."),
    gettext_noop("Household members in your scope; identity numbers masked."),
    gettext_noop("Register a member: the identity number is validated (GB 11643), encrypted and masked."),
    gettext_noop("The clear identity number or phone of this member, once, with a reason (audited)."),
    gettext_noop("OpenApi3 schema for this API. Format can be selected via content negotiation."),
    gettext_noop("- YAML: application/vnd.oai.openapi\n- JSON: application/vnd.oai.openapi+json"),
    gettext_noop("Division code prefix (a county's first 6 digits, a township's 9)"),
    gettext_noop("Year (4 digits)"),
    gettext_noop("western county code prefix"),
    gettext_noop("western division code prefix"),
    gettext_noop("Monitoring case id"),
    gettext_noop("Household id"),
    gettext_noop("codes starting with these digits"),
    gettext_noop("province, city, county, ..."),
    gettext_noop("12-digit code of the parent division"),
    gettext_noop("county code or prefix"),
    gettext_noop("county code prefix"),
    gettext_noop("project id"),
    gettext_noop("pool id"),
    gettext_noop("pairing id"),
    gettext_noop("first year"),
    gettext_noop("exact household number"),
    gettext_noop("village code or any prefix"),
    gettext_noop("Eastern partner code prefix"),
    gettext_noop("18-digit identity number (15-digit old cards accepted)"),
    gettext_noop("Not before 2013-01-01, not in the future."),
    gettext_noop("`Authorization: Bearer TOKEN`; create one with `xiezuo token create USERNAME`."),
    gettext_noop("The next status; the lifecycle (registry/lifecycle.py) decides which moves are allowed."),
)
# django-filter describes a filter without a label by its field name: described here by name.
PARAMETERS = {
    "poverty_mark": _("poverty-alleviation product (true/false)"),
    "channel": _("sales channel"),
    "in_production": _("in production (true/false)"),
    "year": _("year"),
    "kind": _("kind"),
    "side": _("side (east/west)"),
    "level": _("level"),
    "round": _("round"),
    "category": _("category"),
    "place": _("where the job is"),
    "household": _("household id"),
    "stage": _("stage"),
    "status": _("status"),
    "deceased": _("deceased (true/false)"),
    "village": _("village code"),
    "direction": _("direction"),
    "audience": _("audience"),
}
_TEXT_KEYS = frozenset({"description", "summary", "title"})


def _translated(text: str) -> str:
    # paragraph by paragraph: drf-spectacular appends an enum's list ("* `a` - 甲") to a field's help text
    return "\n\n".join(gettext(part) if part else part for part in text.split("\n\n"))


def translate_schema(result, generator, request, public):
    """drf-spectacular postprocessing hook: descriptions in the active language (see DESCRIPTIONS)."""
    def walk(node):
        if isinstance(node, dict):
            name = node.get("name")
            if "in" in node and name in PARAMETERS and node.get("description") == name:  # a parameter
                node["description"] = str(PARAMETERS[name])
            for key, value in node.items():
                if key in _TEXT_KEYS and isinstance(value, str):
                    node[key] = _translated(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(result.get("paths", {}))
    walk(result.get("components", {}))
    return result


# The Swagger UI's own labels: the package has no translations, so the docs page carries these (in the
# request's language, as JSON) and static/web/swagger_labels.js swaps exact texts as the UI renders them.
SWAGGER_LABELS = {
    "Authorize": _("Authorize"), "Available authorizations": _("Available authorizations"),
    "Authorized": _("Authorized"), "Logout": _("Log out"), "Close": _("Close"), "Try it out": _("Try it out"),
    "Cancel": _("Cancel"), "Execute": _("Execute"), "Clear": _("Clear"), "Parameters": _("Parameters"),
    "No parameters": _("No parameters"), "Name": _("Name"), "Description": _("Description"),
    "Request body": _("Request body"), "Responses": _("Responses"), "Code": _("Code"), "Links": _("Links"),
    "No links": _("No links"), "Response body": _("Response body"), "Response headers": _("Response headers"),
    "Request URL": _("Request URL"), "Server response": _("Server response"), "Details": _("Details"),
    "Example Value": _("Example Value"), "Schema": _("Schema"), "Schemas": _("Schemas"),
    "Media type": _("Media type"), "Controls Accept header.": _("Controls Accept header."),
    "Download": _("Download"), "Undocumented": _("Undocumented"), "Servers": _("Servers"),
    "Filter by tag": _("Filter by tag"), "required": _("required"), "Loading...": _("Loading..."),
    "Send empty value": _("Send empty value"), "Reset": _("Reset"), "Value:": _("Value:"),
    "Expand all": _("Expand all"), "Collapse all": _("Collapse all"), "Add item": _("Add item"),
    "Add string item": _("Add string item"), "Add integer item": _("Add integer item"),
    "Remove": _("Remove"), "Example Value | Schema": _("Example Value | Schema"),
    "No response body": _("No response body"), "Response": _("Response"),
}


def swagger_labels() -> dict[str, str]:
    """English label -> the active language's, only those that differ."""
    out = {}
    for english, label in SWAGGER_LABELS.items():
        text = str(label)
        if text != english:
            out[english.strip()] = text
    return out
