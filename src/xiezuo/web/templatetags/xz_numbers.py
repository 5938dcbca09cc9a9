"""Template filters over `xiezuo.web.numformat`: `{% load xz_numbers %}` then
`{{ n|count }}`, `{{ x|num:2 }}`, `{{ p|pct }}`, `{{ amount|yuan }}` (exact), `{{ amount|money }}` (万元/亿元)."""

from __future__ import annotations

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
def pct(value, places=1):
    return numbers.percent(value, int(places))


@register.filter
def yuan(value):
    return numbers.yuan(value)


@register.filter
def money(value):
    return numbers.money(value)


@register.filter
def by_unit(value, unit):
    return numbers.by_unit(value, unit)
