"""The one number helper: separators, counts, percentages, 元/万元/亿元, in both languages."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from xiezuo.web import numformat as numbers


@pytest.mark.parametrize(("value", "places", "shown"), [
    (2384900, None, "2,384,900"), (Decimal("3410000.00"), 2, "3,410,000.00"), (Decimal("477654441.4"), None,
     "477,654,441.4"), (2018, None, "2018"), (9999, None, "9999"), (10000, None, "10,000"), (-12345, 0, "-12,345"),
    (Decimal("-0.001"), 2, "0.00"), (None, None, "—"), ("", None, "—"), (Decimal("1.005"), 2, "1.01"),
])
def test_number_groups_by_three_from_five_digits(value, places, shown):
    assert numbers.number(value, places) == shown


def test_counts_are_integers_and_percentages_fixed():
    assert numbers.count(Decimal("8.00")) == "8"
    assert numbers.count(348200) == "348,200"
    assert numbers.percent(Decimal("14.63")) == "14.6%"
    assert numbers.percent(Decimal("14.6"), 2) == "14.60%"
    assert numbers.percent(None) == "—"


def test_money_reads_as_chinese_reports_do():
    with translation.override("zh-hans"):
        assert numbers.money(Decimal("477654441.40")) == "4.78亿元"
        assert numbers.money(Decimal("3410000.00")) == "341.00万元"
        assert numbers.money(Decimal("8500")) == "8500.00元"
        assert numbers.yuan(Decimal("3410000")) == "3,410,000.00元"
    with translation.override("en"):
        assert numbers.money(Decimal("477654441.40")) == "477.65 million yuan"
        assert numbers.money(Decimal("3360000000")) == "3.36 billion yuan"
        assert numbers.yuan(Decimal("3410000")) == "3,410,000.00 yuan"
    assert numbers.money(Decimal("3410000.00"), "en") == "3.41 million yuan"  # a language given wins


def test_by_unit_picks_the_helper_of_the_catalogues_unit():
    with translation.override("zh-hans"):
        assert numbers.by_unit(Decimal("2384900"), "persons") == "2,384,900"
        assert numbers.by_unit(Decimal("14.63"), "%", 2) == "14.63%"
        assert numbers.by_unit(Decimal("71478900"), "yuan") == "7147.89万元"


def test_template_filters():
    with translation.override("zh-hans"):
        html = Template("{% load xz_numbers %}{{ a|count }} {{ b|num:2 }} {{ c|pct:1 }} {{ d|money }} {{ d|yuan }}"
                        ).render(Context({"a": Decimal("348200.00"), "b": 3410000, "c": 14.63,
                                          "d": Decimal("71478900")}))
    assert html == "348,200 3,410,000.00 14.6% 7147.89万元 71,478,900.00元"
