"""Load the real division tree: Sichuan > Guangyuan (7 counties, townships, villages) and
the Zhejiang cities and counties paired with it (domain brief §7.1, §7.3).

Townships and villages come from the NBS statistical codes in `data/` (see SOURCES.md);
the four non-administrative 4xx units (nature reserves, a forest farm, a seed farm) and
their villages are skipped. Province, city and county rows come from the tables below.
Loading is an upsert keyed by code, so it can run any number of times.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from .models import Division

DATA_DIR = Path(__file__).resolve().parent / "data"

# code (6 digits), name, English name, valid_from, valid_to  — brief §7.1
PROVINCES = [
    ("510000", "四川省", "Sichuan", None, None, "west"),
    ("330000", "浙江省", "Zhejiang", None, None, "east"),
]
CITIES = [
    ("510800", "广元市", "Guangyuan", 1985, None),
    ("330100", "杭州市", "Hangzhou", None, None),
    ("330500", "湖州市", "Huzhou", 1983, None),
    ("331000", "台州市", "Taizhou", 1994, None),
    ("331100", "丽水市", "Lishui", 2000, None),
]
COUNTIES = [
    # Guangyuan
    ("510802", "利州区", "Lizhou", 2007, None),
    ("510811", "昭化区", "Zhaohua", 2013, None),
    ("510812", "朝天区", "Chaotian", 1989, None),
    ("510821", "旺苍县", "Wangcang", 1985, None),
    ("510822", "青川县", "Qingchuan", 1985, None),
    ("510823", "剑阁县", "Jiange", 1985, None),
    ("510824", "苍溪县", "Cangxi", 1985, None),
    # Hangzhou (2021+ partners)
    ("330106", "西湖区", "Xihu", None, None),
    ("330109", "萧山区", "Xiaoshan", None, None),
    ("330110", "余杭区", "Yuhang", None, None),
    # Huzhou
    ("330502", "吴兴区", "Wuxing", 2003, None),
    ("330503", "南浔区", "Nanxun", 2003, None),
    ("330521", "德清县", "Deqing", None, None),
    ("330522", "长兴县", "Changxing", None, None),
    ("330523", "安吉县", "Anji", None, None),
    # Taizhou
    ("331002", "椒江区", "Jiaojiang", 1994, None),
    ("331003", "黄岩区", "Huangyan", 1994, None),
    ("331004", "路桥区", "Luqiao", 1994, None),
    ("331021", "玉环县", "Yuhuan County", 1994, 2016),
    ("331022", "三门县", "Sanmen", 1994, None),
    ("331023", "天台县", "Tiantai", 1994, None),
    ("331024", "仙居县", "Xianju", 1994, None),
    ("331081", "温岭市", "Wenling", 1994, None),
    ("331082", "临海市", "Linhai", 1994, None),
    ("331083", "玉环市", "Yuhuan", 2017, None),
    # Lishui
    ("331102", "莲都区", "Liandu", 2000, None),
    ("331121", "青田县", "Qingtian", 2000, None),
    ("331122", "缙云县", "Jinyun", 2000, None),
    ("331123", "遂昌县", "Suichang", 2000, None),
    ("331124", "松阳县", "Songyang", 2000, None),
    ("331125", "云和县", "Yunhe", 2000, None),
    ("331126", "庆元县", "Qingyuan", 2000, None),
    ("331127", "景宁畲族自治县", "Jingning She Autonomous County", 2000, None),
    ("331181", "龙泉市", "Longquan", 2000, None),
]
GUANGYUAN_COUNTIES = [c[0] for c in COUNTIES if c[0].startswith("5108")]


def _is_administrative_township(code9: str) -> bool:
    """4xx township-level codes are statistical units (reserves, farms), not townships (§7.2)."""
    return not ("400" <= code9[6:9] <= "599")


def township_rows() -> list[dict]:
    with (DATA_DIR / "guangyuan_townships.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if _is_administrative_township(r["code"])]


def village_rows() -> list[dict]:
    with (DATA_DIR / "guangyuan_villages.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if _is_administrative_township(r["township_code"])]


def tree_divisions() -> list[Division]:
    """All division rows of the tree, parents before children."""
    rows: list[Division] = []
    side_of = {p[0][:2]: p[5] for p in PROVINCES}
    for code, name, name_en, vf, vt, side in PROVINCES:
        rows.append(Division(code=code.ljust(12, "0"), name=name, name_en=name_en, level="province",
                             parent_id=None, side=side, valid_from=vf, valid_to=vt))
    for code, name, name_en, vf, vt in CITIES:
        rows.append(Division(code=code.ljust(12, "0"), name=name, name_en=name_en, level="city",
                             parent_id=code[:2].ljust(12, "0"), side=side_of[code[:2]], valid_from=vf, valid_to=vt))
    for code, name, name_en, vf, vt in COUNTIES:
        rows.append(Division(code=code.ljust(12, "0"), name=name, name_en=name_en, level="county",
                             parent_id=code[:4].ljust(12, "0"), side=side_of[code[:2]], valid_from=vf, valid_to=vt))
    for r in township_rows():
        rows.append(Division(code=r["code"].ljust(12, "0"), name=r["name"], level="township",
                             parent_id=r["county_code"].ljust(12, "0"), side="west"))
    for r in village_rows():
        rows.append(Division(code=r["code"], name=r["name"], level="village",
                             parent_id=r["township_code"].ljust(12, "0"), side="west"))
    return rows


@transaction.atomic
def load_tree() -> int:
    """Insert or update every division of the tree; returns the number of rows."""
    rows = tree_divisions()
    Division.objects.bulk_create(
        rows, batch_size=1000, update_conflicts=True, unique_fields=["code"],
        update_fields=["name", "name_en", "level", "parent", "side", "valid_from", "valid_to", "synthetic"],
    )
    return len(rows)
