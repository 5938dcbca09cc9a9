"""Foster–Greer–Thorbecke and Alkire–Foster, on any Arrow, pandas or polars table or plain sequences.

FGT (Foster, Greer & Thorbecke 1984, Econometrica 52(3)):
    P_alpha = (1/N) * sum_{i: y_i < z} w_i * ((z - y_i) / z) ** alpha,   N = sum_i w_i
Alkire–Foster adjusted headcount (Alkire & Foster 2011, J. Public Econ. 95(7–8)):
    c_i = sum_j w_j g_ij;  poor_i = c_i >= k;  H = q/n;  A = mean c_i of the poor;  M0 = H * A
    censored headcount h_j(k) = share of people both poor and deprived in j;
    contribution_j = w_j * h_j(k) / M0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TOLERANCE = 1e-9  # score >= k - TOLERANCE counts as >= k, so 1/6 + 1/6 reaches 1/3
WEIGHT_TOLERANCE = 1e-6


def to_array(values: Any) -> np.ndarray:
    """A numpy array from a sequence, numpy array, Arrow array/chunked array, pandas or polars series."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            return np.asarray(values.to_numpy(zero_copy_only=False))
        except TypeError:
            return np.asarray(values.to_numpy())
    return np.asarray(values)


def to_columns(table: Any) -> dict[str, np.ndarray]:
    """Named columns of a pyarrow Table, pandas or polars DataFrame, or a mapping of sequences."""
    if isinstance(table, Mapping):
        return {str(k): to_array(v) for k, v in table.items()}
    module = type(table).__module__.split(".")[0]
    if module == "polars":
        table = table.to_arrow()
        module = "pyarrow"
    if module == "pyarrow":
        return {name: to_array(table.column(name)) for name in table.column_names}
    if module == "pandas":
        return {str(c): to_array(table[c]) for c in table.columns}
    raise TypeError(f"unsupported table type {type(table).__name__}: give a pyarrow Table, "
                    "a pandas or polars DataFrame, or a dict of sequences")


def _weights(sample_weights: Any, n: int) -> np.ndarray:
    if sample_weights is None:
        return np.ones(n, dtype=float)
    w = to_array(sample_weights).astype(float)
    if w.shape != (n,):
        raise ValueError(f"weights have {w.shape[0]} values for {n} observations")
    if (w < 0).any():
        raise ValueError("weights must not be negative")
    return w


def fgt(income: Any, line: float, alpha: float = 0, weights: Any = None) -> float:
    """The FGT poverty measure of order `alpha` (0 headcount ratio, 1 poverty gap, 2 severity)."""
    y = to_array(income).astype(float)
    z = float(line)
    if z <= 0:
        raise ValueError("the poverty line must be positive")
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    w = _weights(weights, y.shape[0])
    total = w.sum()
    if total == 0:
        return 0.0
    poor = y < z
    gap = np.where(poor, (z - y) / z, 0.0)
    terms = poor.astype(float) if alpha == 0 else np.where(poor, gap**alpha, 0.0)
    return float((w * terms).sum() / total)


@dataclass
class AFResult:
    """Alkire–Foster measures; `by_group` holds one AFResult per group, each with its population share."""

    H: float
    A: float
    M0: float
    censored_headcount: dict[str, float]
    contribution: dict[str, float]
    uncensored_headcount: dict[str, float]
    population: float
    population_share: float = 1.0
    poor: np.ndarray | None = field(default=None, repr=False)
    score: np.ndarray | None = field(default=None, repr=False)
    by_group: dict[Any, AFResult] = field(default_factory=dict)


def _af(g: Mapping[str, np.ndarray], weights: Mapping[str, float], k: float, s: np.ndarray) -> AFResult:
    names = list(weights)
    n = s.sum()
    score = np.zeros(s.shape[0], dtype=float)
    for name in names:
        score += weights[name] * g[name]
    poor = score >= k - TOLERANCE
    ps = s * poor
    q = ps.sum()
    H = float(q / n) if n else 0.0
    M0 = float((ps * score).sum() / n) if n else 0.0
    A = float((ps * score).sum() / q) if q else 0.0
    censored = {j: float((ps * g[j]).sum() / n) if n else 0.0 for j in names}
    uncensored = {j: float((s * g[j]).sum() / n) if n else 0.0 for j in names}
    contribution = {j: (weights[j] * censored[j] / M0 if M0 else 0.0) for j in names}
    return AFResult(H=H, A=A, M0=M0, censored_headcount=censored, contribution=contribution,
                    uncensored_headcount=uncensored, population=float(n), poor=poor, score=score)


def alkire_foster(deprivations: Any, weights: Mapping[str, float], k: float, sample_weights: Any = None,
                  groups: Any = None) -> AFResult:
    """Alkire–Foster M0 of a 0/1 deprivation table (one column per indicator named in `weights`).

    `groups` is a sequence of group labels (or the name of a column of `deprivations`); the
    result's `by_group` then holds each group's measures, whose population-weighted M0 adds up
    to the total.
    """
    cols = to_columns(deprivations)
    weights = {str(k_): float(v) for k_, v in weights.items()}
    missing = [j for j in weights if j not in cols]
    if missing:
        raise ValueError(f"indicators {missing} have weights but no column in the deprivation table")
    if abs(sum(weights.values()) - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(f"weights sum to {sum(weights.values()):.6f}, not 1")
    if not 0 < k <= 1 + TOLERANCE:
        raise ValueError(f"k = {k} is outside (0, 1]")
    g = {j: cols[j].astype(float) for j in weights}
    for j, values in g.items():
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError(f"indicator {j!r} is not 0/1")
    n = next(iter(g.values())).shape[0] if g else 0
    s = _weights(sample_weights, n)
    result = _af(g, weights, k, s)
    if groups is not None:
        labels = cols[groups] if isinstance(groups, str) and groups in cols else to_array(groups)
        if labels.shape[0] != n:
            raise ValueError(f"groups have {labels.shape[0]} labels for {n} observations")
        for label in sorted(set(labels.tolist()), key=str):
            mask = labels == label
            sub = _af({j: v[mask] for j, v in g.items()}, weights, k, s[mask])
            sub.population_share = sub.population / result.population if result.population else 0.0
            result.by_group[label] = sub
    return result


def decomposes(result: AFResult, tol: float = 1e-9) -> bool:
    """True when the population-weighted group M0 adds up to the total (a check, used by tests)."""
    total = sum(g.population_share * g.M0 for g in result.by_group.values())
    return abs(total - result.M0) <= tol


__all__: Sequence[str] = ["AFResult", "alkire_foster", "decomposes", "fgt", "to_array", "to_columns"]
