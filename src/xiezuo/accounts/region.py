"""The viewer's region: the western divisions whose figures a page shows to the person looking.

A page of figures (home, dashboard, annual report) is titled with, and computed over, the
viewer's region; nothing names a division code:

- a county, city or township user: the divisions of their view/edit grants;
- an eastern cooperation office: the western divisions paired with its own (the same
  pairings that make its scope, `access._partner_prefixes`);
- an administrator, an auditor and the system (CLI, `user=None`): the western division tree's
  top, walked down while it has a single child (四川省 → 广元市 on the demo), so the data say
  which city the installation serves.

`partner_region` is the eastern side, named where a page speaks of the partner province.

`root` is the division the region lies in (the region itself when it is one division, else
their lowest common ancestor): the home page starts there, the dashboard compares its children
and the figures are queried under its prefix, always within the viewer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from xiezuo.geo.models import PREFIX_LENGTH, Division, code_prefix

from . import access


@dataclass(frozen=True)
class Region:
    divisions: tuple[Division, ...]  # disjoint, by code
    everything: bool = False  # the viewer's scope is not limited (admin, auditor, system)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(d.prefix for d in self.divisions)

    @property
    def root(self) -> Division | None:
        if not self.divisions:
            return None
        if len(self.divisions) == 1:
            return self.divisions[0]
        common = _common_prefix(self.prefixes)
        level = max((lv for lv, n in PREFIX_LENGTH.items() if n <= len(common)), key=PREFIX_LENGTH.get,
                    default=None)
        if level is None:
            return None
        return Division.objects.filter(code=common[:PREFIX_LENGTH[level]].ljust(12, "0")).first()

    @property
    def prefix(self) -> str:
        """The prefix figures are queried under (the viewer's scope narrows it further)."""
        root = self.root
        return root.prefix if root is not None else ""

    def title(self, language: str | None = None) -> str:
        """The region's name(s) as a page title: 广元市, 青川县, 青川县、剑阁县."""
        english = (language or "").startswith("en")
        names = [(d.name_en or d.name) if english else d.name for d in self.divisions]
        return (", " if english else "、").join(names)

    def contains(self, code: str) -> bool:
        return any(code.startswith(p) for p in self.prefixes)


def _common_prefix(prefixes) -> str:
    first, last = min(prefixes), max(prefixes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _minimal(divisions: list[Division]) -> tuple[Division, ...]:
    """Drop divisions inside another one of the list."""
    kept: list[Division] = []
    for d in sorted(divisions, key=lambda d: (len(d.prefix), d.code)):
        if not any(d.code.startswith(k.prefix) for k in kept):
            kept.append(d)
    return tuple(sorted(kept, key=lambda d: d.code))


def data_region() -> tuple[Division, ...]:
    """The western tree's top divisions, walked down while there is a single one."""
    tops = list(Division.objects.filter(parent__isnull=True, side=Division.Side.WEST).order_by("code"))
    while len(tops) == 1:
        children = list(Division.objects.filter(parent=tops[0]).order_by("code")[:2])
        if len(children) != 1:
            break
        tops = children
    return tuple(tops)


def partner_region() -> tuple[Division, ...]:
    """The eastern tree's top divisions: the partner province(s) whose name a page or a report gives
    (浙江省 on the Guangyuan demo, 福建省 on the Dingxi one); () when the tree has no eastern side."""
    return tuple(Division.objects.filter(parent__isnull=True, side=Division.Side.EAST).order_by("code"))


def partner_title(language: str | None = None) -> str:
    """The partner province(s) as words in a sentence, "" when there is none (see `Region.title`)."""
    return Region(divisions=partner_region()).title(language)


def viewer_region(user) -> Region:
    prefixes = access.figure_prefixes(user)
    if prefixes is access.EVERYTHING:
        return Region(divisions=data_region(), everything=True)
    if not prefixes:
        return Region(divisions=())
    # an eastern office's own grants are in its scope for cooperation records, but its figures
    # are its western partners'; a western user's grants are all western
    divisions = Division.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes], side=Division.Side.WEST)
    return Region(divisions=_minimal([d for d in divisions if code_prefix(d.code, d.level) in prefixes]))
