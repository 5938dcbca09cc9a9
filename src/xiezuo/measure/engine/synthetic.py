"""Synthetic registries for tests and benchmarks (numpy, deterministic from the seed).

`registry(n, seed=...)` gives the engine's four input tables for `n` households (about 3.2
persons each) spread over villages of a made-up county tree under a made-up city, `CITY`: no province
has the code 99, so no real division is named (tests/test_no_division_codes.py).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

EDUCATION = np.array(["illiterate", "primary", "junior", "senior", "college", "preschool"])
SCHOOLING = np.array(["none", "primary", "junior", "senior", "dropout"])
HEALTH = np.array(["healthy", "chronic", "serious", "disabled"])
LABOUR = np.array(["ordinary", "skilled", "lost", "none"])
CITY = "9901"


def village_codes(n_villages: int) -> np.ndarray:
    """Codes CITY CC TTT VVV: 7 counties, 10 townships each, the rest villages."""
    i = np.arange(n_villages)
    county = np.array(["02", "11", "12", "21", "22", "23", "24"])[i % 7]
    town = 100 + (i // 7) % 10
    village = 200 + i // 70
    return np.char.add(np.char.add(np.char.add(CITY, county), town.astype(str)), village.astype(str))


def registry(n: int, *, seed: int = 1, year: int = 2021, villages: int | None = None,
             income_scale: float = 1.0) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    villages = villages or max(7, n // 300)
    codes = village_codes(villages)
    ids = np.arange(1, n + 1, dtype=np.int64)
    size = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.08, 0.2, 0.3, 0.25, 0.12, 0.05]).astype(np.int64)
    registered = rng.random(n) < 0.7
    exit_year = np.where(registered & (rng.random(n) < 0.95), rng.integers(2014, 2021, n), -1)
    pc = np.exp(rng.normal(np.log(9000 * income_scale), 0.6, n))
    net_fen = np.round(pc * size * 100).astype(np.int64)
    medical = np.where(rng.random(n) < 0.05, rng.integers(0, 5_000_000, n), 0).astype(np.int64)
    households = pa.table({
        "id": ids, "village": codes[rng.integers(0, villages, n)],
        "attribute": np.where(rng.random(n) < 0.3, "dibao", "general"),
        "identified_year": pa.array(np.where(registered, 2014, 0), mask=~registered),
        "exit_year": pa.array(exit_year, mask=exit_year < 0),
    })
    flag = lambda p: (rng.random(n) >= p).astype(np.int64)  # noqa: E731 — 1 with probability 1 - p
    years = pa.table({
        "household_id": ids, "size": size, "net_fen": net_fen, "medical_fen": medical,
        "education_fen": np.where(rng.random(n) < 0.05, rng.integers(0, 1_000_000, n), 0).astype(np.int64),
        "food_secure": flag(0.03), "clothing_secure": flag(0.02),
        "compulsory_dropouts": (rng.random(n) < 0.02).astype(np.int64),
        "uninsured_members": (rng.random(n) < 0.04).astype(np.int64),
        "housing_grade": np.array(["A", "B", "C", "D"])[rng.choice(4, n, p=[0.5, 0.4, 0.07, 0.03])],
        "water_safe": flag(0.05), "electricity": flag(0.01), "sanitary_toilet": flag(0.4),
        "clean_fuel": flag(0.5),
    })
    hid = np.repeat(ids, size)
    m = hid.shape[0]
    members = pa.table({
        "household_id": hid, "birth_year": rng.integers(year - 90, year, m),
        "education": EDUCATION[rng.choice(6, m, p=[0.1, 0.35, 0.35, 0.12, 0.03, 0.05])],
        "schooling": SCHOOLING[rng.choice(5, m, p=[0.8, 0.08, 0.07, 0.04, 0.01])],
        "health": HEALTH[rng.choice(4, m, p=[0.8, 0.12, 0.04, 0.04])],
        "disability": np.where(rng.random(m) < 0.03, "physical", ""),
        "labour": LABOUR[rng.choice(4, m, p=[0.6, 0.1, 0.1, 0.2])],
        "deceased": (rng.random(m) < 0.01).astype(np.int64),
    })
    uniq = np.unique(codes)
    county_codes = np.unique(np.array([c[:6].ljust(12, "0") for c in uniq]))
    populations = pa.table({
        "code": np.concatenate([uniq, county_codes, [CITY.ljust(12, "0")]]),
        "rural_population": np.concatenate([rng.integers(500, 3000, uniq.shape[0]),
                                            np.full(county_codes.shape[0], 10 * n // 7 + 1), [10 * n]]).astype(np.int64),
    })
    return {"households": households, "members": members, "years": years, "populations": populations}
