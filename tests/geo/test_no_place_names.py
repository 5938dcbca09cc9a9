"""No page, message or stored value names a shipped region's places: the code serves any region (issue 15).

The sibling of `test_no_division_codes.py`, for names. The names are read from the shipped region
definitions themselves (`geo/data/regions/*.toml`): every province, city and county of their trees, in
Chinese (浙江省, and without its suffix: 浙江) and in English (Zhejiang), and each definition's title and
short name. A new demo region adds its names to the check by existing.

What is looked at, and why there:
- the string literals of every module under `src/` that a user can see or the database stores: labels,
  choices and their values, messages, help texts, import headers and aliases, f-string parts;
- templates and scripts (`.html`, `.js`, `.txt`) whole, and the message catalogues' `msgid`/`msgstr` lines.

What is not, and why:
- docstrings and comments: they may cite the book the Guangyuan demo reproduces (协调发展道路) and say
  which region an example comes from; nobody sees them on a page;
- demo modules (`demo.py`, `demo_*.py`, the `demo` command): they build a named demo region from its
  definition and may say so; the data they write comes from the definition (their names are checked by
  `tests/web/test_second_region.py` on the Dingxi demo);
- demo data under `*/data/` and migrations (history, replayed as shipped; the data migrations that rename
  old stored values must name them), as in the division-code check;
- catalogue comments (`#:` references, `#~` obsolete entries are removed instead).

Short forms shorter than two characters, and those that are everyday words, are left out (`COMMON`).
"""

from __future__ import annotations

import ast
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
REGIONS = SRC / "xiezuo" / "geo" / "data" / "regions"
TEXT_SUFFIXES = (".html", ".js", ".txt")
SUFFIXES = ("畲族自治县", "自治县", "省", "市", "区", "县")
# short forms that are also ordinary words of a page (天台 "rooftop", 路桥 "roads and bridges", 西湖 is
# everywhere a lake): the full name (天台县, 路桥区) is still caught
COMMON = {"天台", "路桥", "西湖", "长兴", "鼓楼", "安定"}


@cache
def place_names() -> tuple[frozenset[str], re.Pattern]:
    """(Chinese names, a pattern of the English names as whole words) of every shipped region definition."""
    chinese, english = set(), set()
    for path in sorted(REGIONS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        tree = data["tree"]
        chinese |= {data.get("title", ""), data.get("short_name", "")}
        english.add(data.get("title_en", ""))
        for entry in (*tree.get("provinces", []), *tree.get("cities", []), *tree.get("counties", [])):
            name = entry["name"]
            chinese.add(name)
            short = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
            if len(short) >= 2 and short not in COMMON:
                chinese.add(short)
            english.add(entry.get("en", "").removesuffix(" County"))
    chinese.discard("")
    words = sorted((e for e in english if e), key=len, reverse=True)
    # whole words, an underscore being a separator: the stored value `zhejiang_fiscal` names a province
    return frozenset(chinese), re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, words)) + r")(?![a-z])",
                                          re.IGNORECASE)


def names_in(text: str) -> list[str]:
    chinese, english = place_names()
    found = sorted(n for n in chinese if n in text)
    # a longer name holds its short form: report 浙江省 once, not 浙江 too
    found = [n for n in found if not any(n != m and n in m for m in found)]
    return found + [m.group(0) for m in english.finditer(text)]


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def is_demo(path: Path) -> bool:
    return path.stem == "demo" or path.stem.startswith("demo_")


def scanned_files() -> list[Path]:
    files = []
    for path in sorted((SRC / "xiezuo").rglob("*")):  # the package: not the build metadata beside it
        parts = path.relative_to(SRC).parts
        if not path.is_file() or "migrations" in parts or "data" in parts or "__pycache__" in parts:
            continue
        if (path.suffix == ".py" and not is_demo(path)) or path.suffix in (*TEXT_SUFFIXES, ".po"):
            files.append(path)
    return files


def offences(path: Path, root: Path = SRC) -> list[str]:
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(root)
    if path.suffix == ".po":
        return [f"{where}:{n}: {name}" for n, line in enumerate(text.splitlines(), 1)
                if line.startswith(("msgid", "msgstr", '"')) for name in names_in(line)]
    if path.suffix != ".py":
        return [f"{where}: {name}" for name in names_in(text)]
    tree = ast.parse(text)
    skip = _docstrings(tree)
    return [f"{where}:{node.lineno}: {name}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            for name in names_in(node.value)]


def test_no_page_message_or_stored_value_names_a_shipped_regions_place():
    found = [o for path in scanned_files() for o in offences(path)]
    assert not found, ("place names of a shipped region in code (a region belongs in its data, the partner's "
                       "name comes from the division tree: accounts.region.partner_title):\n" + "\n".join(found))


def test_the_names_come_from_the_definitions():
    chinese, english = place_names()
    assert {"浙江省", "浙江", "广元市", "广元", "青川县", "青川", "定西", "福州市", "天台县"} <= chinese
    assert "天台" not in chinese  # an everyday word
    assert english.search("Zhejiang fiscal aid") and english.search("in FUJIAN")
    assert english.search("budget_zhejiang_fiscal")
    assert not english.search("Xiezuo") and not english.search("Zhejiangese")


@pytest.mark.parametrize(("source", "expected"), [
    ('ZHEJIANG_FISCAL = "zhejiang_fiscal", _("Zhejiang fiscal aid")', ["zhejiang", "Zhejiang"]),
    ('Column("budget", "浙江财政援助资金（元）", "Fiscal aid")', ["浙江"]),
    ('aliases=(("浙江", "partner"),)', ["浙江"]),
    ('label = _("Guangyuan products sold")', ["Guangyuan"]),
    ('text = f"在浙江省设立劳务协作工作站{n}个"', ["浙江省"]),
    ('SYNONYMS = ("广元县区代码",)', ["广元"]),
    ('name = "定西{}食品有限公司"', ["定西"]),
    ('def f():\n    """The book: 广元, Zhejiang."""\n    return 1', []),   # a docstring
    ('x = 1  # 青川, Zhejiang', []),                                  # a comment
    ('label = _("Roads and bridges (路桥)"); t = "天台"', []),         # everyday words
    ('EAST = "east_fiscal", _("East–West fiscal aid")', []),
])
def test_the_check_catches_the_class(tmp_path, source, expected):
    # given a module with one statement
    module = tmp_path / "m.py"
    module.write_text(source + "\n", encoding="utf-8")
    # when it is checked, then exactly the place names of its UI strings and values are reported
    found = [o.split(": ", 1)[1] for o in offences(module, tmp_path)]
    assert found == expected


def test_templates_and_catalogues_are_checked(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("{% translate 'Labour workstations in Zhejiang' %}", encoding="utf-8")
    po = tmp_path / "django.po"
    po.write_text('#: views.py:1 广元\nmsgid "Guangyuan products sold"\nmsgstr "广元产品销售额"\n', encoding="utf-8")
    assert [o.split(": ", 1)[1] for o in offences(page, tmp_path)] == ["Zhejiang"]
    assert [o.split(": ", 1)[1] for o in offences(po, tmp_path)] == ["Guangyuan", "广元"]
