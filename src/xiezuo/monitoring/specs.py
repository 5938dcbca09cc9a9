"""Department warnings (部门筛查预警) as a sheet of the data-exchange mechanism (`xiezuo.dataio.specs`).

Each row names a household (户编号), one to five risk types, the warning department and optionally a
date, a description and the rigid expenditure; a valid row opens one case through `services.case_open`.
The household must be one the importing user may change; a risk the household already has an open
case for (or that an earlier row of the file opens) is refused with its row and column. Cases have no
natural key, so every valid row is new. Each valid row is first opened through `case_open` in a
savepoint that is rolled back (`dataio.specs.ServiceSpec`), so whatever the service refuses (scope
with personal data, the case's own validation) is reported on its row before anything is saved; the
commit opens them for real, all or none like every import.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from xiezuo.dates import EARLIEST

from . import workflow as wf
from .models import Case, CaseRisk, RiskType, Source


def _aliases() -> tuple[tuple[str, str], ...]:
    # Excel turns "01" into 1 and "0201" into 201 when the column is not text.
    return tuple((str(int(code)), code) for code in RiskType.values if code.startswith("0"))


def _columns():
    from xiezuo.dataio.specs import Column

    return (
        Column("household_number", "户编号", "Household number", required=True, max_length=30,
               synonyms=("户号", "household")),
        Column("risk_types", "风险类型", "Risk types", "multichoice", required=True, choices=RiskType,
               aliases=_aliases(), synonyms=("风险", "risks"),
               note_zh="1-5项，国家代码（01、0201……99）或名称，用顿号分隔",
               note_en="1-5 national codes (01, 0201, ... 99) or names, separated by commas"),
        Column("department", "预警部门", "Department", required=True, max_length=60, synonyms=("部门",)),
        Column("detail", "预警内容", "Detail", max_length=500, synonyms=("说明", "情况说明")),
        Column("date", "预警日期", "Date", "date", min_value=EARLIEST, synonyms=("日期",), note_zh="不填则为导入当天",
               note_en="Blank: the day of the import"),
        Column("rigid_expenditure", "刚性支出", "Rigid expenditure", "money", min_value=Decimal("0"),
               max_value=Decimal("100000000"), synonyms=("刚性支出（元）", "rigid_expenditure"),
               note_zh="元", note_en="Yuan"),
    )


def register() -> None:
    from xiezuo.dataio import specs
    from xiezuo.registry.models import Household

    from . import services

    # the service's fields -> the sheet's columns, for its refusals
    fields_to_columns = {"household": "household_number", "risk_types": "risk_types", "opened_on": "date",
                         "source_department": "department", "source_detail": "detail",
                         "rigid_expenditure": "rigid_expenditure"}

    class WarningsSpec(specs.ServiceSpec):
        entity = "warnings"
        title_zh = "部门筛查预警"
        title_en = "Department warnings"
        order = 90
        model = Case
        columns = _columns()

        def plan(self, ctx, rows):
            col = {c.name: c for c in self.columns}
            numbers = {r.values["household_number"] for r in rows if r.values.get("household_number")}
            households = {h.number: h for h in Household.objects.filter(number__in=numbers).select_related("village")
                          if ctx.in_scope(h.village_id)}
            taken: dict[int, set[str]] = {}
            for hh_id, risk in CaseRisk.objects.filter(household__in=households.values(), is_open=True) \
                    .values_list("household_id", "risk_type"):
                taken.setdefault(hh_id, set()).add(risk)
            today = dt.date.today()
            for row in rows:
                v = row.values
                hh = households.get(v["household_number"])
                if hh is None:
                    ctx.error(row, col["household_number"], v["household_number"],
                              _("No household with this number in your area."))
                    continue
                risks = list(dict.fromkeys(v["risk_types"]))
                if not 1 <= len(risks) <= wf.MAX_RISKS:
                    ctx.error(row, col["risk_types"], "、".join(risks),
                              _("Name one to %(n)d risk types.") % {"n": wf.MAX_RISKS})
                    continue
                clash = sorted(taken.setdefault(hh.pk, set()) & set(risks))
                if clash:
                    ctx.error(row, col["risk_types"], "、".join(risks),
                              _("Household %(number)s already has an open case for risk %(risks)s.")
                              % {"number": hh.number, "risks": ", ".join(clash)})
                    continue
                taken[hh.pk].update(risks)
                row.obj = {"household": hh, "risk_types": risks, "department": v["department"],
                           "detail": v.get("detail") or "", "on": v.get("date") or today,
                           "rigid_expenditure": v.get("rigid_expenditure")}
                row.action = "new"
                self.rehearse(ctx, row)

        def write(self, ctx, row) -> Case:
            user = ctx.user if ctx.user is not None else services.SystemUser()
            return services.case_open(source=Source.DEPARTMENT_WARNING, user=user, **row.obj)

        def report(self, ctx, row, exc: Exception) -> None:
            if not hasattr(exc, "messages"):  # PermissionDenied
                ctx.error(row, self.col("household_number"), row.values.get("household_number"),
                          _("You may not open a case for this household (its area or its personal data)."))
                return
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for field, messages in by_field.items():
                name = fields_to_columns.get(field, "household_number")
                ctx.error(row, self.col(name), row.values.get(name), " ".join(messages))

        def export_queryset(self, *, user, params):
            return (Case.objects.restrict(user, "view").filter(source=Source.DEPARTMENT_WARNING)
                    .select_related("household").order_by("opened_on", "id"))

        def export_row(self, obj, *, unmask: bool) -> dict[str, Any]:
            return {"household_number": obj.household.number, "risk_types": list(obj.risk_types),
                    "department": obj.source_department, "detail": obj.source_detail, "date": obj.opened_on,
                    "rigid_expenditure": obj.rigid_expenditure}

    specs.register(WarningsSpec())
