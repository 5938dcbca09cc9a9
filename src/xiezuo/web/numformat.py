"""How every number on a page, in the dashboard's JSON and in the annual report is written.

One place, so a count, an amount and a percentage read the same everywhere: digits grouped by
three with commas from five digits on (348,200, as the book and GB/T 15835 print them); counts as
integers ("8", never "8.00"); money exact with two decimals, or, for headline figures, in 元,
万元 or 亿元 the way Chinese reports give amounts (341.00万元, 4.78亿元); percentages with a
fixed number of decimals. Pure: no database, no request; the unit words go through gettext
(the catalogue's "%(amount)s ten thousand yuan" is "%(amount)s万元"), so they follow the language. Template filters are in
`xiezuo.web.templatetags.numbers`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import pgettext_lazy

DASH = "—"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
YUAN = pgettext_lazy("money", "%(amount)s yuan")
# Chinese counts in 万 and 亿, English in millions and billions: the scales differ, not just the words.
SCALES_ZH = ((YI, pgettext_lazy("money", "%(amount)s hundred million yuan")),
             (WAN, pgettext_lazy("money", "%(amount)s ten thousand yuan")))
# The units of the assessment catalogue and of agreement targets, by name (a page never shows "persons").
UNITS = {
    "persons": pgettext_lazy("unit", "persons"), "households": pgettext_lazy("unit", "households"),
    "times": pgettext_lazy("unit", "times"), "pairs": pgettext_lazy("unit", "pairs"),
    "yuan": pgettext_lazy("unit", "yuan"), "count": pgettext_lazy("unit", "count"),
    "sessions": pgettext_lazy("unit", "sessions"), "person-times": pgettext_lazy("unit", "person-times"),
    "projects": pgettext_lazy("unit", "projects"), "enterprises": pgettext_lazy("unit", "enterprises"),
    "parks": pgettext_lazy("unit", "parks"), "stations": pgettext_lazy("unit", "stations"),
    "workshops": pgettext_lazy("unit", "workshops"), "mu": pgettext_lazy("unit", "mu"), "%": "%",
}
SCALES_EN = ((Decimal(10) ** 9, pgettext_lazy("money", "%(amount)s billion yuan")),
             (Decimal(10) ** 6, pgettext_lazy("money", "%(amount)s million yuan")))


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value, places: int | None = None) -> str:
    """`value` with digits grouped by three; `places` decimals (None: the decimals the value carries)."""
    d = _decimal(value)
    if d is None or not d.is_finite():
        return DASH if d is None else str(value)
    if places is None:  # as many decimals as the value carries (a Decimal 60.00 of money stays 60.00)
        places = max(0, -d.as_tuple().exponent)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no "-0.00"
    # GB/T 15835: integers of up to four digits take no separator, so years and small counts read 2018, 1234.
    return f"{q:,.{places}f}" if abs(q) >= 10_000 else f"{q:.{places}f}"


def count(value) -> str:
    """A count of people, households, times…: an integer with separators ("8.00" persons is 8)."""
    d = _decimal(value)
    if d is None:
        return DASH
    return number(d.to_integral_value(rounding=ROUND_HALF_UP), 0)


def percent(value, places: int | None = 1) -> str:
    """A percentage already in percent (14.63 → "14.6%"); places None keeps the value's decimals."""
    d = _decimal(value)
    if d is None:
        return DASH
    return f"{number(d, places)}%"


def _in(language: str | None, msg, amount: str) -> str:
    if language:
        with translation.override(language):
            return str(msg) % {"amount": amount}
    return str(msg) % {"amount": amount}


def _chinese(language: str | None) -> bool:
    return (language or translation.get_language() or "").lower().startswith("zh")


def yuan(value, language: str | None = None) -> str:
    """An exact amount with its unit: "3,410,000.00 元" (ledgers, balances: every fen shown)."""
    d = _decimal(value)
    if d is None:
        return DASH
    return _in(language, YUAN, number(d, 2))


def money(value, language: str | None = None) -> str:
    """A headline amount as Chinese reports give it: under 1万 in 元, then 万元, from 1亿 in 亿元,
    two decimals (477,654,441.40 → "4.78亿元"). In English: yuan, then million / billion yuan."""
    d = _decimal(value)
    if d is None:
        return DASH
    for size, msg in SCALES_ZH if _chinese(language) else SCALES_EN:
        if abs(d) >= size:
            return _in(language, msg, number(d / size, 2))
    return _in(language, YUAN, number(d, 2))


def unit_label(unit: str | None) -> str:
    """A unit's name in the active language; a unit typed in by a person is shown as typed."""
    return str(UNITS.get(unit or "", unit or ""))


def figure(value, unit: str, places: int = 0) -> str:
    """A figure for a table whose unit stands in its own column: money with 2 decimals, counts as integers."""
    if unit == "yuan":
        return number(value, 2)
    if places or unit == "%":
        return number(value, places or 2)
    return count(value)


def by_unit(value, unit: str, places: int = 0, language: str | None = None) -> str:
    """A figure in the catalogue's unit (persons, yuan, %, …): the right one of the helpers above."""
    if unit == "yuan":
        return money(value, language)
    if unit == "%":
        return percent(value, places or 1)
    if places:
        return number(value, places)
    return count(value)
