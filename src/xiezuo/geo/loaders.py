"""Load a demo region's division tree (`geo.demo_region`): its provinces, cities and counties, west and
east, from the definition; its townships and villages from the NBS statistical codes in `data/` (see
SOURCES.md) when the definition names the files (Guangyuan), else generated (synthetic, well-formed codes).

The four non-administrative 4xx units of the NBS lists (nature reserves, a forest farm, a seed farm) and
their villages are skipped. Loading is an upsert keyed by code, so it can run any number of times.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from .demo_region import DemoRegion, full, load
from .models import Division

DATA_DIR = Path(__file__).resolve().parent / "data"


def _is_administrative_township(code9: str) -> bool:
    """4xx township-level codes are statistical units (reserves, farms), not townships (§7.2)."""
    return not ("400" <= code9[6:9] <= "599")


def township_rows(region: DemoRegion | None = None) -> list[dict]:
    """{code (9 digits), name, county_code (6)} of the region's townships."""
    region = region or load()
    if "townships_csv" in region.tree:
        with (DATA_DIR / region.tree["townships_csv"]).open(encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if _is_administrative_township(r["code"])]
    spec = region.tree["synthetic"]
    names = spec["township_names"]
    rows, i = [], 0
    for county in region.counties:
        for t in range(spec["townships_per_county"]):
            rows.append({"code": f"{county}{101 + t:03d}", "name": names[i % len(names)], "county_code": county})
            i += 1
    return rows


def village_rows(region: DemoRegion | None = None) -> list[dict]:
    """{code (12 digits), name, township_code (9)} of the region's villages (a community first, code 101)."""
    region = region or load()
    if "villages_csv" in region.tree:
        with (DATA_DIR / region.tree["villages_csv"]).open(encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if _is_administrative_township(r["township_code"])]
    spec = region.tree["synthetic"]
    names = spec["village_names"]
    rows, i = [], 0
    for town in township_rows(region):
        rows.append({"code": f"{town['code']}101", "name": f"{town['name'][:-1]}社区", "township_code": town["code"]})
        for v in range(spec["villages_per_township"] - 1):
            rows.append({"code": f"{town['code']}{201 + v:03d}", "name": names[i % len(names)],
                         "township_code": town["code"]})
            i += 1
    return rows


def tree_divisions(region: DemoRegion | None = None) -> list[Division]:
    """All division rows of the region's tree, parents before children."""
    region = region or load()
    tree = region.tree
    generated = "townships_csv" not in tree
    rows: list[Division] = []
    side_of = {p["code"][:2]: p["side"] for p in tree["provinces"]}

    def add(item: dict, level: str, parent: str | None) -> None:
        code = item["code"]
        rows.append(Division(code=full(code), name=item["name"], name_en=item.get("en", ""), level=level,
                             parent_id=full(parent) if parent else None, side=side_of[code[:2]],
                             valid_from=item.get("from"), valid_to=item.get("to")))

    for item in tree["provinces"]:
        add(item, "province", None)
    for item in tree["cities"]:
        add(item, "city", item["code"][:2])
    for item in tree["counties"]:
        add(item, "county", item["code"][:4])
    for r in township_rows(region):
        rows.append(Division(code=full(r["code"]), name=r["name"], level="township",
                             parent_id=full(r["county_code"]), side="west", synthetic=generated))
    for r in village_rows(region):
        rows.append(Division(code=r["code"], name=r["name"], level="village",
                             parent_id=full(r["township_code"]), side="west", synthetic=generated))
    return rows


@transaction.atomic
def load_tree(region: DemoRegion | None = None) -> int:
    """Insert or update every division of the region's tree; returns the number of rows."""
    rows = tree_divisions(region)
    Division.objects.bulk_create(
        rows, batch_size=1000, update_conflicts=True, unique_fields=["code"],
        update_fields=["name", "name_en", "level", "parent", "side", "valid_from", "valid_to", "synthetic"],
    )
    return len(rows)
