"""No module under src/ names a division: a deployment's region is its data (issue 15, docs/regions.md).

What counts as a division code, whatever its place in the code (a constant, a filter, a help text, a
docstring, a comment, a template):
- a run of exactly 6 or 12 digits whose first two are a province code (11–15, 21–23, 31–37, 41–46,
  50–54, 61–65): a county (`510822`) or any 12-digit statistical code (`510822101201`);
- an 18-character identity number whose first 6 digits are such a code (it carries its region);
- a string that is only 4 digits and is a real prefecture code of the national register (python-stdnum's
  `cn/loc.dat`, every era): the prefix form (`code__startswith="5108"`). A 4-digit string that is no
  prefecture's code (the policy's poverty lines "3218", "3750") is an amount, not a code.
Integers are not checked: codes are strings by convention (docs/architecture.md), and 6-digit integers
are populations and amounts (262_000).

Where it does not look, and why:
- demo data: the demo region definitions and the NBS division lists, files under `*/data/`
  (`geo/data/regions/*.toml`, `geo/data/*.csv`, the GeoJSON maps): data a deployment replaces, not code;
- migrations: history is immutable (a shipped migration is replayed as written on every upgrade; editing
  one would change what older databases went through), and the data migrations that seeded Guangyuan
  records are part of that history;
- vendored static libraries (none today) would be another's code.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest
import stdnum

SRC = Path(__file__).resolve().parents[2] / "src"
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
             "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
TEXT_SUFFIXES = (".html", ".js", ".txt", ".po")


@cache
def prefectures() -> frozenset[str]:
    """Every prefecture-level code (4 digits) in python-stdnum's register of divisions, past and present."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    found, province = set(), None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line[:2]
            continue
        sub = line.split()[0]
        if province and len(sub) == 4 and sub.endswith("00") and sub != "0000":
            found.add(province + sub[:2])
    return frozenset(found)


def codes_in_text(text: str) -> list[str]:
    found = [d for d in DIGIT_RUN.findall(text) if len(d) in (6, 12) and d[:2] in PROVINCES]
    found += [n for n in ID_NUMBER.findall(text) if n[:2] in PROVINCES]
    return found


def codes_in_literal(value: str) -> list[str]:
    found = codes_in_text(value)
    bare = value.strip()
    if len(bare) == 4 and bare.isdigit() and bare in prefectures():
        found.append(bare)
    return found


def scanned_files() -> list[Path]:
    files = []
    for path in sorted((SRC / "xiezuo").rglob("*")):  # the package: not the build metadata beside it
        parts = path.relative_to(SRC).parts
        if not path.is_file() or "migrations" in parts or "data" in parts or "__pycache__" in parts:
            continue
        if path.suffix == ".py" or path.suffix in TEXT_SUFFIXES:
            files.append(path)
    return files


def offences(path: Path, root: Path = SRC) -> list[str]:
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(root)
    if path.suffix != ".py":
        return [f"{where}: {code}" for code in codes_in_text(text)]
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out += [f"{where}:{node.lineno}: {code}" for code in codes_in_literal(node.value)]
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            out += [f"{where}:{token.start[0]}: {code} (comment)" for code in codes_in_text(token.string)]
    return out


def test_no_module_under_src_names_a_division_code():
    found = [o for path in scanned_files() for o in offences(path)]
    assert not found, ("division codes in code (a region belongs in its data: geo/data/regions/*.toml, "
                       "docs/regions.md):\n" + "\n".join(found))


@pytest.mark.parametrize(("source", "expected"), [
    ('CITY = "510800000000"', ["510800000000"]),
    ('qs.filter(code__startswith="5108")', ["5108"]),
    ('QINGCHUAN = "510822"', ["510822"]),
    ('help = "Division code prefix (e.g. 510822)"', ["510822"]),
    ('msg = _("A village code has 12 digits, for example 621102101201.")', ["621102101201"]),
    ('"""`510822199001011234` -> masked"""', ["510822199001011234"]),
    ('x = 1  # 苍溪 510824', ["510824 (comment)"]),
    ('EAST = "3301"', ["3301"]),
    ('LINE = ("3218", "G")', []),                # an amount: no prefecture has the code 3218
    ('CITY = "9901"', []),                       # no province 99: a made-up code names nothing
    ('n = 262_000; s = "2019-2020"', []),
    ('uscc = "91510822MA6xxxx"', []),            # inside a longer token: not a run of 6 digits
])
def test_the_check_catches_the_class(tmp_path, source, expected):
    # given a module with one literal
    module = tmp_path / "m.py"
    module.write_text(source + "\n", encoding="utf-8")
    # when it is checked, then exactly the division codes are reported
    found = [o.split(": ", 1)[1] for o in offences(module, tmp_path)]
    assert found == expected
