"""The rules as SQL, generated from a spec: one source for every backend.

Written in DuckDB's dialect; the Spark backend transpiles the very same text with SQLGlot.
Inputs are four tables (see `run.INPUT_SCHEMAS`): `households`, `years` (the run year's
facts, money in integer fen), `members` and `populations`. Money comparisons are exact:
"per-capita income < line" is evaluated as `net_fen < line_fen * size`, never on floats.
Two statements:

1. `household_sql` — one row per household: facts, each criterion (1 pass / 0 fail), the status, the
   monitoring category, reasons and MPI deprivations as bit masks (decoded to codes in `run`), MPI score;
2. `village_sql` — additive sums per village (people, status counts, FGT terms, AF terms);
and the levels above the village: `LEVELS` (and `NATION` for a national snapshot), summed up by `run.rollup`.

Ratios (FGT, H, A, M0, contributions, incidence) are taken from the sums in `run.finalize`.
"""

from __future__ import annotations

from decimal import Decimal

from .spec import EXIT_CRITERIA, Spec

STATUSES = ("poor", "may_exit", "exited", "monitored", "not_poor")
PER_CAPITA_MONEY = {"pcni": "net_fen", "pcni_after_rigid": "(net_fen - medical_fen - education_fen)"}
HOUSEHOLD_MONEY = {"net_income": "net_fen", "medical_expense": "medical_fen", "education_expense": "education_fen"}
SQL_OP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
# A criterion -> (fact that must hold, reason code when it fails)
CRITERIA = {
    "food": ("food_secure = 1", "food_insecure"),
    "clothing": ("clothing_secure = 1", "clothing_insecure"),
    "education": ("compulsory_dropouts = 0", "compulsory_dropout"),
    "medical": ("uninsured_members = 0", "medical_uninsured"),
    "housing": ("housing_safe = 1", "housing_unsafe"),
    "water": ("water_safe = 1", "water_unsafe"),
}
EDUCATION_YEARS = {"primary": 6, "junior": 9, "senior": 12, "college": 15}
TOLERANCE = "1e-9"


def fen(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def double(x: float) -> str:
    return f"CAST({float(x)!r} AS DOUBLE)"


def compile_rule(rule: dict, spec: Spec) -> str:
    """A spec rule as a SQL boolean expression over the household facts."""
    for key, joiner in (("any", " OR "), ("all", " AND ")):
        if key in rule:
            return "(" + joiner.join(compile_rule(r, spec) for r in rule[key]) + ")"
    field, op, value = rule["field"], SQL_OP[rule["op"]], rule["value"]
    if isinstance(value, str):
        value = spec.param(value[1:])
    value = Decimal(str(value))
    if field in PER_CAPITA_MONEY:
        return f"({PER_CAPITA_MONEY[field]} {op} {fen(value)} * size)"
    if field in HOUSEHOLD_MONEY:
        return f"({HOUSEHOLD_MONEY[field]} {op} {fen(value)})"
    literal = str(int(value)) if value == value.to_integral_value() else double(float(value))
    return f"({field} {op} {literal})"


def _features(year: int) -> str:
    # Counts as COUNT(CASE ... THEN 1 END), not SUM(CASE ... THEN 1 ELSE 0 END): the same numbers (a group has a
    # row), but DuckDB keeps an 8-byte count per household instead of a 128-bit sum (~10 % of this aggregation).
    edu = " ".join(f"WHEN '{k}' THEN {v}" for k, v in EDUCATION_YEARS.items())
    return f"""
members_agg AS (
    SELECT household_id,
           COUNT(*) AS members,
           COUNT(CASE WHEN health = 'serious' THEN 1 END) AS serious_ill,
           COUNT(CASE WHEN health = 'chronic' THEN 1 END) AS chronic_ill,
           COUNT(CASE WHEN health = 'disabled' OR disability <> '' THEN 1 END) AS disabled,
           COUNT(CASE WHEN labour IN ('lost', 'none') THEN 1 END) AS without_labour,
           MAX(CASE WHEN {year} - birth_year >= 16 THEN CASE education {edu} ELSE 0 END ELSE 0 END)
               AS max_schooling_years,
           COUNT(CASE WHEN {year} - birth_year BETWEEN 6 AND 15 AND schooling IN ('none', 'dropout')
                      THEN 1 END) AS school_age_out_of_school
    FROM members
    WHERE deceased = 0
    GROUP BY household_id
),
facts AS (
    SELECT h.id AS household_id, h.village AS village, y.size AS size,
           y.net_fen AS net_fen, y.medical_fen AS medical_fen, y.education_fen AS education_fen,
           CAST(y.net_fen AS DOUBLE) / y.size / 100 AS pcni,
           CAST(y.net_fen AS DOUBLE) / 100 AS net_income,
           CAST(y.medical_fen AS DOUBLE) / 100 AS medical_expense,
           CAST(y.education_fen AS DOUBLE) / 100 AS education_expense,
           CAST(y.net_fen - y.medical_fen - y.education_fen AS DOUBLE) / y.size / 100 AS pcni_after_rigid,
           y.food_secure AS food_secure, y.clothing_secure AS clothing_secure,
           y.compulsory_dropouts AS compulsory_dropouts, y.uninsured_members AS uninsured_members,
           CASE WHEN y.housing_grade IN ('A', 'B') THEN 1 ELSE 0 END AS housing_safe,
           y.water_safe AS water_safe, y.electricity AS electricity,
           y.sanitary_toilet AS sanitary_toilet, y.clean_fuel AS clean_fuel,
           CASE WHEN h.identified_year IS NOT NULL THEN 1 ELSE 0 END AS ever_registered,
           CASE WHEN h.identified_year IS NOT NULL AND h.identified_year <= {year}
                     AND (h.exit_year IS NULL OR h.exit_year >= {year}) THEN 1 ELSE 0 END AS registered_active,
           CASE WHEN h.exit_year IS NOT NULL AND h.exit_year < {year} THEN 1 ELSE 0 END AS exited_before,
           CASE WHEN h.attribute = 'dibao' THEN 1 ELSE 0 END AS dibao_household,
           CASE WHEN h.attribute = 'tekun' THEN 1 ELSE 0 END AS tekun_household,
           COALESCE(m.members, 0) AS members,
           COALESCE(m.serious_ill, 0) AS serious_ill,
           COALESCE(m.chronic_ill, 0) AS chronic_ill,
           COALESCE(m.disabled, 0) AS disabled,
           COALESCE(m.without_labour, 0) AS without_labour,
           CASE WHEN COALESCE(m.members, 0) > 0 AND m.without_labour = m.members THEN 1 ELSE 0 END
               AS all_without_labour,
           COALESCE(m.max_schooling_years, 0) AS max_schooling_years,
           COALESCE(m.school_age_out_of_school, 0) AS school_age_out_of_school
    FROM households h
    JOIN years y ON y.household_id = h.id
    LEFT JOIN members_agg m ON m.household_id = h.id
    WHERE y.size > 0
)"""


def _reasons(spec: Spec) -> list[tuple[str, str]]:
    """(condition, reason code) in the order the codes are listed; bit i of `reason_bits` is the i-th."""
    enabled = [c for c in EXIT_CRITERIA if spec.exit_criteria.get(c)]
    return [
        ("below_line = 1", "income_below_line"),
        *((f"registered_active = 1 AND c_{c} = 0", CRITERIA[c][1] if c in CRITERIA else "income_not_above_exit_line")
          for c in enabled),
        ("below_monitoring = 1", "below_monitoring_line"),
        *((f"category = '{c['code']}'", c.get("reason") or c["code"]) for c in spec.monitoring_categories),
        ("category IS NOT NULL AND medical_fen > 0 AND medical_fen >= education_fen", "medical_expense"),
        ("category IS NOT NULL AND education_fen > medical_fen", "education_expense"),
        ("category IS NOT NULL AND all_without_labour = 1", "no_labour"),
        ("mpi_poor = 1", "mpi_poor"),
    ]


def reason_codes(spec: Spec) -> list[str]:
    """The codes behind `reason_bits`: bit i set means codes[i] applies (a code may repeat)."""
    return [code for _cond, code in _reasons(spec)]


def household_sql(spec: Spec, year: int) -> str:
    """One row per household (in no particular order) with its criteria, status, category, reasons and MPI.

    Reasons and deprived indicators come as 64-bit masks (`reason_bits`, `deprived_bits`): integer sums
    instead of a string per household; `run` turns them into the comma-separated codes, once per
    distinct mask."""
    line, exit_line = fen(spec.poverty_line), fen(spec.exit_line)
    threshold = spec.monitoring_threshold
    holds = {name: cond for name, (cond, _r) in CRITERIA.items()} | {"income": f"net_fen > {exit_line} * size"}
    crit = {name: f"CASE WHEN {cond} THEN 1 ELSE 0 END" for name, cond in holds.items()}
    enabled = [c for c in EXIT_CRITERIA if spec.exit_criteria.get(c)]
    # From the conditions, not the c_ flags: a query that reads only the status (the aggregates) drops the flags.
    exit_ok = " AND ".join(f"({holds[c]})" for c in enabled) or "1 = 1"
    cats = " ".join(f"WHEN {compile_rule(c['rule'], spec)} THEN '{c['code']}'" for c in spec.monitoring_categories)
    category = f"CASE {cats} ELSE NULL END" if cats else "CAST(NULL AS VARCHAR)"
    deprived = [f"CASE WHEN {compile_rule(i.rule, spec)} THEN 1 ELSE 0 END AS d_{i.name}" for i in spec.indicators]
    score = " + ".join(f"d_{i.name} * {double(i.weight)}" for i in spec.indicators) or "CAST(0 AS DOUBLE)"
    below_monitoring = f"CASE WHEN net_fen < {fen(threshold)} * size THEN 1 ELSE 0 END" if threshold else "0"
    identification_mode = "1 = 1" if threshold is None else "1 = 0"
    # Plain literals (a CAST on each made DuckDB 3x slower here); the sum turns BIGINT from bit 31 on.
    reason_bits = " + ".join(f"CASE WHEN {cond} THEN {1 << i} ELSE 0 END" for i, (cond, _c) in enumerate(_reasons(spec)))
    deprived_bits = " + ".join(f"CASE WHEN d_{ind.name} = 1 THEN {1 << i} ELSE 0 END"
                               for i, ind in enumerate(spec.indicators)) or "0"
    return f"""
WITH {_features(year)},
judged AS (
    SELECT f.*,
           CASE WHEN net_fen < {line} * size THEN 1 ELSE 0 END AS below_line,
           {below_monitoring} AS below_monitoring,
           {", ".join(f"{expr} AS c_{name}" for name, expr in crit.items())},
           {category} AS category,
           {", ".join(deprived) + "," if deprived else ""}
           1 AS one
    FROM facts f
),
scored AS (
    SELECT j.*,
           CASE WHEN {exit_ok} THEN 1 ELSE 0 END AS exit_ok,
           {score} AS mpi_score
    FROM judged j
),
classified AS (
    SELECT s.*,
           CASE WHEN mpi_score >= {double(spec.k)} - {TOLERANCE} THEN 1 ELSE 0 END AS mpi_poor,
           CASE WHEN registered_active = 1 AND exit_ok = 1 THEN 'may_exit'
                WHEN registered_active = 1 THEN 'poor'
                WHEN below_line = 1 AND {identification_mode} THEN 'poor'
                WHEN category IS NOT NULL THEN 'monitored'
                WHEN exited_before = 1 THEN 'exited'
                ELSE 'not_poor' END AS status
    FROM scored s
)
SELECT household_id, village, size, net_fen, pcni, pcni_after_rigid, medical_fen, education_fen,
       registered_active, exited_before, ever_registered, below_line, below_monitoring,
       {", ".join(f"c_{c}" for c in EXIT_CRITERIA)}, exit_ok, status,
       CASE WHEN status = 'monitored' THEN category ELSE NULL END AS category,
       {reason_bits} AS reason_bits,
       {"".join(f"d_{i.name}, " for i in spec.indicators)}mpi_score, mpi_poor,
       {deprived_bits} AS deprived_bits
FROM classified
"""


# Packed sums (`village_sql(packed=True)`): the village's integer sums (status and category counts, people counts,
# the indicators' headcounts) three to a BIGINT, PACK_BITS apart, summed once instead of three times, then unpacked.
# The aggregate was most of what the aggregates-only run does beyond the hand-written query (docs/engine.md).
# Exact while each field's village total stays below PACK_LIMIT: every field is a count of households or people
# of the village, so its people below PACK_LIMIT suffice (`fits_packed`). DuckDB sums BIGINT into HUGEINT, so
# a village's pack cannot overflow; a household of PACK_LIMIT people or more overflows its row's BIGINT, an error.
PACK_BITS = 21
PACK_LIMIT = 1 << PACK_BITS


def _pack(terms: list[str]) -> str:
    """Up to three non-negative integer terms as one BIGINT, PACK_BITS bits apart."""
    return " + ".join(t if k == 0 else f"({t}) * {1 << (PACK_BITS * k)}" for k, t in enumerate(terms))


def _one_hot(column: str, values: list[str]) -> str:
    """`_pack` of `column = value` for up to three values one row can have only one of: a single CASE."""
    whens = " ".join(f"WHEN '{v}' THEN {1 << (PACK_BITS * k)}" for k, v in enumerate(values))
    return f"CASE {column} {whens} ELSE 0 END"


def _threes(items: list) -> list[list]:
    return [items[i:i + 3] for i in range(0, len(items), 3)]


def village_columns(spec: Spec) -> list[str]:
    """The columns of `village_sql`, in order (after `code`)."""
    return ["households", "people", *(f"{k}_{s}" for s in STATUSES for k in ("hh", "people")),
            *(f"cat_{c['code']}" for c in spec.monitoring_categories), "people_below_line", "gap1", "gap2",
            *(f"{k}_{i.name}" for i in spec.indicators for k in ("ch", "un")), "mpi_poor_people", "mpi_score_sum"]


def village_sql(spec: Spec, *, packed: bool = False) -> str:
    """Additive sums per village from the household results (table `results`), columns `village_columns`.

    `packed` (DuckDB only: its BIGINT sums are HUGEINT; Spark's wrap or fail) sums the integer fields in packs
    (see PACK_BITS); its result is exact only if `fits_packed` holds for it, else run the plain query."""
    line = fen(spec.poverty_line)
    gap = f"CAST({line} * size - net_fen AS DOUBLE) / CAST({line} * size AS DOUBLE)"
    doubles = {
        "gap1": f"SUM(CASE WHEN below_line = 1 THEN size * {gap} ELSE CAST(0 AS DOUBLE) END)",
        "gap2": f"SUM(CASE WHEN below_line = 1 THEN size * {gap} * {gap} ELSE CAST(0 AS DOUBLE) END)",
        "mpi_score_sum": "SUM(size * mpi_poor * mpi_score)",
    }
    if not packed:
        # People counts are summed as integers (exact, and cheaper than DOUBLE sums: ~20 % of this query at 1 M)
        sums = {"households": "COUNT(*)", "people": "SUM(size)", **doubles,
                "people_below_line": "SUM(CASE WHEN below_line = 1 THEN size ELSE 0 END)",
                "mpi_poor_people": "SUM(size * mpi_poor)"}
        for s in STATUSES:
            sums[f"hh_{s}"] = f"SUM(CASE WHEN status = '{s}' THEN 1 ELSE 0 END)"
            sums[f"people_{s}"] = f"SUM(CASE WHEN status = '{s}' THEN size ELSE 0 END)"
        for c in spec.monitoring_categories:
            sums[f"cat_{c['code']}"] = f"SUM(CASE WHEN category = '{c['code']}' THEN 1 ELSE 0 END)"
        for i in spec.indicators:
            sums[f"ch_{i.name}"] = f"SUM(size * mpi_poor * d_{i.name})"
            sums[f"un_{i.name}"] = f"SUM(size * d_{i.name})"
        select = ", ".join(f"{sums[c]} AS {c}" for c in village_columns(spec))
        return f"SELECT village AS code, {select} FROM results GROUP BY village"
    packs: list[tuple[list[str], str]] = []  # (the fields, low bits first; the BIGINT summed per household)
    counted = [s for s in STATUSES if s != "not_poor"]  # not_poor: the households and people left over
    for chunk in _threes(counted):
        packs.append(([f"hh_{s}" for s in chunk], _one_hot("status", chunk)))
        packs.append(([f"people_{s}" for s in chunk], f"size * ({_one_hot('status', chunk)})"))
    for chunk in _threes([c["code"] for c in spec.monitoring_categories]):
        packs.append(([f"cat_{c}" for c in chunk], _one_hot("category", chunk)))
    packs.append((["people_below_line", "mpi_poor_people"], f"size * ({_pack(['below_line', 'mpi_poor'])})"))
    for chunk in _threes([i.name for i in spec.indicators]):
        deprived = _pack([f"d_{name}" for name in chunk])
        packs.append(([f"un_{name}" for name in chunk], f"size * ({deprived})"))
        packs.append(([f"ch_{name}" for name in chunk], f"size * mpi_poor * ({deprived})"))
    mask = PACK_LIMIT - 1
    inner = [f"SUM({expr}) AS pack{j}" for j, (_fields, expr) in enumerate(packs)]
    unpacked = {field: f"CAST((pack{j} >> {PACK_BITS * k}) & {mask} AS BIGINT)"
                for j, (fields, _expr) in enumerate(packs) for k, field in enumerate(fields)}
    unpacked["households"], unpacked["people"] = "households", "people"
    for kind, total in (("hh", "households"), ("people", "people")):
        unpacked[f"{kind}_not_poor"] = f"{total} - ({' + '.join(unpacked[f'{kind}_{s}'] for s in counted)})"
    unpacked.update({name: name for name in doubles})
    return f"""
SELECT code, {", ".join(f"{unpacked[c]} AS {c}" for c in village_columns(spec))}
FROM (SELECT village AS code, COUNT(*) AS households, CAST(SUM(size) AS BIGINT) AS people,
             {", ".join(inner)},
             {", ".join(f"{expr} AS {name}" for name, expr in doubles.items())}
      FROM results GROUP BY village)
"""


def fits_packed(village) -> bool:
    """Whether the packed village sums (`village_sql(packed=True)`, an Arrow table) are exact: every village's
    people below PACK_LIMIT (so is each of its counts)."""
    import pyarrow.compute as pc

    top = pc.max(village.column("people")).as_py()
    return top is None or top < PACK_LIMIT


# (level, digits of the village code it keeps): the 12-digit code is PP CC DD TTT VVV (domain brief §7.2).
LEVELS = (("township", 9), ("county", 6), ("city", 4), ("province", 2))
# The whole country as one row, its code twelve zeros (no digit kept). Not in LEVELS: a deployment's division tree
# stops at its provinces; a national snapshot's run (`scan.evaluate_snapshot`) adds it.
NATION = ("nation", 0)
