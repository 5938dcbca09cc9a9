"""The project library sheet for the data-exchange mechanism (`xiezuo.dataio.specs`).

A row is one project, matched by its code: a new code creates the project (in reserve), a
known code updates it. Budget columns are one per fund source; a blank budget cell leaves
that line alone. The responsible cadre is named, and must be the only cadre of that name in
the project's county.

Every new or changed row is first tried through `xiezuo.projects.services` inside a
savepoint that is rolled back (`dataio.specs.ServiceSpec`), so all of the services' rules (western county, township and
village inside it, scope, amounts, budget not below what is allocated) are reported by row
and column before anything is written. The commit then runs the same services for real, in
the importer's single transaction (all or none), each audited as usual.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Budget, Category, FundSource, Project

BUDGETS = {"budget_east_fiscal": FundSource.EAST_FISCAL, "budget_social_donation": FundSource.SOCIAL_DONATION,
           "budget_local": FundSource.LOCAL}
FIELDS = ("name", "county", "township", "village", "category", "year", "responsible")


def _columns():
    from xiezuo.dataio.specs import Column

    money = {"min_value": Decimal("0"), "max_value": Decimal("100000000000"),
             "note_zh": "元，最多两位小数；留空则不改", "note_en": "Yuan, 2 decimals; blank leaves it unchanged"}
    return (
        Column("code", "项目编号", "Project code", required=True, max_length=40, synonyms=("项目代码",),
               note_zh="每个项目唯一，导入时按它匹配已有项目", note_en="Unique; used to match existing projects"),
        Column("name", "项目名称", "Project name", required=True, max_length=200, synonyms=("名称",)),
        Column("county", "县代码", "County code", "division", required=True, synonyms=("县区代码", "所在县代码")),
        Column("township", "乡镇代码", "Township code", "division", synonyms=("乡代码",)),
        Column("village", "村代码", "Village code", "division", synonyms=("所在村代码",)),
        Column("category", "项目类型", "Category", "choice", required=True, choices=Category,
               synonyms=("项目类别", "类别")),
        Column("year", "年度", "Year", "year", required=True, min_value=2013, max_value=2100, synonyms=("实施年度",)),
        # the one fiscal-aid column: a header naming the partner ("<省份>财政援助资金（元）", "<province> fiscal aid
        # (yuan)", as the templates before 2026-12 wrote it) is read as this column on every deployment
        Column("budget_east_fiscal", "东部协作财政援助资金（元）", "East–West fiscal aid (yuan)", "money",
               synonyms=("东部协作财政援助资金", "东西部协作财政援助资金", "财政援助资金"),
               header_pattern=r"[^\d(]{1,12}财政援助资金(\(元\))?|[^\d(]{1,30}fiscalaid(\(yuan\))?|budget[a-z]{1,20}fiscal",
               **money),
        Column("budget_social_donation", "社会帮扶资金（元）", "Social donations (yuan)", "money",
               synonyms=("社会帮扶资金", "社会捐赠资金"), **money),
        Column("budget_local", "地方配套资金（元）", "Local funds (yuan)", "money", synonyms=("地方配套资金", "本地资金"),
               **money),
        Column("responsible", "责任人", "Responsible cadre", max_length=50, synonyms=("项目负责人", "负责人"),
               note_zh="县内干部姓名", note_en="Name of a cadre of the county"),
    )


def register() -> None:
    from xiezuo.dataio import specs
    from xiezuo.geo.models import Division
    from xiezuo.registry.models import Cadre

    from . import services

    class ProjectSpec(specs.ServiceSpec):
        entity = "projects"
        title_zh = "项目库"
        title_en = "Projects"
        order = 50
        model = Project
        columns = _columns()

        def report(self, ctx, row, exc: Exception) -> None:
            if isinstance(exc, PermissionDenied):
                ctx.error(row, self.col("county"), row.values.get("county"),
                          _("This project is outside your area; you cannot change it."))
                return
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for field, messages in by_field.items():
                name = {"place": "county", "source": "code"}.get(field, field)
                if name == "amount":  # a budget line refused: the first budget cell of the row
                    name = next((n for n in BUDGETS if row.values.get(n) is not None), "code")
                col = self.col(name) if any(c.name == name for c in self.columns) else self.col("code")
                ctx.error(row, col, row.values.get(col.name), " ".join(messages))

        def plan(self, ctx, rows):
            codes = {r.values["county"] for r in rows} | {r.values.get("township") for r in rows} \
                | {r.values.get("village") for r in rows}
            divisions = Division.objects.in_bulk([c for c in codes if c], field_name="code")
            existing = {p.code: p for p in Project.objects.filter(code__in=[r.values["code"] for r in rows])}
            budgets: dict[int, dict[str, Decimal]] = {}
            for b in Budget.objects.filter(project__in=list(existing.values())):
                budgets.setdefault(b.project_id, {})[b.source] = b.amount
            cadres: dict[str, list[Cadre]] = {}
            names = {r.values.get("responsible") for r in rows if r.values.get("responsible")}
            for c in Cadre.objects.filter(name__in=names):
                cadres.setdefault(c.name, []).append(c)
            seen: dict[str, int] = {}
            for row in rows:
                v = row.values
                if v["code"] in seen:
                    ctx.error(row, self.col("code"), v["code"],
                              _("The same project code is already on row %(row)d.") % {"row": seen[v["code"]]})
                    continue
                seen[v["code"]] = row.number
                fields: dict[str, Any] = {"code": v["code"], "name": v["name"], "category": v["category"],
                                          "year": v["year"]}
                for level in ("county", "township", "village"):
                    code = v.get(level)
                    fields[level] = None
                    if code:
                        if code not in divisions:
                            ctx.error(row, self.col(level), code, _("Unknown division code."))
                        fields[level] = divisions.get(code)
                if row.action == "error":
                    continue
                if not ctx.in_scope(fields["county"].code) and not (
                        fields["village"] and ctx.in_scope(fields["village"].code)) and not (
                        fields["township"] and ctx.in_scope(fields["township"].code)):
                    ctx.error(row, self.col("county"), v["county"],
                              _("This project is outside your area; you cannot change it."))
                    continue
                # a blank township with a village: the services take the village's township
                derived = fields["village"].parent if fields["village"] and not fields["township"] else None
                fields["responsible"] = None
                if v.get("responsible"):
                    found = [c for c in cadres.get(v["responsible"], [])
                             if c.division_id.startswith(fields["county"].prefix)]
                    if len(found) != 1:
                        ctx.error(row, self.col("responsible"), v["responsible"],
                                  _("No cadre of this name in the county: add the cadre first.") if not found else
                                  _("Several cadres of the county have this name."))
                        continue
                    fields["responsible"] = found[0]
                amounts = {src: v[name] for name, src in BUDGETS.items() if v.get(name) is not None}
                project = existing.get(v["code"])
                if project is None:
                    row.action = "new"
                    row.obj = {"fields": fields, "budgets": amounts}
                else:
                    diff = {}
                    for name in FIELDS:
                        if name in ("category", "year", "name"):
                            old, new = getattr(project, name), fields[name]
                        else:
                            old = getattr(project, f"{name}_id")
                            new = fields[name].pk if fields[name] is not None else None
                            if name == "township" and derived is not None:
                                new = derived.pk
                        if old != new:
                            diff[name] = (old, new)
                    have = budgets.get(project.pk, {})
                    for name, src in BUDGETS.items():
                        if src in amounts and have.get(src, Decimal("0")) != amounts[src]:
                            diff[name] = (have.get(src), amounts[src])
                    row.obj = {"project": project, "fields": fields,
                               "budgets": {s: a for s, a in amounts.items() if have.get(s) != a}}
                    row.diff = diff
                    row.action = "changed" if diff else "unchanged"
                if row.action in ("new", "changed"):
                    self.rehearse(ctx, row)

        def write(self, ctx, row) -> Project:
            fields, amounts = row.obj["fields"], row.obj["budgets"]
            if row.action == "new":
                return services.project_create(user=ctx.user, budgets=amounts, **fields)
            project = services.project_update(user=ctx.user, project=row.obj["project"],
                                              **{k: v for k, v in fields.items() if k != "code"})
            for source, amount in amounts.items():
                services.budget_set(user=ctx.user, project=project, source=source, amount=amount)
            return project

        def export_queryset(self, *, user, params):
            qs = Project.objects.restrict(user, "view").select_related("responsible").prefetch_related("budgets")
            year = params.get("year") if hasattr(params, "get") else None
            if year and str(year).isdigit():
                qs = qs.filter(year=int(year))
            return qs.order_by("code")

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            row = {"code": obj.code, "name": obj.name, "county": obj.county_id, "township": obj.township_id,
                   "village": obj.village_id, "category": obj.category, "year": obj.year,
                   "responsible": obj.responsible.name if obj.responsible_id else ""}
            lines = {b.source: b.amount for b in obj.budgets.all()}
            for name, src in BUDGETS.items():
                row[name] = lines.get(src)
            return row

    specs.register(ProjectSpec())
