"""Demo region definitions: what `xiezuo demo --region NAME` builds, as data.

A definition is a TOML file in `geo/data/regions/` (`guangyuan.toml`, the default, and `dingxi.toml`):
the division tree's upper levels, where its townships and villages come from (NBS files, or generated),
the registry's totals, the pairings, and each app's region-particular figures (the book's, for
Guangyuan). The demo modules read it and name no division themselves; a deployment that is not a demo
has no definition at all: its region is its division tree and cooperation records
(`accounts.region.data_region`, docs/regions.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REGIONS_DIR = Path(__file__).resolve().parent / "data" / "regions"
DEFAULT = "guangyuan"


def full(code: str) -> str:
    """A code of any level as the 12-digit key of `geo.Division`."""
    return code.ljust(12, "0")


@dataclass(frozen=True)
class DemoRegion:
    name: str
    data: dict[str, Any]

    def section(self, key: str) -> dict[str, Any]:
        """One app's part of the definition ({} when the region has none)."""
        return self.data.get(key, {})

    @property
    def tree(self) -> dict[str, Any]:
        return self.data["tree"]

    @property
    def city(self) -> str:
        """The western city the demo serves, 12 digits."""
        return full(self.tree["city"])

    @property
    def prefix(self) -> str:
        """Its code prefix: every western division, household and record of the demo starts with it."""
        return self.tree["city"][:4]

    @property
    def east_province(self) -> str:
        return full(self.tree["east_province"])

    @property
    def counties(self) -> list[str]:
        """The western counties (6 digits), by code."""
        return sorted(c["code"] for c in self.tree["counties"] if c["code"].startswith(self.prefix))

    @property
    def county_logins(self) -> dict[str, str]:
        """County (6 digits) -> the demo login of its staff."""
        return {c["code"]: c["login"] for c in self.tree["counties"] if c.get("login")}

    @property
    def partners_2018(self) -> dict[str, str]:
        return dict(self.section("cooperation").get("partners_2018", {}))

    @property
    def partners_2021(self) -> dict[str, str]:
        return dict(self.section("cooperation").get("partners_2021", {}))

    def id_region(self, county6: str, birth_year: int) -> str:
        """A region code valid in the birth year, so synthetic identity numbers pass strict validators."""
        for rule in self.section("registry").get("id_region_before", []):
            if rule["county"] == county6 and birth_year < rule["before"]:
                return rule["code"]
        return county6


def available() -> list[str]:
    return sorted(p.stem for p in REGIONS_DIR.glob("*.toml"))


def read(path: Path) -> DemoRegion:
    """A definition from any file (a deployment's own tree: `geo.loaders.load_tree(read(path))`)."""
    with Path(path).open("rb") as fh:
        return DemoRegion(name=Path(path).stem, data=tomllib.load(fh))


@cache
def load(name: str | None = None) -> DemoRegion:
    """One of the shipped demo regions, by name (the default: Guangyuan)."""
    name = name or DEFAULT
    path = REGIONS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ValueError(f"No demo region {name!r}; the regions are: {', '.join(available())}.")
    return read(path)
