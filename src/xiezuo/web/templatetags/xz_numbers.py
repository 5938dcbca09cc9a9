"""Template filters over `xiezuo.web.numformat`: `{% load xz_numbers %}` then
`{{ n|count }}`, `{{ x|num:2 }}`, `{{ p|pct }}`, `{{ amount|yuan }}` (exact), `{{ amount|money }}` (万元/亿元)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from xiezuo.web import numformat as numbers

register = template.Library()


@register.filter
def num(value, places=None):
    return numbers.number(value, None if places in (None, "") else int(places))


@register.filter
def count(value):
    return numbers.count(value)


@register.filter
def pct(value, places=None):
    """A percentage; without places, with the decimals the value has (14.6 stays 14.6%)."""
    return numbers.percent(value, None if places in (None, "") else int(places))


@register.filter
def yuan(value):
    return numbers.yuan(value)


@register.filter
def money(value):
    return numbers.money(value)


@register.filter
def by_unit(value, unit):
    return numbers.by_unit(value, unit)


@register.filter
def cell(value):
    """A table cell of any type: numbers through the helper (a Decimal keeps its decimals), the rest as is."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return numbers.number(value)


@register.filter
def unit(value):
    return numbers.unit_label(value)


@register.filter
def figure(value, unit_and_places):
    """`{{ v.value|figure:v.indicator.unit }}`; "unit:places" for decimals (`"%:2"`)."""
    unit_name, _sep, places = str(unit_and_places).partition(":")
    return numbers.figure(value, unit_name, int(places or 0))
