"""Synthetic, valid registry rows and workbooks, for tests and benchmarks (no real people)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from xiezuo.registry.identity import check_character

from . import specs

BASE = dt.date(1940, 1, 1)


def id_number(i: int, region: str) -> str:
    """The i-th synthetic identity number of a person registered in `region` (a county's 6 digits): unique
    for i < 20,000 × 1,000, valid check digit."""
    birth = BASE + dt.timedelta(days=i % 20000)
    body = f"{region}{birth:%Y%m%d}{i // 20000:03d}"
    return body + check_character(body)


def registry_rows(n_households: int, *, villages: list[str], seed: int = 1, members: float = 3.2,
                  year: int = 2019, prefix: str = "H", id_offset: int = 0):
    """(households, members, facts): lists of rows keyed by the specs' Chinese headers."""
    rng = random.Random(seed)
    hh_spec, m_spec, f_spec = specs.get("households"), specs.get("members"), specs.get("facts")
    H = {c.name: c.zh for c in hh_spec.columns}
    M = {c.name: c.zh for c in m_spec.columns}
    F = {c.name: c.zh for c in f_spec.columns}
    causes = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金"]
    relations = ["配偶", "之子", "之女", "孙子女", "父母"]
    households, people, facts = [], [], []
    k = id_offset
    extra = members - 3
    for h in range(n_households):
        number = f"{prefix}{h:07d}"
        size = 3 + (1 if rng.random() < extra else 0)
        households.append({
            H["number"]: number, H["village"]: villages[h % len(villages)], H["head_name"]: f"户主{h}",
            H["main_cause"]: rng.choice(causes), H["cultivated_mu"]: round(rng.uniform(0, 8), 2),
            H["phone"]: f"138{h:08d}", H["military_family"]: "否",
        })
        for j in range(size):
            idn = id_number(k, villages[h % len(villages)][:6])
            k += 1
            people.append({
                M["household_number"]: number, M["name"]: f"成员{h}-{j}", M["id_number"]: idn,
                M["relation"]: "户主" if j == 0 else relations[(j - 1) % len(relations)],
                M["health"]: "健康", M["labour"]: "普通劳动力", M["medical_insurance"]: "是",
            })
        facts.append({
            F["household_number"]: number, F["year"]: year, F["size"]: size,
            F["wage"]: round(rng.uniform(3000, 20000), 2), F["business"]: round(rng.uniform(0, 5000), 2),
            F["transfer_dibao"]: round(rng.uniform(0, 2000), 2), F["production_cost"]: round(rng.uniform(0, 1000), 2),
            F["housing_grade"]: "A", F["year_status"]: "已脱贫",
        })
    return households, people, facts


def write_workbook(path: str | Path, sheets: dict[str, list[dict]], *, id_as_text: bool = True) -> Path:
    """A fast xlsx writer (xlsxwriter, constant memory): {sheet name: rows keyed by header}."""
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    text = wb.add_format({"num_format": "@"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        headers = list(rows[0]) if rows else []
        for i, h in enumerate(headers):
            ws.write_string(0, i, h)
        for r, row in enumerate(rows, start=1):
            for i, h in enumerate(headers):
                v = row.get(h)
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    ws.write_string(r, i, v, text if id_as_text else None)
                else:
                    ws.write_number(r, i, v)
    wb.close()
    return path
