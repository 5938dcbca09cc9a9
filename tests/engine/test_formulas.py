"""FGT and Alkire–Foster against published worked examples, and their properties (Hypothesis)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiezuo.measure import alkire_foster, fgt
from xiezuo.measure.engine.formulas import decomposes

# Alkire & Foster (2011), "Counting and multidimensional poverty measurement", J. Public Econ. 95(7-8),
# section 3, the 4-person, 4-dimension example: the deprivation matrix g0 has rows
# (0,0,0,0), (1,0,0,1), (1,1,1,1), (0,1,0,0), so deprivation counts c = (0, 2, 4, 1).
# With equal weights and k = 2 of 4: H = 1/2, A = 3/4, M0 = 3/8; with k = 1 (union): H = 3/4, M0 = 7/16.
AF_G0 = {"income": [0, 1, 1, 0], "schooling": [0, 0, 1, 1], "bmi": [0, 0, 1, 0], "insurance": [0, 1, 1, 0]}
AF_W = {k: 0.25 for k in AF_G0}


def test_alkire_foster_2011_example_intermediate_cutoff():
    # given the published deprivation matrix, when k = 2 of 4 dimensions
    r = alkire_foster(AF_G0, AF_W, k=0.5)
    # then the published values
    assert pytest.approx(0.5) == r.H and pytest.approx(0.75) == r.A and pytest.approx(0.375) == r.M0
    # censored headcounts: persons 2 and 3 are poor; income deprived in both, schooling only in 3
    assert r.censored_headcount == pytest.approx({"income": 0.5, "schooling": 0.25, "bmi": 0.25, "insurance": 0.5})
    assert sum(r.contribution.values()) == pytest.approx(1.0)


def test_alkire_foster_2011_example_union_cutoff():
    r = alkire_foster(AF_G0, AF_W, k=0.25)
    assert pytest.approx(0.75) == r.H and pytest.approx(7 / 16) == r.M0


@pytest.mark.parametrize("table", [
    pa.table(AF_G0), pd.DataFrame(AF_G0), AF_G0, {k: tuple(v) for k, v in AF_G0.items()},
])
def test_alkire_foster_accepts_tables(table):
    assert pytest.approx(0.375) == alkire_foster(table, AF_W, k=0.5).M0


def test_alkire_foster_accepts_polars():
    pl = pytest.importorskip("polars")
    assert pytest.approx(0.375) == alkire_foster(pl.DataFrame(AF_G0), AF_W, k=0.5).M0


def test_k_comparison_has_a_tolerance():
    # 1/6 + 1/6 is 0.33333333333333331 in binary floating point, below 1/3 by rounding; it must count
    r = alkire_foster({"a": [1], "b": [1], "c": [0]}, {"a": 1 / 6, "b": 1 / 6, "c": 2 / 3}, k=1 / 3)
    assert r.H == 1.0


def test_bad_weights_and_k_are_refused():
    with pytest.raises(ValueError, match="sum to"):
        alkire_foster(AF_G0, {k: 0.3 for k in AF_G0}, k=0.5)
    with pytest.raises(ValueError, match="outside"):
        alkire_foster(AF_G0, AF_W, k=0)
    with pytest.raises(ValueError, match="no column"):
        alkire_foster(AF_G0, {"income": 0.5, "water": 0.5}, k=0.5)


def test_fgt_hand_computed_from_the_definition():
    # Foster, Greer & Thorbecke (1984), Econometrica 52(3) p. 762: P_a = (1/n) sum_{y_i<z} ((z - y_i)/z)^a.
    # Incomes 1, 2, 3, 4, 5 with z = 3 (the strict inequality keeps y = 3 non-poor):
    # P0 = 2/5; P1 = (2/3 + 1/3)/5 = 1/5; P2 = (4/9 + 1/9)/5 = 1/9.
    y = [1, 2, 3, 4, 5]
    assert fgt(y, 3, 0) == pytest.approx(0.4)
    assert fgt(y, 3, 1) == pytest.approx(0.2)
    assert fgt(y, 3, 2) == pytest.approx(1 / 9)


def test_fgt_handbook_example_with_weights():
    # Haughton & Khandker (2009), Handbook on Poverty and Inequality, World Bank, ch. 4: the headcount
    # and gap are population-weighted when observations are households; weights = household size.
    # Households (income per capita, size): (2000, 4), (3000, 2), (5000, 4), z = 2736:
    # P0 = 4/10; P1 = 4 * (736/2736) / 10.
    assert fgt([2000, 3000, 5000], 2736, 0, weights=[4, 2, 4]) == pytest.approx(0.4)
    assert fgt([2000, 3000, 5000], 2736, 1, weights=[4, 2, 4]) == pytest.approx(0.4 * 736 / 2736)


incomes = st.lists(st.floats(min_value=0, max_value=20_000, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(incomes, st.floats(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=10_000))
def test_raising_the_line_never_lowers_fgt0(y, line, extra):
    assert fgt(y, line + extra, 0) >= fgt(y, line, 0)


deprivation_rows = st.lists(st.tuples(*[st.integers(0, 1)] * 4, st.integers(1, 8), st.sampled_from("abc")),
                            min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(deprivation_rows, st.sampled_from([0.25, 0.5, 0.75, 1.0]), st.randoms(use_true_random=False))
def test_af_properties(rows, k, rnd):
    names = ["income", "schooling", "bmi", "insurance"]
    table = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    size = [r[4] for r in rows]
    group = [r[5] for r in rows]
    r = alkire_foster(table, AF_W, k, sample_weights=size, groups=group)
    # M0 = H x A
    assert pytest.approx(r.H * r.A, abs=1e-12) == r.M0
    # the population-weighted group M0 add up to the total
    assert decomposes(r)
    # household order changes nothing
    order = list(range(len(rows)))
    rnd.shuffle(order)
    shuffled = alkire_foster({n: [table[n][i] for i in order] for n in names}, AF_W, k,
                             sample_weights=[size[i] for i in order], groups=[group[i] for i in order])
    assert pytest.approx(r.M0, abs=1e-12) == shuffled.M0 and pytest.approx(r.H, abs=1e-12) == shuffled.H
    assert {g: v.M0 for g, v in shuffled.by_group.items()} == pytest.approx({g: v.M0 for g, v in r.by_group.items()})


def test_engine_imports_without_django():
    # given a fresh interpreter without DJANGO_SETTINGS_MODULE
    code = ("import sys, xiezuo.measure as m, xiezuo.measure.engine as e, xiezuo.policy.seed;"
            "m.fgt([1], 2); e.Spec.from_dict(xiezuo.policy.seed.parameters(2013));"
            "print(any(k == 'django' or k.startswith('django.') for k in sys.modules))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    # then no django module was imported
    assert out.stdout.strip() == "False"


def test_fgt_accepts_arrow_and_numpy():
    assert fgt(pa.array([1.0, 5.0]), 3) == fgt(np.array([1.0, 5.0]), 3) == 0.5
