"""FGT against a published worked example.

Haughton, J. and Khandker, S. R. (2009), *Handbook on Poverty and Inequality*, World Bank, ch. 4,
p. 72, table "Calculating the Poverty Gap Index, Assuming Poverty Line of 125": expenditures in
country C are 100, 110, 150, 160; the gaps over the line are 0.20 and 0.12, their squares 0.04 and
0.0144, and the squared poverty gap index P2 = 0.0544 / 4 = 0.0136. Then P0 = 2/4 and P1 = 0.32/4.
"""

import pytest

from xiezuo.measure import fgt

COUNTRY_C = [100, 110, 150, 160]
LINE = 125


@pytest.mark.parametrize(("alpha", "published"), [(0, 0.5), (1, 0.08), (2, 0.0136)])
def test_country_c(alpha, published):
    assert fgt(COUNTRY_C, LINE, alpha=alpha) == pytest.approx(published, abs=1e-12)


def test_country_c_weighted_by_household_size_equals_the_expanded_population():
    # Weights replicate each household's members: (100 ×2, 150 ×1) is the population 100, 100, 150.
    assert fgt([100, 150], LINE, alpha=2, weights=[2, 1]) == pytest.approx(fgt([100, 100, 150], LINE, alpha=2))
