"""The division tree and its rural populations through the data-exchange mechanism (`xiezuo.dataio.specs`).

A deployment is its data: a new region brings its divisions (statistical codes of the national 12-digit
structure, names, east or west) and the registered rural population of each division and year (the
incidence's denominator) in one workbook, `xiezuo template divisions` (the populations sheet follows the
divisions'). Only administrators (`accounts.access.can_manage_divisions`) import them, within their edit scope.

- A division's level comes from its code (`geo.selectors.level_of_code`) and its parent is the division of
  the code's next shorter prefix (a village's township, a township's county — or the city, where the county
  digits are 00), which must be stored already or be a row of the same sheet: the tree never has a hole.
- A code already stored is that division: unchanged, or its name, English name, side and validity years
  updated. Nothing is deleted and a code's level never changes.
- A population row is (division, year): new or updated.
Rows are checked first and every problem reported by row and column; the commit writes parents before
children in one transaction, one audit row per division or population.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from xiezuo.accounts import audit
from xiezuo.accounts.access import can_manage_divisions, prefixes_q, scope_prefixes

from .models import PREFIX_LENGTH, Division, DivisionPopulation
from .selectors import level_of_code

LEVELS = ("province", "city", "county", "township", "village")
FIELDS = ("name", "name_en", "side", "valid_from", "valid_to")


def parent_code(code: str) -> str | None:
    """The code of a division's parent: its next shorter prefix that is not the code itself."""
    own = PREFIX_LENGTH[level_of_code(code)]
    for n in (9, 6, 4, 2):
        if n < own and code[:n].ljust(12, "0") != code:
            return code[:n].ljust(12, "0")
    return None


def _division_columns():
    from xiezuo.dataio.specs import Column

    return (
        Column("code", "统计用区划代码", "Division code", "division", required=True,
               synonyms=("区划代码", "行政区划代码", "代码", "code"), note_zh="12位；层级由代码确定（如 PPCCDD000000 为县）",
               note_en="12 digits; the level follows from the code (PPCCDD000000 is a county)"),
        Column("name", "区划名称", "Division name", required=True, max_length=100, synonyms=("名称",)),
        Column("name_en", "英文名称", "English name", max_length=100),
        Column("side", "东西部", "Side", "choice", choices=Division.Side, synonyms=("协作方",),
               aliases=(("东部", "east"), ("西部", "west"), ("帮扶方", "east"), ("受援方", "west")),
               note_zh="留空则同上级（省级默认西部）", note_en="Blank: as its parent (a province: west)"),
        Column("valid_from", "启用年份", "Valid from (year)", "year", min_value=1949, max_value=2100),
        Column("valid_to", "停用年份", "Valid to (year)", "year", min_value=1949, max_value=2100,
               note_zh="撤并的区划填写最后有效年份", note_en="The last year of a merged or abolished division"),
    )


def _population_columns():
    from xiezuo.dataio.specs import Column

    return (
        Column("code", "统计用区划代码", "Division code", "division", required=True,
               synonyms=("区划代码", "行政区划代码", "代码", "code")),
        Column("year", "年份", "Year", "year", required=True, min_value=2000, max_value=2100, synonyms=("年度",)),
        Column("rural_population", "农村户籍人口", "Registered rural population", "int", required=True,
               min_value=0, max_value=2_000_000_000, synonyms=("乡村户籍人口", "农业户籍人口"),
               note_zh="人；贫困发生率的分母", note_en="Persons; the denominator of incidence"),
        Column("source", "数据来源", "Source", max_length=200, synonyms=("来源",)),
    )


def _refused(ctx, rows, column) -> bool:
    """Every row refused (on its code) when the importing user may not manage divisions."""
    if can_manage_divisions(ctx.user):
        return False
    for row in rows:
        ctx.error(row, column, row.values["code"], _("Only administrators may import divisions and populations."))
    return True


def register() -> None:
    from xiezuo.dataio import specs

    class AdministratorsOnly(specs.TabularSpec):
        """The deployment's configuration: offered to administrators only (`plan` refuses anyone else)."""

        def offered_to(self, user) -> bool:
            return can_manage_divisions(user)

    class DivisionSpec(AdministratorsOnly):
        entity = "divisions"
        title_zh = "行政区划"
        title_en = "Divisions"
        order = 5  # before every sheet that names a division
        model = Division
        columns = _division_columns()
        template_with = ("division_populations",)

        def plan(self, ctx, rows):
            col = {c.name: c for c in self.columns}
            if _refused(ctx, rows, col["code"]):
                return
            codes = {r.values["code"] for r in rows}
            for code in list(codes):
                if (p := parent_code(code)) is not None:
                    codes.add(p)
            stored = {d.code: d for d in Division.objects.filter(code__in=sorted(codes))}
            seen: dict[str, Any] = {}
            # parents first, so a child's parent row has been looked at (and its side is known)
            for row in sorted(rows, key=lambda r: (LEVELS.index(level_of_code(r.values["code"])), r.number)):
                v, code = row.values, row.values["code"]
                if code in seen:
                    ctx.error(row, col["code"], code, _("The same division code is already on row %(row)d.")
                              % {"row": seen[code].number})
                    continue
                seen[code] = row
                if not ctx.in_scope(code):
                    ctx.error(row, col["code"], code, _("This division is outside your area."))
                    continue
                level, parent = level_of_code(code), parent_code(code)
                upper = stored.get(parent) if parent else None
                if parent and upper is None:
                    in_sheet = seen.get(parent)
                    if in_sheet is None or in_sheet.action == "error":
                        ctx.error(row, col["code"], code, _(
                            "Its parent division %(parent)s is neither stored nor a valid row of this sheet: add "
                            "the parent first.") % {"parent": parent})
                        continue
                    upper = in_sheet.obj
                if v.get("valid_from") and v.get("valid_to") and v["valid_to"] < v["valid_from"]:
                    ctx.error(row, col["valid_to"], v["valid_to"], _("The last valid year is before the first."))
                    continue
                side = v.get("side") or (upper.side if upper is not None else Division.Side.WEST)
                new = Division(code=code, name=v["name"], name_en=v.get("name_en") or "", level=level,
                               parent_id=parent, side=side, valid_from=v.get("valid_from"),
                               valid_to=v.get("valid_to"))
                old = stored.get(code)
                if old is None:
                    row.obj, row.action = new, "new"
                    continue
                if old.level != level:  # a stored tree older than level_of_code's rule: never rewritten
                    ctx.error(row, col["code"], code, _("This code is stored as a %(level)s; its level cannot "
                                                        "change.") % {"level": old.get_level_display()})
                    continue
                if not v.get("side"):
                    new.side = old.side  # a blank side keeps the stored one
                row.diff = {f: (getattr(old, f), getattr(new, f)) for f in FIELDS if getattr(old, f) != getattr(new, f)}
                row.obj, row.action = old, ("changed" if row.diff else "unchanged")
                for f, (_was, now) in row.diff.items():
                    setattr(old, f, now)

        def commit(self, ctx, rows):
            new = sorted((r.obj for r in rows if r.action == "new"), key=lambda d: LEVELS.index(d.level))
            Division.objects.bulk_create(new, batch_size=1000)  # parents first: the foreign key holds row by row
            audit.record_many(action="geo.division.imported", user=ctx.user, targets=new,
                              data={"job": ctx.job_id} if ctx.job_id else None)
            for row in rows:
                if row.action == "changed":
                    before = {f: was for f, (was, _now) in row.diff.items()}
                    row.obj.save(update_fields=list(row.diff))
                    audit.record(action="geo.division.updated", user=ctx.user, target=row.obj, before=before,
                                 after={f: now for f, (_was, now) in row.diff.items()}, division_code=row.obj.code)

        def export_queryset(self, *, user, params):
            return Division.objects.filter(prefixes_q("code", scope_prefixes(user, "view"))).order_by("code")

        def export_rows(self, qs, *, unmask: bool):
            return qs.values("code", *FIELDS).iterator(chunk_size=2000)

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            return {"code": obj.code, **{f: getattr(obj, f) for f in FIELDS}}

    class PopulationSpec(AdministratorsOnly):
        entity = "division_populations"
        title_zh = "农村户籍人口"
        title_en = "Rural populations"
        order = 6
        model = DivisionPopulation
        columns = _population_columns()

        def plan(self, ctx, rows):
            col = {c.name: c for c in self.columns}
            if _refused(ctx, rows, col["code"]):
                return
            codes = sorted({r.values["code"] for r in rows})
            known = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
            known |= {r.values["code"] for r in ctx.rows_by_entity.get("divisions", []) if r.action == "new"}
            stored = {(p.division_id, p.year): p for p in DivisionPopulation.objects.filter(division_id__in=codes)}
            seen: dict[tuple[str, int], int] = {}
            for row in rows:
                v = row.values
                key = (v["code"], v["year"])
                if key in seen:
                    ctx.error(row, col["year"], v["year"], _("The same division and year are already on row %(row)d.")
                              % {"row": seen[key]})
                    continue
                seen[key] = row.number
                if not ctx.in_scope(v["code"]):
                    ctx.error(row, col["code"], v["code"], _("This division is outside your area."))
                    continue
                if v["code"] not in known:
                    ctx.error(row, col["code"], v["code"], _("Unknown division: import it on the divisions sheet "
                                                             "first."))
                    continue
                old = stored.get(key)
                if old is None:
                    row.obj = DivisionPopulation(division_id=v["code"], year=v["year"],
                                                 rural_population=v["rural_population"], source=v.get("source") or "")
                    row.action = "new"
                    continue
                now = {"rural_population": v["rural_population"], "source": v.get("source") or old.source}
                row.diff = {f: (getattr(old, f), x) for f, x in now.items() if getattr(old, f) != x}
                row.obj, row.action = old, ("changed" if row.diff else "unchanged")
                for f, (_was, x) in row.diff.items():
                    setattr(old, f, x)

        def commit(self, ctx, rows):
            new = [r.obj for r in rows if r.action == "new"]
            DivisionPopulation.objects.bulk_create(new, batch_size=1000)
            audit.record_many(action="geo.population.imported", user=ctx.user, targets=new,
                              data={"job": ctx.job_id} if ctx.job_id else None)
            for row in rows:
                if row.action == "changed":
                    row.obj.save(update_fields=list(row.diff))
                    audit.record(action="geo.population.updated", user=ctx.user, target=row.obj,
                                 before={f: was for f, (was, _x) in row.diff.items()},
                                 after={f: x for f, (_was, x) in row.diff.items()}, division_code=row.obj.division_id)

        def export_queryset(self, *, user, params):
            return (DivisionPopulation.objects.filter(prefixes_q("division_id", scope_prefixes(user, "view")))
                    .order_by("division_id", "year"))

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            return {"code": obj.division_id, "year": obj.year, "rural_population": obj.rural_population,
                    "source": obj.source}

    specs.register(DivisionSpec())
    specs.register(PopulationSpec())
